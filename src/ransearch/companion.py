"""A generation's companion: a second encoder whose vectors the generation also holds, and whose
evidence search adds to that of the index's encoder (``[search] companion_weight``).

    companion.faiss          the companion's embedding of every chunk (rows as ``vectors.faiss``)
    companion_titles.npy     its embedding of every practice title (rows as ``titles.npy``)

Measured with ``e5`` (multilingual-e5-small) beside ``use``: nDCG@10 dev 0.909 → 0.909, dev2
0.845 → 0.864 (before dense feedback: 0.901 → 0.911, 0.836 → 0.859), for 16–29 ms more per
keyword or question query on one thread (docs/evaluation.md).
Opt-in: ``ransearch index --companion e5`` (or ``companion = "e5"`` in ``ransearch.toml``); later
runs keep the serving generation's companion unless told otherwise.

The companion embeds chunk texts as they are (a text in a language ``use`` does not cover is not
rendered for it: ``e5`` covers about 100 languages). A build reuses the companion vectors of
unchanged chunk texts and titles from the previous generation when it had the same companion
(:func:`ransearch.embedding.chunk_vectors`, :func:`ransearch.embedding.title_vectors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ransearch.encoders import Encoder
from ransearch.errors import IndexCorrupt, IndexMismatch
from ransearch.manifest import Manifest
from ransearch.records import Chunk, Practice
from ransearch.vectors import VectorIndex

__all__ = ["CompanionIndex", "CompanionEmbeddings", "VECTORS_FILE", "TITLES_FILE", "load_companion",
           "previous_companion"]

VECTORS_FILE = "companion.faiss"
TITLES_FILE = "companion_titles.npy"


@dataclass(frozen=True)
class CompanionIndex:
    """What search reads of a companion: its encoder, chunk vectors and title vectors."""

    encoder: Encoder
    vectors: VectorIndex
    titles: np.ndarray


@dataclass
class CompanionEmbeddings:
    """Companion embeddings a build may reuse: by chunk content hash and by title text."""

    chunks: dict[str, np.ndarray] = field(default_factory=dict)
    titles: dict[str, np.ndarray] = field(default_factory=dict)


def load_companion(gen_dir: Path, manifest: Manifest, encoder: Encoder, n_chunks: int,
                   n_practices: int) -> CompanionIndex | None:
    """The companion of the generation in ``gen_dir`` (None if it has none).

    Raises:
        IndexCorrupt: its files are missing, unreadable or do not match the generation.
        IndexMismatch: ``encoder`` is not the one the generation was built with (another name or
            dimension).
    """
    if manifest.companion is None:
        return None
    if encoder.name != manifest.companion.encoder:
        raise IndexMismatch("companion encoder", manifest.companion.encoder, encoder.name)
    if encoder.dimension != manifest.companion.dimension:
        raise IndexMismatch("companion dimension", manifest.companion.dimension, encoder.dimension)
    try:
        vectors = VectorIndex.load(gen_dir / VECTORS_FILE)
        titles = np.load(gen_dir / TITLES_FILE, mmap_mode="r")
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexCorrupt(str(gen_dir), f"unreadable companion ({exc})") from None
    dimension = manifest.companion.dimension
    if vectors.size != n_chunks or vectors.dimension != dimension or titles.shape != (n_practices, dimension):
        raise IndexCorrupt(str(gen_dir), f"companion of {vectors.size} vectors and {titles.shape[0]} titles for "
                                         f"{n_chunks} chunks and {n_practices} practices")
    return CompanionIndex(encoder, vectors, np.asarray(titles, dtype=np.float32))


def previous_companion(gen_dir: Path, manifest: Manifest, name: str, chunks: Sequence[Chunk],
                       practices: Sequence[Practice]) -> CompanionEmbeddings:
    """The companion embeddings of the generation in ``gen_dir`` if its companion is ``name``
    (its ``chunks`` and ``practices`` in row order); nothing to reuse otherwise.

    Raises:
        IndexCorrupt: the companion files cannot be read.
    """
    if manifest.companion is None or manifest.companion.encoder != name:
        return CompanionEmbeddings()
    try:
        vectors = VectorIndex.load(gen_dir / VECTORS_FILE).reconstruct_all()
        titles = np.load(gen_dir / TITLES_FILE)
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexCorrupt(str(gen_dir), f"cannot reuse its companion ({exc})") from None
    if len(vectors) != len(chunks) or len(titles) != len(practices):
        raise IndexCorrupt(str(gen_dir), f"companion of {len(vectors)} vectors for {len(chunks)} chunks")
    return CompanionEmbeddings({c.content_hash: vectors[i] for i, c in enumerate(chunks)},
                               {p.title or p.id: titles[i] for i, p in enumerate(practices)})
