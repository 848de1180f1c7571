"""A document as lines with a kind (heading, list item, text), and headings matched to template fields.

The readers of documents that do not follow the template table (:mod:`ransearch.ingest.webpage`,
:mod:`ransearch.ingest.freetext`) work on :class:`Line` objects, whatever the format: an HTML
page's blocks (their kind from the markup), a PDF or Word file's rows, or a text file's lines
(bullets and Markdown headings recognised, blank lines kept as ``gap``).

:func:`heading_field` says which template field a heading introduces, tolerantly: a catalogue
label in any language, or a heading sharing most of its content words with one ("Project
description" → description, "Linkages to other EU initiatives or EU funding" → eu_links).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from ransearch.ingest.markup import html_to_text
from ransearch.ingest.table import Extraction
from ransearch.template import Catalogue
from ransearch.text import fold, tokens

__all__ = ["Line", "MAX_HEADING_WORDS", "is_sentence", "document_lines", "heading_field", "is_headingish",
           "contact_line", "site_data"]

_BULLET = re.compile(r"^\s*(?:[-*•▪●◦·–—]|\d{1,2}[.)])\s+(?=\S)")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")
_PAREN = re.compile(r"\([^()]*\)")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
MAX_HEADING_WORDS = 12
"""Most words a heading (or a label cell) has."""
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CONTACT_WORDS = 3  # words beside the e-mail address in a contact line ("tel.", a name)
_MIN_SIMILARITY = 0.6


@dataclass(frozen=True)
class Line:
    """One line of a document: its text, kind and whether a gap (blank line, new block) precedes it.

    ``kind``: ``h`` a heading (markup says so), ``t`` a table's label cell, ``l`` a list item
    (bullet removed from ``text``), ``p`` a paragraph line of a structured format, ``""`` a line
    of plain text.
    """

    text: str
    kind: str = ""
    gap: bool = True


@lru_cache(maxsize=1)
def site_data() -> dict[str, Any]:
    """The facts about the Collection's web pages (``webpage.json``)."""
    data: dict[str, Any] = json.loads(files(__package__).joinpath("webpage.json").read_text(encoding="utf-8"))
    return data


def _cells(line: str) -> list[str]:
    """A text line's cells (split at tabs), HTML fragments turned into text."""
    if "\t" not in line and "<" not in line:
        return [line.strip()] if line.strip() else []
    cells = line.split("\t") if "\t" in line else [line]
    out: list[str] = []
    for cell in cells:
        if _TAG.search(cell):
            out.extend(x.strip() for x in html_to_text(cell).splitlines())
        else:
            out.append(cell.strip())
    return [c for c in out if c]


def _text_lines(text: str) -> list[Line]:
    out: list[Line] = []
    gap = True
    for raw in text.splitlines():
        cells = _cells(raw)
        if not cells:
            gap = True
            continue
        for n, line in enumerate(cells):
            kind = ""
            if _MD_HEADING.match(line):
                kind, line = "h", _MD_HEADING.sub("", line).strip("#* ")
            elif (m := _BULLET.match(line)) is not None:
                kind, line = "l", line[m.end():].strip()
            if line:
                out.append(Line(line, kind, gap or n > 0))
            gap = False
    return out


