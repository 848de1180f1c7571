"""Finding the practice documents under the corpus folders people maintain.

The walk decides what a document *is*, once, so that ids are unique by construction:

* a document is its real file: a symbolic link to a file of the corpus is that file (one
  document, its ``source`` the file's path), a folder given twice or inside another is walked once;
* ``source`` is the path relative to the corpus folder that holds the file. When two corpus
  folders hold the same relative path (``a/x.txt`` and ``b/x.txt``), both get their folder's name
  in front (``a/x.txt``, ``b/x.txt``); other sources stay as they are, so the ids of a single
  folder never change;
* links that leave the corpus folders are not followed (``follow_links`` says otherwise) and are
  listed in ``Walk.skipped``;
* what cannot be read is never taken for deleted: an unreadable folder, a link whose target
  vanished, a link loop go to ``Walk.unreadable`` (indexing keeps their last good version).

Hidden files and folders are skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ransearch.errors import RansearchError
from ransearch.ingest import DOCUMENT_SUFFIXES

__all__ = ["Document", "Unreadable", "Walk", "Scanned", "find_documents", "scan_corpus", "check_shrink",
           "SHRINK_LIMIT"]


@dataclass(frozen=True)
class Document:
    """A document file, the corpus folder it was found in, and its ``source`` (its unique name)."""

    path: Path
    root: Path
    source: str = ""


@dataclass(frozen=True)
class Unreadable:
    """A file or folder the walk could not read; ``source`` is a file's source or a folder's prefix ("sub/")."""

    source: str
    path: str
    reason: str

    def covers(self, source: str) -> bool:
        """Whether the document ``source`` is (or lies under) this unreadable path."""
        if not self.source:  # a corpus folder itself
            return True
        return source == self.source or (self.source.endswith("/") and source.startswith(self.source))


@dataclass
class Walk:
    """What the corpus folders hold: documents, what could not be read, links not followed, problems."""

    documents: list[Document] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)     # corpus folders with no document
    missing: list[str] = field(default_factory=list)   # corpus paths that do not exist

    @property
    def problems(self) -> list[str]:
        return ([f"{p}: no such file or folder" for p in self.missing]
                + [f"{p}: no documents in this folder" for p in self.empty])


def _within(target: Path, roots: list[Path]) -> Path | None:
    return next((r for r in roots if target == r or r in target.parents), None)


def _label(root: Path, roots: list[Path]) -> str:
    """The shortest tail of ``root``'s path that no other corpus folder shares."""
    parts = root.parts
    for n in range(1, len(parts) + 1):
        tail = parts[-n:]
        if not any(other != root and other.parts[-n:] == tail for other in roots):
            return "/".join(p.strip("/") for p in tail if p.strip("/")) or "root"
    return root.as_posix().strip("/") or "root"


class _Walker:
    def __init__(self, roots: list[Path], follow_links: bool) -> None:
        self.roots = roots  # resolved
        self.follow_links = follow_links
        self.walk = Walk()
        self.found: dict[Path, tuple[Path, Path]] = {}  # real file → (path as found, its corpus folder)
        self.visited: set[Path] = set()

    def _rel(self, path: Path, root: Path) -> str:
        return Path(os.path.relpath(path, root)).as_posix()

    def _add(self, path: Path, target: Path, root: Path) -> None:
        if target not in self.found:
            self.found[target] = (path, root)

    def folder(self, folder: Path, root: Path, real: Path) -> bool:
        """Walk ``folder`` (found under corpus folder ``root``; ``real`` is its resolved path)."""
        if real in self.visited:
            return True
        self.visited.add(real)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            where = self._rel(folder, root)
            self.walk.unreadable.append(Unreadable("" if where == "." else where + "/", str(folder),
                                                   f"cannot read folder ({exc.strerror or exc})"))
            return False
        for entry in entries:
            # hidden entries, and a folder's README (it describes the folder; it is no practice)
            if entry.name.startswith(".") or Path(entry.name).stem.upper() == "README":
                continue
            self.entry(Path(entry.path), entry, root)
        return True

    def entry(self, path: Path, entry: os.DirEntry[str], root: Path) -> None:
        is_document = path.suffix.lower() in DOCUMENT_SUFFIXES
        try:
            link = entry.is_symlink()
            if not link:
                if entry.is_dir(follow_symlinks=False):
                    self.folder(path, root, path.resolve())
                elif is_document and entry.is_file(follow_symlinks=False):
                    self._add(path, path.resolve(), root)
                return
            target = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # a dangling link, a loop, a path that vanished
            reason = getattr(exc, "strerror", None) or "link target missing or link loop"
            where = self._rel(path, root)
            self.walk.unreadable.append(Unreadable(where if is_document else where + "/", str(path),
                                                   f"cannot read link ({reason})"))
            return
        inside = _within(target, self.roots)
        if inside is None and not self.follow_links:
            self.walk.skipped.append(f"{path} → {target}: link out of the corpus folders not followed "
                                     "(--follow-links follows it)")
            return
        if target.is_dir():
            self.folder(path, root, target)
        elif is_document and target.is_file():
            self._add(path, target, root)

    def sources(self) -> list[Document]:
        """Every document found, with a source unique among them."""
        named: dict[Path, tuple[Path, Path, str]] = {}
        for target, (path, root) in self.found.items():
            home = _within(target, self.roots)
            # a file of the corpus is named where it lies; a followed link out of it by the link
            rel = self._rel(target, home) if home is not None else self._rel(path, root)
            named[target] = (path, home or root, rel)
        owners: dict[str, set[Path]] = defaultdict(set)
        for target, (_, root, rel) in named.items():
            owners[rel].add(root)
        docs = []
        for target, (path, root, rel) in named.items():
            source = rel if len(owners[rel]) == 1 else f"{_label(root, self.roots)}/{rel}"
            docs.append(Document(path, root, source))
        return sorted(docs, key=lambda d: d.source)


