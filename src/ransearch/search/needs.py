"""A municipality's situation read as needs: sentences or clauses (split at "but"-like breaks)
with a need cue ("we lack", "nous cherchons", "wir brauchen", … see ``template/needs.json``)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

from ransearch.records import Need
from ransearch.text import fold, split_query_sentences

__all__ = ["split_needs"]

_LIST_ITEM = re.compile(r"\n\s*(?:[-*•–]|\d{1,2}[.)])\s+")
"""The start of a list item on a line of its own."""


@lru_cache(maxsize=1)
def _need_data() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The need cues as one pattern over folded text, and the clause breaks."""
    data = json.loads(files("ransearch.template").joinpath("needs.json").read_text("utf-8"))
    alternatives = set()
    for cue in (c for words in data["cues"].values() for c in words):
        prefix = cue.endswith("*")
        body = re.escape(fold(cue.rstrip("*")))
        alternatives.add(body + (r"\w*" if prefix else ""))
    pattern = re.compile(r"\b(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")\b")
    return pattern, tuple(data["clause_breaks"])


def _is_need(sentence: str) -> bool:
    pattern, _ = _need_data()
    return pattern.search(fold(sentence)) is not None


def split_needs(situation: str, max_needs: int = 8) -> tuple[list[Need], list[str]]:
    """(needs, context sentences) of a situation description.

    Sentences (and clauses after "but"-like breaks) with a need cue are needs; each item of a
    list ("- …", "• …", "2. …" at the start of a line) is a sentence of its own, full stop or
    not. A description without any cue is taken whole as one need per sentence after the first.
    """
    _, breaks = _need_data()
    units: list[str] = []
    sentences = [s for item in _LIST_ITEM.split(situation) for s in split_query_sentences(" ".join(item.split()))]
    for sentence in sentences:
        parts = [sentence]
        for brk in breaks:
            parts = [piece for part in parts for piece in part.split(brk)]
        units.extend(p.strip(" ,;") for p in parts if len(p.split()) >= 3)
    if not units:
        units = [situation.strip()]
    needs = [u for u in units if _is_need(u)]
    if not needs:
        needs = units[1:] if len(units) > 1 else units
    context = [u for u in units if u not in needs]
    return [Need(f"n{i + 1}", text) for i, text in enumerate(needs[:max_needs])], context
