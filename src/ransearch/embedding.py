"""The new generation's practices with their chunks and vectors: what the serving generation
already holds is taken over (records, chunks, vectors of identical chunk text, title embeddings),
the rest is chunked and embedded in batches of ``ENCODE_BATCH``. The practices in a language
the encoder does not cover are embedded from their rendering in the languages it covers
(:func:`render_uncovered`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ransearch.previous_generation import PreviousGeneration, Entry
from ransearch.chunking import ChunkingConfig, chunk_practice
from ransearch.encoders import Encoder
from ransearch.errors import IndexCorrupt
from ransearch.lexical import LexicalIndex
from ransearch.lexical.rendering import RENDERED_SHARE_MIN
from ransearch.plan import Item
from ransearch.querylang import encoder_languages
from ransearch.records import Chunk, Practice

__all__ = ["ENCODE_BATCH", "new_entries", "embed_entries", "chunk_vectors", "title_vectors", "render_uncovered"]

ENCODE_BATCH = 64
"""Chunks per call to the encoder (read at each call: tests lower it)."""


def new_entries(items: list[Item], prev: PreviousGeneration | None, full: bool, index_dir: Path) -> list[Entry]:
    """The practices of the new generation, with chunks and vectors where they can be reused.

    Raises:
        IndexCorrupt: the previous generation's manifest lists a practice its tables lack.
    """
    entries: list[Entry] = []
    for item in items:
        if item.practices is not None:
            entries.extend(Entry(item.source, item.hash, p) for p in item.practices)
            continue
        for pid in item.practice_ids:
            entry = prev.entry(item.source, item.hash, pid, not full) if prev else None
            if entry is None:  # only a hand-edited manifest can say this
                raise IndexCorrupt(str(prev.gen.path if prev else index_dir),
                                   f"its manifest lists {item.source} but its tables lack {pid!r}")
            entries.append(entry)
    return entries


def embed_entries(entries: list[Entry], prev: PreviousGeneration | None, encoder: Encoder, chunking: ChunkingConfig,
                  progress: Callable[[str, int, int], None]) -> tuple[int, int]:
    """Fill in the chunks and vectors of every entry; (chunks embedded, chunks reused).

    ``progress("embed", done, total)`` is called after each batch.
    """
    pending: list[tuple[Entry, np.ndarray, int]] = []  # (entry, its vectors, chunk row)
    reused = 0
    for e in entries:
        if e.vectors is not None:
            reused += len(e.chunks or ())
            continue
        chunks = chunk_practice(e.practice, chunking)
        vectors = np.zeros((len(chunks), encoder.dimension), np.float32)
        e.chunks, e.vectors = chunks, vectors
        # a changed document often keeps most of its text: reuse the vectors of identical chunks
        known = {prev.chunks[r].content_hash: r for r in prev.rows.get(e.practice.id, [])} if prev else {}
        for j, chunk in enumerate(chunks):
            if prev is not None and chunk.content_hash in known:
                vectors[j] = prev.vectors[known[chunk.content_hash]]
                reused += 1
            else:
                pending.append((e, vectors, j))
    batch_size = ENCODE_BATCH
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        encoded = encoder.encode_passages([_chunk_text(e, j) for e, _, j in batch])
        for (_, vectors, j), vector in zip(batch, encoded):
            vectors[j] = vector
        progress("embed", start + len(batch), len(pending))
    return len(pending), reused


def _chunk_text(entry: Entry, j: int) -> str:
    assert entry.chunks is not None  # filled in by embed_entries before anything is encoded
    return entry.chunks[j].text


def chunk_vectors(chunks: list[Chunk], known: dict[str, np.ndarray], encoder: Encoder,
                  progress: Callable[[str, int, int], None], stage: str) -> tuple[np.ndarray, int]:
    """The embedding of each chunk's text (row i = chunk i), reusing ``known`` ones by content
    hash (a companion encoder's, :mod:`ransearch.companion`); and the number embedded.
    ``progress(stage, done, total)`` is called after each batch."""
    out = np.zeros((len(chunks), encoder.dimension), np.float32)
    todo = []
    for i, chunk in enumerate(chunks):
        found = known.get(chunk.content_hash)
        if found is not None:
            out[i] = found
        else:
            todo.append(i)
    for start in range(0, len(todo), ENCODE_BATCH):
        batch = todo[start:start + ENCODE_BATCH]
        out[batch] = encoder.encode_passages([chunks[i].text for i in batch])
        progress(stage, start + len(batch), len(todo))
    return out, len(todo)


def title_vectors(practices: list[Practice], known: dict[str, np.ndarray], encoder: Encoder) -> np.ndarray:
    """The embedding of each practice's title (row i = practice i), reusing ``known`` ones."""
    texts = [p.title or p.id for p in practices]
    out = np.zeros((len(texts), encoder.dimension), np.float32)
    new = [i for i, t in enumerate(texts) if t not in known]
    for i, t in enumerate(texts):
        if t in known:
            out[i] = known[t]
    if new:
        out[new] = encoder.encode_passages([texts[i] for i in new])
    return out


def render_uncovered(practices: list[Practice], chunks: list[Chunk], vectors: np.ndarray, titles: np.ndarray,
                     lexical: LexicalIndex, encoder: Encoder) -> tuple[str, ...]:
    """Embed the chunks and titles of the practices written in a language ``encoder`` does not
    cover from their rendering (:class:`ransearch.lexical.rendering.Renderer`), in place; return
    the languages so rendered, which search may trust.

    Their text itself would land in the region of its language whatever it says; the rendering
    lands near what it says (docs/evaluation.md, issue 15) — when it translates enough of their
    words: a language whose content words have a translation less often than
    ``RENDERED_SHARE_MIN`` is left as it is, and search leaves its dense evidence out. The
    rendering depends on the lexicons of the whole corpus, so it is made again at every build
    (these practices are few, and an encoder that states no languages, an ``st:`` model, has none).
    """
    covered = encoder_languages(encoder)
    if covered is None:
        return ()
    uncovered = sorted({p.language for p in practices} - covered)
    if not uncovered:
        return ()
    renderer = lexical.renderer(covered, encoder)
    rendered = tuple(lang for lang in uncovered
                     if renderer.translated_share([c.text for c in chunks if c.language == lang], lang)
                     >= RENDERED_SHARE_MIN)
    rows = [i for i, p in enumerate(practices) if p.language in rendered]
    if rows:
        titles[rows] = encoder.encode_passages(
            [renderer.render(practices[i].title or practices[i].id, practices[i].language) for i in rows])
    foreign = [j for j, c in enumerate(chunks) if c.language in rendered]
    for start in range(0, len(foreign), ENCODE_BATCH):
        batch = foreign[start:start + ENCODE_BATCH]
        vectors[batch] = encoder.encode_passages([renderer.render(chunks[j].text, chunks[j].language) for j in batch])
    return rendered
