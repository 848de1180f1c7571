"""Tolerant label matching: a catalogued label written with small differences.

rapidfuzz on folded text absorbs case, accents, punctuation, OCR noise, words reordered or one
word changed; only fields after the open one are candidates.
"""

from __future__ import annotations

from ransearch.ingest.label_texts import MAX_LABEL_WORDS, LabelTexts, clean_label
from ransearch.template import LabelMatch
from ransearch.text import fold, tokens

__all__ = ["fuzzy_label"]

_FUZZY = 86.0
"""rapidfuzz score (0-100) above which a wording counts as the catalogued label."""


def fuzzy_label(texts: LabelTexts, text: str, after: int) -> LabelMatch | None:
    """The field of a catalogued label ``text`` is a near copy of, among fields after ``after``."""
    from rapidfuzz import fuzz, process

    cand = fold(clean_label(text))
    if not cand or len(cand.split()) > MAX_LABEL_WORDS:
        return None
    best: tuple[float, int] | None = None
    choices, positions = texts.near_in_length(len(cand))
    for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
        for _, score, k in process.extract(cand, choices, scorer=scorer, score_cutoff=_FUZZY, limit=None):
            i = texts.labels[positions[k]][1]
            if i <= after:
                continue
            if best is None or score > best[0]:
                best = (score, i)
    if best is None:
        return None
    return LabelMatch(texts.cat.keys[best[1]], "", len(tokens(text)))
