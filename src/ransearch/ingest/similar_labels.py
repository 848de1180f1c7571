"""Label and instruction matching by similarity, with the multilingual encoder.

A candidate is compared with the catalogue's labels (and, for a table's label cell, label plus
instructions) in every language. The template's order helps: only fields after the one open
are candidates, and the next few fields get a small bonus; the best field must clear a
threshold and beat the runner-up by a margin. Instruction text is recognised the same way: a
paragraph is instruction text when it is close to a sentence of the catalogue's instructions
in any language. Every function returns "not found" when there is no encoder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ransearch.ingest.label_vectors import embed
from ransearch.ingest.label_texts import MAX_CHARS, MAX_LABEL_WORDS, Item, LabelTexts, clean_label
from ransearch.template import LabelMatch
from ransearch.text import tokens

__all__ = ["label_by_similarity", "field_margins", "prefix_by_similarity", "title_by_similarity",
           "instruction_similarity", "instruction_threshold", "prefetch"]

_CELL_SIM = 0.42
"""Cosine above which a label cell (label and instructions) is taken for the best field."""
_LABEL_SIM = 0.5
"""Cosine above which a label standing alone (a heading, a paragraph) is taken for a field."""
_TITLE_SIM = 0.6
"""Cosine above which a text closest to a template title is taken for one."""
_MARGIN = 0.03
_NEXT_BONUS = 0.08
_STAND_OUT = 0.15


def _per_field(texts: LabelTexts, sims: np.ndarray, items: list[Item]) -> np.ndarray:
    """The best cosine per field, and the template title's in the last slot."""
    n = len(texts.cat.fields)
    per_field = np.full(n + 1, -1.0)
    for (_, i), s in zip(items, sims):
        slot = i if i >= 0 else n
        per_field[slot] = max(per_field[slot], float(s))
    return per_field


def _pick(texts: LabelTexts, sims: np.ndarray, items: list[Item], after: int, threshold: float) -> int | None:
    n = len(texts.cat.fields)
    per_field = _per_field(texts, sims, items)
    scored = []
    for i in range(after + 1, n):
        # the template's order: the next field is the likeliest, the one after it next
        bonus = _NEXT_BONUS if i == after + 1 else _NEXT_BONUS / 2 if i == after + 2 else 0.0
        scored.append((per_field[i] + bonus, i))
    if not scored:
        return None
    scored.sort(reverse=True)
    total, i = scored[0]
    if total < threshold or per_field[n] >= per_field[i]:
        return None
    if len(scored) > 1 and total - scored[1][0] < _MARGIN:
        return None
    return i


def _similarities(texts: LabelTexts, text: str, cell: bool) -> tuple[np.ndarray, list[Item]] | None:
    """Cosines of ``text`` with the catalogue's labels (and label cells), and those items."""
    cand = clean_label(text) if not cell else " ".join(text.split())[:MAX_CHARS]
    if not cand or not any(c.isalpha() for c in cand):
        return None
    if not cell and len(cand.split()) > MAX_LABEL_WORDS:
        return None
    vec = embed([cand])
    if vec is None:
        return None
    items = texts.cells if cell else texts.label_texts
    mat = texts.matrix("cells" if cell else "labels")
    if mat is None:
        return None
    sims = mat @ vec[0]
    if cell:
        labels = texts.matrix("labels")
        assert labels is not None
        sims = np.concatenate([sims, labels @ vec[0]])
        items = items + texts.label_texts
    return sims, items


def label_by_similarity(texts: LabelTexts, text: str, after: int, *, cell: bool) -> LabelMatch | None:
    """The field whose label (and instructions, for a label cell) ``text`` is closest to."""
    found = _similarities(texts, text, cell)
    if found is None:
        return None
    i = _pick(texts, *found, after, _CELL_SIM if cell else _LABEL_SIM)
    if i is None:
        return None
    return LabelMatch(texts.cat.keys[i], "", len(tokens(text)))


def field_margins(texts: LabelTexts, text: str, *, cell: bool) -> np.ndarray | None:
    """Per field, how far ``text``'s closest label of that field (and label cell, for a cell)
    clears the threshold a label must reach (negative: not close enough). A text closer to a
    template title than to a field is no field's label: every margin is negative then.
    None without an encoder or for a text that cannot be a label."""
    found = _similarities(texts, text, cell)
    if found is None:
        return None
    n = len(texts.cat.fields)
    per_field = _per_field(texts, *found)
    margins = per_field[:n] - (_CELL_SIM if cell else _LABEL_SIM)
    margins[per_field[:n] <= per_field[n]] = -1.0
    return margins


def prefix_by_similarity(texts: LabelTexts, prefixes: Sequence[str], after: int) -> tuple[str, int] | None:
    """(field key, number of words) of the prefix closest to a label of a field after ``after``."""
    vecs = embed([clean_label(p) or p for p in prefixes])
    mat = texts.matrix("labels")
    if vecs is None or mat is None:
        return None
    best: tuple[float, int, int] | None = None
    for k, vec in enumerate(vecs, 1):
        i = _pick(texts, mat @ vec, texts.label_texts, after, _LABEL_SIM)
        if i is not None:
            score = float(max(s for (_, j), s in zip(texts.label_texts, mat @ vec) if j == i))
            if best is None or score > best[0]:
                best = (score, i, k)
    if best is None:
        return None
    return texts.cat.keys[best[1]], best[2]


def title_by_similarity(texts: LabelTexts, cand: str) -> bool:
    """Whether the cleaned label ``cand`` is closest to a template title, and close enough."""
    vec = embed([cand])
    mat = texts.matrix("labels")
    if vec is None or mat is None:
        return False
    sims = mat @ vec[0]
    best = int(np.argmax(sims))
    return texts.label_texts[best][1] == -1 and float(sims[best]) >= _TITLE_SIM


def instruction_similarity(texts: LabelTexts, text: str, fields: Sequence[int] | None = None) -> float:
    """Highest similarity of ``text`` to a sentence of the instructions (of ``fields``)."""
    cand = " ".join(text.split())[:MAX_CHARS]
    if len(cand.split()) < 3:
        return 0.0
    vec = embed([cand])
    mat = texts.matrix("instr")
    if vec is None or mat is None:
        return 0.0
    sims = mat @ vec[0]
    if fields is not None:
        keep = np.array([i in fields for _, i in texts.instr])
        if not keep.any():
            return 0.0
        sims = sims[keep]
    return float(sims.max()) if len(sims) else 0.0


def instruction_threshold(scores: Sequence[float], floor: float) -> float:
    """The similarity a line needs to be taken for instruction text, given the document's
    line ``scores``: ``floor``, or more in a language the encoder reads poorly (there every line
    comes out close to the instructions, so a line must stand out from the typical one)."""
    if len(scores) < 5:
        return floor
    return max(floor, float(np.median(scores)) + _STAND_OUT)


def prefetch(texts: Sequence[str]) -> None:
    """Embed the candidates made of ``texts`` in one batch now (they will be asked about one by one)."""
    cands = [" ".join(t.split())[:MAX_CHARS] for t in texts if t.strip()]
    cands += [clean_label(t) for t in texts if t.strip()]
    embed([c for c in cands if c])
