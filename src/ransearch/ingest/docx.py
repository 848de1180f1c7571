"""Word (.docx) files: the template table's rows, and the paragraphs around it.

The package is checked before python-docx opens it: a DOCX is a zip archive, and a small
archive can inflate to gigabytes (a "zip bomb"). The sizes its directory declares are summed
and the file is refused above :data:`MAX_UNZIPPED_BYTES` (:data:`MAX_XML_BYTES` for the XML
parts that get parsed). Then every member is inflated here, in bounded steps that never pass
its declared size (a member whose data runs longer fails its checksum), into a new, uncompressed
package with media emptied (text needs no image), which python-docx opens: python-docx itself
would inflate a lying member whole before noticing. The body is
then walked in document order: a table row becomes a :class:`Row` (first cell the label, the
other cells the value; a cell vertically merged with the one above is an empty label cell,
i.e. a continuation row), a paragraph outside tables becomes a block. Paragraphs in list
styles or with list numbering become ``- `` items. Content controls are looked into; tracked
deletions, headers, footers, comments and footnotes are not read.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from ransearch.errors import ParseError
from ransearch.ingest.markup import tidy
from ransearch.ingest.table import Extraction, Row

__all__ = ["read_docx", "MAX_UNZIPPED_BYTES", "MAX_XML_BYTES", "MAX_PARTS"]

_MB = 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * _MB
"""Largest total size of the package's members once inflated (images included)."""
MAX_XML_BYTES = 32 * _MB
"""Largest total size of its XML parts once inflated; a long practice's document.xml is ~1 MB."""
MAX_PARTS = 5000
"""Most members a package may have."""
MAX_XML_RATIO = 100
"""XML parts may inflate to at most this many times the file's size (Word's XML compresses ~10×),
or to 4 MB, whichever is more: reading time then stays proportional to the file's size."""

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_CONTAINERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"})
_TEXT = {_W + "t": None, _W + "tab": " ", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_TXBX = _W + "txbxContent"


_DAMAGED = "not a valid DOCX file (damaged, or not a Word document)"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, IndexError,
               NotImplementedError, RuntimeError, zlib.error)


def _is_xml(member: str) -> bool:
    return member.endswith((".xml", ".rels"))


def _safe_package(data: bytes, name: str) -> bytes:
    """A sound, uncompressed copy of the package's XML parts (media emptied).

    Raises:
        ParseError: not a zip archive, damaged, or over the limits.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members, len(data), name)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
                for info in members:
                    if info.is_dir():
                        continue
                    content = b""
                    if _is_xml(info.filename):
                        pieces = []
                        with archive.open(info) as member:  # stops at the declared size
                            while chunk := member.read(1 << 20):
                                pieces.append(chunk)
                        content = b"".join(pieces)
                    copy.writestr(info.filename, content)
    except ParseError:
        raise
    except _ZIP_ERRORS:
        raise ParseError(name, _DAMAGED) from None
    return out.getvalue()


def _check_sizes(members: list[zipfile.ZipInfo], size: int, name: str) -> None:
    """Refuse archives that would inflate past the limits."""
    if len(members) > MAX_PARTS:
        raise ParseError(name, f"not a valid DOCX file ({len(members)} parts, limit {MAX_PARTS})")
    total = sum(m.file_size for m in members)
    xml = sum(m.file_size for m in members if _is_xml(m.filename))
    xml_limit = min(MAX_XML_BYTES, max(4 * _MB, MAX_XML_RATIO * size))
    if total > MAX_UNZIPPED_BYTES or xml > xml_limit:
        raise ParseError(name, f"DOCX inflates to {total / _MB:.1f} MB ({xml / _MB:.1f} MB of XML; limits "
                               f"{MAX_UNZIPPED_BYTES // _MB} MB and {xml_limit / _MB:.1f} MB for this file): "
                               "refused as a possible zip bomb")


def _blocks(container: Any) -> Iterator[Any]:
    """The paragraphs and tables of ``container`` in order, looking into content controls."""
    stack = [iter(container)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag in (_P, _TBL):
            yield child
        elif child.tag in _CONTAINERS:
            stack.append(iter(child))


def _paragraph_text(p: Any) -> str:
    boxed = {id(t) for box in p.iter(_TXBX) for t in box.iter()}  # text boxes: not the paragraph's text
    parts = []
    for el in p.iter(*_TEXT):
        if boxed and id(el) in boxed:
            continue
        fixed = _TEXT[el.tag]
        parts.append(el.text or "" if fixed is None else fixed)
    return "".join(parts)


class _Styles:
    """Which paragraph styles are lists (python-docx's "List Bullet" numbers through its style)."""

    def __init__(self, document: Any) -> None:
        self.lists: set[str] = set()
        try:
            root = document.styles.element
        except Exception:  # a package without a styles part
            return
        for style in root.iter(_W + "style"):
            if style.find(f"{_W}pPr/{_W}numPr") is not None:
                self.lists.add(style.get(_W + "styleId") or "")

    def is_item(self, p: Any) -> bool:
        ppr = p.find(_W + "pPr")
        if ppr is None:
            return False
        if ppr.find(_W + "numPr") is not None:
            return True
        style = ppr.find(_W + "pStyle")
        return style is not None and style.get(_W + "val") in self.lists


def _para(p: Any, styles: _Styles) -> str:
    text = _paragraph_text(p).strip()
    if text and styles.is_item(p):
        return "- " + text
    return text


def _cell_text(tc: Any, styles: _Styles) -> str:
    # every paragraph of the cell in document order, nested tables included (lxml iterates
    # without recursion in Python, whatever the nesting)
    return tidy("\n\n".join(_para(p, styles) for p in tc.iter(_P)))


def _rows(body: Any, styles: _Styles) -> list[Row]:
    rows: list[Row] = []
    for block in _blocks(body):
        if block.tag == _P:
            text = _para(block, styles)
            if text:
                rows.append(Row(None, text))
            continue
        for tr in block.iter(_TR):
            if tr.getparent() is not block and tr.getparent().getparent() is not block:
                continue  # rows of nested tables are read as text of their cell
            cells = [_cell_text(tc, styles) for tc in tr.iterchildren(_TC)]
            if not any(cells):
                continue
            if len(cells) == 1:
                rows.append(Row(None, cells[0]))
            else:
                rows.append(Row(cells[0], "\n\n".join(c for c in cells[1:] if c)))
    return rows


def read_docx(data: bytes, name: str) -> Extraction:
    """Rows and blocks of a Word document.

    Raises:
        ParseError: not a zip archive, not a Word document, damaged, over the size limits, or
            without text.
    """
    package = _safe_package(data, name)
    import docx  # python-docx

    try:
        document = docx.Document(io.BytesIO(package))
        styles = _Styles(document)
        rows = _rows(document.element.body, styles)
    except MemoryError:
        raise
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds on damaged files
        raise ParseError(name, f"not a valid DOCX file ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not rows:
        raise ParseError(name, "empty file (no text in this DOCX)")
    return Extraction("docx", tuple(rows))
