"""Recognising template fields and instructions however they are worded.

A template field is found from its label in three steps, cheapest first:

1. the catalogue's labels (:meth:`Catalogue.label_at_start`, exact on folded tokens);
2. tolerant matching (:mod:`ransearch.ingest.fuzzy_labels`: rapidfuzz on folded text);
3. the multilingual encoder's similarity between the candidate and the catalogue's labels
   (and, for a table's label cell, label plus instructions) in every language
   (:mod:`ransearch.ingest.similar_labels`).

Instruction text is recognised by similarity too. Only candidate lines are embedded (label
cells, headings, paragraphs of the label column), batched by the callers' order of questions
and memoised by text (:mod:`ransearch.ingest.label_vectors`); a document whose labels are all
catalogued never loads the encoder (:mod:`ransearch.ingest.wording`). The catalogue's texts
compared against are built once per catalogue (:mod:`ransearch.ingest.label_texts`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ransearch.ingest.fuzzy_labels import fuzzy_label
from ransearch.ingest.label_texts import MAX_LABEL_WORDS, PAREN, LabelTexts, clean_label, first_part, unnumbered
from ransearch.ingest.similar_labels import (
    field_margins,
    instruction_similarity,
    instruction_threshold,
    label_by_similarity,
    prefetch,
    prefix_by_similarity,
    title_by_similarity,
)
from ransearch.ingest.wording import MARKUP, instructions_by_similarity, new_document, note_inexact, similarity_allowed
from ransearch.template import Catalogue, LabelMatch
from ransearch.text import tokens

__all__ = ["LabelReader", "reader", "similar_label", "instruction_score", "count_labels"]


class LabelReader:
    """Label and instruction lookups on one catalogue (built once per catalogue: see :func:`reader`)."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.texts = LabelTexts(cat)

    # --- labels -----------------------------------------------------------------------------

    def fuzzy(self, text: str, after: int) -> LabelMatch | None:
        """A catalogued label written with small differences (typos, OCR, case, word order)."""
        return fuzzy_label(self.texts, text, after)

    def similar(self, text: str, after: int, *, cell: bool) -> LabelMatch | None:
        """The field whose label (and instructions, for a label cell) ``text`` is closest to."""
        return label_by_similarity(self.texts, text, after, cell=cell)

    def margins(self, text: str, *, cell: bool) -> np.ndarray | None:
        """Per field, how far ``text`` clears the similarity a label needs (negative: short of
        it); None when similarity is not in use or ``text`` cannot be a label."""
        if not similarity_allowed():
            return None
        return field_margins(self.texts, unnumbered(text), cell=cell)

    def match(self, text: str, after: int, *, cell: bool = False, similar: bool = True,
              exact: bool = True) -> LabelMatch | None:
        """The field ``text`` is the label of (a label cell when ``cell``), after field ``after``.

        ``cell``: the text is a table's label cell (label and instructions; never content).
        Without ``cell`` the whole text must be the label (an optional parenthetical aside).
        A numbered template's numbers ("3. Target audience") are left out.
        """
        text = unnumbered(text)
        toks = tokens(PAREN.sub(" ", text) if not cell else text)
        found = self.cat.label_at_start(toks, after) if exact else None
        if found and (cell or found.n_tokens == len(toks)):
            return found
        found = self.fuzzy(text if not cell else first_part(text), after)
        if found is None and similar and similarity_allowed():
            found = self.similar(text, after, cell=cell)
        if found is not None:
            note_inexact()
        return found

    def label_prefix(self, line: str, after: int, max_words: int = 6) -> tuple[str, int] | None:
        """(field key, number of words) of a label that starts ``line``, followed by other text.

        For lines where OCR merged a label with its value ("Most recent revision 2022"): the
        catalogued label first, else the prefix of up to ``max_words`` words that comes
        closest to a label of a field after ``after``.
        """
        line = unnumbered(line)
        words = line.split()
        found = self.cat.label_at_start(tokens(line), after)
        if found:
            n = 0
            for k, word in enumerate(words, 1):
                n += len(tokens(word))
                if n >= found.n_tokens:
                    return found.key, k
            return found.key, len(words)
        prefixes = [" ".join(words[:k]) for k in range(1, min(max_words, len(words)) + 1)]
        for k in range(len(prefixes), 0, -1):  # tolerant first, longest prefix first
            fuzzy = self.fuzzy(prefixes[k - 1], after)
            if fuzzy:
                note_inexact()
                return fuzzy.key, k
        if not similarity_allowed():
            return None
        best = prefix_by_similarity(self.texts, prefixes, after)
        if best is not None:
            note_inexact()
        return best

    def is_title(self, text: str) -> bool:
        """Whether ``text`` is the template's title (catalogued, or close to one)."""
        cand = clean_label(text)
        if not cand or len(cand.split()) > MAX_LABEL_WORDS:
            return False
        if self.cat.is_template_title(tokens(cand)):
            return True
        if not similarity_allowed():
            return False
        return title_by_similarity(self.texts, cand)

    # --- instructions -----------------------------------------------------------------------

    def instruction_score(self, text: str, fields: Sequence[int] | None = None) -> float:
        """Highest similarity of ``text`` to a sentence of the instructions (of ``fields``)."""
        if not instructions_by_similarity():
            return 0.0
        return instruction_similarity(self.texts, text, fields)

    def instruction_threshold(self, lines: Sequence[str], floor: float) -> float:
        """The similarity a line of this document needs to be taken for instruction text.

        ``floor``, or more in a language the encoder reads poorly: there every line comes out
        close to the instructions (Swedish content scores 0.8 against them), so a line must
        stand out from the document's typical line by a margin. The typical line is judged
        from at most ``_TYPICAL_LINES`` of ``lines``, spread over the document and embedded in
        one batch, so a long document costs the encoder no more than a usual one.
        """
        sample = _spread(lines, _TYPICAL_LINES)
        self.prefetch(sample)
        scores = [self.instruction_score(line) for line in sample if len(line.split()) >= 5]
        return instruction_threshold(scores, floor)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Embed ``texts`` in one batch now (they will be asked about one by one)."""
        prefetch(texts)


_TYPICAL_LINES = 100
"""How many of a document's lines its typical line is judged from (the documents of the
development sets have 26 to 69)."""


def _spread(lines: Sequence[str], most: int) -> list[str]:
    """At most ``most`` of ``lines``, evenly spread over them."""
    if len(lines) <= most:
        return list(lines)
    return [lines[k * len(lines) // most] for k in range(most)]


_readers: OrderedDict[int, tuple[Catalogue, LabelReader]] = OrderedDict()


def reader(cat: Catalogue) -> LabelReader:
    """The :class:`LabelReader` of ``cat`` (kept for the few catalogues in use)."""
    hit = _readers.get(id(cat))
    if hit is not None and hit[0] is cat:
        return hit[1]
    r = LabelReader(cat)
    _readers[id(cat)] = (cat, r)
    while len(_readers) > 8:
        _readers.popitem(last=False)
    return r


def similar_label(cat: Catalogue, text: str, after: int, *, cell: bool = False) -> LabelMatch | None:
    """The field ``text`` is the label of, after field ``after`` (see :meth:`LabelReader.match`)."""
    return reader(cat).match(text, after, cell=cell)


def instruction_score(cat: Catalogue, text: str, fields: Sequence[int] | None = None) -> float:
    """See :meth:`LabelReader.instruction_score`."""
    return reader(cat).instruction_score(text, fields)


_LABEL_PARA_WORDS = 12


def _paragraph_labels(block: str) -> list[str]:
    """What may label a field in a paragraph: the paragraph, and its first line when it has more
    (a label over its value, no blank line between: "Country" / "Ireland")."""
    first, newline, _ = block.strip().partition("\n")
    return [block, first] if newline else [block]


def count_labels(text: str, cat: Catalogue, enough: int) -> int:
    """How many distinct fields a text document labels (stops looking once ``enough`` are found).

    Catalogued labels first (left cells of rows, lines); when they are too few, the left cells
    of rows and the short paragraphs are matched tolerantly and by similarity, in order.
    """
    seen: set[str] = set()
    for line in text.splitlines():
        cell = line.split("\t", 1)[0]
        match = cat.label_at_start(tokens(MARKUP.sub(" ", cell))) if cell.strip() else None
        if match:
            seen.add(match.key)
    if len(seen) >= enough:
        return len(seen)
    r = reader(cat)
    new_document()
    seen = set()
    current = -1
    for block in re.split(r"\n\s*\n", text):
        for line in block.splitlines() if "\t" in block else _paragraph_labels(block):
            if "\t" in line:
                cell = MARKUP.sub(" ", line.split("\t", 1)[0])
                match = r.match(cell, current - 1, cell=True) if cell.strip() else None
            else:
                plain = " ".join(MARKUP.sub(" ", line).split())
                if not plain or len(plain.split()) > _LABEL_PARA_WORDS:
                    continue
                match = r.match(plain, current)
            if match:
                current = cat.index(match.key)
                seen.add(match.key)
                if len(seen) >= enough:
                    return len(seen)
                if "\t" not in block:
                    break
    return len(seen)
