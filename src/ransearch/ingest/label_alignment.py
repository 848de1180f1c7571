"""Which label candidates of a document label which template field: anchors, then the order.

A document's label candidates (a table's label cells, short blocks standing alone) are read in
two passes. First the anchors: candidates the catalogue names, word for word or tolerantly
(:meth:`~ransearch.ingest.labels.LabelReader.match` without similarity), found in reading order
as the readers always found them. Then the gaps: the candidates between two anchors can only
label the fields the template has between the anchors' fields. When a gap has exactly as many
candidates as fields, they take the fields in the template's order: the layout says they are
labels, the order says which. Otherwise, when the document's wording is new enough for
similarity (:func:`~ransearch.ingest.wording.similarity_allowed`), candidates and fields are
paired in template order, as many pairs as the shorter side has, with the highest total
similarity (:meth:`~ransearch.ingest.labels.LabelReader.margins`): a document may leave fields
out, or add a section of its own. A label the catalogue lacks thus never pulls the fields after
it out of order, and never takes a field beyond the next one the catalogue names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.ingest.label_texts import PAREN, unnumbered
from ransearch.ingest.labels import reader
from ransearch.ingest.wording import similarity_allowed
from ransearch.template import Catalogue
from ransearch.text import tokens

__all__ = ["Candidate", "Label", "align_labels", "cell_candidate", "instruction_item", "BULLETS"]

BULLETS = "-*•–·"
"""Characters that open a list item."""


@dataclass(frozen=True)
class Candidate:
    """A text that may be a label: a table's label cell (``cell``: label and instructions) or a
    label standing alone. ``anchor_only``: a label only if the catalogue names it (a cell that
    opens with instructions running on, for example), never by order or similarity."""

    text: str
    cell: bool = False
    anchor_only: bool = False


@dataclass(frozen=True)
class Label:
    """The field a candidate labels. ``named``: its text names the field (the catalogue's
    wording, or close enough by similarity), rather than only its place in the template's order."""

    field: int
    named: bool
    back: bool = False
    """The field comes before the one open when it is read (see the module's docstring)."""


def cell_candidate(cell: str) -> Candidate | None:
    """A table's label cell as a candidate: None for one that opens with a parenthesis (a word
    limit running on from the row above, "(100 words at most)"), which is never a label; an item
    of instructions running on is a label only if the catalogue names it."""
    text = cell.strip()
    if not text or text.startswith("("):
        return None
    return Candidate(text, cell=True, anchor_only=instruction_item(text))


def instruction_item(cell: str) -> bool:
    """Whether a label cell is an item of instructions running on from the row above
    ("2. evaluation and feedback, …", "- qualitative feedback …"): a list item or numbered,
    and in small letters after its bullet or number."""
    text = cell.strip()
    item = unnumbered(text.lstrip(BULLETS + " "))
    return item != text and item[:1].islower()


def align_labels(candidates: Sequence[Candidate], cat: Catalogue) -> list[Label | None]:
    """The field each candidate labels, or None (see the module's docstring)."""
    r = reader(cat)
    labels: list[Label | None] = [None] * len(candidates)
    languages: set[str] = set()  # the languages of the labels the catalogue names word for word
    current = -1
    for k, cand in enumerate(candidates):
        # a label cell may repeat the open field's label (a table continued over a page break)
        match = r.match(cand.text, current - 1 if cand.cell else current, cell=cand.cell, similar=False)
        if match:
            current = cat.index(match.key)
            labels[k] = Label(current, named=True)
            languages.add(match.language)
    whole = [_whole_label(cand.text, cat, languages) if label is None else label.field
             for cand, label in zip(candidates, labels)]
    anchors = [label.field if label else None for label in labels]
    run: list[int] = []
    before = -1
    for k, index in [*enumerate(anchors), (len(candidates), len(cat.keys))]:
        if index is None:
            # a label of a field the order has passed is no label of the gap's (it may go back)
            if whole[k] is None and not candidates[k].anchor_only \
                    and _has_value(candidates, k, lambda j: anchors[j] is not None):
                run.append(k)
            continue
        gap = list(range(before + 1, index))
        if run and gap:
            for position, label in _fill_gap([candidates[j] for j in run], gap, cat).items():
                labels[run[position]] = label
        run, before = [], index  # anchors never go back: each is matched after the one before
    _label_going_back(candidates, labels, whole)
    return labels


