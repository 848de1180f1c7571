"""The one parse pipeline: a reader's extraction → a :class:`~ransearch.records.Practice`.

The layout is picked from what the extraction holds (see :mod:`ransearch.ingest`): a
Collection web page, text laid out in the template (rows or OCR'd columns), rows of a PDF,
Word or HTML table, else free text. Then one shared step removes template text and extracts
typed facets, and the language is detected. The public entry points (``parse_file``,
``parse_bytes``, ``parse_text``, ``parse_files``, ``parse_document``) all end here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import Template, default_template
from ransearch.ingest.ocr_columns import split_columns
from ransearch.ingest.facets import clean_sections, extract_facets
from ransearch.ingest.freetext import read_free_text
from ransearch.ingest.labels import count_labels
from ransearch.ingest.language import content_language
from ransearch.ingest.rows import pipe_rows, split_rows
from ransearch.ingest.table import Extraction, split_table
from ransearch.ingest.text_blocks import count_blocks, text_blocks
from ransearch.ingest.webpage import Reading, looks_like_webpage, read_webpage
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, Catalogue
from ransearch.text import tokens

__all__ = ["practice_id", "detect_layout", "parse_extraction", "parse_extracted_file", "source_of", "storable",
           "content_digest"]

_ROW = re.compile(r"^[^\t\n]*\t", re.M)
_MD_HEADING = re.compile(r"^#{1,6} ", re.M)
_MIN_LABELS = 4
_MAX_BLOCKS = 1_000
"""A practice written field after field has a few dozen paragraphs (at most 93 in the development
sets); a text of more is not read that way, which keeps label matching, a call per paragraph,
off adversarial texts of hundreds of thousands of paragraphs."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_PRACTICE = "not a RAN practice description (template labels not found)"


def practice_id(source: str) -> str:
    """Stable, URL-safe id from a document's path relative to its corpus folder."""
    stem = str(PurePosixPath(source).with_suffix(""))
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem.replace("/", "--")).strip("-")
    return slug or hashlib.sha1(source.encode()).hexdigest()[:12]


def _count_labels(text: str, cat: Catalogue) -> int:
    return count_labels(text, cat, _MIN_LABELS)


def detect_layout(text: str, cat: Catalogue | None = None) -> str:
    """Layout of a text document in the template: ``md_rows``, ``html_rows`` or ``ocr_columns``.

    Raises:
        ParseError: when the text does not follow the template (too few of its labels).
    """
    if _count_labels(text, cat or default_template().catalogue) < _MIN_LABELS:
        raise ParseError("<text>", _NOT_PRACTICE)
    return _text_layout(text)


def _text_layout(text: str) -> str:
    if len(_ROW.findall(text)) >= 3:
        return "md_rows" if _MD_HEADING.search(text) else "html_rows"
    return "ocr_columns"


def _is_boilerplate(line: str, template: Template) -> bool:
    toks = tokens(line)
    return bool(toks) and (template.catalogue.is_template_title(toks) or template.text.coverage(toks) >= 0.85)


def _split(extraction: Extraction, template: Template, source: str, strict: bool = False) -> Reading:
    """Raw text per field of an extraction, by the layout it is in (see the module docstring)."""
    cat = template.catalogue
    page = getattr(extraction, "page", None)
    if page is not None and page.url and looks_like_webpage(extraction, cat):
        return read_webpage(extraction, cat, source)  # a Collection page, whatever labels it holds
    if extraction.text is not None:
        text = pipe_rows(extraction.text)  # a Markdown table's rows read as the row layouts' rows
        if _count_labels(text, cat) >= _MIN_LABELS and not looks_like_webpage(extraction, cat):
            layout = _text_layout(text)
            if layout == "ocr_columns":
                return _columns_or_blocks(extraction, template)
            return Reading(layout, split_rows(text, cat))
    else:
        raw, by_cell, total = split_table(extraction.rows, cat)
        if total >= _MIN_LABELS and not looks_like_webpage(extraction, cat):
            kind = extraction.table_kind if 2 * by_cell >= total else "blocks"
            return Reading(f"{extraction.format}_{kind}", raw)
    if looks_like_webpage(extraction, cat):
        return read_webpage(extraction, cat, source)
    if strict:
        raise ParseError(source, _NOT_PRACTICE)
    return read_free_text(extraction, cat, source, lambda line: _is_boilerplate(line, template))


