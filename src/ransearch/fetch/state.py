"""What a fetch remembers between runs, and how it writes files: the state file
``DIR/.fetch-state.json`` (per address: the file written, the validators for conditional
requests, the listing it was found on) and atomic writes (temporary file, fsync, rename), so a
page in the corpus folder is complete or absent, whatever kills the process.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["STATE_FILE", "REMOVED_DIR", "Entry", "FetchState", "write_atomic", "clean_temporaries"]

STATE_FILE = ".fetch-state.json"
REMOVED_DIR = ".removed"
_TEMP_PREFIX = ".fetch-"
_TEMP_SUFFIX = ".part"
_VERSION = 1


@dataclass
class Entry:
    """One address fetched before."""

    kind: str
    """``practice`` or ``listing``."""
    file: str | None = None
    """The file written for a practice, relative to the corpus folder."""
    etag: str | None = None
    last_modified: str | None = None
    listed_by: str | None = None
    """The start address of the listing that linked to this practice."""
    links: tuple[str, ...] = ()
    """For a listing: the practice and page links it held (reused when it answers 304)."""
    fetched_at: str | None = None


class FetchState:
    """The state file of one corpus folder: a dict of address → :class:`Entry`."""

    def __init__(self, folder: Path, entries: dict[str, Entry] | None = None) -> None:
        self.folder = folder
        self.entries = entries or {}

    @property
    def path(self) -> Path:
        return self.folder / STATE_FILE

    @classmethod
    def load(cls, folder: Path) -> FetchState:
        """The folder's state; an absent or unreadable file gives an empty state (the next run
        then downloads every page once more: nothing is lost)."""
        try:
            data = json.loads((folder / STATE_FILE).read_text("utf-8"))
            entries = {url: Entry(**{**e, "links": tuple(e.get("links", ()))})
                       for url, e in data.get("pages", {}).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            entries = {}
        return cls(folder, entries)

    def save(self) -> None:
        data = {"version": _VERSION,
                "pages": {url: {k: v for k, v in asdict(e).items() if v not in (None, ())}
                          for url, e in sorted(self.entries.items())}}
        write_atomic(self.path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers and crashes see the old file or the new one,
    never a part: a hidden temporary file in the same folder, flushed, then renamed over."""
    fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def clean_temporaries(folder: Path) -> None:
    """Remove temporary files a killed run left behind (hidden, so never indexed meanwhile)."""
    for stale in folder.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
        try:
            stale.unlink()
        except OSError:
            pass
