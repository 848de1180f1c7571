"""Writing files so that neither a crash nor a reader ever sees half of one: fsync of files and
folders, and the atomic replacement of a small file (temporary file, fsync, rename)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_path", "fsync_tree", "write_atomic"]


def fsync_path(path: Path | str, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            fsync_path(os.path.join(root, name))
        fsync_path(root)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old or the new content, never a mix.

    Raises:
        OSError: the file could not be written (no temporary file is left behind).
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not also keep a half-written file
        raise
    fsync_path(path.parent)
