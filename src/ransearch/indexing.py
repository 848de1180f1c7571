"""Building an index generation from corpus folders: parse, chunk, embed, write, switch."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ransearch import __version__
from ransearch.chunking import ChunkingConfig, chunk_practices
from ransearch.corpus import find_documents
from ransearch.encoders import Encoder
from ransearch.errors import ParseError, RansearchError
from ransearch.ingest import parse_file
from ransearch.lexical import LexicalIndex
from ransearch.records import Practice
from ransearch.store import SCHEMA_VERSION, Manifest, commit_generation, new_generation_dir, write_manifest
from ransearch.tables import write_chunks, write_practices
from ransearch.vectors import VectorIndex

__all__ = ["BuildReport", "build_index", "Progress", "practice_text"]

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage, done, total)."""

ENCODE_BATCH = 64


@dataclass(frozen=True)
class BuildReport:
    """What an indexing run did."""

    generation: str
    encoder: str
    practices: int
    chunks: int
    failed: list[tuple[str, str]] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        return d


def practice_text(p: Practice) -> str:
    """The searchable text of a practice (everything but contacts), for the lexical index."""
    parts = [p.title, " ".join(p.themes), " ".join(p.audience), p.country]
    parts.extend(text for key, text in p.sections.items() if key != "name")
    return "\n".join(x for x in parts if x)


def _unique_ids(practices: list[Practice]) -> list[Practice]:
    """Drop a second document that would produce an id already taken (e.g. a.txt and a.md)."""
    seen: set[str] = set()
    out = []
    for p in practices:
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


def build_index(
    corpus_dirs: Sequence[Path],
    index_dir: Path,
    encoder: Encoder,
    chunking: ChunkingConfig = ChunkingConfig(),
    progress: Progress | None = None,
    keep: int = 3,
) -> BuildReport:
    """Parse every document, embed its chunks and commit a new generation of the index.

    Raises:
        RansearchError: when no document at all could be indexed (the current generation stays).
    """
    durations: dict[str, float] = {}
    t0 = time.perf_counter()
    documents, problems = find_documents(corpus_dirs)
    failed: list[tuple[str, str]] = [(line.split(": ", 1)[0], line.split(": ", 1)[-1]) for line in problems]
    practices: list[Practice] = []
    for i, doc in enumerate(documents):
        try:
            practices.append(parse_file(doc.path, doc.root))
        except ParseError as exc:
            failed.append((exc.path, exc.reason))
        if progress:
            progress("parse", i + 1, len(documents))
    practices = _unique_ids(practices)
    if not practices:
        raise RansearchError("no document could be indexed: " + "; ".join(f"{p}: {r}" for p, r in failed[:5]))
    durations["parse"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    chunks = chunk_practices(practices, chunking)
    texts = [c.text for c in chunks]
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for start in range(0, len(texts), ENCODE_BATCH):
        batch = texts[start:start + ENCODE_BATCH]
        vectors[start:start + len(batch)] = encoder.encode_passages(batch)
        if progress:
            progress("embed", start + len(batch), len(texts))
    durations["embed"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    index_dir.mkdir(parents=True, exist_ok=True)
    gen_id, tmp = new_generation_dir(index_dir)
    try:
        write_practices(practices, tmp / "practices.parquet")
        write_chunks(chunks, tmp / "chunks.parquet")
        VectorIndex.build(vectors).save(tmp / "vectors.faiss")
        LexicalIndex.build([practice_text(p) for p in practices], [p.language for p in practices],
                           encoder).save(tmp / "lexical")
        np.save(tmp / "titles.npy", encoder.encode_passages([p.title or p.id for p in practices]))
        write_manifest(tmp, Manifest(
            schema_version=SCHEMA_VERSION,
            encoder=encoder.name,
            dimension=encoder.dimension,
            package_version=__version__,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            generation=gen_id,
            documents={p.source: {"hash": p.content_hash, "practice_id": p.id} for p in practices},
            counts={"practices": len(practices), "chunks": len(chunks)},
            settings={"chunking": asdict(chunking)},
        ))
        durations["write"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        commit_generation(index_dir, gen_id, tmp, keep=keep)
        durations["switch"] = time.perf_counter() - t0
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(gen_id, encoder.name, len(practices), len(chunks), failed, durations)