def _whole_label(text: str, cat: Catalogue, languages: set[str]) -> int | None:
    """The field whose catalogued label in one of the document's ``languages`` ``text`` is, word
    for word and whole (a number before it and a parenthesis after it aside), in any order of
    the fields ("Peer review", a Dutch label, is a heading in an English document)."""
    return cat.whole_label(tokens(PAREN.sub(" ", unnumbered(text))), languages)


def _label_going_back(candidates: Sequence[Candidate], labels: list[Label | None], whole: list[int | None]) -> None:
    """Label, in place, the candidates that are a catalogued label, whole, of a field before the
    open one that no label of the document takes (see the module's docstring)."""
    taken = {label.field for label in labels if label is not None}
    current = -1
    for k, label in enumerate(labels):
        if label is not None:
            current = max(current, label.field)
            continue
        field = whole[k]
        if field is not None and field < current and field not in taken \
                and _has_value(candidates, k, lambda j: whole[j] is not None):
            labels[k] = Label(field, named=True, back=True)
            taken.add(field)


def _has_value(candidates: Sequence[Candidate], k: int, catalogued: Callable[[int], bool]) -> bool:
    """Whether candidate ``k`` could be a label for what it leaves room for: a label cell has its
    value beside it; a label standing alone needs text after it before the next catalogued label
    (``catalogued``: whether the catalogue names candidate ``k + 1``): "Families" between "Youth"
    and "Start of the practice" is a value, not a label."""
    return candidates[k].cell or (k + 1 < len(candidates) and not catalogued(k + 1))


def _fill_gap(run: list[Candidate], gap: list[int], cat: Catalogue) -> dict[int, Label]:
    """Position in ``run`` → the field of ``gap`` it labels.

    As many candidates as fields: by order. Otherwise as many pairs as the shorter side has,
    in order, with the highest total similarity: fewer candidates than fields, and each
    candidate labels the field it is closest to among those the order leaves it (some fields
    have no label in this document); more candidates, and the ones least like any field are not
    labels.
    """
    if len(run) == len(gap):
        return {i: Label(field, named=False) for i, field in enumerate(gap)}
    if not similarity_allowed():
        return {}
    r = reader(cat)
    r.prefetch([cand.text for cand in run])
    margins = np.full((len(run), len(gap)), -1.0)
    for i, cand in enumerate(run):
        per_field = r.margins(cand.text, cell=cand.cell)
        if per_field is not None:
            margins[i] = per_field[gap]
    if len(run) < len(gap):
        pairs = _best_monotone(margins)
    else:
        pairs = {i: j for j, i in _best_monotone(margins.T).items()}
    return {i: Label(gap[j], named=bool(margins[i, j] > 0)) for i, j in pairs.items()}


def _best_monotone(scores: np.ndarray) -> dict[int, int]:
    """Every row matched to a column (no more rows than columns), rows and their columns in the
    same order, with the highest total score: dynamic programming over the grid."""
    rows, cols = scores.shape
    total = np.full((rows + 1, cols + 1), -np.inf)
    total[0, :] = 0.0
    for i in range(1, rows + 1):
        for j in range(i, cols + 1):
            total[i, j] = max(total[i, j - 1], total[i - 1, j - 1] + scores[i - 1, j - 1])
    pairs: dict[int, int] = {}
    i, j = rows, cols
    while i > 0:
        if total[i, j] == total[i, j - 1]:
            j -= 1
        else:
            pairs[i - 1] = j - 1
            i, j = i - 1, j - 1
    return pairs
