"""Ranking practices for a query over one loaded index generation (:class:`Searcher`).

A query's path goes down, once: the query is checked and split into sentences
(:mod:`~ransearch.search.sentences`), its signals are read (:mod:`~ransearch.search.signals`:
dense, title, lexical), fused into one score per practice with a readable relevance
(:mod:`~ransearch.search.fusion`, over :mod:`~ransearch.search.ranking` and
:mod:`~ransearch.search.relevance`), each returned practice gets its 1–3 best matching sections
with a snippet (:mod:`~ransearch.search.sections`), and the answer its notes
(:mod:`ransearch.querylang`).

A query of several sentences is also matched sentence by sentence; from ``situation_sentences``
sentences on it is ranked as a situation: reciprocal rank fusion of the whole text's ranking and
one ranking per sentence (:meth:`Searcher.rank_situation`).

The methods below :meth:`Searcher.ask` are the narrow interface that situation matching
(:mod:`~ransearch.search.matching`) and similar practices (:mod:`~ransearch.search.similarity`)
are built on: signals, fusion, relevance, heads and the sections that explain a practice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ransearch.companion import CompanionIndex
from ransearch.encoders import Encoder
from ransearch.errors import QueryError
from ransearch.filters import FacetTable, Filters
from ransearch.lexical import LexicalIndex
from ransearch.querylang import coverage_note, encoder_languages, load_identifier, uncovered_language
from ransearch.records import AskResult, Practice, PracticeHead, PracticeHit, SectionHit
from ransearch.search.chunks import ChunkTable, PracticeTable
from ransearch.search.fusion import Fusion
from ransearch.search.ranking import log_chunk_counts, mean_unit_vectors
from ransearch.search.sections import alike_sections, best_section, matched_sections, what_it_does
from ransearch.text import split_query_sentences
from ransearch.search.signals import PracticeSignals, SignalReader
from ransearch.tuning import MAX_QUERY_CHARS, MODES, SearchConfig
from ransearch.vectors import VectorIndex

__all__ = ["Searcher", "encoded_well"]


def encoded_well(facets: FacetTable, encoder: Encoder, rendered: Sequence[str] = ()) -> np.ndarray | None:
    """Per practice row: written in a language ``encoder`` covers, or in one of ``rendered``
    (embedded from its rendering in those languages); ``None`` when every practice is, or when
    the encoder does not say which languages it covers (any ``st:`` model).

    An encoder maps text in a language it was not trained on into one region of its space,
    whatever the text says. Measured on dev2 with ``use`` (docs/evaluation.md, issue 15): the
    chunks of the two Swedish practices have a mean cosine of 0.77 with each other (0.18–0.34
    among the chunks of any covered language), and a Swedish, Danish or Finnish query 0.67–0.93
    with their mean: the cosine measures the language, not the topic. Such a practice's dense and
    title evidence is left out of the fusion (:func:`~ransearch.search.ranking.fuse`); its rank
    rests on the evidence that does not depend on the encoder (lexical matches, cognates).
    Generations built since embed such practices from their rendering in the covered languages
    (:func:`ransearch.embedding.render_uncovered`) when it translates enough of their words, and
    name those languages (``rendered``): the rule stays for the others.
    """
    covered = encoder_languages(encoder)
    if covered is None:
        return None
    rows = facets.columns["language"].any_of(covered | frozenset(rendered))
    return None if bool(rows.all()) else rows


class Searcher:
    """Ranks the practices of one loaded index generation."""

    def __init__(self, practices: PracticeTable, chunks: ChunkTable, vectors: VectorIndex,
                 lexical: LexicalIndex, titles: np.ndarray, encoder: Encoder,
                 config: SearchConfig = SearchConfig(), facets: FacetTable | None = None,
                 rendered: Sequence[str] = (), companion: CompanionIndex | None = None) -> None:
        """``practices`` makes its records on demand: ranking reads only the heads of the ones it
        returns; ``facets`` (else built from ``practices``) serves the filters; ``rendered``: the
        languages the encoder does not cover whose practices' vectors are those of their
        rendering (:func:`ransearch.embedding.render_uncovered`), trusted like the others;
        ``companion``: the generation's second encoder and its vectors (:mod:`ransearch.companion`)."""
        self.practices = practices
        self.chunks = chunks
        self.vectors = vectors
        self.lexical = lexical
        self.titles = np.asarray(titles, dtype=np.float32)
        self.encoder = encoder
        self.config = config
        # filters become array operations
        self.facets = facets if facets is not None else FacetTable.from_values(practices.facet_values(),
                                                                               len(practices))
        self.companion = companion
        self._signals = SignalReader(chunks, len(practices), vectors, lexical, self.titles, encoder, config, companion)
        well = encoded_well(self.facets, encoder, rendered)
        self._fusion = Fusion(config, log_chunk_counts(chunks.practice_row, len(practices)), encoder.name, well)
        self._chunk_vectors: np.ndarray | None = None
        self._practice_matrix: np.ndarray | None = None

    def warm_up(self) -> None:
        """Load now what queries would load on first use (see :meth:`ransearch.Engine.warm_up`)."""
        self.vectors.prefetch()
        self.encoder.warm_up()
        self.lexical.warm_up()
        if self.companion is not None:
            self.companion.vectors.prefetch()
            self.companion.encoder.warm_up()
        covered = encoder_languages(self.encoder)
        if covered is not None:  # the identifier and the query bridge serve queries in languages it lacks
            load_identifier(covered)
            self._signals.bridge()

    def ask(self, query: str, k: int = 5, filters: Filters = Filters(), mode: str | None = None,
            route: bool = True) -> AskResult:
        """The ``k`` best practices for ``query``, with the sections that matched.

        The query goes down once: its sentences, its signals, their fusion (and relevance), the
        sections of the practices returned, the notes.

        Raises:
            QueryError: empty or oversized query, k < 1, unknown mode.
        """
        query = self.check_query(query)
        if k < 1:
            raise QueryError("k must be at least 1")
        allowed = self.allowed(filters)  # practice rows; chunks follow
        mode = self.check_mode(mode)
        parts = split_query_sentences(query)
        sentences = parts if len(parts) > 1 else []
        # a situation is ranked sentence by sentence, without the companion or dense feedback
        signals = self._signals.read([query] + sentences, mode, allowed,
                                     whole=not self._fusion.is_situation(len(sentences), route))
        whole = signals[0]
        hits = []
        for rank, ranked in enumerate(self._fusion.top(signals, k, mode, route, allowed), 1):
            p = self.head(ranked.row)
            hits.append(PracticeHit(
                rank=rank, practice_id=p.id, title=p.title, source=p.source, score=ranked.score,
                country_code=p.country_code, language=p.language, themes=p.themes, url=p.url,
                relevance=ranked.relevance,
                sections=matched_sections(self.chunks, ranked.row, query, p.language, whole.chunk_ids,
                                          whole.chunk_scores, self.config.max_sections, self.config.snippet_chars),
            ))
        return AskResult(query=query, results=tuple(hits), notes=self.notes(query, mode))

    @staticmethod
    def check_query(text: str) -> str:
        """``text`` stripped.

        Raises:
            QueryError: empty or longer than ``MAX_QUERY_CHARS``.
        """
        text = (text or "").strip()
        if not text:
            raise QueryError("empty query: say what you are looking for")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query too long ({len(text):,} characters, limit {MAX_QUERY_CHARS:,})")
        return text

    def check_mode(self, mode: str | None) -> str:
        """``mode``, or the configured one.

        Raises:
            QueryError: not one of ``MODES``.
        """
        mode = mode or self.config.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        return mode

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """The practice rows passing ``filters`` (a boolean mask), or None without filters."""
        return filters.mask(self.facets) if filters else None

    # the interface of matching and similar practices

    def signals(self, texts: Sequence[str], mode: str = "hybrid", allowed: np.ndarray | None = None,
                whole: bool = True) -> list[PracticeSignals]:
        """The signals of each text for every practice row (see :class:`SignalReader`)."""
        return self._signals.read(texts, mode, allowed, whole)

    def is_situation(self, sentences: int) -> bool:
        """Whether a text of ``sentences`` sentences is ranked as a situation."""
        return self._fusion.is_situation(sentences)

    def fuse(self, signals: PracticeSignals, mode: str = "hybrid") -> np.ndarray:
        """One score per practice from a text's signals."""
        return self._fusion.fuse(signals, mode)

    def rank_situation(self, whole: PracticeSignals, sentences: Sequence[PracticeSignals],
                       mode: str = "hybrid") -> np.ndarray:
        """Reciprocal rank fusion of the whole text's ranking and one ranking per sentence."""
        return self._fusion.situation(whole, sentences, mode)

    def relevance(self, whole: PracticeSignals, mode: str = "hybrid") -> np.ndarray:
        """Every practice's relevance (0–100, float) from the signals of the whole text."""
        return self._fusion.relevance(whole, mode)

    def notes(self, text: str, mode: str = "hybrid") -> tuple[str, ...]:
        """What a reader of the answer to ``text`` ranked in ``mode`` should know (see
        ``ransearch.querylang``)."""
        text = self._signals.as_read(text)  # the note judges the text its signals read
        # the bridge embeds the text unless it is ranked by its words alone; it is looked for (and
        # its model loaded) only for a text that needs it
        needs_bridge = mode != "lexical" and uncovered_language(text, self.encoder) is not None
        bridge = self._signals.bridge() if needs_bridge else None
        note = coverage_note(text, self.encoder, self.companion.encoder if self.companion is not None else None,
                             bridge)
        return (note,) if note else ()

    def head(self, row: int) -> PracticeHead:
        """What answers show of practice ``row``, without reading its record."""
        return self.practices.head(row)

    def records(self, rows: Sequence[int]) -> list[Practice]:
        """The whole records of practice ``rows``, in that order."""
        return self.practices.take(rows)

    def practice_ids(self) -> list[str]:
        """The id of every practice row, without making records."""
        return list(self.practices.ids)

    def best_section(self, row: int, language: str, text: str, signals: PracticeSignals) -> SectionHit | None:
        """The section of practice ``row``'s best candidate chunk for ``text`` (scored by its cosine)."""
        return best_section(self.chunks, row, text, language, signals.chunk_ids, signals.chunk_scores,
                            self.config.snippet_chars)

    def likeness(self, row: int) -> np.ndarray:
        """Every practice's cosine with practice ``row`` on what they do (see :meth:`practice_matrix`)."""
        matrix = self.practice_matrix()
        return matrix @ matrix[row]

    def alike_sections(self, row: int, others: Sequence[int], languages: Sequence[str]
                       ) -> list[tuple[SectionHit, ...]]:
        """For each of ``others`` (labelled in its language, ``languages``), the two sections that
        make it alike to practice ``row``."""
        vectors = self.chunk_vectors()
        source_rows = np.flatnonzero((self.chunks.practice_row == row) & what_it_does(self.chunks.section))
        return [alike_sections(self.chunks, vectors, source_rows, other, lang, self.config.snippet_chars)
                for other, lang in zip(others, languages)]

    def chunk_vectors(self) -> np.ndarray:
        """All chunk embeddings (loaded from the vector index on first use)."""
        if self._chunk_vectors is None:
            self._chunk_vectors = self.vectors.reconstruct_all()
        return self._chunk_vectors

    def practice_matrix(self) -> np.ndarray:
        """One unit vector per practice describing what it does: the mean of its chunks from the
        sections that say so (:data:`~ransearch.search.sections.WHAT_IT_DOES`)."""
        if self._practice_matrix is None:
            self._practice_matrix = mean_unit_vectors(
                self.chunk_vectors(), self.chunks.practice_row, what_it_does(self.chunks.section),
                len(self.practices))
        return self._practice_matrix
