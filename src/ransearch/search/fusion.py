"""How a text's signals become one score per practice, and a readable relevance.

Each signal is standardised over the practices (z-score) and the signals are added with fixed
weights, so a signal that separates nothing (a lexical score that is flat because the query's
words exist nowhere) contributes nothing, and one that separates adds in proportion; the length
prior is taken off the dense score first (:func:`~ransearch.search.ranking.fuse`). A query of
``situation_sentences`` sentences or more is ranked as a situation (:meth:`Fusion.situation`):
its whole text and each of its sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.search.ranking import fuse, reciprocal_rank_fusion, top_rows
from ransearch.search.relevance import readable, relevance
from ransearch.search.signals import PracticeSignals
from ransearch.tuning import SearchConfig

__all__ = ["Fusion", "RankedRow"]


@dataclass(frozen=True)
class RankedRow:
    """A practice row in an answer: its fused score and its readable relevance (0–100)."""

    row: int
    score: float
    relevance: int


class Fusion:
    """Fuses the signals of one index generation's practices (the knobs of ``config``, the
    log chunk count of each practice for the length prior, the encoder's relevance model)."""

    def __init__(self, config: SearchConfig, log_chunks: np.ndarray, encoder_name: str,
                 encoded_well: np.ndarray | None = None) -> None:
        self.config = config
        self.log_chunks = log_chunks
        self.encoder_name = encoder_name
        self.encoded_well = encoded_well

    def fuse(self, signals: PracticeSignals, mode: str = "hybrid") -> np.ndarray:
        """One score per practice from a text's signals."""
        cfg = self.config
        dense = signals.dense if signals.feedback_dense is None else signals.feedback_dense
        return fuse(dense, signals.title, signals.lexical, self.log_chunks, mode=mode,
                    title_weight=cfg.title_weight, lexical_weight=cfg.lexical_weight, length_prior=cfg.length_prior,
                    encoded_well=self.encoded_well, companion=signals.companion,
                    companion_weight=cfg.companion_weight)

    def situation(self, whole: PracticeSignals, sentences: Sequence[PracticeSignals],
                  mode: str = "hybrid") -> np.ndarray:
        """Reciprocal rank fusion of the whole text's ranking and one ranking per sentence.

        A practice that answers one part of a situation very well rises even when the whole text
        is about more (dev set, situation queries: nDCG@10 0.886 → 0.911; docs/evaluation.md).
        """
        rankings = [self.fuse(whole, mode)] + [self.fuse(s, mode) for s in sentences]
        return reciprocal_rank_fusion(rankings, self.config.rrf_k)

    def is_situation(self, sentences: int, route: bool = True) -> bool:
        """Whether a text of ``sentences`` sentences is ranked as a situation (when ``route``)."""
        return route and bool(self.config.situation_sentences) and sentences >= self.config.situation_sentences

    def rank(self, signals: Sequence[PracticeSignals], mode: str, route: bool = True) -> np.ndarray:
        """The score of every practice from the signals of a text (first) and of its sentences
        (the rest): as a situation from ``situation_sentences`` sentences on, when ``route``."""
        whole, sentences = signals[0], signals[1:]
        if self.is_situation(len(sentences), route):
            return self.situation(whole, sentences, mode)
        return self.fuse(whole, mode)

    def relevance(self, whole: PracticeSignals, mode: str = "hybrid") -> np.ndarray:
        """Every practice's relevance (0–100, float) from the signals of the whole text."""
        return relevance(whole.dense, whole.lexical, self.fuse(whole, mode), self.encoder_name, mode)

    def top(self, signals: Sequence[PracticeSignals], k: int, mode: str, route: bool = True,
            allowed: np.ndarray | None = None) -> list[RankedRow]:
        """The ``k`` best practice rows (among ``allowed``) for a text and its sentences, best first."""
        total = self.rank(signals, mode, route)
        order = top_rows(total, k, allowed).tolist()
        shown = readable(self.relevance(signals[0], mode)[order].tolist())
        return [RankedRow(row, float(total[row]), rel) for row, rel in zip(order, shown)]
