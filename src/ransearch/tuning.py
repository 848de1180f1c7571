"""The knobs of ranking (:class:`SearchConfig`) and of situation matching (:class:`MatchConfig`),
and the limits of a query: plain values, used by :mod:`ransearch.search` and reached by the
settings (:mod:`ransearch.config`). Defaults were chosen on the dev sets (docs/evaluation.md)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SearchConfig", "MatchConfig", "MAX_QUERY_CHARS", "MODES"]

MAX_QUERY_CHARS = 5000
MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of the ranking (defaults chosen on the dev set, see docs/evaluation.md)."""

    mode: str = "hybrid"
    lexical_weight: float = 0.5
    title_weight: float = 0.3
    length_prior: float = 0.05
    situation_sentences: int = 3
    rrf_k: float = 60.0
    candidates: int = 400
    companion_weight: float = 0.5   # the companion encoder's evidence, when the index has one
    feedback_chunks: int = 20       # dense feedback: the query moves towards its best this many chunks ...
    feedback_weight: float = 0.3    # ... by this much of their mean (0: no feedback)
    query_bridge: bool = True       # a query in a language the encoder lacks embedded through e5 (encoders.bridge)
    max_sections: int = 3
    snippet_chars: int = 280


@dataclass(frozen=True)
class MatchConfig:
    """Knobs of situation matching (chosen on the dev set's situation queries)."""

    cover_rank: int = 2             # a practice covers a need when it is among the best this many for it
    cover_cosine: float = 0.25      # ... and its own chunks reach this cosine with the need
    covered_cosine: float = 0.34    # a need is covered when some chunk reaches this cosine, ...
    weak_cosine: float = 0.25       # ... or this one while its best practice stands out from
    covered_gap: float = 0.14       #     the median practice by this much
    covered_lexical: float = 0.35   # ... or some practice matches this share of its words
    max_needs: int = 8
