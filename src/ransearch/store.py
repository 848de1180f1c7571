"""The index folder on disk: generations, the manifest, and the switch between them.

    index/
      CURRENT                     name of the generation readers use (replaced atomically)
      generations/<id>/           one complete, self-describing index
        manifest.json             schema version, encoder, package version, build time, hashes
        practices.parquet         practice records (see ransearch.tables)
        chunks.parquet            chunk table: row i is vector i
        vectors.faiss             FAISS index of chunk embeddings
        titles.npy                embedding of each practice's title (row i = practice i)
        lexical/                  BM25 indexes, one folder per language

A generation is written completely in a temporary folder, made durable, renamed into
``generations/`` and only then named in ``CURRENT`` (written to a temporary file, fsynced and
renamed over the old one), so a reader always finds one complete generation.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ransearch.errors import IndexCorrupt, IndexMismatch, IndexNotFound

__all__ = ["SCHEMA_VERSION", "Manifest", "resolve_generation", "read_manifest", "commit_generation",
           "new_generation_dir", "list_generations", "MANIFEST", "CURRENT"]

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
GENERATIONS = "generations"
REQUIRED_FILES = ("manifest.json", "practices.parquet", "chunks.parquet", "vectors.faiss", "titles.npy",
                  "lexical/lexical.json")


@dataclass(frozen=True)
class Manifest:
    """What an index generation says about itself."""

    schema_version: int
    encoder: str
    dimension: int
    package_version: str
    built_at: str
    generation: str
    documents: dict[str, dict[str, str]]
    counts: dict[str, int]
    settings: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


def new_generation_dir(index_dir: Path) -> tuple[str, Path]:
    """A fresh (id, temporary folder) in which to write the next generation."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    gen_id = f"g{stamp}-{os.getpid()}"
    tmp = index_dir / GENERATIONS / f".tmp-{gen_id}"
    tmp.mkdir(parents=True, exist_ok=False)
    return gen_id, tmp


def commit_generation(index_dir: Path, gen_id: str, tmp: Path, keep: int = 3) -> Path:
    """Make a written generation durable, then switch readers to it in one atomic step."""
    _fsync_tree(tmp)
    final = index_dir / GENERATIONS / gen_id
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    pointer = index_dir / f".{CURRENT}.tmp-{os.getpid()}"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(gen_id + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    prune_generations(index_dir, keep)
    return final


def list_generations(index_dir: Path) -> list[str]:
    """Committed generation ids, oldest first."""
    folder = index_dir / GENERATIONS
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def prune_generations(index_dir: Path, keep: int) -> None:
    """Remove all but the newest ``keep`` generations (never the current one) and stale temp folders."""
    current = _read_current(index_dir)
    gens = list_generations(index_dir)
    for gen in gens[: max(0, len(gens) - keep)]:
        if gen != current:
            shutil.rmtree(index_dir / GENERATIONS / gen, ignore_errors=True)


def _read_current(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text("utf-8").strip() or None
    except OSError:
        return None


def resolve_generation(index_dir: Path) -> Path:
    """The folder of the generation readers should use.

    Accepts an index folder (with ``CURRENT``) or a generation folder itself.

    Raises:
        IndexNotFound: no index there.
        IndexCorrupt: the current generation is missing files.
    """
    index_dir = Path(index_dir)
    if (index_dir / MANIFEST).is_file():
        gen_dir = index_dir
    else:
        current = _read_current(index_dir)
        if current is None:
            raise IndexNotFound(str(index_dir))
        gen_dir = index_dir / GENERATIONS / current
    missing = [f for f in REQUIRED_FILES if not (gen_dir / f).exists()]
    if missing:
        raise IndexCorrupt(str(gen_dir), "missing " + ", ".join(missing))
    return gen_dir


def read_manifest(gen_dir: Path, encoder: str | None = None) -> Manifest:
    """The manifest of a generation, checked against this package's schema (and an encoder name).

    Raises:
        IndexCorrupt: unreadable manifest.
        IndexMismatch: other schema version, or other encoder than ``encoder``.
    """
    try:
        manifest = Manifest.from_dict(json.loads((gen_dir / MANIFEST).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(str(gen_dir), f"unreadable manifest ({exc})") from None
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatch("schema version", SCHEMA_VERSION, manifest.schema_version)
    if encoder is not None and manifest.encoder != encoder:
        raise IndexMismatch("encoder", encoder, manifest.encoder)
    return manifest


def write_manifest(gen_dir: Path, manifest: Manifest) -> None:
    (gen_dir / MANIFEST).write_text(manifest.to_json(), "utf-8")