def document_lines(extraction: Extraction, limit: int | None = None) -> list[Line]:
    """The extraction's text as lines; HTML blocks keep the kind their markup gives them.

    ``limit``: read only about that many characters (rows) from the start, to look at a head.
    """
    if extraction.text is not None:
        return _text_lines(extraction.text if limit is None else extraction.text[:limit])
    kinds = getattr(getattr(extraction, "page", None), "kinds", "")
    out: list[Line] = []
    rows = extraction.rows if limit is None else extraction.rows[: max(1, limit // 100)]
    for i, row in enumerate(rows):
        kind = kinds[i] if i < len(kinds) else ""
        if row.label:  # a table's label cell: a heading for fields, never a title
            out.append(Line(row.label.replace("\n", " "), "t", True))
        for para in row.value.split("\n\n"):
            for j, line in enumerate(x.strip() for x in para.splitlines()):
                if not line:
                    continue
                k = kind
                if (m := _BULLET.match(line)) is not None:
                    k, line = "l", line[m.end():].strip()
                out.append(Line(line, k if j == 0 else (k if k == "l" else "p"), j == 0))
    return out


def is_sentence(text: str) -> bool:
    """More words than a heading has, ending as a sentence ends: a page's prose, never its
    furniture (a menu, a tagline, opening hours)."""
    text = text.rstrip()
    return len(text.split()) > MAX_HEADING_WORDS and text.endswith((".", "!", "?"))


def is_headingish(line: Line) -> bool:
    """Short enough and unpunctuated enough to be a heading (or marked as one)."""
    if line.kind in {"h", "t"}:
        return True
    text = line.text.rstrip()
    if text.endswith((".", "!", "?", ";", ",")) or text.split(":", 1)[-1].strip() and ":" in text:
        return False  # "Contact person: Sam" is a value, not a heading
    return 0 < len(text.split()) <= MAX_HEADING_WORDS


def _stems(toks: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    # content words only: short words (the, of, de, la, van, eu) say little about a heading
    return tuple(t for t in toks if len(t) >= 4)


def _same(a: str, b: str) -> bool:
    return a[:5] == b[:5] or a.startswith(b) or b.startswith(a)


def _similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    matched = sum(1 for x in a if any(_same(x, y) for y in b))
    matched_b = sum(1 for y in b if any(_same(x, y) for x in a))
    return (matched + matched_b) / (len(a) + len(b))


@lru_cache(maxsize=8)
def _label_stems(cat: Catalogue) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """Content-word stems of every label, by the first four letters of each of its stems: the
    labels of the languages the template is written in. A language known by its labels alone is
    matched word for word (:meth:`Catalogue.label_at_start`): the five-letter stems of its labels
    would make ordinary headings of other languages into fields ("Partners" the Slovak
    "Partnerské preskúmanie", peer review)."""
    seen: dict[tuple[str, ...], str] = {}
    for f in cat.fields:
        for lang, labels in f.labels.items():
            if lang not in cat.written_languages:
                continue
            for label in labels:
                stems = _stems(tokens(_PAREN.sub(" ", label)))
                if stems:
                    seen.setdefault(stems, f.key)
    by_prefix: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for stems, key in seen.items():
        for prefix in {t[:4] for t in stems}:
            by_prefix.setdefault(prefix, []).append((stems, key))
    return {k: tuple(v) for k, v in by_prefix.items()}


def heading_field(text: str, cat: Catalogue, keys: frozenset[str] | None = None) -> str | None:
    """The template field a heading introduces, or None.

    A catalogue label (in any language, a trailing colon or bracketed note allowed), else the
    field whose label shares most content words with the heading (similarity at least 0.6).
    ``keys`` limits the answer to those fields.
    """
    toks = tokens(_PAREN.sub(" ", text.rstrip(": ")))
    if not toks or len(toks) > MAX_HEADING_WORDS:
        return None
    return _heading_key(tuple(toks), cat, keys)


@lru_cache(maxsize=8192)
def _heading_key(toks: tuple[str, ...], cat: Catalogue, keys: frozenset[str] | None) -> str | None:
    match = cat.label_at_start(list(toks))
    if match and match.n_tokens == len(toks) and (keys is None or match.key in keys):
        return match.key
    stems = _stems(toks)
    if not stems:
        return None
    best, best_key = 0.0, None
    index = _label_stems(cat)
    # two stems can only match when their first four letters do
    candidates = {c for prefix in {t[:4] for t in stems} for c in index.get(prefix, ())}
    for label, key in sorted(candidates):
        if keys is not None and key not in keys:
            continue
        score = _similarity(stems, label)
        if score > best:
            best, best_key = score, key
    return best_key if best >= _MIN_SIMILARITY else None


@lru_cache(maxsize=1)
def _contact_prefixes() -> frozenset[str]:
    return frozenset(fold(p) for p in site_data()["contact_prefixes"])


def contact_line(text: str, cat: Catalogue) -> bool:
    """A line of contact details ("Contact person: …", "Telephone: …", "E-mail: …", or a few
    words of any language but a field's label before an e-mail address: "Per informazioni: ponti@…")."""
    head, sep, value = text.partition(":")
    if not sep or len(head.split()) > 3:
        return False
    if fold(head) in _contact_prefixes():
        return True
    # the value is an address, give or take a few words ("– tel. 011 …"), not a sentence about one
    address = _EMAIL.search(value)
    words = [w for w in _EMAIL.sub(" ", value).split() if any(c.isalpha() for c in w)]
    return bool(address) and len(words) <= _CONTACT_WORDS and heading_field(head, cat) in {None, "contacts"}
