"""The generation serving before an indexing run, and what the run can take
over from it unchanged (practice records, chunks and their vectors, title and lexicon-word
embeddings), so that only new text is parsed and embedded.

Vectors are read back from the FAISS file itself (its flat storage holds the float32 vectors
exactly), so a generation keeps no second copy of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ransearch import __version__
from ransearch.chunking import ChunkingConfig
from ransearch.companion import CompanionEmbeddings, previous_companion
from ransearch.errors import IndexCorrupt, IndexMismatch, IndexNotFound
from ransearch.lexical import LexicalIndex
from ransearch.records import Chunk, Practice
from ransearch.store import Generation, open_generation
from ransearch.parquet_tables import read_chunks, read_practices
from ransearch.vectors import VectorIndex

__all__ = ["PreviousGeneration", "Entry", "open_previous_generation", "full_rebuild_reason"]


@dataclass
class Entry:
    """One practice of the generation being built; ``vectors`` stays None until its chunks are embedded."""

    source: str
    hash: str
    practice: Practice
    chunks: list[Chunk] | None = None
    vectors: np.ndarray | None = None


class PreviousGeneration:
    """The serving generation, as the base of a run; its tables are read only when needed (``load``)."""

    def __init__(self, gen: Generation) -> None:
        self.gen = gen
        self.manifest = gen.manifest
        self.practices: dict[str, Practice] = {}
        self.chunks: list[Chunk] = []
        self.rows: dict[str, list[int]] = {}
        """Chunk rows of each practice id."""
        self.vectors = np.zeros((0, gen.manifest.dimension), np.float32)
        self.titles: dict[str, np.ndarray] = {}
        """Embedding of each title text."""
        self.words: dict[str, np.ndarray] = {}
        """Embedding of each lexicon word."""

    def load(self, embeddings: bool) -> None:
        """Read the practice records, and with ``embeddings`` the chunks and every embedding.

        Raises:
            IndexCorrupt: the generation cannot be read after all.
        """
        path = self.gen.path
        try:
            practices = read_practices(path / "practices.parquet")
            self.practices = {p.id: p for p in practices}
            if not embeddings:
                return
            self.chunks = read_chunks(path / "chunks.parquet")
            for row, chunk in enumerate(self.chunks):
                self.rows.setdefault(chunk.practice_id, []).append(row)
            self.vectors = VectorIndex.load(path / "vectors.faiss").reconstruct_all()
            titles = np.load(path / "titles.npy")
            self.titles = {p.title or p.id: titles[i] for i, p in enumerate(practices)}
            self.words = LexicalIndex.load(path / "lexical").word_vectors()
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(str(path), f"cannot reuse it ({exc})") from None
        if len(self.vectors) != len(self.chunks):
            raise IndexCorrupt(str(path), f"{len(self.vectors)} vectors for {len(self.chunks)} chunks")

    def companion_embeddings(self, name: str) -> CompanionEmbeddings:
        """The embeddings of this generation's companion if it is ``name`` (after ``load``
        with embeddings), for a build with that companion to reuse.

        Raises:
            IndexCorrupt: its companion files cannot be read.
        """
        # practice ids are unique: the dict keeps the table's row order
        return previous_companion(self.gen.path, self.manifest, name, self.chunks, list(self.practices.values()))

    def entry(self, source: str, digest: str, practice_id: str, embeddings: bool) -> Entry | None:
        """The record of ``practice_id`` as it is (with its chunks and vectors if ``embeddings``)."""
        practice = self.practices.get(practice_id)
        if practice is None:
            return None
        if not embeddings:
            return Entry(source, digest, practice)
        rows = self.rows.get(practice_id, [])
        return Entry(source, digest, practice, [self.chunks[r] for r in rows], self.vectors[rows])


def open_previous_generation(index_dir: Path) -> tuple[PreviousGeneration | None, str | None, tuple[str, ...]]:
    """(the generation serving now or None, why there is none, warnings about it)."""
    try:
        gen = open_generation(index_dir)
    except IndexNotFound:
        return None, "first build", ()
    except IndexCorrupt as exc:
        return None, f"no usable previous generation ({exc.reason})", (str(exc),)
    except IndexMismatch as exc:
        return None, f"schema version changed ({exc.found} → {exc.expected})", ()
    return PreviousGeneration(gen), None, gen.warnings


def full_rebuild_reason(baseline: PreviousGeneration, encoder: str, chunking: ChunkingConfig) -> str | None:
    """Why nothing of ``baseline`` can be reused for a build with ``encoder`` and ``chunking``, if so."""
    m = baseline.manifest
    if m.encoder != encoder:
        return f"encoder changed ({m.encoder} → {encoder})"
    if m.package_version != __version__:
        return f"package version changed ({m.package_version} → {__version__})"
    if dict(m.settings.chunking) != asdict(chunking):
        return "chunking settings changed"
    return None
