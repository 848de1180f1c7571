"""Ingestion: RAN practice documents → :class:`~ransearch.records.Practice` records.

One pipeline for every format. A reader turns the file into raw text per template field:

* text and Markdown files (``txt``, ``md``) by their layout: ``md_rows`` (Markdown/HTML mix,
  a tab-separated row per field), ``html_rows`` (HTML table rows, with continuation rows),
  ``ocr_columns`` (text OCR'd from a two-column PDF), ``txt_blocks``/``md_blocks`` (one field
  after another: a label line, a Markdown heading or a strong line, then its value);
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
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import Template, default_template
from ransearch.ingest.formats import DOCUMENT_SUFFIXES, FORMATS, detect_format, extract, extract_file
from ransearch.ingest.learning import learn_template
from ransearch.ingest.pipeline import (
    content_digest,
    detect_layout,
    parse_extracted_file,
    parse_extraction,
    practice_id,
    storable,
)
from ransearch.ingest.source import MAX_BYTES
from ransearch.ingest.table import Extraction
from ransearch.ingest.webpage import practice_slug
from ransearch.records import Practice

__all__ = ["parse_text", "parse_bytes", "parse_file", "parse_files", "detect_layout", "detect_format", "practice_id",
           "learn_template", "learn_files", "Template", "default_template", "DOCUMENT_SUFFIXES", "FORMATS",
           "practice_slug"]


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
    text = storable(text)
    fmt = "md" if source.lower().endswith((".md", ".markdown")) else "txt"
    digest = content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest()
    return parse_extraction(Extraction(fmt, text=text), source, digest, template, strict_template)


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
    return parse_extracted_file(path, root, extraction, data, template, strict_template)


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
        extraction = Extraction(extraction.format, text=storable(extraction.text))
    return parse_extraction(extraction, source, content_digest(extraction, data), template, strict_template)


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
            out.append(parse_extracted_file(path, root, item[0], item[1], template, strict_template))
        except ParseError as exc:
            out.append(exc)
    return out
