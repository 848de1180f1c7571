"""A relevance a person can read: 0–100, the same meaning for every query.

Ranking scores are sums of z-scores or reciprocal-rank fusions: they order the practices of one
answer but say nothing across answers (a top score of 1.8 may be a perfect match for one query
and a poor one for another) and are often negative. ``relevance`` turns the evidence of a
practice into an estimate, in percent, of the chance that a practitioner would judge it clearly
useful for the query (grade ≥ 2 in the graded sets): a logistic model over

- ``dense``: the practice's best chunk cosine with the query (with a share of its second best),
- ``lexical``: the share of the query's words the practice matches (in any language),
- ``standout``: how far the practice stands above the other practices on the fused evidence
  (its z-score), because absolute cosines vary from query to query.

The coefficients were fitted on the judgments of both development sets with
``benchmarks/calibrate_relevance.py`` and checked across them (fitted on one, reliability read on
the other; docs/evaluation.md). The cosine did not transfer between the sets and is left out, so
the same coefficients serve every encoder. Within one answer the
values never rise down the list: a practice ranked above another shows at least its relevance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ransearch.search.ranking import standardise

__all__ = ["relevance", "readable", "similarity_relevance", "COEFFICIENTS"]

# (intercept, dense, lexical, standout) per encoder name and mode; "*" serves any other encoder.
# Fitted on dev + dev2 (benchmarks/calibrate_relevance.py). The cosine's coefficient changed sign
# between the sets (fitted alone: +0.7 on dev, -5.2 on dev2): absolute cosines do not transfer,
# so it is left out and the intercept absorbs its mean; what transfers is the standout and the
# lexical share.
_FITTED = {"hybrid": (-3.2, 0.0, 2.69, 1.79), "dense": (-2.85, 0.0, 0.0, 1.63), "lexical": (-2.55, 0.0, 2.77, 1.04)}
COEFFICIENTS: dict[str, dict[str, tuple[float, float, float, float]]] = {"use": _FITTED, "*": _FITTED}


def relevance(dense: np.ndarray, lexical: np.ndarray, fused: np.ndarray, encoder: str,
              mode: str = "hybrid") -> np.ndarray:
    """Relevance in [0, 100] of every practice (float), from its evidence for one text.

    Args:
        dense: per practice, best chunks' cosine (``PracticeSignals.dense``).
        lexical: per practice, share of the text's words matched (``PracticeSignals.lexical``).
        fused: per practice, the fused score of the text (its z-score is the standout).
        encoder: the encoder's name (selects the coefficients).
        mode: ``hybrid``, ``dense`` or ``lexical``.
    """
    table = COEFFICIENTS.get(encoder, COEFFICIENTS["*"])
    b0, bd, bl, bz = table.get(mode, table["hybrid"])
    logit = b0 + bd * np.asarray(dense, np.float64) + bl * np.asarray(lexical, np.float64) + bz * standardise(
        np.asarray(fused, np.float64))
    return 100.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))


def readable(values: Sequence[float]) -> list[int]:
    """Whole percentages for an answer's practices, best first, never rising down the list."""
    out: list[int] = []
    floor = 0
    for v in reversed([int(round(min(100.0, max(0.0, float(x))))) for x in values]):
        floor = max(floor, v)
        out.append(floor)
    return out[::-1]


def similarity_relevance(cosine: float) -> int:
    """The relevance of a similar practice: its cosine with the practice, in percent (≥ 0)."""
    return int(round(100 * min(1.0, max(0.0, cosine)))) if math.isfinite(cosine) else 0
