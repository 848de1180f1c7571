"""How many CPU threads an encoder may use: ``threads=``, else ``$RANSEARCH_THREADS``."""

from __future__ import annotations

import os

from ransearch.errors import EncoderUnavailable

__all__ = ["THREADS_ENV", "requested_threads", "available_cpus"]

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