def find_documents(paths: Iterable[Path], *, follow_links: bool = False) -> Walk:
    """Every document under ``paths`` (folders or files), once each; see the module docstring."""
    given = [Path(p) for p in paths]
    roots: list[Path] = []
    for path in given:
        if path.is_dir():
            real = path.resolve()
            if real not in roots:
                roots.append(real)
    walker = _Walker(roots, follow_links)
    for path in given:
        if path.is_dir():
            real = path.resolve()
            before = len(walker.found)
            unread = len(walker.walk.unreadable)
            if real in walker.visited:
                continue  # the same folder given twice, or a folder inside another
            if walker.folder(real, real, real) and len(walker.found) == before \
                    and len(walker.walk.unreadable) == unread:
                walker.walk.empty.append(str(path))
        elif path.is_file():
            real = path.resolve()
            walker._add(real, real, _within(real, roots) or real.parent)
        elif path.is_symlink():
            walker.walk.unreadable.append(Unreadable(path.name, str(path), "cannot read link (target missing)"))
        else:
            walker.walk.missing.append(str(path))
    walker.walk.documents = walker.sources()
    return walker.walk


@dataclass(frozen=True)
class Scanned:
    """A document found in the corpus: its source path, and the sha256 of its bytes (or why not)."""

    doc: Document
    source: str
    hash: str | None
    error: str = ""


SHRINK_LIMIT = 0.5
"""A run that would remove more than this share of the indexed documents (two or more) is refused
unless ``allow_shrink``: an unmounted share or a half-copied folder must not empty the index."""


def scan_corpus(corpus_dirs: Sequence[Path], progress: Callable[[str, int, int], None], follow_links: bool,
          allow_shrink: bool) -> tuple[list[Scanned], Walk]:
    """Every document of the corpus, hashed; and the walk (what could not be read, links skipped).

    Raises:
        RansearchError: a corpus folder is missing, or empty without ``allow_shrink``.
    """
    try:
        walk = find_documents(corpus_dirs, follow_links=follow_links)
    except OSError as exc:
        raise RansearchError(f"cannot read the corpus: {exc}") from None
    if walk.missing or (walk.empty and not allow_shrink):
        hint = " (an unmounted share? --allow-shrink indexes it anyway)" if walk.empty and not walk.missing else ""
        raise RansearchError("corpus: " + "; ".join(walk.problems) + hint)
    documents = walk.documents
    out: list[Scanned] = []
    for i, doc in enumerate(documents):
        try:
            out.append(Scanned(doc, doc.source, hashlib.sha256(doc.path.read_bytes()).hexdigest()))
        except OSError as exc:
            out.append(Scanned(doc, doc.source, None, f"cannot read file ({exc.strerror or exc})"))
        progress("scan", i + 1, len(documents))
    return out, walk


def check_shrink(indexed: int, removed: int) -> None:
    if removed >= 2 and removed > SHRINK_LIMIT * indexed:
        raise RansearchError(f"the corpus shrank: {removed} of the {indexed} indexed documents are gone "
                             f"(more than {SHRINK_LIMIT:.0%}); an unmounted share or a half-copied folder? "
                             "If they really are gone, run again with --allow-shrink")
