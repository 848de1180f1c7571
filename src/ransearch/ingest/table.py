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

from ransearch.ingest.labels import reader
from ransearch.ingest.rows import label_only
from ransearch.ingest.wording import new_document
from ransearch.template import Catalogue

__all__ = ["Row", "Extraction", "split_table"]

_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


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


def split_table(rows: tuple[Row, ...] | list[Row], cat: Catalogue) -> tuple[dict[str, list[str]], int, int]:
    """Raw text per field key, how many fields label cells opened, and how many were opened in all.

    Template instruction text is still in the values (removed later by ``clean_sections``).
    """
    new_document(cat, (row.label if row.label is not None else row.value.split("\n", 1)[0] for row in rows))
    r = reader(cat)
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
    for row in rows:
        if row.label is None:
            key = label_only(cat, row.value, current)
            if key:
                current = cat.index(key)
                by_block.add(key)
                continued = closed = in_table = False
                continue
            closed = closed or in_table
            if not closed:
                put(row.value, False)
            continued = False
            continue
        in_table = True
        # the label cell is never content: a wording the catalogue lacks is matched by similarity
        match = r.match(row.label, current - 1, cell=True) if row.label.strip() else None
        if match:
            current = cat.index(match.key)
            by_cell.add(match.key)
            continued = closed = False
        if not closed:
            put(row.value, not row.label.strip())
    return fields, len(by_cell), len(by_cell | by_block)
