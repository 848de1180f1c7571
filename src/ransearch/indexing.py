"""Building index generations from corpus folders: incremental, atomic, locked, reported.

A run holds the index lock (:mod:`ransearch.lock`) from start to end and goes through:

    scan     list the documents and hash their bytes (sha256), without parsing them
    plan     compare with the manifest of the serving generation: a document whose hash is
             unchanged is reused as it is (record, chunks, vectors); new and changed ones are parsed
    parse    a document that fails to parse is reported and skipped; if an earlier version of it
             is in the index, that version is kept (nothing is lost to a badly saved file)
    embed    chunk the parsed practices; embed only chunks, titles and lexicon words whose text
             the previous generation has not already embedded
    write    a complete new generation in a temporary folder, with checksums in its manifest
    switch   fsync, rename, replace ``CURRENT`` atomically, prune old generations (ransearch.store)

A run with nothing to do (no document added, changed or removed; same encoder, schema, package
version and chunking settings; a healthy current generation) writes nothing and does not even
load the encoder. Another encoder, schema, package version or chunking, or ``full=True``,
rebuilds everything; the report says why.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ransearch import __version__
from ransearch.chunking import ChunkingConfig, chunk_practice
from ransearch.corpus import Document, find_documents
from ransearch.encoders import DEFAULT_ENCODER, Encoder, load_encoder
from ransearch.baseline import Baseline, Entry, full_rebuild_reason, open_baseline
from ransearch.errors import IndexCorrupt, IndexMismatch, IndexWriteError, ParseError, RansearchError
from ransearch.ingest import learn_files, parse_file
from ransearch.ingest.boilerplate import Template
from ransearch.lexical import LexicalIndex
from ransearch.lock import index_lock
from ransearch.records import Chunk, Practice
from ransearch.report import (FAILED, ROLLED_BACK, UNCHANGED, UPDATED, BuildReport, DocumentFailure, ParsedDocument,
                              now_iso)
from ransearch.store import (SCHEMA_VERSION, Manifest, clean_stale, commit_generation, current_generation,
                             file_checksums, list_generations, new_generation_dir, open_generation,
                             rollback_generation, write_last_run, write_manifest)
from ransearch.tables import write_chunks, write_practices
from ransearch.vectors import VectorIndex

__all__ = ["BuildReport", "DocumentFailure", "build_index", "rollback_index", "Progress", "practice_text", "ENCODE_BATCH"]

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage, done, total); stages scan, parse, embed, write, switch."""

ENCODE_BATCH = 64


def practice_text(p: Practice) -> str:
    """The searchable text of a practice (everything but contacts), for the lexical index."""
    parts = [p.title, " ".join(p.themes), " ".join(p.audience), p.country]
    parts.extend(text for key, text in p.sections.items() if key != "name")
    return "\n".join(x for x in parts if x)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


class _LazyEncoder:
    """The named encoder, loaded on first use: a run with nothing to embed never loads it."""

    def __init__(self, name: str, load: Callable[[], Encoder], dimension: int) -> None:
        self.name = name
        self.dimension = dimension
        self._load = load
        self._encoder: Encoder | None = None

    def _get(self) -> Encoder:
        if self._encoder is None:
            encoder = self._load()
            if encoder.dimension != self.dimension:
                raise IndexMismatch("encoder dimension", self.dimension, encoder.dimension)
            self._encoder = encoder
        return self._encoder

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_passages(texts)

    def warm_up(self) -> None:
        self._get().warm_up()


@dataclass
class _Item:
    """A document's part in the new generation, decided before anything is loaded or embedded.

    ``status`` is unchanged, added, changed or kept (failed now, last good version kept);
    ``practice`` is None when the record comes from the previous generation.
    """

    path: str
    source: str
    hash: str
    practice_id: str
    status: str
    practice: Practice | None = None


@dataclass(frozen=True)
class _Scanned:
    """A document found in the corpus: its source path, and the sha256 of its bytes (or why not)."""

    doc: Document
    source: str
    hash: str | None
    error: str = ""