def _columns_or_blocks(extraction: Extraction, template: Template) -> Reading:
    """A text without table rows: pages OCR'd from the two-column PDF, or one field after another
    (a label line, then the value: Markdown headings, plain text). The OCR'd reading is kept when
    it fills at least half the template's fields (on the development sets: 6 to 16 for OCR'd
    documents, 1 for the same practices written field after field); otherwise the text is also
    read as blocks, and the reading that fills more fields once template text is removed is kept."""
    assert extraction.text is not None
    cat = template.catalogue
    columns = Reading("ocr_columns", split_columns(extraction.text, cat, template.text))
    filled = _filled(columns.raw, template)
    if 2 * filled >= len(cat.keys) or count_blocks(extraction.text) > _MAX_BLOCKS:
        return columns
    blocks, _, _ = split_table(text_blocks(extraction.text), cat)
    if len(blocks) > filled and _filled(blocks, template) > filled:
        return Reading(f"{extraction.format}_blocks", blocks)
    return columns


def _filled(raw: dict[str, list[str]], template: Template) -> int:
    """How many fields have text left once template text is removed."""
    return sum(1 for text in clean_sections(raw, template.catalogue, template.text).values() if text)


def parse_extraction(extraction: Extraction, source: str, content_hash: str, template: Template | None,
                     strict: bool = False) -> Practice:
    """The practice an extraction holds, read by its layout.

    Args:
        extraction: what a format reader found (or a text document's text).
        source: the document's path relative to its corpus folder (gives the ``id``).
        content_hash: the hash recorded as the practice's ``content_hash``.
        template: the template to recognise (default: the catalogue).
        strict: refuse an extraction that does not follow the template (nor is a Collection page).

    Raises:
        ParseError: (``source`` as the path) no readable text, or ``strict`` and not the template.
    """
    template = template or default_template()
    reading = _split(extraction, template, source, strict)
    layout, raw = reading.layout, reading.raw
    cat = template.catalogue
    sections, facets, warnings = extract_facets(clean_sections(raw, cat, template.text), cat, reading.url)
    warnings = [*extraction.warnings, *reading.warnings, *warnings]
    missing = [k for k in SECTION_KEYS if not sections.get(k)]
    if missing:
        warnings.append("empty fields: " + ", ".join(missing))
    sections = {k: sections.get(k, "") for k in SECTION_KEYS}
    language = content_language(" ".join([facets["title"], sections["description"]]), reading.language)
    return Practice(
        id=practice_id(source),
        source=source,
        layout=layout,
        format=extraction.format,
        language=language,
        sections=sections,
        warnings=tuple(warnings),
        content_hash=content_hash,
        url=reading.url,
        **facets,
    )


def storable(text: str) -> str:
    """``text`` with lone surrogates replaced, so that it can be stored and printed."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # lone surrogates (text decoded with "surrogateescape") cannot be stored or printed
        text = _SURROGATE.sub("\ufffd", text)
    return text


def source_of(path: Path, root: Path | None) -> str:
    """A file's ``source``: its path relative to ``root`` (default: its folder), else its name."""
    base = root if root is not None else path.parent
    try:
        return path.resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return path.name


def content_digest(extraction: Extraction, data: bytes) -> str:
    """The ``content_hash`` of a file: of its text for text files, else of its bytes."""
    # text files: a hash of the text, so that re-encoding a file (cp1252 → UTF-8) changes nothing
    if extraction.text is not None:
        return hashlib.sha256(extraction.text.encode("utf-8")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def parse_extracted_file(path: Path, root: Path | None, extraction: Extraction, data: bytes,
                         template: Template | None, strict: bool = False) -> Practice:
    """The practice of a file already extracted (``data``: its bytes); see :func:`parse_extraction`.

    Raises:
        ParseError: as :func:`parse_extraction`, with ``path`` as the path.
    """
    if extraction.text is not None:
        extraction = Extraction(extraction.format, text=storable(extraction.text))
    try:
        return parse_extraction(extraction, source_of(path, root), content_digest(extraction, data), template, strict)
    except ParseError as exc:
        raise ParseError(str(path), exc.reason) from None
