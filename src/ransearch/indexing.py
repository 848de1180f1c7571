"""Building index generations from corpus folders: incremental, atomic, locked, reported.

A run holds the index lock (:mod:`ransearch.lock`) from start to end and goes through:

    scan     list the documents and hash their bytes (sha256), without parsing them (ransearch.corpus)
    plan     compare with the manifest of the serving generation: a document whose hash is
             unchanged is reused as it is (record, chunks, vectors); new and changed ones are parsed
             (ransearch.plan)
    parse    a document that fails to parse is reported and skipped; if an earlier version of it
             is in the index, that version is kept (nothing is lost to a badly saved file)
    embed    chunk the parsed practices; embed only chunks, titles and lexicon words whose text
             the previous generation has not already embedded (ransearch.embedding); the same
             for the companion encoder's vectors, if the run has one (ransearch.companion)
    write    a complete new generation in a temporary folder, with checksums in its manifest (here)
    switch   fsync, rename, replace ``CURRENT`` atomically, prune old generations (ransearch.store)

A run with nothing to do (no document added, changed or removed; same encoder, schema, package
version, chunking settings and companion; a healthy current generation) writes nothing and does
not even load the encoder. A run whose companion differs from the serving generation's writes a
new generation that reuses every chunk and embeds the companion's vectors only. Another encoder,
schema, package version or chunking, or ``full=True``, rebuilds everything; the report says why.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ransearch import __version__
from ransearch.previous_generation import PreviousGeneration, Entry, full_rebuild_reason, open_previous_generation
from ransearch.build_report import BuildReport, DocumentFailure, Outcome, ParsedDocument, now_iso
from ransearch.chunking import ChunkingConfig
from ransearch.companion import TITLES_FILE, VECTORS_FILE, CompanionEmbeddings
from ransearch.corpus import SHRINK_LIMIT, check_shrink, scan_corpus
from ransearch.embedding import chunk_vectors, embed_entries, new_entries, render_uncovered, title_vectors
from ransearch.encoders import DEFAULT_ENCODER, Encoder, load_encoder, stated_languages
from ransearch.encoders.lazy import LazyEncoder
from ransearch.errors import IndexWriteError, RansearchError
from ransearch.lexical import LexicalIndex
from ransearch.lock import index_lock
from ransearch.manifest import BuildSettings, Companion, Counts, DocumentEntry, FileDigest
from ransearch.parquet_tables import write_chunks, write_practices
from ransearch.plan import DocumentStatus, Item, claim_ids, duplicate_report, manifest_entry, plan_documents
from ransearch.records import Chunk, Practice
from ransearch.store import (SCHEMA_VERSION, Manifest, clean_stale, commit_generation,
                             file_checksums, list_generations, new_generation_dir, open_generation,
                             read_current, record_last_run, rollback_generation, serving_generation,
                             write_manifest)
from ransearch.vectors import VectorIndex

__all__ = ["BuildReport", "DocumentFailure", "SHRINK_LIMIT", "build_index", "rollback_index", "Progress", "practice_text"]

Progress = Callable[[str, int, int], None]
"""Progress callback: (stage, done, total); stages scan, parse, embed, companion, write, switch."""


def practice_text(p: Practice) -> str:
    """The searchable text of a practice (everything but contacts), for the lexical index."""
    parts = [p.title, " ".join(p.themes), " ".join(p.audience), p.country]
    parts.extend(text for key, text in p.sections.items() if key != "name")
    return "\n".join(x for x in parts if x)


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


class _Run:
    """One indexing run, holding the lock; ``execute`` returns its report."""

    def __init__(self, corpus_dirs: Sequence[Path], index_dir: Path, encoder: Encoder | str,
                 chunking: ChunkingConfig, progress: Progress, keep: int, full: bool,
                 load: Callable[[str], Encoder], strict_template: bool = False, follow_links: bool = False,
                 allow_shrink: bool = False, companion: Encoder | str | None = None) -> None:
        self.corpus_dirs, self.index_dir, self.chunking = corpus_dirs, index_dir, chunking
        self.strict_template = strict_template
        self.follow_links, self.allow_shrink = follow_links, allow_shrink
        self.items: list[Item] = []
        self.progress, self.keep, self.full_requested, self.load = progress, keep, full, load
        self.encoder_arg = encoder
        self.encoder_name = encoder if isinstance(encoder, str) else encoder.name
        self.companion_arg = companion
        self.companion_name = companion if isinstance(companion, str) or companion is None else companion.name
        self.companion_embedded = 0  # chunks the companion embedded (the others kept their vectors)
        self.durations: dict[str, float] = {}
        self.template_fingerprint = ""  # of the template the new generation's records were parsed with
        self.reparsed = 0  # unchanged documents parsed again because the learned template changed
        self.rendered: tuple[str, ...] = ()  # uncovered languages embedded from their rendering
        self.started = now_iso()
        self._t = time.perf_counter()

    def _lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.durations[stage] = self.durations.get(stage, 0.0) + now - self._t
        self._t = now

    def execute(self) -> BuildReport:
        prev, no_prev_reason, warnings = open_previous_generation(self.index_dir)
        self._lap("open_previous")
        full_reason = ("requested" if self.full_requested else
                       no_prev_reason if prev is None else full_rebuild_reason(prev, self.encoder_name, self.chunking))
        full = full_reason is not None
        scanned, walk = scan_corpus(self.corpus_dirs, self.progress, self.follow_links, self.allow_shrink)
        self._lap("scan")
        old_docs = prev.manifest.documents if prev else {}
        present = {d.source for d in scanned}
        # what could not be read is not gone: it keeps its last good version
        removed = tuple(sorted(s for s in old_docs
                               if s not in present and not any(u.covers(s) for u in walk.unreadable)))
        if not self.allow_shrink:
            check_shrink(len(old_docs), len(removed))
        plan = plan_documents(scanned, walk, prev, full, strict_template=self.strict_template,
                              progress=self.progress, lap=self._lap)
        self.template_fingerprint, self.reparsed = plan.fingerprint, plan.reparsed
        self._lap("parse")
        items, failed = claim_ids(plan.items, plan.failed)
        self.items = items
        added = tuple(i.source for i in items if i.status == DocumentStatus.ADDED)
        changed = tuple(i.source for i in items if i.status == DocumentStatus.CHANGED)
        if not any(i.practice_ids for i in items):
            raise RansearchError("no document could be indexed: " +
                                 "; ".join(f"{f.path}: {f.reason}" for f in failed[:5]))
        report = BuildReport(
            Outcome.UNCHANGED, prev.gen.id if prev else None, self.encoder_name, previous=prev.gen.id if prev else None,
            added=added, changed=changed, removed=removed, unchanged=sum(i.status == DocumentStatus.UNCHANGED for i in items),
            failed=tuple(failed), full_rebuild=full, full_reason=full_reason, started_at=self.started,
            warnings=warnings + self._template_warnings() + tuple(walk.skipped), durations=self.durations,
            duplicates=duplicate_report(items), companion=self.companion_name)
        companion_changed = prev is not None and self.companion_name != (
            prev.manifest.companion.encoder if prev.manifest.companion is not None else None)
        if prev is not None and not (full or added or changed or removed or prev.gen.fallback or companion_changed):
            return replace(report, practices=prev.manifest.counts.practices,
                           chunks=prev.manifest.counts.chunks, finished_at=now_iso())

        companion = self._companion()  # before any embedding: a companion that cannot load stops the run now
        if prev is not None:
            prev.load(embeddings=not full)
        self._lap("load_previous")
        entries = new_entries(items, prev, full, self.index_dir)
        encoder = self._encoder(prev)
        embedded, reused = embed_entries(entries, None if full else prev, encoder, self.chunking, self.progress)
        self._lap("embed")
        gen_id, pruned = self._write(entries, None if full else prev, encoder, companion)
        parsed = tuple(ParsedDocument(i.source, i.practices[0].format, i.practices[0].layout)
                       for i in items if i.practices)
        formats = Counter(f"{e.practice.format}/{e.practice.layout}" for e in entries)
        if prev is not None and prev.manifest.companion is not None and companion is None:
            report = replace(report, warnings=report.warnings + (
                f"the companion encoder {prev.manifest.companion.encoder} was dropped: the new generation has none",))
        return replace(report, outcome=Outcome.UPDATED, generation=gen_id, practices=len(entries),
                       parsed=parsed, formats=dict(sorted(formats.items())),
                       chunks=sum(len(e.chunks or ()) for e in entries), embedded_chunks=embedded,
                       reused_chunks=reused, finished_at=now_iso(), pruned=pruned,
                       companion_embedded_chunks=self.companion_embedded)

    def _template_warnings(self) -> tuple[str, ...]:
        if not self.reparsed:
            return ()
        return (f"the template text learned from the corpus changed: all {self.reparsed} documents were "
                "parsed again (chunks whose text did not change kept their vectors)",)

    def _encoder(self, prev: PreviousGeneration | None) -> Encoder:
        if not isinstance(self.encoder_arg, str):
            return self.encoder_arg
        name = self.encoder_arg
        if prev is not None and prev.manifest.encoder == name:
            return LazyEncoder(name, lambda: self.load(name), prev.manifest.dimension, stated_languages(name))
        return self.load(name)

    def _companion(self) -> Encoder | None:
        if self.companion_arg is None or not isinstance(self.companion_arg, str):
            return self.companion_arg
        return self.load(self.companion_arg)

    def _write(self, entries: list[Entry], prev: PreviousGeneration | None, encoder: Encoder,
               companion: Encoder | None) -> tuple[str, tuple[str, ...]]:
        """Write the new generation and switch to it; (its id, the generations pruned)."""
        practices = [e.practice for e in entries]
        chunks = [c for e in entries for c in (e.chunks or ())]
        vectors = np.concatenate([e.vectors for e in entries if e.vectors is not None] or
                                 [np.zeros((0, encoder.dimension), np.float32)])
        titles = title_vectors(practices, prev.titles if prev else {}, encoder)
        lexical = LexicalIndex.build([practice_text(p) for p in practices], [p.language for p in practices],
                                     encoder, known=prev.words if prev else None)
        self.rendered = render_uncovered(practices, chunks, vectors, titles, lexical, encoder)
        self._lap("embed")
        if companion is not None:
            known = prev.companion_embeddings(companion.name) if prev is not None else CompanionEmbeddings()
            companion_vectors, self.companion_embedded = chunk_vectors(chunks, known.chunks, companion,
                                                                       self.progress, "companion")
            companion_titles = title_vectors(practices, known.titles, companion)
            self._lap("companion")
        before = set(list_generations(self.index_dir))
        gen_id, tmp = new_generation_dir(self.index_dir)
        writers: list[Callable[[], object]] = [
            lambda: write_practices(practices, tmp / "practices.parquet"),
            lambda: write_chunks(chunks, tmp / "chunks.parquet"),
            lambda: VectorIndex.build(vectors).save(tmp / "vectors.faiss"),
            lambda: np.save(tmp / "titles.npy", titles),
            lambda: lexical.save(tmp / "lexical"),
        ]
        if companion is not None:
            writers += [lambda: VectorIndex.build(companion_vectors).save(tmp / VECTORS_FILE),
                        lambda: np.save(tmp / TITLES_FILE, companion_titles)]
        writers.append(lambda: write_manifest(tmp, self._manifest(gen_id, entries, chunks, encoder, companion,
                                                                  file_checksums(tmp))))
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

    def _documents(self) -> dict[str, DocumentEntry]:
        ids = {i.source: i.practice_ids[0] for i in self.items if i.practice_ids}
        return {i.source: manifest_entry(i, ids.get(i.duplicate_of or "", "")) for i in self.items}

    def _manifest(self, gen_id: str, entries: list[Entry], chunks: list[Chunk], encoder: Encoder,
                  companion: Encoder | None, files: dict[str, FileDigest]) -> Manifest:
        return Manifest(
            schema_version=SCHEMA_VERSION, encoder=encoder.name, dimension=encoder.dimension,
            package_version=__version__, built_at=now_iso(), generation=gen_id,
            documents=self._documents(),
            counts=Counts(practices=len(entries), chunks=len(chunks)),
            settings=BuildSettings(chunking=asdict(self.chunking), template=self.template_fingerprint,
                                   rendered=self.rendered),
            files=files,
            companion=Companion(companion.name, companion.dimension) if companion is not None else None,
        )


def _record(index_dir: Path, report: BuildReport) -> BuildReport:
    """Record ``report`` for ``ransearch status``; the report, saying so if it could not be
    recorded (then the run's exit status is 2: monitoring would otherwise read an older run)."""
    problem = record_last_run(index_dir, report.to_dict())
    return report if problem is None else replace(report, record_error=problem)


def _execute(run: _Run) -> BuildReport:
    """``run.execute()``, with a system error met on the way made one line (no traceback).

    Raises:
        RansearchError: as ``execute``; or an OSError (a full disk or a file size limit met by a
            library's temporary file, say) as a fatal error naming it.
    """
    try:
        return run.execute()
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise RansearchError(f"indexing stopped by a system error: {exc.strerror or exc}{where}") from None


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
    follow_links: bool = False,
    allow_shrink: bool = False,
    companion: Encoder | str | None = None,
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
        follow_links: follow symbolic links that leave the corpus folders (by default they are
            skipped, and the report says so).
        allow_shrink: accept a corpus folder with no document, or a run that removes more than
            ``SHRINK_LIMIT`` of the indexed documents (refused by default: an unmounted share).
        companion: a second encoder (or its name, loaded with ``load``) whose vectors the
            generation also holds (:mod:`ransearch.companion`); None: none.

    Returns:
        The report; its ``exit_status`` is 0, or 3 if some documents failed.

    Raises:
        IndexLocked: another run holds the lock.
        RansearchError: a fatal error (missing or empty corpus folder, a corpus that shrank, no document indexable, encoder
            unavailable, disk full...); the generation serving before the run still serves.
    """
    index_dir = Path(index_dir)
    run = _Run([Path(d) for d in corpus_dirs], index_dir, encoder, chunking, progress or _no_progress,
               keep, full, load, strict_template, follow_links, allow_shrink, companion)
    with index_lock(index_dir, lock_timeout):
        clean_stale(index_dir)
        try:
            report = _execute(run)
        except RansearchError as exc:
            _record(index_dir, BuildReport(Outcome.FAILED, serving_generation(index_dir), run.encoder_name,
                                           error=str(exc), durations=run.durations, started_at=run.started,
                                           finished_at=now_iso()))
            raise
        report = _record(index_dir, report)
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
        problem = read_current(index_dir)[1]  # a damaged pointer: the rollback repairs it
        before, after = rollback_generation(index_dir)
        manifest = open_generation(index_dir).manifest
        report = BuildReport(Outcome.ROLLED_BACK, after, manifest.encoder, previous=before,
                             practices=manifest.counts.practices, chunks=manifest.counts.chunks,
                             started_at=started, finished_at=now_iso(),
                             warnings=(f"{problem}; repaired",) if problem else ())
        report = _record(index_dir, report)
    return report
