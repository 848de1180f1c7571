"""One writer at a time: the lock an indexing run holds on its index folder.

The lock is an OS-level ``flock`` on ``<index>/.lock`` (``filelock.FileLock``), so the kernel
releases it when the process holding it ends in any way, including ``kill -9`` or a power cut:
a killed run never blocks the next one. File systems without ``flock`` are refused rather than
given a lock file that a crash would leave behind. Readers never take the lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ransearch.errors import IndexLocked, IndexWriteError

__all__ = ["LOCK_FILE", "index_lock"]

LOCK_FILE = ".lock"


@contextmanager
def index_lock(index_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the writer lock of ``index_dir`` for the duration of the block.

    Args:
        index_dir: the index folder (created if missing).
        timeout: seconds to wait for another run to finish; None waits as long as it takes,
            0 does not wait.

    Raises:
        IndexLocked: another run still holds the lock after ``timeout`` seconds.
        IndexWriteError: the lock file cannot be created, or the file system has no locks.
    """
    from filelock import FileLock, Timeout

    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexWriteError(str(index_dir), exc.strerror or str(exc)) from None
    wait = -1 if timeout is None else max(0.0, timeout)
    try:  # filelock >= 4 would otherwise fall back to a lock file that a crash leaves behind
        lock = FileLock(index_dir / LOCK_FILE, timeout=wait, fallback_to_soft=False, preserve_lock_file=True)
    except TypeError:  # filelock 3: never falls back, never removes the file
        lock = FileLock(index_dir / LOCK_FILE, timeout=wait)
    start = time.monotonic()
    try:
        lock.acquire()
    except Timeout:
        raise IndexLocked(str(index_dir), time.monotonic() - start) from None
    except (OSError, NotImplementedError) as exc:  # NotImplementedError: no flock (filelock 3)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise IndexWriteError(str(index_dir / LOCK_FILE), f"cannot lock ({reason})") from None
    try:
        yield
    finally:
        lock.release()
