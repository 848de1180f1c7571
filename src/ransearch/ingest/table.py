"""Template tables read from PDF, DOCX and HTML files: rows of (label cell, value cell) → fields.

Every format reader turns its file into the same intermediate: a list of :class:`Row`, in
reading order. A row of the template table has a label cell (the field's label and its
instructions) and a value cell; a continuation row (a value running over a page break) has an
empty label cell; a block is text outside any table (a heading, a paragraph). ``split_table``
reads the rows as the text layouts are read: a label cell or a block that starts with a field
label opens that field, and every value cell belongs to the open field. Text after a table
(a note, a print footer) belongs to no field until a block that is a label opens one. What is left of the
template's instruction text is removed afterwards, by the shared ``clean_sections``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from ransearch.ingest.label_alignment import BULLETS, Candidate, Label, align_labels, cell_candidate
from ransearch.ingest.label_texts import MAX_LABEL_WORDS
from ransearch.ingest.labels import reader
from ransearch.ingest.facets import DATE
from ransearch.ingest.wording import new_document
from ransearch.template import Catalogue

__all__ = ["Row", "Extraction", "split_table", "name_before_labels"]

_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
_LABEL_SHARE = 0.6  # a label line is well under the length of the value lines below it
_TITLE, _PROSE = "name", "description"
_LINK = re.compile(r"\]\(|://|^www\.", re.I)


@dataclass(frozen=True)
class Row:
    """One row of a template table, or a block of text outside tables (``label`` None).

    ``label`` is the plain text of the left cell (empty for a continuation row) and ``value``
    the plain text of the other cells: paragraphs separated by a blank line, list items
    starting with ``- ``.
    """

    label: str | None
    value: str


@dataclass(frozen=True)
class Extraction:
    """What a format reader found in a file: rows (PDF, DOCX, HTML) or text (txt, md).

    ``table_kind`` names how the rows were found (``table``; ``columns`` for a PDF without
    ruling lines, read by its column gutter); the layout is ``<format>_<table_kind>``.
    """

    format: str
    rows: tuple[Row, ...] = ()
    text: str | None = None
    warnings: tuple[str, ...] = field(default=())
    table_kind: str = "table"

    def plain_text(self) -> str:
        """The document as text: blocks and cells one after another (to learn boilerplate from)."""
        if self.text is not None:
            return self.text
        parts: list[str] = []
        for row in self.rows:
            if row.label:
                parts.append(row.label)
            if row.value:
                parts.append(row.value)
        return "\n\n".join(parts)


def _label_shaped(text: str) -> bool:
    """A block that could be a label standing alone: one short line that ends no sentence."""
    line = text.strip()
    return ("\n" not in line and 0 < len(line.split()) <= MAX_LABEL_WORDS and line[:1] not in BULLETS
            and not line.endswith((".", "!", "?", ";", ",")) and any(c.isalpha() for c in line))


def _split_label_lines(rows: tuple[Row, ...] | list[Row], cat: Catalogue) -> list[Row]:
    """``rows`` with each block whose first line is a label and whose other lines are its value
    ("Target audience" / "Families, youth workers" with no blank line between) cut in two: the
    label, then the value. A first line is a label when the catalogue names it, or, in a
    document written this way (:func:`_headed_blocks`), when it is shaped like one: then the
    template's order says which field a label of another wording opens."""
    r = reader(cat)
    headed = _headed_blocks(rows, cat)
    out: list[Row] = []
    for row in rows:
        first, _, rest = row.value.partition("\n") if row.label is None else ("", "", "")
        if rest.strip() and _label_shaped(first) and (headed or r.match(first, -1, similar=False)):
            out += [Row(None, first.strip()), Row(None, rest.strip())]
        else:
            out.append(row)
    return out


def _headed_blocks(rows: tuple[Row, ...] | list[Row], cat: Catalogue) -> bool:
    """Whether a document of blocks writes each field as its label's line over its value, no
    blank line between: most of its blocks of several lines open with a line shaped like a
    label that no lower-case line continues, they are at least half as many as the template's
    fields, and their first lines are clearly shorter than what follows them (the first lines
    of a text wrapped at a fixed width are as long as the others)."""
    if any(row.label is not None for row in rows):
        return False
    blocks = [row.value.strip().split("\n") for row in rows if "\n" in row.value.strip()]
    headed = [lines for lines in blocks if _label_shaped(lines[0]) and not lines[1].lstrip()[:1].islower()]
    if not headed or len(headed) * 2 <= len(blocks) or len(headed) * 2 < len(cat.keys):
        return False
    firsts = median(len(lines[0]) for lines in headed)
    return firsts < _LABEL_SHARE * median(max(len(line) for line in lines[1:]) for lines in headed)


