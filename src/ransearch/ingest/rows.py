"""Layouts with one template row per line: Markdown/HTML mixes and HTML table rows.

``md_rows`` (Markdown headings, then ``<b>Label</b> instructions<TAB>value`` rows) and
``html_rows`` (``<p>Label</p> <p>instructions</p><TAB><p>value</p>`` rows, with continuation
rows whose label cell is empty or holds only instructions) read the same way: a row or a
heading that starts with a field label opens that field; everything else on the right of a
tab, or on a line of its own, belongs to the field that is open. The left cell of a row is
never content: labels in wordings the catalogue lacks are recognised from it tolerantly and by
similarity (:mod:`ransearch.ingest.labels`), and the instructions that follow a label heading
are dropped the same way.
"""

from __future__ import annotations

import re

from ransearch.ingest.labels import new_document, new_wording, reader
from ransearch.ingest.markup import html_to_text
from ransearch.template import Catalogue

__all__ = ["split_rows", "label_only"]

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MARKED = re.compile(r"^\s*(?:#{1,6}\s|<(?:h[1-6]|b|strong)\b)", re.I)
_PAREN_ONLY = re.compile(r"^\s*\([^()]*\)\s*$")
_INSTRUCTION_AFTER_LABEL = 0.55
"""Similarity to the catalogue's instructions above which a paragraph right after a label is
instruction text (in a new wording), not the field's value."""


def label_only(cat: Catalogue, text: str, after: int) -> str | None:
    """Field key when ``text`` is a label alone (an optional parenthetical may follow)."""
    match = reader(cat).match(text, after)
    return match.key if match else None


def split_rows(text: str, cat: Catalogue) -> dict[str, list[str]]:
    """Raw text per field key (HTML already turned into plain text, template text still in)."""
    new_document(cat, (line.split("\t", 1)[0] for line in text.splitlines()))
    r = reader(cat)
    fields: dict[str, list[str]] = {}
    current = -1
    fresh = False  # right after a label heading: instruction paragraphs may follow

    def put(value: str) -> None:
        if current >= 0:
            fields.setdefault(cat.keys[current], []).append(value)

    for line in text.splitlines():
        if "\t" in line:
            left, right = line.split("\t", 1)
            left_text = html_to_text(left)
            match = r.match(left_text, current - 1, cell=True) if left_text.strip() else None
            if match:
                current = cat.index(match.key)
            fresh = False
            put(html_to_text(right.replace("\t", " ")))
            continue
        plain = html_to_text(_HEADING.sub("", line))
        if not plain:
            put("")
            continue
        key = label_only(cat, plain, current) if _MARKED.match(line) else None
        if key:
            current = cat.index(key)
            fresh = True
            continue
        if current < 0 and r.is_title(plain):
            continue
        if fresh and new_wording() and (_PAREN_ONLY.match(plain) or r.instruction_score(
                plain, [current]) >= _INSTRUCTION_AFTER_LABEL):
            continue
        fresh = False
        put(plain)
    return fields
