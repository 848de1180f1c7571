"""One writer at a time: a second run waits or gives up clearly; a killed run never blocks the next."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ransearch.errors import IndexLocked
from ransearch.indexing import build_index, rollback_index
from ransearch.lock import LOCK_FILE, index_lock


def test_second_run_without_waiting_gives_up_at_once(reindex_corpus: Path, reindex_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    with index_lock(index):
        start = time.monotonic()
        with pytest.raises(IndexLocked, match="another indexing run is updating"):
            build_index([reindex_corpus], index, reindex_encoder, lock_timeout=0)
        assert time.monotonic() - start < 1
        with pytest.raises(IndexLocked) as exc:
            build_index([reindex_corpus], index, reindex_encoder, lock_timeout=0.3)
        assert exc.value.waited is not None and exc.value.waited >= 0.3
        with pytest.raises(IndexLocked):
            rollback_index(index, lock_timeout=0)
    assert not any((index / "generations").glob("*"))  # nothing was written


def test_second_run_waits_for_the_first(reindex_corpus: Path, reindex_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    held = threading.Event()

    def hold() -> None:
        with index_lock(index):
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    start = time.monotonic()
    report = build_index([reindex_corpus], index, reindex_encoder, lock_timeout=None)
    assert time.monotonic() - start >= 0.3 and report.outcome == "updated"
    thread.join()


_HOLDER = """
import sys, time
from pathlib import Path
from ransearch.lock import index_lock
with index_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_lock_of_a_killed_process_is_released_by_the_kernel(reindex_corpus: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    index = tmp_path / "index"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(index)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLocked):
            build_index([reindex_corpus], index, reindex_encoder, lock_timeout=0)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        holder.stdout.close()  # type: ignore[union-attr]
    assert (index / LOCK_FILE).exists()  # the file stays; the flock on it died with its process
    report = build_index([reindex_corpus], index, reindex_encoder, lock_timeout=0)
    assert report.outcome == "updated"
