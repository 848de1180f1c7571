"""Ingestion: RAN practice documents → :class:`~ransearch.records.Practice` records.

One pipeline for every format. A reader turns the file into raw text per template field:

* text and Markdown files (``txt``, ``md``) by their layout: ``md_rows`` (Markdown/HTML mix,
  a tab-separated row per field), ``html_rows`` (HTML table rows, with continuation rows),
  ``ocr_columns`` (text OCR'd from a two-column PDF);
* PDF, Word and HTML files (``pdf``, ``docx``, ``html``) through rows of the template table
  (layouts ``pdf_table``, ``pdf_columns``, ``docx_table``, ``html_table``, or ``…_blocks``
  when the fields are headings and paragraphs rather than table rows);

* pages of the RAN Collection website, saved as HTML or copied as text (layout ``web_page``,
  :mod:`ransearch.ingest.webpage`);
* anything else, read as free text (``free_text``, or ``free_text_partial`` when some template
  fields were found; :mod:`ransearch.ingest.freetext`), unless ``strict_template`` asks to refuse it;

then one shared step removes template text and extracts typed facets, and the language is
detected. :func:`parse_files` also learns template text shared by the documents it is given
(:mod:`ransearch.ingest.learning`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import Template, default_template
from ransearch.ingest.columns import split_columns
from ransearch.ingest.facets import clean_sections, extract_facets
from ransearch.ingest.freetext import read_free_text
from ransearch.ingest.formats import DOCUMENT_SUFFIXES, FORMATS, detect_format, extract, extract_file
from ransearch.ingest.labels import count_labels
from ransearch.ingest.language import detect_language
from ransearch.ingest.learning import learn_template
from ransearch.ingest.rows import split_rows
from ransearch.ingest.source import MAX_BYTES
from ransearch.ingest.table import Extraction, split_table
from ransearch.ingest.webpage import Reading, looks_like_webpage, practice_slug, read_webpage
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, Catalogue
from ransearch.text import tokens

__all__ = ["parse_text", "parse_bytes", "parse_file", "parse_files", "detect_layout", "detect_format", "practice_id",
           "learn_template", "learn_files", "Template", "default_template", "DOCUMENT_SUFFIXES", "FORMATS",
           "practice_slug"]

_ROW = re.compile(r"^[^\t\n]*\t", re.M)
_MD_HEADING = re.compile(r"^#{1,6} ", re.M)
_MIN_LABELS = 4
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
        if _count_labels(extraction.text, cat) >= _MIN_LABELS and not looks_like_webpage(extraction, cat):
            layout = _text_layout(extraction.text)
            if layout == "ocr_columns":
                return Reading(layout, split_columns(extraction.text, cat, template.text))
            return Reading(layout, split_rows(extraction.text, cat))
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


def _parse(extraction: Extraction, source: str, content_hash: str, template: Template | None,
           strict: bool = False) -> Practice:
    template = template or default_template()
    reading = _split(extraction, template, source, strict)
    layout, raw = reading.layout, reading.raw
    cat = template.catalogue
    sections, facets, warnings = extract_facets(clean_sections(raw, cat, template.text), cat)
    warnings = [*extraction.warnings, *reading.warnings, *warnings]
    missing = [k for k in SECTION_KEYS if not sections.get(k)]
    if missing:
        warnings.append("empty fields: " + ", ".join(missing))
    sections = {k: sections.get(k, "") for k in SECTION_KEYS}
    language = reading.language or detect_language(" ".join([facets["title"], sections["description"]]))
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


def _storable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # lone surrogates (text decoded with "surrogateescape") cannot be stored or printed
        text = _SURROGATE.sub("\ufffd", text)
    return text


def parse_text(text: str, source: str, content_hash: str | None = None, *,
               template: Template | None = None, strict_template: bool = False) -> Practice:
    """Parse the text of one practice document (a text or Markdown file's content).

    Args:
        text: the document's text.
        source: its path relative to the corpus folder (becomes ``source`` and the ``id``; a
            ``.md``/``.markdown`` suffix makes the format ``md``).
        content_hash: hash of the file's bytes, if known (else computed from the text).
        template: the template to recognise (default: the catalogue).
        strict_template: refuse a text that does not follow the template (nor is a Collection
            page) instead of reading it as free text.

    Raises:
        ParseError: when the text has no readable text, or (``strict_template``) does not
            follow the template.
    """
    text = _storable(text)
    fmt = "md" if source.lower().endswith((".md", ".markdown")) else "txt"
    digest = content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _parse(Extraction(fmt, text=text), source, digest, template, strict_template)


def _source(path: Path, root: Path | None) -> str:
    base = root if root is not None else path.parent
    try:
        return path.resolve().relative_to(Path(base).resolve()).as_posix()
    except ValueError:
        return path.name


def _digest(extraction: Extraction, data: bytes) -> str:
    # text files: a hash of the text, so that re-encoding a file (cp1252 → UTF-8) changes nothing
    if extraction.text is not None:
        return hashlib.sha256(extraction.text.encode("utf-8")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _parse_extracted(path: Path, root: Path | None, extraction: Extraction, data: bytes,
                     template: Template | None, strict: bool = False) -> Practice:
    if extraction.text is not None:
        extraction = Extraction(extraction.format, text=_storable(extraction.text))
    try:
        return _parse(extraction, _source(path, root), _digest(extraction, data), template, strict)
    except ParseError as exc:
        raise ParseError(str(path), exc.reason) from None


def parse_file(path: Path, root: Path | None = None, *, template: Template | None = None,
               strict_template: bool = False) -> Practice:
    """Parse one document file (text, Markdown, PDF, DOCX or HTML).

    Args:
        path: the file.
        root: the corpus folder ``source`` is relative to (default: the file's folder).
        template: the template to recognise (default: the catalogue; see :func:`learn_files`).
        strict_template: refuse documents that do not follow the template (see :func:`parse_text`).

    Raises:
        ParseError: unreadable, empty, binary, oversized or damaged files; with
            ``strict_template``, documents that do not follow the template.
    """
    path = Path(path)
    extraction, data = extract_file(path)
    return _parse_extracted(path, root, extraction, data, template, strict_template)


def parse_bytes(data: bytes, source: str, *, template: Template | None = None,
                strict_template: bool = False) -> Practice:
    """Parse a document's bytes (an upload, say); ``source``'s suffix helps tell the format.

    Raises:
        ParseError: as :func:`parse_file` (``source`` as the path).
    """
    if len(data) > MAX_BYTES:
        raise ParseError(source, f"file too large ({len(data) / 2**20:.1f} MB, limit {MAX_BYTES // 2**20} MB)")
    if not data.strip():
        raise ParseError(source, "empty file")
    extraction = extract(data, source, PurePosixPath(source).suffix)
    if extraction.text is not None:
        extraction = Extraction(extraction.format, text=_storable(extraction.text))
    return _parse(extraction, source, _digest(extraction, data), template, strict_template)


def learn_files(paths: Iterable[Path], base: Template | None = None) -> Template:
    """The template plus what the documents at ``paths`` share (files that fail are skipped).

    Deterministic for a given list of files; pass every document of the corpus, sorted.
    """
    extractions = []
    for path in paths:
        try:
            extractions.append(extract_file(Path(path))[0])
        except ParseError:
            continue
    return learn_template(extractions, base)


def parse_files(documents: Sequence[Path | tuple[Path, Path]], *, learn: bool = True,
                template: Template | None = None, strict_template: bool = False) -> list[Practice | ParseError]:
    """Parse several documents, learning the template text they share first.

    Args:
        documents: files, or (file, corpus folder) pairs; ``source`` is relative to the folder
            (default: the file's folder).
        learn: learn template text from these documents (:func:`learn_template`) before parsing.
        template: the template to start from (default: the catalogue).
        strict_template: refuse documents that do not follow the template (see :func:`parse_text`).

    Returns:
        One result per document, in order: its practice, or the ``ParseError`` it raised.
    """
    pairs = [(Path(d), None) if not isinstance(d, tuple) else (Path(d[0]), Path(d[1])) for d in documents]
    loaded: list[tuple[Extraction, bytes] | ParseError] = []
    for path, _ in pairs:
        try:
            loaded.append(extract_file(path))
        except ParseError as exc:
            loaded.append(exc)
    if learn:
        template = learn_template([item[0] for item in loaded if not isinstance(item, ParseError)], template)
    out: list[Practice | ParseError] = []
    for (path, root), item in zip(pairs, loaded):
        if isinstance(item, ParseError):
            out.append(item)
            continue
        try:
            out.append(_parse_extracted(path, root, item[0], item[1], template, strict_template))
        except ParseError as exc:
            out.append(exc)
    return out
