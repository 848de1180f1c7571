"""Layouts with one template row per line: Markdown/HTML mixes and HTML table rows.

``md_rows`` (Markdown headings, then ``<b>Label</b> instructions<TAB>value`` rows) and
``html_rows`` (``<p>Label</p> <p>instructions</p><TAB><p>value</p>`` rows, with continuation
rows whose label cell is empty or holds only instructions) read the same way: a row or a
heading that starts with a field label opens that field; everything else on the right of a
tab, or on a line of its own, belongs to the field that is open.
"""

from __future__ import annotations

import re

from ransearch.ingest.markup import html_to_text
from ransearch.template import Catalogue
from ransearch.text import tokens

__all__ = ["split_rows"]

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_MARKED = re.compile(r"^\s*(?:#{1,6}\s|<(?:h[1-6]|b|strong)\b)", re.I)
_PAREN = re.compile(r"\([^()]*\)")  # not [^)]: quadratic on "((((("


def label_only(cat: Catalogue, text: str, after: int) -> str | None:
    """Field key when ``text`` is a label alone (an optional parenthetical may follow)."""
    toks = tokens(_PAREN.sub(" ", text))
    match = cat.label_at_start(toks, after)
    if match and match.n_tokens == len(toks):
        return match.key
    return None


def split_rows(text: str, cat: Catalogue) -> dict[str, list[str]]:
    """Raw text per field key (HTML already turned into plain text, template text still in)."""
    fields: dict[str, list[str]] = {}
    current = -1

    def put(value: str) -> None:
        if current >= 0:
            fields.setdefault(cat.keys[current], []).append(value)

    for line in text.splitlines():
        if "\t" in line:
            left, right = line.split("\t", 1)
            left_toks = tokens(html_to_text(left))
            match = cat.label_at_start(left_toks, current - 1)
            if match:
                current = cat.index(match.key)
            put(html_to_text(right.replace("\t", " ")))
            continue
        plain = html_to_text(_HEADING.sub("", line))
        if not plain:
            put("")
            continue
        key = label_only(cat, plain, current) if _MARKED.match(line) else None
        if key:
            current = cat.index(key)
            continue
        put(plain)
    return fields
