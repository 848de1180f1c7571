"""Files that hold several practices one after another (a chapter of the Collection as one PDF
or one web page, a folder export): one record per practice.

Boundaries are found from the template's structure, never from the practices' words: in the rows
of a PDF, Word file or web page (:mod:`ransearch.ingest.table`), a new practice starts where the
**name field's label reappears** after the fields of a practice were seen (its template title,
just before, goes with it). Where the name label is missing but the **field order restarts**
(a description or name-like field after the later fields), the file is cut there too, and the
record says the boundary is unsure. Each record's id is the file's id plus its title's slug, so
that it stays the same whatever else the file holds.

Text files are parsed as one practice.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import Template, default_template
from ransearch.ingest.formats import extract_file
from ransearch.ingest.pipeline import parse_extracted_file, parse_extraction, practice_id, source_of
from ransearch.ingest.table import Row
from ransearch.records import Practice
from ransearch.template import Catalogue
from ransearch.text import tokens

__all__ = ["parse_document", "split_practices", "UNSURE"]

_MIN_FIELDS = 4  # fields a practice shows before another may start
_RESTART = 1  # a field of at most this index (name, description) after later fields: order restarts
UNSURE = "practice boundary unsure: the name label is missing where the field order restarts"


def _key(row: Row, cat: Catalogue) -> tuple[int, bool] | None:
    """(field index, is it a template title) of a row that opens a field or is a template title."""
    text = row.label if row.label else row.value if row.label is None else ""
    if not text:
        return None
    toks = tokens(text)
    if row.label is None and len(toks) <= 12 and cat.is_template_title(toks):
        return -1, True
    match = cat.label_at_start(toks)
    return (cat.index(match.key), False) if match else None


def split_practices(rows: tuple[Row, ...], cat: Catalogue) -> list[tuple[tuple[Row, ...], bool]]:
    """The rows of each practice a file holds, and whether its start is unsure."""
    cuts: list[tuple[int, bool]] = [(0, False)]
    seen: set[int] = set()
    last, title_at = -1, None
    for i, row in enumerate(rows):
        found = _key(row, cat)
        if found is None:
            continue
        index, is_title = found
        if is_title:
            title_at = i
            continue
        restart = len(seen) >= _MIN_FIELDS and index <= _RESTART and last > _RESTART
        if restart and (index == 0 or index not in seen or index < last):
            start = title_at if title_at is not None and title_at > cuts[-1][0] else i
            cuts.append((start, index != 0))
            seen = set()
        seen.add(index)
        last = index
    ends = [c for c, _ in cuts[1:]] + [len(rows)]
    return [(rows[c:e], unsure) for (c, unsure), e in zip(cuts, ends)]


def _slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain)[:60].strip("-") or "practice"


def parse_document(path: Path, root: Path | None = None, *, template: Template | None = None,
                   strict_template: bool = False) -> list[Practice]:
    """The practices of one document file: usually one, several when it holds several.

    The parts of a file cut at practice boundaries are read strictly (each starts with the
    template's name field; a part outside the template is an introduction or an annex, skipped);
    a file of one practice is read as :func:`ransearch.ingest.parse_file` reads it.

    Raises:
        ParseError: as :func:`ransearch.ingest.parse_file` (for a file of one practice, or when
            no part of the file is a practice).
    """
    path = Path(path)
    extraction, data = extract_file(path)
    parts = split_practices(extraction.rows, (template or default_template()).catalogue) \
        if extraction.text is None else []
    if len(parts) < 2:
        return [parse_extracted_file(path, root, extraction, data, template, strict_template)]
    source = source_of(path, root)
    out: list[Practice] = []
    used: set[str] = set()
    for k, (rows, unsure) in enumerate(parts):
        piece = replace(extraction, rows=rows)
        digest = hashlib.sha256(data + f"#{k}".encode()).hexdigest()
        try:
            practice = parse_extraction(piece, source, digest, template, strict=True)
        except ParseError:
            if k == len(parts) - 1 and not out:
                raise
            continue  # a part with no practice in it (an introduction, an annex)
        slug = _slug(practice.title)
        name = slug if slug not in used else f"{slug}-{k + 1}"
        used.add(name)
        warnings = (*practice.warnings, UNSURE) if unsure else practice.warnings
        out.append(replace(practice, id=f"{practice_id(source)}--{name}", warnings=warnings))
    return out

