"""How many CPU threads an encoder may use (``threads=``, else ``$RANSEARCH_THREADS``), the
one-thread policy of queries (:data:`one_thread`), and the helper thread a query hands
independent work to (:func:`beside`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # concurrent.futures is imported by the first query that needs the helper
    from concurrent.futures import Future, ThreadPoolExecutor

from ransearch.errors import EncoderUnavailable

__all__ = ["THREADS_ENV", "requested_threads", "available_cpus", "one_thread", "beside", "at_once",
           "allow_helper"]

THREADS_ENV = "RANSEARCH_THREADS"


def requested_threads(threads: int | None, encoder: str) -> int | None:
    """The thread count asked for: ``threads`` if given, else ``$RANSEARCH_THREADS``, else None.

    Raises:
        EncoderUnavailable: the count is not a positive integer.
    """
    if threads is None:
        raw = os.environ.get(THREADS_ENV, "").strip()
        if not raw:
            return None
        try:
            threads = int(raw)
        except ValueError:
            raise EncoderUnavailable(
                encoder, f"{THREADS_ENV} must be a positive integer, got {raw!r}"
            ) from None
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

    A query's matrix products and vector search are too small to share between threads, and on a
    busy machine a second thread mostly waits for a core: 10,000 chunks, 40 dev queries, two
    threads under load: p50 38 ms against 7 ms with one (docs/performance.md, threads).
    Re-entrant and safe across threads: the pools are limited when the first query starts and
    restored when the last one ends. OpenBLAS built with pthreads (numpy's) ignores a thread
    count set from a thread other than the one that started its pool, so in a process whose
    queries come from worker threads the cap is set once at start-up instead (the servers:
    ``ransearch.live.limit_threads``).
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._active = 0
        self._limit: Any = None
        self._controller: Any = None  # the loaded BLAS/OpenMP libraries, found at the first query

    def controller(self) -> Any:
        """The loaded BLAS/OpenMP libraries (found once: scanning them takes milliseconds)."""
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            self._controller = ThreadpoolController()
        return self._controller

    def __enter__(self) -> None:
        with self._lock:
            if self._active == 0:
                self._limit = self.controller().limit(limits=1)
            self._active += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._limit is not None:
                self._limit.restore_original_limits()
                self._limit = None


one_thread = _OneThread()
"""``with one_thread: ...`` runs a query's numeric work on one thread (see :class:`_OneThread`)."""


T = TypeVar("T")
_helper: ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()
_helper_allowed = True


def allow_helper(allowed: bool) -> None:
    """Let queries use the helper thread, or not (a server capped at one thread per query)."""
    global _helper_allowed
    _helper_allowed = allowed


def _one_thread_here() -> None:
    # OpenMP's thread count is per calling thread: the helper's FAISS calls run on one thread too
    one_thread.controller().limit(limits=1, user_api="openmp")


def beside(fn: Callable[..., T], *args: Any) -> Future[T]:
    """Start ``fn(*args)`` on the process's query helper thread and return at once (a future);
    on a one-CPU machine, with ``$RANSEARCH_THREADS`` set to 1, or after ``allow_helper(False)``,
    run it now.

    A query hands the helper work that needs nothing from what the caller does meanwhile (half
    of its texts to encode, its vector search), and both run on one BLAS/OpenMP thread each.
    A Python thread waiting for a core does not spin, unlike a second BLAS thread: on a busy
    machine the two parts just run one after the other. Helper tasks never wait for other
    helper tasks, so concurrent queries cannot deadlock on it.
    """
    global _helper
    from concurrent.futures import Future, ThreadPoolExecutor

    if not _helper_allowed or available_cpus() < 2 or requested_threads(None, "ransearch") == 1:
        done: Future[T] = Future()
        done.set_result(fn(*args))
        return done
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ransearch-query",
                                         initializer=_one_thread_here)
    return _helper.submit(fn, *args)


A = TypeVar("A")


def at_once(fn: Callable[[A], T], a: A, b: A) -> tuple[T, T]:
    """``(fn(a), fn(b))``, ``fn(b)`` on the query helper thread meanwhile (see :func:`beside`)."""
    second = beside(fn, b)
    return fn(a), second.result()
