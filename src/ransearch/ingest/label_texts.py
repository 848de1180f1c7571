"""The catalogue's texts that a document's labels are matched against, and their vectors.

Built once per catalogue (:class:`LabelTexts`): every field's labels in every language (as
written and folded), label cells (a label and its first instruction sentence), instruction
sentences, and the template's titles. Their vectors are computed on first use
(:func:`~ransearch.ingest.label_vectors.catalogue_vectors`). The small text helpers that turn a
candidate line into what is compared live here too.
"""

from __future__ import annotations

import re

import numpy as np

from ransearch.ingest.label_vectors import DEFAULT, catalogue_vectors
from ransearch.ingest.length_windows import LengthWindows
from ransearch.template import Catalogue
from ransearch.text import fold

__all__ = ["LabelTexts", "clean_label", "first_part", "unnumbered", "MAX_CHARS", "MAX_LABEL_WORDS", "PAREN"]

PAREN = re.compile(r"\([^()]*\)")
"""A parenthetical aside (left out of a label)."""
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.)]|[IVX]{1,4}[.)]|[a-z]\))\s+(?=\w)")
"""A label's number in a numbered template: "3. ", "3.2 ", "IV. ", "b) "."""
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\s+(?=\d\.\s)")
MAX_LABEL_WORDS = 14
"""Longest text (in words) taken for a label standing alone."""
MAX_CHARS = 400
"""Longest text compared (a candidate is cut there)."""

Item = tuple[str, int]
"""A catalogue text and its field's index (-1: the template's title)."""


class LabelTexts:
    """The label, label-cell and instruction texts of one catalogue, and their vectors."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.labels: list[Item] = []       # (folded label, field index)
        self.label_texts: list[Item] = []  # (label as written, field index); titles with -1
        self.cells: list[Item] = []        # (label + first instruction sentences, index)
        self.instr: list[Item] = []        # (instruction sentence, index)
        # labels of a language known by its labels alone are matched as written or tolerantly: the
        # vector of a bare short label, in a language the encoder may not read, draws unrelated
        # text to it (fragments of OCR'd label columns)
        written = cat.written_languages
        for i, f in enumerate(cat.fields):
            for lang, labels in f.labels.items():
                for label in labels:
                    self.labels.append((fold(label), i))
                    if lang not in written:
                        continue  # matched as written or tolerantly
                    self.label_texts.append((label, i))
                    instr = f.instructions.get(lang, ())
                    cell = f"{label} {instr[0]}" if instr else label
                    self.cells.append((cell[:MAX_CHARS], i))
            for texts in f.instructions.values():
                for text in texts:
                    for sent in _SENTENCE.split(PAREN.sub(" ", text)):
                        if len(sent.split()) >= 3:
                            self.instr.append((sent.strip(), i))
        for lang, titles in cat.template_titles.items():
            for t in titles if lang in written else ():
                self.label_texts.append((t, -1))
        self.folded_labels = [label for label, _ in self.labels]
        # the folded labels a folded text may be a near copy of: a length within a third of the
        # label's (or 4); positions in ``labels``
        self.near_in_length = LengthWindows(
            self.folded_labels, lambda length, label: abs(label - length) <= max(4, label // 3)).near
        self._vectors: dict[tuple[str, str], np.ndarray | None] = {}

    def matrix(self, name: str, encoder: str = DEFAULT) -> np.ndarray | None:
        """Vectors of ``labels`` (``label_texts``), ``cells`` or ``instr`` by ``encoder``; None
        without it."""
        if (encoder, name) not in self._vectors:
            items = {"labels": self.label_texts, "cells": self.cells, "instr": self.instr}[name]
            self._vectors[encoder, name] = catalogue_vectors([t for t, _ in items], encoder)
        return self._vectors[encoder, name]


def unnumbered(text: str) -> str:
    """``text`` without a leading enumeration ("16. Last update" → "Last update")."""
    return _NUMBERING.sub("", text, count=1)


def clean_label(text: str) -> str:
    """A candidate label without parenthetical asides and surrounding punctuation."""
    return " ".join(PAREN.sub(" ", text).split()).strip(" :.-–")[:MAX_CHARS]


def first_part(cell: str) -> str:
    """The label part of a label cell: up to the first sentence or parenthesis."""
    head = re.split(r"[(.:?!]|\s[-–]\s", cell, maxsplit=1)[0]
    return " ".join(head.split()[:MAX_LABEL_WORDS])