def _scan(corpus_dirs: Sequence[Path], progress: Progress) -> list[_Scanned]:
    """Every document of the corpus, hashed.

    Raises:
        RansearchError: a corpus folder is missing or empty (a missing mount must not empty the index).
    """
    try:
        documents, problems = find_documents(corpus_dirs)
    except OSError as exc:
        raise RansearchError(f"cannot read the corpus: {exc}") from None
    if problems:
        raise RansearchError("corpus: " + "; ".join(problems))
    out: list[_Scanned] = []
    for i, doc in enumerate(documents):
        source = doc.source  # resolves paths: once per document
        try:
            out.append(_Scanned(doc, source, hashlib.sha256(doc.path.read_bytes()).hexdigest()))
        except OSError as exc:
            out.append(_Scanned(doc, source, None, f"cannot read file ({exc.strerror or exc})"))
        progress("scan", i + 1, len(documents))
    return out


class _Run:
    """One indexing run, holding the lock; ``execute`` returns its report."""

    def __init__(self, corpus_dirs: Sequence[Path], index_dir: Path, encoder: Encoder | str,
                 chunking: ChunkingConfig, progress: Progress, keep: int, full: bool,
                 load: Callable[[str], Encoder], strict_template: bool = False) -> None:
        self.corpus_dirs, self.index_dir, self.chunking = corpus_dirs, index_dir, chunking
        self.strict_template = strict_template
        self.progress, self.keep, self.full_requested, self.load = progress, keep, full, load
        self.encoder_arg = encoder
        self.encoder_name = encoder if isinstance(encoder, str) else encoder.name
        self.durations: dict[str, float] = {}
        self.template: Template | None = None  # learned from the corpus when anything changed
        self.template_fingerprint = ""  # of the template the new generation's records were parsed with
        self.reparsed = 0  # unchanged documents parsed again because the learned template changed
        self.started = now_iso()
        self._t = time.perf_counter()

    def _lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.durations[stage] = self.durations.get(stage, 0.0) + now - self._t
        self._t = now

    def execute(self) -> BuildReport:
        prev, no_prev_reason, warnings = open_baseline(self.index_dir)
        self._lap("open_previous")
        full_reason = ("requested" if self.full_requested else
                       no_prev_reason if prev is None else full_rebuild_reason(prev, self.encoder_name, self.chunking))
        full = full_reason is not None
        scanned = _scan(self.corpus_dirs, self.progress)
        self._lap("scan")
        old_docs = prev.manifest.documents if prev else {}
        items, failed = self._plan(scanned, prev, full)
        self._lap("parse")
        items, failed = _claim_ids(items, failed)
        present = {d.source for d in scanned}
        removed = tuple(sorted(s for s in old_docs if s not in present))
        added = tuple(i.source for i in items if i.status == "added")
        changed = tuple(i.source for i in items if i.status == "changed")
        if not items:
            raise RansearchError("no document could be indexed: " +
                                 "; ".join(f"{f.path}: {f.reason}" for f in failed[:5]))
        report = BuildReport(
            UNCHANGED, prev.gen.id if prev else None, self.encoder_name, previous=prev.gen.id if prev else None,
            added=added, changed=changed, removed=removed, unchanged=sum(i.status == "unchanged" for i in items),
            failed=tuple(failed), full_rebuild=full, full_reason=full_reason, started_at=self.started,
            warnings=warnings + self._template_warnings(), durations=self.durations)
        if prev is not None and not (full or added or changed or removed or prev.gen.fallback):
            return replace(report, practices=prev.manifest.counts.get("practices", 0),
                           chunks=prev.manifest.counts.get("chunks", 0), finished_at=now_iso())

        if prev is not None:
            prev.load(embeddings=not full)
        self._lap("load_previous")
        entries = self._entries(items, prev, full)
        encoder = self._encoder(prev)
        embedded, reused = self._embed(entries, None if full else prev, encoder)
        self._lap("embed")
        gen_id, pruned = self._write(entries, None if full else prev, encoder)
        parsed = tuple(ParsedDocument(i.source, i.practice.format, i.practice.layout)
                       for i in items if i.practice is not None)
        formats = Counter(f"{e.practice.format}/{e.practice.layout}" for e in entries)
        return replace(report, outcome=UPDATED, generation=gen_id, practices=len(entries),
                       parsed=parsed, formats=dict(sorted(formats.items())),
                       chunks=sum(len(e.chunks or ()) for e in entries), embedded_chunks=embedded,
                       reused_chunks=reused, finished_at=now_iso(), pruned=pruned)

    def _template_warnings(self) -> tuple[str, ...]:
        if not self.reparsed:
            return ()
        return (f"the template text learned from the corpus changed: all {self.reparsed} documents were "
                "parsed again (chunks whose text did not change kept their vectors)",)

    def _encoder(self, prev: Baseline | None) -> Encoder:
        if not isinstance(self.encoder_arg, str):
            return self.encoder_arg
        name = self.encoder_arg
        if prev is not None and prev.manifest.encoder == name:
            return _LazyEncoder(name, lambda: self.load(name), prev.manifest.dimension)
        return self.load(name)

    def _plan(self, scanned: list[_Scanned], prev: Baseline | None,
              full: bool) -> tuple[list[_Item], list[DocumentFailure]]:
        """Parse what is new or changed (everything if ``full``); the rest is reused as it is.

        When anything changed, the template text the corpus shares is learned again from every
        document (:func:`ransearch.ingest.learn_files`), so that an index holds the records
        ``ransearch parse`` gives. Should what was learned differ from what parsed the previous
        generation, unchanged documents are parsed again too (their unchanged chunks keep their
        vectors), and the report says so.
        """
        old_docs = prev.manifest.documents if prev else {}
        present = {d.source for d in scanned}
        stale = [d for d in scanned if d.hash is not None and (full or old_docs.get(d.source, {}).get("hash") != d.hash)]
        learned_before = prev.manifest.settings.get("template") if prev else None
        if not stale and all(s in present for s in old_docs):
            self.template = None  # nothing changed: nothing to learn, nothing to parse
            self.template_fingerprint = learned_before or ""
        else:
            self.template = learn_files([d.doc.path for d in scanned if d.hash is not None])
            self._lap("learn")
            self.template_fingerprint = self.template.fingerprint
            if not full and prev is not None and learned_before != self.template.fingerprint:
                stale = [d for d in scanned if d.hash is not None]
                self.reparsed = len(stale)
        reparse = {id(d) for d in stale}
        items: list[_Item] = []
        failed: list[DocumentFailure] = []
        done = 0
        for d in scanned:
            path, error, old = str(d.doc.path), d.error, old_docs.get(d.source)
            if id(d) not in reparse and d.hash is not None and old is not None:
                items.append(_Item(path, d.source, d.hash, old.get("practice_id", ""), "unchanged"))
                continue
            if d.hash is not None:
                try:
                    practice = parse_file(d.doc.path, d.doc.root, template=self.template,
                                          strict_template=self.strict_template)
                except ParseError as exc:
                    error = exc.reason
                else:
                    status = "added" if old is None else "unchanged" if old.get("hash") == d.hash else "changed"
                    items.append(_Item(path, d.source, d.hash, practice.id, status, practice))
                done += 1
                self.progress("parse", done, len(stale))
                if not error:
                    continue
            if old is not None:  # keep the last good version of a broken or unreadable file
                items.append(_Item(path, d.source, old["hash"], old.get("practice_id", ""), "kept"))
            failed.append(DocumentFailure(path, error, old is not None))
        return items, failed

    def _entries(self, items: list[_Item], prev: Baseline | None, full: bool) -> list[Entry]:
        """The practices of the new generation, with chunks and vectors where they can be reused."""
        entries: list[Entry] = []
        for item in items:
            if item.practice is not None:
                entry: Entry | None = Entry(item.source, item.hash, item.practice)
            else:
                entry = prev.entry(item.source, item.hash, item.practice_id, not full) if prev else None
            if entry is None:  # only a hand-edited manifest can say this
                raise IndexCorrupt(str(prev.gen.path if prev else self.index_dir),
                                   f"its manifest lists {item.source} but its tables lack {item.practice_id!r}")
            entries.append(entry)
        return entries

    def _embed(self, entries: list[Entry], prev: Baseline | None, encoder: Encoder) -> tuple[int, int]:
        """Fill in the chunks and vectors of every entry; (chunks embedded, chunks reused)."""
        pending: list[tuple[Entry, int]] = []
        reused = 0
        for e in entries:
            if e.vectors is not None:
                reused += len(e.chunks or ())
                continue
            e.chunks = chunk_practice(e.practice, self.chunking)
            e.vectors = np.zeros((len(e.chunks), encoder.dimension), np.float32)
            # a changed document often keeps most of its text: reuse the vectors of identical chunks
            known = {prev.chunks[r].content_hash: r for r in prev.rows.get(e.practice.id, [])} if prev else {}
            for j, chunk in enumerate(e.chunks):
                if chunk.content_hash in known:
                    e.vectors[j] = prev.vectors[known[chunk.content_hash]]  # type: ignore[union-attr]
                    reused += 1
                else:
                    pending.append((e, j))
        for start in range(0, len(pending), ENCODE_BATCH):
            batch = pending[start:start + ENCODE_BATCH]
            vectors = encoder.encode_passages([e.chunks[j].text for e, j in batch])  # type: ignore[index]
            for (e, j), vector in zip(batch, vectors):
                e.vectors[j] = vector  # type: ignore[index]
            self.progress("embed", start + len(batch), len(pending))
        return len(pending), reused

    def _write(self, entries: list[Entry], prev: Baseline | None, encoder: Encoder) -> tuple[str, tuple[str, ...]]:
        """Write the new generation and switch to it; (its id, the generations pruned)."""
        practices = [e.practice for e in entries]
        chunks = [c for e in entries for c in (e.chunks or ())]
        vectors = np.concatenate([e.vectors for e in entries if e.vectors is not None] or
                                 [np.zeros((0, encoder.dimension), np.float32)])
        titles = _title_vectors(practices, prev.titles if prev else {}, encoder)
        lexical = LexicalIndex.build([practice_text(p) for p in practices], [p.language for p in practices],
                                     encoder, known=prev.words if prev else None)
        self._lap("embed")
        before = set(list_generations(self.index_dir))
        gen_id, tmp = new_generation_dir(self.index_dir)
        writers: list[Callable[[], object]] = [
            lambda: write_practices(practices, tmp / "practices.parquet"),
            lambda: write_chunks(chunks, tmp / "chunks.parquet"),
            lambda: VectorIndex.build(vectors).save(tmp / "vectors.faiss"),
            lambda: np.save(tmp / "titles.npy", titles),
            lambda: lexical.save(tmp / "lexical"),
            lambda: write_manifest(tmp, self._manifest(gen_id, entries, chunks, encoder, file_checksums(tmp))),
        ]
        try:
            for i, write in enumerate(writers):
                write()
                self.progress("write", i + 1, len(writers))
            self._lap("write")
            commit_generation(self.index_dir, gen_id, tmp, keep=self.keep,
                              on_step=lambda done, total: self.progress("switch", done, total))
            self._lap("switch")
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexWriteError(str(self.index_dir), exc.strerror or str(exc)) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return gen_id, tuple(sorted(before - set(list_generations(self.index_dir))))

    def _manifest(self, gen_id: str, entries: list[Entry], chunks: list[Chunk], encoder: Encoder,
                  files: dict[str, dict[str, object]]) -> Manifest:
        return Manifest(
            schema_version=SCHEMA_VERSION, encoder=encoder.name, dimension=encoder.dimension,
            package_version=__version__, built_at=now_iso(), generation=gen_id,
            documents={e.source: {"hash": e.hash, "practice_id": e.practice.id} for e in entries},
            counts={"practices": len(entries), "chunks": len(chunks)},
            settings={"chunking": asdict(self.chunking),
                      "template": self.template_fingerprint},
            files=files,
        )


