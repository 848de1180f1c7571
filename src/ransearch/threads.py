"""The thread policy, all of it: a query runs on the thread that asked it, with one BLAS/OpenMP
thread; indexing uses every thread it is given.

    encoder_threads(threads)  threads for an encoder: ``threads``, else the settings'
                              (``threads`` in ransearch.toml, ``$RANSEARCH_THREADS``: parsed by
                              :mod:`ransearch.config` only), else None (the encoder's default)
    available_cpus()          CPUs this process may run on
    one_thread                ``with one_thread:`` around a query (``Engine.ask``, ``match``,
                              ``similar``): BLAS and OpenMP pools run one thread meanwhile
    cap_process_threads(n)    every pool of the process at ``n`` threads for good (servers)

Why one thread per query: a query multiplies small matrices and searches a few vector rows,
too little to share between threads, and on a busy machine a second BLAS thread spins waiting
for a core: warm 10k queries went from p50 11.6 / p95 53.6 ms to p50 29.8 / p95 99.9 ms with
the libraries' default of two (docs/performance.md, threads). A helper thread that took half
of a long query's encoding and its vector search was removed: ~18 % of warm p95 on a quiet
machine, nothing on a busy one (figures in docs/performance.md, threads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ransearch.errors import EncoderUnavailable

if TYPE_CHECKING:  # threadpoolctl is imported by the first query
    from threadpoolctl import ThreadpoolController

__all__ = ["encoder_threads", "available_cpus", "one_thread", "cap_process_threads"]


def encoder_threads(threads: int | None, encoder: str) -> int | None:
    """The thread count an encoder was asked for: ``threads`` if given, else the configured one
    (``threads`` of the settings: config file, then ``$RANSEARCH_THREADS``), else None.

    Raises:
        EncoderUnavailable: ``threads`` is not a positive integer.
        ConfigError: the configured value is malformed.
    """
    if threads is None:
        from ransearch.config import load_settings

        return load_settings().threads
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise EncoderUnavailable(encoder, f"threads must be a positive integer, got {threads!r}")
    return threads


def available_cpus() -> int:
    """CPUs this process may run on (honours affinity masks and container cpusets)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class _OneThread:
    """Context manager: BLAS and OpenMP pools (numpy, faiss) run one thread while any query runs.

    Re-entrant and safe across threads: the pools are limited when the first query starts and
    restored when the last one ends. OpenBLAS built with pthreads (numpy's) ignores a thread
    count set from a thread other than the one that started its pool, so in a process whose
    queries come from worker threads the cap is set once at start-up instead
    (:func:`cap_process_threads`, what the servers do).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._restore: Callable[[], None] | None = None
        self._controller: ThreadpoolController | None = None  # found at the first query

    def _pools(self) -> ThreadpoolController:
        """The loaded BLAS/OpenMP libraries (found once: scanning them takes milliseconds)."""
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        return self._controller

    def __enter__(self) -> None:
        with self._lock:
            if self._active == 0:
                self._restore = self._pools().limit(limits=1).restore_original_limits
            self._active += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._restore is not None:
                self._restore()
                self._restore = None


one_thread = _OneThread()
"""``with one_thread: ...`` runs a query's numeric work on one thread (see :class:`_OneThread`)."""


def cap_process_threads(threads: int) -> None:
    """Cap every BLAS and OpenMP thread pool loaded in this process at ``threads``, for good.

    Call it once the libraries are loaded (after opening an index): a pool loaded later is not
    capped.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
