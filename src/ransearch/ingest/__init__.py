"""Ingestion: RAN practice documents → :class:`~ransearch.records.Practice` records.

The layout of a document is detected, the matching reader splits it into raw field texts,
and one shared step removes template text and extracts typed facets.

Layouts: ``md_rows`` (Markdown/HTML mix, a tab-separated row per field), ``html_rows`` (HTML
table rows, with continuation rows), ``ocr_columns`` (text OCR'd from a two-column PDF).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import template_text
from ransearch.ingest.columns import split_columns
from ransearch.ingest.facets import clean_sections, extract_facets
from ransearch.ingest.language import detect_language
from ransearch.ingest.rows import split_rows
from ransearch.ingest.source import read_text
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, catalogue
from ransearch.text import tokens

__all__ = ["parse_text", "parse_file", "detect_layout", "practice_id", "DOCUMENT_SUFFIXES"]

DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
_ROW = re.compile(r"^[^\t\n]*\t", re.M)
_MD_HEADING = re.compile(r"^#{1,6} ", re.M)
_MIN_LABELS = 4
_SURROGATE = re.compile("[\ud800-\udfff]")
_MARKUP = re.compile(r"<[^<>]+>|^#+")  # [^<>]: linear on runs of unclosed "<"


def practice_id(source: str) -> str:
    """Stable, URL-safe id from a document's path relative to its corpus folder."""
    stem = str(PurePosixPath(source).with_suffix(""))
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem.replace("/", "--")).strip("-")
    return slug or hashlib.sha1(source.encode()).hexdigest()[:12]


def _count_labels(text: str) -> int:
    cat = catalogue()
    seen = set()
    for line in text.splitlines():
        cell = line.split("\t", 1)[0]
        match = cat.label_at_start(tokens(_MARKUP.sub(" ", cell))) if cell.strip() else None
        if match:
            seen.add(match.key)
    return len(seen)


def detect_layout(text: str) -> str:
    """``md_rows``, ``html_rows`` or ``ocr_columns``.

    Raises:
        ParseError: when the text is not a RAN practice description.
    """
    if _count_labels(text) < _MIN_LABELS:
        raise ParseError("<text>", "not a RAN practice description (template labels not found)")
    if len(_ROW.findall(text)) >= 3:
        return "md_rows" if _MD_HEADING.search(text) else "html_rows"
    return "ocr_columns"


def parse_text(text: str, source: str, content_hash: str | None = None) -> Practice:
    """Parse the text of one practice document.

    Args:
        text: the document's text.
        source: its path relative to the corpus folder (becomes ``source`` and the ``id``).
        content_hash: hash of the file's bytes, if known (else computed from the text).

    Raises:
        ParseError: when the text is not a RAN practice description.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # lone surrogates (text decoded with "surrogateescape") cannot be stored or printed
        text = _SURROGATE.sub("\ufffd", text)
        data = text.encode("utf-8")
    try:
        layout = detect_layout(text)
    except ParseError as exc:
        raise ParseError(source, exc.reason) from None
    cat, tt = catalogue(), template_text()
    if layout == "ocr_columns":
        raw = split_columns(text, cat, tt)
    else:
        raw = split_rows(text, cat)
    sections, facets, warnings = extract_facets(clean_sections(raw, cat, tt), cat)
    missing = [k for k in SECTION_KEYS if not sections.get(k)]
    if missing:
        warnings.append("empty fields: " + ", ".join(missing))
    sections = {k: sections.get(k, "") for k in SECTION_KEYS}
    language = detect_language(" ".join([facets["title"], sections["description"]]))
    return Practice(
        id=practice_id(source),
        source=source,
        layout=layout,
        language=language,
        sections=sections,
        warnings=tuple(warnings),
        content_hash=content_hash or hashlib.sha256(data).hexdigest(),
        **facets,
    )


def parse_file(path: Path, root: Path | None = None) -> Practice:
    """Parse one document file; ``source`` is its path relative to ``root`` (its folder if None).

    Raises:
        ParseError: unreadable, empty, binary, oversized or non-practice files.
    """
    path = Path(path)
    text = read_text(path)
    base = root if root is not None else path.parent
    try:
        source = path.resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        source = path.name
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        return parse_text(text, source, digest)
    except ParseError as exc:
        raise ParseError(str(path), exc.reason) from None
