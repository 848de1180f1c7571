"""Label and instruction matching by similarity, with the multilingual encoder.

A candidate is compared with the catalogue's labels (and, for a table's label cell, label plus
instructions) in every language. The template's order helps: only fields after the one open
are candidates, and the next few fields get a small bonus; the best field must clear a
threshold and beat the runner-up by a margin. Instruction text is recognised the same way: a
paragraph is instruction text when it is close to a sentence of the catalogue's instructions
in any language. Every function returns "not found" when there is no encoder. Labels are
compared by the default encoder; instructions by the one for the language of the document's
labels (:func:`~ransearch.ingest.label_vectors.encoder_for`), its cosines on ``use``'s scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ransearch.ingest.label_vectors import DEFAULT, calibrated, embed, encoder_for
from ransearch.ingest.label_texts import MAX_CHARS, MAX_LABEL_WORDS, Item, LabelTexts, clean_label
from ransearch.ingest.wording import labels_language, similarity_allowed
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


def _encoder() -> str:
    """The encoder that reads the instructions of the document being read."""
    return encoder_for(labels_language())


def _cosines(texts: LabelTexts, kind: str, vec: np.ndarray, encoder: str) -> np.ndarray | None:
    """Cosines (on ``use``'s scale) of a candidate's vector with the catalogue's ``kind`` texts."""
    mat = texts.matrix(kind, encoder)
    return None if mat is None else calibrated(mat @ vec, encoder)


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
    encoder = DEFAULT
    vec = embed([cand], encoder)
    if vec is None:
        return None
    items = texts.cells if cell else texts.label_texts
    sims = _cosines(texts, "cells" if cell else "labels", vec[0], encoder)
    if sims is None:
        return None
    if cell:
        labels = _cosines(texts, "labels", vec[0], encoder)
        assert labels is not None
        sims = np.concatenate([sims, labels])
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
    encoder = DEFAULT
    vecs = embed([clean_label(p) or p for p in prefixes], encoder)
    if vecs is None or texts.matrix("labels", encoder) is None:
        return None
    best: tuple[float, int, int] | None = None
    for k, vec in enumerate(vecs, 1):
        sims = _cosines(texts, "labels", vec, encoder)
        assert sims is not None
        i = _pick(texts, sims, texts.label_texts, after, _LABEL_SIM)
        if i is not None:
            score = float(max(s for (_, j), s in zip(texts.label_texts, sims) if j == i))
            if best is None or score > best[0]:
                best = (score, i, k)
    if best is None:
        return None
    return texts.cat.keys[best[1]], best[2]


def title_by_similarity(texts: LabelTexts, cand: str) -> bool:
    """Whether the cleaned label ``cand`` is closest to a template title, and close enough."""
    encoder = DEFAULT
    vec = embed([cand], encoder)
    sims = None if vec is None else _cosines(texts, "labels", vec[0], encoder)
    if sims is None:
        return False
    best = int(np.argmax(sims))
    return texts.label_texts[best][1] == -1 and float(sims[best]) >= _TITLE_SIM


def instruction_similarity(texts: LabelTexts, text: str, fields: Sequence[int] | None = None) -> float:
    """Highest similarity of ``text`` to a sentence of the instructions (of ``fields``)."""
    cand = " ".join(text.split())[:MAX_CHARS]
    if len(cand.split()) < 3:
        return 0.0
    encoder = _encoder()
    vec = embed([cand], encoder)
    sims = None if vec is None else _cosines(texts, "instr", vec[0], encoder)
    if sims is None:
        return 0.0
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
    paragraphs = [" ".join(t.split())[:MAX_CHARS] for t in texts if t.strip()]
    labels = [clean_label(t) for t in texts if t.strip()]
    if similarity_allowed():
        embed([c for c in paragraphs + labels if c], DEFAULT)
    if _encoder() != DEFAULT:
        embed([c for c in paragraphs if c], _encoder())
