"""The index folder on disk: generations, the manifest, checksums, and the switch between them.

    index/
      CURRENT                     name of the generation readers use (replaced atomically)
      .lock                       held by the one ``ransearch index`` run allowed at a time
      last_run.json               report of the last indexing run (see ransearch.last_run)
      generations/<id>/           one complete, self-describing index
        manifest.json             (ransearch.manifest) schema version, encoder, package version, build time, document
                                  hashes, chunking settings, and size + sha256 of every other file
        practices.parquet         practice records (see ransearch.parquet_tables)
        chunks.parquet            chunk table: row i is vector i
        vectors.faiss             FAISS index of chunk embeddings
        titles.npy                embedding of each practice's title (row i = practice i)
        lexical/                  BM25 indexes, one folder per language

A generation is written completely in a temporary folder (``generations/.tmp-<id>``), made
durable (every file and folder fsynced), renamed into ``generations/`` and only then named in
``CURRENT`` (written to a temporary file, fsynced and renamed over the old one), so a reader
always finds one complete generation. Generation ids sort in build order.

Opening checks the current generation against the checksums in its manifest (a file unchanged
since it was last hashed on this machine is not read again: :mod:`ransearch.digests`); a missing,
truncated or corrupt generation is not served: :func:`open_generation` falls back to the newest
older generation that checks out and says so in ``warnings``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from ransearch.digests import DigestMemo
from ransearch.durable import fsync_path as _fsync_path
from ransearch.durable import fsync_tree as _fsync_tree
from ransearch.durable import write_atomic as _write_atomic
from ransearch.errors import IndexCorrupt, IndexMismatch, IndexNotFound, RansearchError
from ransearch.last_run import LAST_RUN, read_last_run, record_last_run, write_last_run
from ransearch.manifest import FileDigest, Manifest

__all__ = ["SCHEMA_VERSION", "Manifest", "Generation", "open_generation", "resolve_generation",
           "verify_generation", "read_manifest", "write_manifest", "file_checksums", "commit_generation",
           "new_generation_dir", "list_generations", "prune_generations", "clean_stale", "switch_current",
           "rollback_generation", "current_generation", "read_current", "serving_generation", "read_last_run", "write_last_run",
           "record_last_run",
           "MANIFEST", "CURRENT", "LAST_RUN", "GENERATIONS"]

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
GENERATIONS = "generations"
REQUIRED_FILES = ("manifest.json", "practices.parquet", "chunks.parquet", "vectors.faiss", "titles.npy",
                  "lexical/lexical.json")
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Generation:
    """The generation a reader should use, and why it is not the one ``CURRENT`` names, if so."""

    path: Path
    manifest: Manifest
    current: str | None
    """What ``CURRENT`` said when the generation was chosen (None for a bare generation folder)."""
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def fallback(self) -> bool:
        return self.current is not None and self.current != self.path.name


# -- checksums and verification -----------------------------------------------------------------

def file_checksums(gen_dir: Path) -> dict[str, FileDigest]:
    """Size and sha256 of every file of a generation except its manifest, by relative path.

    The digests are remembered (:mod:`ransearch.digests`): opening the generation on this
    machine will not read its files again to check them.
    """
    memo = DigestMemo.default()
    out: dict[str, FileDigest] = {}
    for path in sorted(p for p in gen_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(gen_dir).as_posix()
        if rel != MANIFEST:
            out[rel] = FileDigest(path.stat().st_size, memo.sha256(path))
    memo.save()
    return out


def read_manifest(gen_dir: Path, encoder: str | None = None) -> Manifest:
    """The manifest of a generation, checked against this package's schema (and an encoder name).

    Raises:
        IndexCorrupt: unreadable manifest.
        IndexMismatch: other schema version, or other encoder than ``encoder``.
    """
    try:
        data = json.loads((gen_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(str(gen_dir), f"unreadable manifest ({exc})") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and version != SCHEMA_VERSION:  # another schema may have another shape
        raise IndexMismatch("schema version", SCHEMA_VERSION, version)
    try:
        manifest = Manifest.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(str(gen_dir), f"unreadable manifest ({exc})") from None
    if encoder is not None and manifest.encoder != encoder:
        raise IndexMismatch("encoder", encoder, manifest.encoder)
    return manifest


def write_manifest(gen_dir: Path, manifest: Manifest) -> None:
    (gen_dir / MANIFEST).write_text(manifest.to_json(), "utf-8")


def verify_generation(gen_dir: Path, checksums: bool = True, remembered: bool = True) -> Manifest:
    """The manifest of a generation whose files are all there, with their recorded size and hash.

    Args:
        gen_dir: the generation folder.
        checksums: also compare sha256 digests (else sizes only, which catches truncation).
        remembered: take the digest of a file unchanged since it was last hashed on this
            machine from :mod:`ransearch.digests` (False: read every file again).

    Raises:
        IndexCorrupt: a file is missing, truncated or altered, or the manifest is unreadable.
        IndexMismatch: the generation has another schema version.
    """
    missing = [f for f in REQUIRED_FILES if not (gen_dir / f).is_file()]
    if missing:
        raise IndexCorrupt(str(gen_dir), "missing " + ", ".join(missing))
    manifest = read_manifest(gen_dir)
    memo = DigestMemo.default() if remembered else DigestMemo(None)
    try:
        for rel, expected in sorted(manifest.files.items()):
            path = gen_dir / rel
            try:
                size = path.stat().st_size
            except OSError:
                raise IndexCorrupt(str(gen_dir), f"missing {rel}") from None
            if size != expected.size:
                raise IndexCorrupt(str(gen_dir), f"{rel} has {size} bytes, expected {expected.size} (truncated?)")
            if checksums and memo.sha256(path) != expected.sha256:
                raise IndexCorrupt(str(gen_dir), f"{rel} does not match its checksum (corrupt)")
    finally:
        memo.save()
    return manifest


# -- reading the current generation -------------------------------------------------------------

_CURRENT_MAX = 255
"""Longest generation id ``CURRENT`` may name (a file name; real ids are about 30 characters)."""


def read_current(index_dir: Path | str) -> tuple[str | None, str | None]:
    """(the generation id ``CURRENT`` names, what is wrong with ``CURRENT``): one of them is None.

    Both are None when there is no ``CURRENT``. ``CURRENT`` must name a generation folder of
    this index in one plain name: a pointer that is not UTF-8, is a folder, is too long or
    leads out of ``generations/`` (``../other/generations/g1``) names nothing, so a reader never
    serves another folder's generation.
    """
    pointer = Path(index_dir) / CURRENT
    try:
        if pointer.is_dir():
            return None, f"{pointer} is a folder, not a file naming the current generation"
        with open(pointer, "rb") as f:
            data = f.read(4 * _CURRENT_MAX + 1)  # a damaged pointer may be huge: read what a name can be
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{pointer} cannot be read ({exc.strerror or exc})"
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, f"{pointer} is not UTF-8 text (it should hold a generation id)"
    if not name:
        return None, f"{pointer} is empty (it should hold a generation id)"
    if len(name.encode("utf-8")) > _CURRENT_MAX:
        return None, f"{pointer} does not hold a generation id (too long)"
    if (name in {".", ".."} or name.startswith(".") or any(c in name for c in "/\\")
            or not name.isprintable()):
        return None, f"{pointer} names {name!r}, which is not a generation of {Path(index_dir) / GENERATIONS}"
    return name, None


def current_generation(index_dir: Path | str) -> str | None:
    """The generation id ``CURRENT`` names (None if there is none or it is not a valid id):
    cheap, for readers to poll."""
    return read_current(index_dir)[0]


def open_generation(index_dir: Path | str, checksums: bool = True, remembered: bool = True) -> Generation:
    """The generation readers should use: the current one, or the newest good one before it.

    Accepts an index folder (with ``CURRENT``) or a generation folder itself (never replaced).
    ``checksums`` and ``remembered``: see :func:`verify_generation`.

    Raises:
        IndexNotFound: no index there.
        IndexCorrupt: no generation of the index checks out (the reason is the current one's).
        IndexMismatch: the current generation has another schema version.
    """
    index_dir = Path(index_dir)
    if (index_dir / MANIFEST).is_file():
        return Generation(index_dir, verify_generation(index_dir, checksums, remembered), None)
    current, problem = read_current(index_dir)
    gens = list_generations(index_dir)
    if current is None and problem is None and not gens:
        raise IndexNotFound(str(index_dir))
    warnings: list[str] = []
    first_error: IndexCorrupt | None = None
    if current is not None:
        try:
            if (index_dir / GENERATIONS / current).is_symlink():  # never serve another folder's generation
                raise IndexCorrupt(str(index_dir / GENERATIONS / current), "a symbolic link, not a generation folder")
            return Generation(index_dir / GENERATIONS / current,
                              verify_generation(index_dir / GENERATIONS / current, checksums, remembered), current)
        except IndexCorrupt as exc:
            first_error = exc
            warnings.append(f"current generation {current} is not usable: {exc.reason}")
    else:
        warnings.append(problem or f"{index_dir / CURRENT} is missing")
    # older generations first (newest of them first), then any newer ones (a rolled-back build)
    older = [g for g in gens if current is None or g < current]
    newer = [g for g in gens if current is not None and g > current]
    for gen in list(reversed(older)) + list(reversed(newer)):
        try:
            manifest = verify_generation(index_dir / GENERATIONS / gen, checksums, remembered)
        except (IndexCorrupt, IndexMismatch):
            continue
        warnings.append(f"serving generation {gen} instead (run `ransearch index` to repair)")
        return Generation(index_dir / GENERATIONS / gen, manifest, current or "", tuple(warnings))
    if first_error is not None:
        raise first_error
    if problem is not None:
        raise IndexCorrupt(str(index_dir), f"{problem}, and no generation checks out")
    raise IndexNotFound(str(index_dir))


def serving_generation(index_dir: Path | str) -> str | None:
    """The id of the generation readers serve now (None if none): the one ``CURRENT`` names, or
    the one they fall back to. Checks sizes only (cheap): for reports, not for opening."""
    try:
        return open_generation(index_dir, checksums=False).id
    except RansearchError:
        return None


def resolve_generation(index_dir: Path | str) -> Path:
    """The folder of the generation readers should use (see :func:`open_generation`)."""
    return open_generation(index_dir).path


# -- writing generations (callers hold the index lock) ------------------------------------------

def new_generation_dir(index_dir: Path) -> tuple[str, Path]:
    """A fresh (id, temporary folder) in which to write the next generation."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    gen_id = f"g{stamp}-{os.getpid()}"
    tmp = index_dir / GENERATIONS / f"{_TMP_PREFIX}{gen_id}"
    tmp.mkdir(parents=True, exist_ok=False)
    return gen_id, tmp


def switch_current(index_dir: Path, gen_id: str) -> None:
    """Point ``CURRENT`` at ``gen_id`` in one atomic, durable step (a ``CURRENT`` damaged into a
    folder is removed first: nothing else can take its place)."""
    pointer = index_dir / CURRENT
    if pointer.is_dir() and not pointer.is_symlink():
        shutil.rmtree(pointer)
    _write_atomic(pointer, gen_id + "\n")


def commit_generation(index_dir: Path, gen_id: str, tmp: Path, keep: int = 3,
                      on_step: Callable[[int, int], None] | None = None) -> Path:
    """Make a written generation durable, then switch readers to it in one atomic step.

    ``on_step(done, 4)`` is called after each step: synced, renamed, switched, pruned.
    """
    step = on_step or (lambda done, total: None)
    _fsync_tree(tmp)
    step(1, 4)
    final = index_dir / GENERATIONS / gen_id
    os.replace(tmp, final)
    _fsync_path(final.parent)
    step(2, 4)
    switch_current(index_dir, gen_id)
    step(3, 4)
    prune_generations(index_dir, keep)
    step(4, 4)
    return final


def list_generations(index_dir: Path) -> list[str]:
    """Committed generation ids, oldest first."""
    folder = index_dir / GENERATIONS
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def prune_generations(index_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` generations (never the current one); the ids removed."""
    current = current_generation(index_dir)
    gens = list_generations(index_dir)
    removed = [g for g in gens[: max(0, len(gens) - max(1, keep))] if g != current]
    for gen in removed:
        shutil.rmtree(index_dir / GENERATIONS / gen, ignore_errors=True)
    return removed


def clean_stale(index_dir: Path) -> list[str]:
    """Remove what killed runs left behind (temporary generations and pointer files).

    Only safe while holding the index lock: then no other writer can be using them.
    """
    removed = []
    folder = index_dir / GENERATIONS
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.startswith(_TMP_PREFIX):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
    for path in index_dir.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def rollback_generation(index_dir: Path) -> tuple[str | None, str]:
    """Point ``CURRENT`` at the newest good generation older than the current one.

    Returns:
        (the generation that was current, the one now current).

    Raises:
        IndexNotFound: no index there.
        RansearchError: no older generation that checks out.
    """
    current = current_generation(index_dir)
    gens = list_generations(index_dir)
    if not gens:
        raise IndexNotFound(str(index_dir))
    for gen in reversed([g for g in gens if current is None or g < current]):
        try:
            verify_generation(index_dir / GENERATIONS / gen)
        except (IndexCorrupt, IndexMismatch):
            continue
        switch_current(index_dir, gen)
        return current, gen
    raise RansearchError(f"no generation older than {current} to roll back to in {index_dir}")
