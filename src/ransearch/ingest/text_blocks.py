"""Text laid out one field after another: a label on a line of its own, then the field's value.

A practice written in Markdown (``### Target audience`` headings, or ``**Target audience**``
lines) or as plain text copied from a word processor has no table rows: its label lines and
paragraphs become the blocks a PDF, Word or HTML document without a table gives
(:class:`~ransearch.ingest.table.Row` with no label cell), which
:func:`~ransearch.ingest.table.split_table` reads: a block that is a label alone opens its
field, the blocks after it are its value. Markup is dropped: Markdown heading and emphasis
markers, HTML fragments.
"""

from __future__ import annotations

import re

from ransearch.ingest.markup import html_to_text
from ransearch.ingest.table import Row

__all__ = ["text_blocks", "count_blocks"]

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_STRONG_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_STRONG_LEAD = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*(?=\S)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_BREAK = re.compile(r"\n[ \t]*\n|^\s{0,3}(?:#|\*\*|__)", re.M)


def count_blocks(text: str) -> int:
    """About how many blocks :func:`text_blocks` finds (paragraph breaks and marked lines), cheaply."""
    return len(_BREAK.findall(text)) + 1


def _label_line(line: str) -> str | None:
    """The text of a heading, or of a line that is all strong emphasis; else None."""
    heading = _HEADING.match(line)
    if heading:
        return heading.group(1)
    strong = _STRONG_LINE.match(line)
    return strong.group(2) if strong else None


def text_blocks(text: str) -> tuple[Row, ...]:
    """The blocks of a text document: each heading and each line that is all strong emphasis
    alone, a line's leading strong emphasis split off ("**Country**: Belgium"), and the
    paragraphs between them (separated by blank lines; list items kept as ``- `` lines)."""
    blocks: list[str] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            blocks.append("\n".join(paragraph))
            paragraph.clear()

    for line in text.splitlines():
        marked = line.lstrip()[:1] in ("#", "*", "_")  # the patterns' cheap precondition
        label = _label_line(line) if marked else None
        if label is not None:
            close()
            blocks.append(label)
            continue
        lead = _STRONG_LEAD.match(line) if marked else None
        if lead:
            close()
            blocks.append(lead.group(2))
            line = line[lead.end():]
        if not line.strip():
            close()
            continue
        paragraph.append(_EMPHASIS.sub(r"\2", line) if "*" in line or "_" in line else line)
    close()
    rows = (Row(None, html_to_text(block)) for block in blocks)
    return tuple(row for row in rows if row.value)
