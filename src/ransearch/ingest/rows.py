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

from ransearch.ingest.label_alignment import Candidate, Label, align_labels, cell_candidate, instruction_item
from ransearch.ingest.labels import reader
from ransearch.ingest.markup import html_to_text
from ransearch.ingest.table import name_before_labels
from ransearch.ingest.wording import instructions_by_similarity, new_document, similarity_allowed
from ransearch.template import Catalogue

__all__ = ["split_rows", "pipe_rows"]

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_RULE = re.compile(r"^\s*(?=[^|]*\|)\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")  # a pipe in it
_PIPE = re.compile(r"(?<!\\)\|")
_MARKED = re.compile(r"^\s*(?:#{1,6}\s|<(?:h[1-6]|b|strong)\b)", re.I)
_PAREN_ONLY = re.compile(r"^\s*\([^()]*\)\s*$")
_ITEM = re.compile(r"^\s*(\d{1,2})[.)]\s")
_INSTRUCTION_RUN = 20
"""Lines after a label or a row that may be its instructions (in the documents of the
development sets, read alone, 4 is enough: three numbered items and a closing sentence under a
label cell; a wording whose instructions are wrapped lines may need a dozen); the lines after
them are the value's, and a long document costs the encoder no more than a usual one."""
_INSTRUCTION_LINE = 0.55
"""Similarity to the catalogue's instructions of the open field above which a line outside the
value cells (after a label heading, or an instruction list that ran out of its label cell) is
instruction text in a new wording, not the field's value."""


def pipe_rows(text: str) -> str:
    """``text`` with the rows of its Markdown tables (``| label | value |``, under a ``|---|---|``
    rule) as tab-separated rows, the way the row layouts are written; the rules go. A text
    without such a table is returned as it is."""
    lines = text.splitlines()
    if not any(_PIPE_RULE.match(line) and _PIPE_ROW.match(prev)
               for prev, line in zip(lines, lines[1:])):
        return text
    out = []
    for line in lines:
        row = _PIPE_ROW.match(line)
        if row and _PIPE_RULE.match(line):
            continue
        out.append("\t".join(c.strip().replace("\\|", "|") for c in _PIPE.split(row.group(1))) if row else line)
    return "\n".join(out)


def label_only(cat: Catalogue, text: str, after: int) -> str | None:
    """Field key when ``text`` is a label alone (an optional parenthetical may follow)."""
    match = reader(cat).match(text, after)
    return match.key if match else None


def _cell_fields(lines: list[str], cat: Catalogue) -> dict[int, Label]:
    """Line number → the field the label cell of a row labels
    (:func:`~ransearch.ingest.label_alignment.align_labels`; which cells are candidates:
    :func:`~ransearch.ingest.label_alignment.cell_candidate`). Headings that the catalogue names
    are anchors too (they are read as labels on their own, by ``split_rows``)."""
    numbers: list[int] = []
    candidates: list[Candidate] = []
    for n, line in enumerate(lines):
        if "\t" not in line:
            if _MARKED.match(line):
                numbers.append(n)
                candidates.append(Candidate(html_to_text(_HEADING.sub("", line)), anchor_only=True))
            continue
        cell = cell_candidate(html_to_text(line.split("\t", 1)[0]))
        if cell is not None:
            numbers.append(n)
            candidates.append(cell)
    return {n: label for n, label in zip(numbers, align_labels(candidates, cat))
            if label is not None and "\t" in lines[n]}


def _item_number(line: str) -> int:
    """The number of a numbered item ("2. evaluation and feedback …"), else 0."""
    numbered = _ITEM.match(line)
    return int(numbered.group(1)) if numbered else 0


def _next_text(lines: list[str], n: int) -> str:
    for line in lines[n + 1:n + 4]:
        if line.strip():
            return html_to_text(line)
    return ""


def split_rows(text: str, cat: Catalogue) -> dict[str, list[str]]:
    """Raw text per field key (HTML already turned into plain text, template text still in)."""
    new_document(cat, (line.split("\t", 1)[0] for line in text.splitlines()))
    r = reader(cat)
    threshold = _INSTRUCTION_LINE
    if instructions_by_similarity():
        plain_lines = [html_to_text(_HEADING.sub("", line)) for line in text.splitlines()
                       if "\t" not in line and line.strip()]
        values = [html_to_text(line.split("\t", 1)[1]) for line in text.splitlines() if "\t" in line]
        # the typical line: value cells are content, lines outside them may be instructions
        threshold = r.instruction_threshold(plain_lines + values, _INSTRUCTION_LINE)
    lines = text.splitlines()
    cell_fields = _cell_fields(lines, cat)
    fields: dict[str, list[str]] = {}
    current = -1
    fresh = False  # right after a label heading: instruction paragraphs may follow
    asked = _INSTRUCTION_RUN  # lines since the last label or row (only the first may be instructions)
    item = 0  # the number of the last numbered item taken for instructions (0: none)
    since_label = 0
    before: list[str] = []  # lines before the first label

    def put(value: str) -> None:
        if current >= 0:
            fields.setdefault(cat.keys[current], []).append(value)

    for n, line in enumerate(lines):
        if "\t" in line:
            right = line.split("\t", 1)[1]
            label = cell_fields.get(n)
            if label is not None and (label.field >= current or label.back):
                current = label.field
            fresh = False
            asked = item = 0  # an instruction list may run out of the label cell
            put(html_to_text(right.replace("\t", " ")))
            continue
        plain = html_to_text(_HEADING.sub("", line))
        if not plain:
            put("")
            continue
        key = label_only(cat, plain, current) if _MARKED.match(line) else None
        if key is None and _MARKED.match(line) and similarity_allowed() and current + 1 < len(cat.keys) \
                and _PAREN_ONLY.match(_next_text(lines, n)):
            # an unrecognised heading followed by a word limit, "(max. 300 words)": a label
            key = cat.keys[current + 1]
        if key:
            current = cat.index(key)
            fresh, asked, item = True, 0, 0
            since_label = len(fields.get(key, []))
            continue
        if fresh and _MARKED.match(line) and current >= 0:
            # a label heading, paragraphs, then a heading that is not a label: that heading is
            # the value (the practice's name) and the paragraphs were the label's instructions
            del fields.setdefault(cat.keys[current], [])[since_label:]
            fresh = False
            put(plain)
            continue
        if current < 0:
            before.append(plain)
            continue
        asked += 1
        number = _item_number(plain)
        if asked <= _INSTRUCTION_RUN and instructions_by_similarity() and (
                (fresh and _PAREN_ONLY.match(plain))
                or (item and number == item + 1 and instruction_item(plain))  # a list of instructions' next item
                or r.instruction_score(plain, [current]) >= threshold):
            if number:  # a list that starts again is another list
                item = number if not item or number == item + 1 else 0
            continue
        item = 0
        put(plain)
    name_before_labels(fields, before, cat)
    return fields
