"""sha256 digests of index files, remembered by file identity, so that opening an index does
not read gigabytes again.

Checking a generation against its manifest means hashing every file: at a million chunks
that is 2.8 GB, ~2.7 s on the development machine, at every ``Engine.open``. As git's index
does for the working tree, a digest is remembered with the identity and state of the file it
was computed from: device, inode, size, modification and status-change times (ns). A file
whose state is unchanged since is not read again; any write through the file system changes
its modification or change time, and the change time cannot be set back by a user. What this
cannot see is damage under the file system (a failing disk): ``ransearch status --verify``
hashes every file again.

File times advance in clock ticks (milliseconds), so a write in the same tick as the change
before it may leave them equal ("racy git"). A digest is therefore remembered only for a file
whose last change is ``RACY_SECONDS`` older than the start of its hashing: any later write then
falls in a later tick. Files hashed right after being written are hashed again at the next
check, once they are old enough to be remembered.

The memo is one small JSON file, ``digests.json`` in ransearch's cache folder (see
:func:`ransearch.config.cache_dir`). The indexer records the digests it writes into a
manifest, so the first open after a build reads nothing twice. Reading or writing the memo
never fails a caller: without it, files are hashed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import TypeGuard

from ransearch.config import cache_dir

__all__ = ["DigestMemo", "sha256_file"]

_BLOCK = 1 << 20
_KEEP = 4096
"""Entries kept, most recently used first (an index generation has a few dozen files)."""
RACY_SECONDS = 2.0
"""How much older than its hashing a file's last change must be for its digest to be remembered."""


def sha256_file(path: Path) -> str:
    """The sha256 of the file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class DigestMemo:
    """Digests of files by identity and state; :meth:`sha256` reads a file only if it changed.

    Args:
        path: the memo file (default: ``digests.json`` in the cache folder); None keeps
            nothing between processes.
        racy_seconds: see ``RACY_SECONDS``.
    """

    def __init__(self, path: Path | None, racy_seconds: float = RACY_SECONDS) -> None:
        self.path = path
        self.racy_ns = int(racy_seconds * 1e9)
        self._entries: dict[str, list[object]] = self._read()
        self._changed = False

    @classmethod
    def default(cls) -> DigestMemo:
        return cls(cache_dir() / "digests.json")

    def _read(self) -> dict[str, list[object]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _state(path: Path) -> tuple[str, list[int]]:
        st = os.stat(path)
        return f"{st.st_dev}:{st.st_ino}", [st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def sha256(self, path: Path) -> str:
        """The file's sha256: remembered if the file is unchanged since, else read (and
        remembered if its last change is old enough, see ``RACY_SECONDS``).

        Raises:
            OSError: the file cannot be read.
        """
        key, state = self._state(path)
        entry = self._entries.get(key)
        if _valid(entry) and entry[:3] == state:
            entry[4] = time.time()
            return str(entry[3])
        started = time.time_ns()
        digest = sha256_file(path)
        settled = max(state[1], state[2]) < started - self.racy_ns
        if settled and self._state(path) == (key, state):  # and not changed while it was read
            self._entries[key] = [*state, digest, time.time()]
            self._changed = True
        return digest

    def save(self) -> None:
        """Write the memo (atomically; the most recently used entries), if anything was learned."""
        if self.path is None or not self._changed:
            return
        merged = {**self._read(), **self._entries}  # keep what other processes learned meanwhile
        valid = [(key, entry) for key, entry in merged.items() if _valid(entry)]
        recent = sorted(valid, key=lambda kv: -_last_used(kv[1]))[:_KEEP]
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(dict(recent)), "utf-8")
            os.replace(tmp, self.path)
            self._changed = False
        except OSError:  # read-only home, full disk: files will be hashed next time
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass


def _valid(entry: object) -> TypeGuard[list[object]]:
    """An entry is [size, mtime_ns, ctime_ns, sha256 hex, last used (epoch seconds)]."""
    return (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[3], str)
            and isinstance(entry[4], (int, float)))


def _last_used(entry: list[object]) -> float:
    used = entry[4]
    return float(used) if isinstance(used, (int, float)) else 0.0
