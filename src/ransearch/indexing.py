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

import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ransearch import __version__
from ransearch.chunking import ChunkingConfig, chunk_practice
from ransearch.corpus import SHRINK_LIMIT, Scanned, Walk, check_shrink, scan_corpus
from ransearch.encoders import DEFAULT_ENCODER, Encoder, load_encoder
from ransearch.encoders.lazy import LazyEncoder
from ransearch.baseline import Baseline, Entry, full_rebuild_reason, open_baseline
from ransearch.errors import IndexCorrupt, IndexWriteError, ParseError, RansearchError
from ransearch.ingest import practice_id
from ransearch.ingest.collection import parse_document
from ransearch.ingest.boilerplate import Template
from ransearch.ingest.duplicates import study_files
from ransearch.lexical import LexicalIndex
from ransearch.lock import index_lock
from ransearch.plan import Item, claim_ids, duplicate_report, keep_one_per_group, manifest_entry, old_ids
from ransearch.records import Chunk, Practice
from ransearch.build_report import (FAILED, ROLLED_BACK, UNCHANGED, UPDATED, BuildReport, DocumentFailure, ParsedDocument,
                              now_iso)
from ransearch.store import (SCHEMA_VERSION, Manifest, clean_stale, commit_generation,
                             file_checksums, list_generations, new_generation_dir, open_generation,
                             read_current, record_last_run, rollback_generation, serving_generation,
                             write_manifest)
from ransearch.parquet_tables import write_chunks, write_practices
from ransearch.vectors import VectorIndex

__all__ = ["BuildReport", "DocumentFailure", "SHRINK_LIMIT", "build_index", "rollback_index", "Progress", "practice_text", "ENCODE_BATCH"]

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


