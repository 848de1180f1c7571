"""Finding the practice documents under the corpus folders people maintain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ransearch.ingest import DOCUMENT_SUFFIXES

__all__ = ["Document", "find_documents"]


@dataclass(frozen=True)
class Document:
    """A document file and the corpus folder its ``source`` path is relative to."""

    path: Path
    root: Path

    @property
    def source(self) -> str:
        try:
            return self.path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return self.path.name


def find_documents(paths: Iterable[Path]) -> tuple[list[Document], list[str]]:
    """Every document under ``paths`` (files or folders), and one problem line per unusable path.

    Hidden files and folders are skipped, and so are a folder's ``README`` files (they describe
    the folder; they are no practice); a folder with no documents is a problem.
    """
    documents: list[Document] = []
    problems: list[str] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and p.stem.upper() != "README"
            )
            if not found:
                problems.append(f"{path}: no documents in this folder")
            documents.extend(Document(p, path) for p in found)
        elif path.is_file():
            documents.append(Document(path, path.parent))
        else:
            problems.append(f"{path}: no such file or folder")
    return documents, problems