def _claim_ids(items: list[_Item], failed: list[DocumentFailure]) -> tuple[list[_Item], list[DocumentFailure]]:
    """Drop a document whose practice id is taken (a.txt beside a.md); the indexed one keeps it."""
    owner: dict[str, str] = {}
    for item in sorted(items, key=lambda i: i.status == "added"):  # stable: indexed documents first
        owner.setdefault(item.practice_id, item.source)
    kept = [i for i in items if owner[i.practice_id] == i.source]
    failed = failed + [DocumentFailure(i.path, f"same practice id as {owner[i.practice_id]}; skipped")
                       for i in items if owner[i.practice_id] != i.source]
    return kept, failed


def _title_vectors(practices: list[Practice], known: dict[str, np.ndarray], encoder: Encoder) -> np.ndarray:
    texts = [p.title or p.id for p in practices]
    out = np.zeros((len(texts), encoder.dimension), np.float32)
    new = [i for i, t in enumerate(texts) if t not in known]
    for i, t in enumerate(texts):
        if t in known:
            out[i] = known[t]
    if new:
        out[new] = encoder.encode_passages([texts[i] for i in new])
    return out


def _record(index_dir: Path, report: BuildReport) -> None:
    try:  # the report is informational: failing to record it must not fail the run
        write_last_run(index_dir, report.to_dict())
    except OSError:
        pass