def _labels(rows: list[Row], cat: Catalogue) -> dict[int, Label]:
    """Row number → the field a label cell or block labels
    (:func:`~ransearch.ingest.label_alignment.align_labels`; which label cells are candidates:
    :func:`~ransearch.ingest.label_alignment.cell_candidate`). A block is a label only if the
    catalogue names it when the document has label cells (its layout's labels are those), when
    it is not label-shaped, or when it follows a label-shaped block (it is that one's value)
    unless the catalogue names it (a label after a heading of the document's own, its title)."""
    numbers: list[int] = []
    candidates: list[Candidate] = []
    after_label = False
    has_cells = any(row.label for row in rows)
    r = reader(cat)
    for n, row in enumerate(rows):
        if row.label is None:
            shaped = not has_cells and _label_shaped(row.value) and (
                not after_label or r.match(row.value, -1, similar=False) is not None)
            candidate: Candidate | None = Candidate(row.value, anchor_only=not shaped)
            after_label = shaped
        else:
            candidate = cell_candidate(row.label)
            after_label = after_label and candidate is None
        if candidate is not None:
            numbers.append(n)
            candidates.append(candidate)
    return {n: label for n, label in zip(numbers, align_labels(candidates, cat)) if label is not None}


def name_before_labels(fields: dict[str, list[str]], lines: list[str], cat: Catalogue) -> None:
    """When no label gives the practice's name, the line nearest the first label among ``lines``
    (what stands before it: a site's name, a date, a heading over the table) that can name a
    practice names it (in place in ``fields``): shaped like a label, not a date, a page number or
    a link, and below the template's title if the document has one."""
    if _TITLE in fields or _TITLE not in cat.keys:
        return
    r = reader(cat)
    for line in reversed(lines):
        if r.is_title(line):
            return  # what stands above the template's title is the document's, not the practice's
        if _name_shaped(line):
            fields[_TITLE] = [line.strip()]
            return


def _name_shaped(line: str) -> bool:
    """A line that can be a practice's name: shaped like a label, with more words than numbers,
    and no date or number after a colon ("Last revised: 12 March 2021"), no link ("[Back](index.md)",
    an address)."""
    if not _label_shaped(line) or _LINK.search(line):
        return False
    words = line.split()
    numbers = sum(1 for word in words if any(c.isdigit() for c in word))
    after_colon = line.rpartition(":")[2].strip()
    return 2 * numbers < len(words) and not DATE.match(after_colon) and not after_colon.isdigit()


def split_table(rows: tuple[Row, ...] | list[Row], cat: Catalogue) -> tuple[dict[str, list[str]], int, int]:
    """Raw text per field key, how many fields label cells named, and how many were named in all
    (a label placed by the template's order alone opens its field but is not counted: the counts
    say how much the document looks like the template).

    Template instruction text is still in the values (removed later by ``clean_sections``).
    """
    new_document(cat, (row.label if row.label is not None else row.value.split("\n", 1)[0] for row in rows))
    rows = _split_label_lines(rows, cat)
    labels = _labels(rows, cat)
    fields: dict[str, list[str]] = {}
    current = -1
    by_cell: set[str] = set()
    by_block: set[str] = set()
    continued = False  # the last piece came from a value cell that may run on

    def put(value: str, continuation: bool) -> None:
        nonlocal continued
        if current < 0 or not value.strip():
            return
        pieces = fields.setdefault(cat.keys[current], [])
        # a paragraph cut by a page break: "… the municipality" | "of Sarpsborg …"
        if continuation and continued and pieces and not _SENTENCE_END.search(pieces[-1]) \
                and value.lstrip()[:1].islower():
            pieces[-1] = pieces[-1].rstrip() + " " + value.lstrip()
        else:
            pieces.append(value)
        continued = True

    closed = False  # the table ended: text after it belongs to no field until a label opens one
    in_table = False
    before: list[str] = []  # blocks before the first label
    for n, row in enumerate(rows):
        label = labels.get(n)
        if current < 0 and label is None and row.label is None:
            before.append(row.value)
        if row.label is None:
            if label is not None and (label.field > current or label.back):
                current = label.field
                if label.named:
                    by_block.add(cat.keys[current])
                continued = closed = in_table = False
                continue
            closed = closed or in_table
            if not closed:
                put(row.value, False)
            continued = False
            continue
        in_table = True
        # the label cell is never content
        if label is not None and (label.field >= current or label.back):
            current = label.field
            if label.named:
                by_cell.add(cat.keys[current])
            continued = closed = False
        elif 0 <= current < len(cat.keys) and cat.keys[current] == _TITLE and _label_shaped(row.label) \
                and _PROSE in cat.keys:
            # a label the template lacks ("Entidad promotora" right after the name, in a site's own
            # record card): its value is no part of the practice's name
            current = cat.index(_PROSE)
        if not closed:
            put(row.value, not row.label.strip())
    name_before_labels(fields, before, cat)
    return fields, len(by_cell), len(by_cell | by_block)
