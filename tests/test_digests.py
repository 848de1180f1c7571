"""Remembered file digests: a file is read again exactly when it may have changed."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from ransearch import digests
from ransearch.digests import DigestMemo, sha256_file


@pytest.fixture()
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files hashed by reading them."""
    seen: list[Path] = []
    real = digests.sha256_file

    def counting(path: Path) -> str:
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(digests, "sha256_file", counting)
    return seen


def _settled(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    time.sleep(0.05)  # later than the file's last change by more than a clock tick
    return path


def test_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc" * 1000)
    assert sha256_file(path) == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert DigestMemo(None).sha256(path) == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_unchanged_file_is_not_read_again_even_by_another_process(tmp_path: Path, reads: list[Path]) -> None:
    path = _settled(tmp_path / "f.bin", b"x" * 5000)
    memo_file = tmp_path / "cache" / "digests.json"
    first = DigestMemo(memo_file, racy_seconds=0.01)
    digest = first.sha256(path)
    first.save()
    assert reads == [path]
    again = DigestMemo(memo_file, racy_seconds=0.01)  # as a new process would
    assert again.sha256(path) == digest
    assert reads == [path]


@pytest.mark.parametrize("change", ["same size", "append", "replace file", "touch"])
def test_a_changed_file_is_read_again(tmp_path: Path, reads: list[Path], change: str) -> None:
    path = _settled(tmp_path / "f.bin", b"a" * 5000)
    memo = DigestMemo(tmp_path / "digests.json", racy_seconds=0.01)
    before = memo.sha256(path)
    memo.save()
    if change == "same size":
        with open(path, "r+b") as f:
            f.seek(100)
            f.write(b"b")
    elif change == "append":
        with open(path, "ab") as f:
            f.write(b"b")
    elif change == "replace file":
        other = tmp_path / "other.bin"
        other.write_bytes(b"c" * 5000)
        os.replace(other, path)
    else:
        os.utime(path, ns=(0, 0))  # sets the modification time back; the change time moves on
    after = DigestMemo(tmp_path / "digests.json", racy_seconds=0.01).sha256(path)
    assert len(reads) == 2
    assert (after == before) == (change == "touch")


def test_a_file_changed_just_before_hashing_is_not_remembered(tmp_path: Path, reads: list[Path]) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"fresh")
    memo = DigestMemo(tmp_path / "digests.json")  # RACY_SECONDS: the file is younger than that
    memo.sha256(path)
    memo.sha256(path)
    memo.save()
    assert len(reads) == 2
    assert not (tmp_path / "digests.json").exists()


def test_unreadable_memo_is_ignored_and_replaced(tmp_path: Path, reads: list[Path]) -> None:
    path = _settled(tmp_path / "f.bin", b"data")
    memo_file = tmp_path / "digests.json"
    memo_file.write_text("{not json", "utf-8")
    memo = DigestMemo(memo_file, racy_seconds=0.01)
    assert memo.sha256(path) == hashlib.sha256(b"data").hexdigest()
    memo.save()
    assert len(json.loads(memo_file.read_text("utf-8"))) == 1


def test_memo_that_cannot_be_written_costs_nothing_but_time(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("file", "utf-8")
    path = _settled(tmp_path / "f.bin", b"data")
    memo = DigestMemo(blocker / "digests.json", racy_seconds=0.01)
    assert memo.sha256(path) == hashlib.sha256(b"data").hexdigest()
    memo.save()  # no error


def test_saving_keeps_entries_other_processes_wrote(tmp_path: Path) -> None:
    memo_file = tmp_path / "digests.json"
    a, b = _settled(tmp_path / "a.bin", b"a"), _settled(tmp_path / "b.bin", b"b")
    one, two = DigestMemo(memo_file, racy_seconds=0.01), DigestMemo(memo_file, racy_seconds=0.01)
    one.sha256(a)
    two.sha256(b)
    one.save()
    two.save()
    assert len(json.loads(memo_file.read_text("utf-8"))) == 2