def build_index(
    corpus_dirs: Sequence[Path],
    index_dir: Path,
    encoder: Encoder | str = DEFAULT_ENCODER,
    chunking: ChunkingConfig = ChunkingConfig(),
    progress: Progress | None = None,
    keep: int = 3,
    *,
    full: bool = False,
    lock_timeout: float | None = None,
    load: Callable[[str], Encoder] = load_encoder,
    strict_template: bool = False,
) -> BuildReport:
    """Bring the index at ``index_dir`` up to date with the documents under ``corpus_dirs``.

    Args:
        corpus_dirs: corpus folders (or single documents).
        index_dir: the index folder; created if missing.
        encoder: an encoder, or the name of one (then loaded with ``load`` only if something
            has to be embedded).
        chunking: how practices are cut into chunks; a change rebuilds everything.
        progress: called as (stage, done, total).
        keep: generations kept on disk (the current one always is).
        full: rebuild everything, reusing nothing.
        lock_timeout: seconds to wait for another run (None: as long as it takes; 0: not at all).
        load: how to load an encoder by name.
        strict_template: refuse documents that do not follow the practice template (nor are
            Collection pages) instead of indexing them as free text.

    Returns:
        The report; its ``exit_status`` is 0, or 3 if some documents failed.

    Raises:
        IndexLocked: another run holds the lock.
        RansearchError: a fatal error (missing corpus folder, no document indexable, encoder
            unavailable, disk full...); the generation serving before the run still serves.
    """
    index_dir = Path(index_dir)
    run = _Run([Path(d) for d in corpus_dirs], index_dir, encoder, chunking, progress or _no_progress,
               keep, full, load, strict_template)
    with index_lock(index_dir, lock_timeout):
        clean_stale(index_dir)
        try:
            report = run.execute()
        except RansearchError as exc:
            _record(index_dir, BuildReport(FAILED, current_generation(index_dir), run.encoder_name,
                                           error=str(exc), durations=run.durations, started_at=run.started,
                                           finished_at=now_iso()))
            raise
        _record(index_dir, report)
    return report


def rollback_index(index_dir: Path, lock_timeout: float | None = None) -> BuildReport:
    """Switch readers back to the newest good generation older than the current one.

    Raises:
        IndexLocked: another run holds the lock.
        IndexNotFound: no index there.
        RansearchError: no older generation to roll back to.
    """
    index_dir = Path(index_dir)
    started = now_iso()
    with index_lock(index_dir, lock_timeout):
        clean_stale(index_dir)
        before, after = rollback_generation(index_dir)
        manifest = open_generation(index_dir).manifest
        report = BuildReport(ROLLED_BACK, after, manifest.encoder, previous=before,
                             practices=manifest.counts.get("practices", 0), chunks=manifest.counts.get("chunks", 0),
                             started_at=started, finished_at=now_iso())
        _record(index_dir, report)
    return report
