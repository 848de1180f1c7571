"""What the indexes say about a text, per practice row, before fusion (:class:`PracticeSignals`),
and how it is read (:class:`SignalReader`): one encoder call for the texts and the words new to
the index, one vector search per text, and the lexical share of each text's words.

Dense signal: a practice's best matching chunk plus a smaller share of its second best
(:func:`~ransearch.search.ranking.practice_dense`); the similarity of the text to the practice's
title is a signal of its own. Lexical signal (see ``ransearch.lexical``): the share of the text
a practice matches, in its own language, through cross-lingual expansion of the text's words.

The vector searches are shared with the query helper thread (:func:`beside`), which starts on
them while the calling thread computes the title similarity and the lexical scores.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from ransearch.encoders import Encoder
from ransearch.encoders.threads import beside
from ransearch.lexical import ExpansionPlan, LexicalIndex, WordScores, query_words
from ransearch.search.chunks import ChunkTable
from ransearch.search.ranking import practice_dense
from ransearch.tuning import SearchConfig
from ransearch.vectors import AllowedRows, VectorIndex

__all__ = ["PracticeSignals", "SignalReader", "HANDOFF_MIN_WORK"]

HANDOFF_MIN_WORK = 20_000
"""Query rows × chunks below which an exact vector search (~1 ms at 20,000) runs in the calling
thread rather than on the helper thread: handing it over would cost more than it saves."""


@dataclass(frozen=True)
class PracticeSignals:
    """The ranking signals of one text for every practice row, before fusion, and the candidate
    chunks they came from (formerly ``Evidence``)."""

    dense: np.ndarray         # best chunks' cosine, per practice
    title: np.ndarray         # cosine with the practice title
    lexical: np.ndarray       # share of the text's words matched, per practice
    chunk_ids: np.ndarray     # candidate chunks, best first ...
    chunk_scores: np.ndarray  # ... and their cosine


class SignalReader:
    """Reads :class:`PracticeSignals` of texts from one index generation's vectors, titles and
    lexical index."""

    def __init__(self, chunks: ChunkTable, n_practices: int, vectors: VectorIndex, lexical: LexicalIndex,
                 titles: np.ndarray, encoder: Encoder, config: SearchConfig) -> None:
        self.chunks = chunks
        self.n_practices = n_practices
        self.vectors = vectors
        self.lexical = lexical
        self.titles = titles
        self.encoder = encoder
        self.config = config

    def read(self, texts: Sequence[str], mode: str = "hybrid",
             allowed: np.ndarray | None = None) -> list[PracticeSignals]:
        """The signals of each text (``allowed``: practice rows the dense candidates must be of)."""
        words = [query_words(t) for t in texts]
        # the lexicon holds the embedding of every word the corpus uses, and translations are
        # remembered: encode the texts and the words that are new to this index only
        plan = self.lexical.plan_expansion([w for ws in words for w in ws]) if mode != "dense" else None
        new_words = plan.to_embed if plan is not None else []
        encoded = list(texts) if mode != "lexical" else []
        vecs = np.asarray(self.encoder.encode_queries(encoded + new_words), dtype=np.float32)
        qvecs, word_vecs = vecs[: len(encoded)], vecs[len(encoded):]
        n = self.n_practices
        if mode == "lexical":
            assert plan is not None  # only dense signals go without a plan
            none_ids, none_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            return [PracticeSignals(np.zeros(n, np.float32), np.zeros(n, np.float32), lex, none_ids, none_scores)
                    for lex in self._lexical(texts, words, plan, dict(zip(new_words, word_vecs)))]
        chunk_allowed = None if allowed is None else allowed[self.chunks.practice_row]
        rows = _DenseRows(self, qvecs, chunk_allowed)
        small = self.vectors.kind == "flat" and len(texts) * len(self.chunks) < HANDOFF_MIN_WORK
        helper = None if small else beside(partial(rows.work, from_front=True))
        try:
            titles = self.titles @ qvecs.T
            lexical = (self._lexical(texts, words, plan, dict(zip(new_words, word_vecs))) if plan is not None
                       else [np.zeros(n, np.float32) for _ in texts])
            rows.work(from_front=False)  # the rows the helper has not started, if any
        finally:
            rows.stop()  # after an error, the helper stops after its current row
        if helper is not None and not helper.cancel():  # not cancelled: started, wait for it
            helper.result()
        return [PracticeSignals(d, titles[:, i], lexical[i], ids, scores)
                for i, (d, ids, scores) in enumerate(rows.done)]

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
        k = min(self.config.candidates, len(self.chunks))
        row_ids, row_scores = self.vectors.search(qvec[None, :], k, allowed=allowed_chunks)
        keep = row_ids[0] >= 0
        ids, scores = row_ids[0][keep], row_scores[0][keep]
        dense = practice_dense(ids, scores, self.chunks.practice_row, self.n_practices)
        return dense, ids, scores


class _DenseRows:
    """The dense side of a query's rows (its text, its sentences), worked through from both
    ends: the helper thread takes rows from the front as soon as the vectors exist, the calling
    thread takes the rest from the back once its lexical work is done, so that neither thread
    waits while rows are left."""

    def __init__(self, reader: SignalReader, qvecs: np.ndarray, allowed_chunks: np.ndarray | None) -> None:
        self._reader, self._qvecs = reader, qvecs
        self._allowed = None if allowed_chunks is None else reader.vectors.allowed_rows(allowed_chunks)
        self._front, self._back = 0, len(qvecs)
        self._lock = threading.Lock()
        self.done: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [None] * len(qvecs)  # type: ignore[list-item]

    def _claim(self, from_front: bool) -> int | None:
        with self._lock:
            if self._front >= self._back:
                return None
            if from_front:
                self._front += 1
                return self._front - 1
            self._back -= 1
            return self._back

    def work(self, from_front: bool) -> None:
        while (row := self._claim(from_front)) is not None:
            self.done[row] = self._reader.dense_row(self._qvecs[row], self._allowed)

    def stop(self) -> None:
        """Leave the rows not started yet undone."""
        with self._lock:
            self._back = self._front