class _Run:
    """One indexing run, holding the lock; ``execute`` returns its report."""

    def __init__(self, corpus_dirs: Sequence[Path], index_dir: Path, encoder: Encoder | str,
                 chunking: ChunkingConfig, progress: Progress, keep: int, full: bool,
                 load: Callable[[str], Encoder], strict_template: bool = False, follow_links: bool = False,
                 allow_shrink: bool = False) -> None:
        self.corpus_dirs, self.index_dir, self.chunking = corpus_dirs, index_dir, chunking
        self.strict_template = strict_template
        self.follow_links, self.allow_shrink = follow_links, allow_shrink
        self.items: list[Item] = []
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
        scanned, walk = scan_corpus(self.corpus_dirs, self.progress, self.follow_links, self.allow_shrink)
        self._lap("scan")
        old_docs = prev.manifest.documents if prev else {}
        present = {d.source for d in scanned}
        # what could not be read is not gone: it keeps its last good version
        removed = tuple(sorted(s for s in old_docs
                               if s not in present and not any(u.covers(s) for u in walk.unreadable)))
        if not self.allow_shrink:
            check_shrink(len(old_docs), len(removed))
        items, failed = self._plan(scanned, walk, prev, full)
        self._lap("parse")
        items, failed = claim_ids(items, failed)
        self.items = items
        added = tuple(i.source for i in items if i.status == "added")
        changed = tuple(i.source for i in items if i.status == "changed")
        if not any(i.practice_ids for i in items):
            raise RansearchError("no document could be indexed: " +
                                 "; ".join(f"{f.path}: {f.reason}" for f in failed[:5]))
        report = BuildReport(
            UNCHANGED, prev.gen.id if prev else None, self.encoder_name, previous=prev.gen.id if prev else None,
            added=added, changed=changed, removed=removed, unchanged=sum(i.status == "unchanged" for i in items),
            failed=tuple(failed), full_rebuild=full, full_reason=full_reason, started_at=self.started,
            warnings=warnings + self._template_warnings() + tuple(walk.skipped), durations=self.durations,
            duplicates=duplicate_report(items))
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
        parsed = tuple(ParsedDocument(i.source, i.practices[0].format, i.practices[0].layout)
                       for i in items if i.practices)
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
            return LazyEncoder(name, lambda: self.load(name), prev.manifest.dimension)
        return self.load(name)

    def _plan(self, scanned: list[Scanned], walk: Walk, prev: Baseline | None,
              full: bool) -> tuple[list[Item], list[DocumentFailure]]:
        """Parse what is new or changed (everything if ``full``); the rest is reused as it is.

        When anything changed, the template text the corpus shares is learned again from every
        document, and its duplicate groups are found again (:func:`ransearch.ingest.duplicates.study_files`),
        so that an index holds the records ``ransearch parse`` gives. Should what was learned
        differ from what parsed the previous generation, unchanged documents are parsed again too
        (their unchanged chunks keep their vectors), and the report says so. Documents in a
        duplicate group, now or before, are parsed again: which of them the index keeps may change.
        """
        old_docs = prev.manifest.documents if prev else {}
        present = {d.source for d in scanned}
        unreadable = [s for s in old_docs if s not in present and any(u.covers(s) for u in walk.unreadable)]
        stale = [d for d in scanned if d.hash is not None and (full or old_docs.get(d.source, {}).get("hash") != d.hash)]
        learned_before = prev.manifest.settings.get("template") if prev else None
        readable = [d for d in scanned if d.hash is not None]
        groups: list[list[int]] = []
        if not stale and all(s in present or s in unreadable for s in old_docs):
            self.template = None  # nothing changed: nothing to learn, nothing to parse
            self.template_fingerprint = learned_before or ""
        else:
            self.template, groups = study_files([d.doc.path for d in readable])
            self._lap("learn")
            self.template_fingerprint = self.template.fingerprint
            if not full and prev is not None and learned_before != self.template.fingerprint:
                stale = list(readable)
                self.reparsed = len(stale)
            grouped = {id(readable[i]) for g in groups if len(g) > 1 for i in g}
            kept_before = {str(e["duplicate_of"]) for e in old_docs.values() if e.get("duplicate_of")}
            again = {id(d) for d in stale}
            stale += [d for d in readable if id(d) not in again and (
                id(d) in grouped or d.source in kept_before or old_docs.get(d.source, {}).get("duplicate_of"))]
        reparse = {id(d) for d in stale}
        items: list[Item] = []
        failed: list[DocumentFailure] = []
        position: dict[int, int] = {}  # id(scanned) → its item
        done = 0
        for d in scanned:
            path, error, old = str(d.doc.path), d.error, old_docs.get(d.source)
            if id(d) not in reparse and d.hash is not None and old is not None:
                items.append(Item(path, d.source, d.hash, old_ids(old), "unchanged", duplicate_of=old.get("duplicate_of")))
                continue
            if d.hash is not None:
                try:
                    practices = self._parse(d)
                except ParseError as exc:
                    error = exc.reason
                else:
                    status = "added" if old is None else "unchanged" if old.get("hash") == d.hash else "changed"
                    position[id(d)] = len(items)
                    items.append(Item(path, d.source, d.hash, tuple(p.id for p in practices), status,
                                      tuple(practices)))
                done += 1
                self.progress("parse", done, len(stale))
                if not error:
                    continue
            if old is not None:  # keep the last good version of a broken or unreadable file
                items.append(Item(path, d.source, old["hash"], old_ids(old), "kept", duplicate_of=old.get("duplicate_of")))
            failed.append(DocumentFailure(path, error, old is not None))
        for u in walk.unreadable:
            covered = [s for s in unreadable if u.covers(s)]
            for s in covered:
                old = old_docs[s]
                items.append(Item(s, s, old["hash"], old_ids(old), "kept", duplicate_of=old.get("duplicate_of")))
            failed.append(DocumentFailure(u.path, u.reason + (f" ({len(covered)} documents kept their last good "
                                                              "version)" if len(covered) > 1 else ""), bool(covered)))
        keep_one_per_group(items, [[position[id(readable[i])] for i in g if id(readable[i]) in position]
                                   for g in groups])
        return items, failed

    def _parse(self, d: Scanned) -> list[Practice]:
        """The practices of a document, named by its source (unique in the corpus)."""
        practices = parse_document(d.doc.path, d.doc.root, template=self.template,
                                   strict_template=self.strict_template)
        if practices[0].source == d.source:
            return practices
        # a followed link, or a name two corpus folders share: the walk's source names it
        old, new = practice_id(practices[0].source), practice_id(d.source)
        return [replace(p, source=d.source, id=new + p.id[len(old):]) for p in practices]

    def _entries(self, items: list[Item], prev: Baseline | None, full: bool) -> list[Entry]:
        """The practices of the new generation, with chunks and vectors where they can be reused."""
        entries: list[Entry] = []
        for item in items:
            if item.practices is not None:
                entries.extend(Entry(item.source, item.hash, p) for p in item.practices)
                continue
            for pid in item.practice_ids:
                entry = prev.entry(item.source, item.hash, pid, not full) if prev else None
                if entry is None:  # only a hand-edited manifest can say this
                    raise IndexCorrupt(str(prev.gen.path if prev else self.index_dir),
                                       f"its manifest lists {item.source} but its tables lack {pid!r}")
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

    def _documents(self) -> dict[str, dict[str, object]]:
        ids = {i.source: i.practice_ids[0] for i in self.items if i.practice_ids}
        return {i.source: manifest_entry(i, ids.get(i.duplicate_of or "", "")) for i in self.items}

    def _manifest(self, gen_id: str, entries: list[Entry], chunks: list[Chunk], encoder: Encoder,
                  files: dict[str, dict[str, object]]) -> Manifest:
        return Manifest(
            schema_version=SCHEMA_VERSION, encoder=encoder.name, dimension=encoder.dimension,
            package_version=__version__, built_at=now_iso(), generation=gen_id,
            documents=self._documents(),
            counts={"practices": len(entries), "chunks": len(chunks)},
            settings={"chunking": asdict(self.chunking),
                      "template": self.template_fingerprint},
            files=files,
        )


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

    Returns:
        The report; its ``exit_status`` is 0, or 3 if some documents failed.

    Raises:
        IndexLocked: another run holds the lock.
        RansearchError: a fatal error (missing or empty corpus folder, a corpus that shrank, no document indexable, encoder
            unavailable, disk full...); the generation serving before the run still serves.
    """
    index_dir = Path(index_dir)
    run = _Run([Path(d) for d in corpus_dirs], index_dir, encoder, chunking, progress or _no_progress,
               keep, full, load, strict_template, follow_links, allow_shrink)
    with index_lock(index_dir, lock_timeout):
        clean_stale(index_dir)
        try:
            report = _execute(run)
        except RansearchError as exc:
            _record(index_dir, BuildReport(FAILED, serving_generation(index_dir), run.encoder_name,
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
        report = BuildReport(ROLLED_BACK, after, manifest.encoder, previous=before,
                             practices=manifest.counts.get("practices", 0), chunks=manifest.counts.get("chunks", 0),
                             started_at=started, finished_at=now_iso(),
                             warnings=(f"{problem}; repaired",) if problem else ())
        report = _record(index_dir, report)
    return report
