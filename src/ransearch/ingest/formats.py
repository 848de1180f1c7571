"""File formats: which reader a document file needs, and what it extracts.

The format comes from the file's content when it says so (``%PDF-``, a zip archive, an HTML
doctype), else from its suffix: a PDF saved as ``.txt`` is still read as a PDF. Text and
Markdown files go to the text layouts; PDF, DOCX and HTML files to their readers, which give
rows of the template table (:mod:`ransearch.ingest.table`). Extracting a PDF is the slow part
of parsing; the last extractions are kept in memory by content hash, so that learning template
text from a corpus and then parsing its documents reads each file once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from ransearch.errors import ParseError
from ransearch.ingest.source import decode, read_bytes
from ransearch.ingest.table import Extraction

__all__ = ["DOCUMENT_SUFFIXES", "FORMATS", "detect_format", "extract", "extract_file"]

FORMATS = ("txt", "md", "pdf", "docx", "html")
_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf", ".docx": "docx",
             ".html": "html", ".htm": "html"}
DOCUMENT_SUFFIXES = frozenset(_SUFFIXES)
"""Suffixes of the files picked up in corpus folders (any file named explicitly is tried)."""

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc, old .xls, ...
_CACHE_SIZE = 128
_cache: OrderedDict[str, Extraction | str] = OrderedDict()  # an extraction, or why it failed
_lock = threading.Lock()


def detect_format(data: bytes, suffix: str = "") -> str:
    """``txt``, ``md``, ``pdf``, ``docx`` or ``html``, from the content first, then the suffix.

    Raises:
        ParseError: a legacy binary Word file (``.doc``), which has no reader.
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx"
    if head.startswith(_OLE):
        raise ParseError("<data>", "Word 97-2003 document (.doc) or other legacy Office file: save it as .docx")
    by_suffix = _SUFFIXES.get(suffix.lower(), "txt")
    if by_suffix in {"txt", "md"}:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html")):
            return "html"
    return by_suffix


def extract(data: bytes, name: str, suffix: str = "") -> Extraction:
    """What the reader of the file's format finds in ``data``.

    Raises:
        ParseError: the reader's reason (``name`` as the path).
    """
    try:
        fmt = detect_format(data, suffix)
    except ParseError as exc:
        raise ParseError(name, exc.reason) from None
    if fmt in {"txt", "md"}:
        return Extraction(fmt, text=decode(data, name))
    key = hashlib.sha256(data).hexdigest()
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
    if found is None:
        try:
            found = _read(fmt, data, name)
        except ParseError as exc:
            found = exc.reason
        with _lock:
            _cache[key] = found
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if isinstance(found, str):
        raise ParseError(name, found)
    return found


def _read(fmt: str, data: bytes, name: str) -> Extraction:
    if fmt == "pdf":
        from ransearch.ingest.pdf import read_pdf

        return read_pdf(data, name)
    if fmt == "docx":
        from ransearch.ingest.docx import read_docx

        return read_docx(data, name)
    from ransearch.ingest.html import read_html

    return read_html(data, name)


def extract_file(path: Path) -> tuple[Extraction, bytes]:
    """The extraction of a document file, and the file's bytes.

    Raises:
        ParseError: unreadable, empty, oversized or unreadable-as-its-format files.
    """
    data = read_bytes(path)
    return extract(data, str(path), path.suffix), data
