"""PDF files: characters and ruling lines read with pdfminer.six, rows found from the geometry.

The RAN Collection publishes practices as PDFs of a two-column table: label and instructions
on the left, the practice's text on the right. Reading the page geometry (see
:mod:`ransearch.ingest.geometry`) pairs each label with its value, so labels and values never
interleave as they do in naive or OCR'd text. Running headers and footers are dropped.

A PDF without a text layer (a scan, or text drawn as shapes) is refused with a clear reason,
never read as garbage; so is one whose fonts give no Unicode for their glyphs. Work is
bounded: the file's compressed streams may not inflate past :data:`MAX_INFLATED_BYTES` (checked
before pdfminer sees them), a document may not hold more than :data:`MAX_PAGES` pages or
:data:`MAX_CHARS` characters, and reading stops with an error after
``max(MIN_SECONDS, SECONDS_PER_MB × size)`` seconds of CPU time.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zlib
from typing import Any

from ransearch.errors import ParseError
from ransearch.ingest.geometry import Char, Page, furniture, page_rows
from ransearch.ingest.table import Extraction, Row

__all__ = ["read_pdf", "MAX_PAGES", "MAX_CHARS", "MAX_INFLATED_BYTES", "MIN_SECONDS", "SECONDS_PER_MB",
           "NO_TEXT_LAYER"]

_MB = 1024 * 1024
MAX_PAGES = 300
MAX_CHARS = 2_000_000
MAX_INFLATED_BYTES = 64 * _MB
"""Largest total of the compressed streams (images aside) once inflated."""
MIN_SECONDS = 10.0
SECONDS_PER_MB = 2.0
NO_TEXT_LAYER = "no text layer (scanned PDF?): OCR it first"

_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_CHUNK = 1 << 16
_CID = "(cid:"

# pdfminer logs every oddity of a damaged file at WARNING; without a handler of its own, Python
# would print them on stderr. An application that configures logging still receives them.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


class _Stop(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _check_inflation(data: bytes, name: str) -> None:
    """Refuse a file whose Flate streams would inflate past the limit (a decompression bomb)."""
    total = 0
    for m in _STREAM.finditer(data):
        start = m.start()
        if data[start - 3:start] == b"end":
            continue
        head = data[max(0, start - 2048):start]
        head = head[head.rfind(b"obj") + 1:]
        if re.search(rb"/Subtype\s*/Image", head):
            continue  # image data is never inflated to read text
        inflater = zlib.decompressobj()
        pos = m.end()
        try:
            while pos < len(data) and not inflater.eof:
                chunk = data[pos:pos + _CHUNK]
                pos += _CHUNK
                while chunk:
                    total += len(inflater.decompress(chunk, _MB))
                    if total > MAX_INFLATED_BYTES:
                        raise ParseError(name, f"PDF streams inflate past {MAX_INFLATED_BYTES // _MB} MB: "
                                               "refused as a possible decompression bomb")
                    chunk = inflater.unconsumed_tail
                    if inflater.eof:
                        break
        except zlib.error:
            continue  # not Flate data (another filter, or not a stream at all)


def _device(rsrcmgr: Any, deadline: float) -> Any:
    from pdfminer.converter import PDFLayoutAnalyzer

    class Collector(PDFLayoutAnalyzer):
        """Keeps each page's layout objects without layout analysis, and enforces the limits."""

        def __init__(self) -> None:
            super().__init__(rsrcmgr, pageno=1, laparams=None)
            self.result: Any = None
            self.work = 0

        def _tick(self) -> None:
            self.work += 1
            if self.work & 255 == 0:
                if self.work > MAX_CHARS:
                    raise _Stop(f"too much content for a practice document (over {MAX_CHARS:,} characters)")
                if time.process_time() > deadline:
                    raise _Stop("PDF too slow to read (time limit reached)")

        def render_char(self, *args: Any, **kwargs: Any) -> float:
            self._tick()
            return float(super().render_char(*args, **kwargs))

        def paint_path(self, *args: Any, **kwargs: Any) -> None:
            self._tick()
            super().paint_path(*args, **kwargs)

        def receive_layout(self, ltpage: Any) -> None:
            self.result = ltpage

    return Collector()


def _page(ltpage: Any, number: int) -> Page:
    from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage

    height = ltpage.height
    page = Page(number, ltpage.width, height)
    stack = [iter(ltpage)]
    while stack:  # figures (form XObjects) nest: walked without recursion
        obj = next(stack[-1], None)
        if obj is None:
            stack.pop()
        elif isinstance(obj, LTChar):
            if obj.upright:  # rotated text: watermarks, margin notes
                text = obj.get_text()
                # a glyph without Unicode: kept as U+FFFD (a bullet, at the start of a line)
                page.chars.append(Char("\ufffd" if text.startswith(_CID) else text, obj.x0, obj.x1,
                                       height - obj.y1, height - obj.y0, obj.size))
        elif isinstance(obj, LTFigure):
            stack.append(iter(obj))
        elif isinstance(obj, LTImage):
            page.images += 1
        elif isinstance(obj, LTCurve):  # lines and rectangles are curves too
            _edges(page, obj.pts, height)
    return page


def _edges(page: Page, pts: list[tuple[float, float]], height: float) -> None:
    if len(pts) > 64:
        return  # a drawing, not a table border
    if len(pts) == 4 or (len(pts) == 5 and pts[0] == pts[-1]):
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        x0, x1, y0, y1 = min(xs), max(xs), height - max(ys), height - min(ys)
        if x1 - x0 <= 3 and y1 - y0 > 3:
            page.vedges.append(((x0 + x1) / 2, y0, y1))
            return
        if y1 - y0 <= 3 and x1 - x0 > 3:
            page.hedges.append(((y0 + y1) / 2, x0, x1))
            return
    for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1] if len(pts) > 2 else pts[1:]):
        if abs(ax - bx) < 1 and abs(ay - by) > 3:
            page.vedges.append((ax, height - max(ay, by), height - min(ay, by)))
        elif abs(ay - by) < 1 and abs(ax - bx) > 3:
            page.hedges.append((height - ay, min(ax, bx), max(ax, bx)))


def _interpret(data: bytes, name: str) -> tuple[list[Page], bool]:
    """The pages read, and whether the file broke off (damaged after the pages read)."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    deadline = time.process_time() + max(MIN_SECONDS, SECONDS_PER_MB * len(data) / _MB)
    pages: list[Page] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        rsrcmgr = PDFResourceManager(caching=True)
        device = _device(rsrcmgr, deadline)
        interpreter = PDFPageInterpreter(rsrcmgr, device)
        for number, pdf_page in enumerate(PDFPage.create_pages(document), 1):
            if number > MAX_PAGES:
                raise _Stop(f"too many pages for a practice document (limit {MAX_PAGES})")
            if time.process_time() > deadline:
                raise _Stop("PDF too slow to read (time limit reached)")
            interpreter.process_page(pdf_page)
            pages.append(_page(device.result, number))
    except _Stop as exc:
        raise ParseError(name, exc.reason) from None
    except PDFPasswordIncorrect:
        raise ParseError(name, "encrypted PDF: it needs a password") from None
    except PDFEncryptionError as exc:
        raise ParseError(name, f"encrypted PDF that cannot be read ({exc})") from None
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many kinds (and some plain ones) on damaged files
        if pages:
            return pages, True
        raise ParseError(name, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:200]})") from None
    return pages, False


def read_pdf(data: bytes, name: str) -> Extraction:
    """Rows and blocks of a PDF document.

    Raises:
        ParseError: damaged or encrypted PDFs, PDFs without a (decodable) text layer, and PDFs
            over the limits.
    """
    if b"%PDF-" not in data[:1024]:
        raise ParseError(name, "not a PDF file (no %PDF header)")
    _check_inflation(data, name)
    pages, damaged = _interpret(data, name)
    warnings: list[str] = []
    if damaged:
        warnings.append(f"PDF damaged after page {len(pages)}: the rest is missing")
    if not pages:
        raise ParseError(name, "not a readable PDF (no pages)")
    visible = sum(1 for p in pages for c in p.chars if not c.text.isspace())
    if visible == 0:
        raise ParseError(name, NO_TEXT_LAYER)
    undecoded = sum(1 for p in pages for c in p.chars if c.text == "\ufffd")
    if undecoded > 0.3 * visible:
        raise ParseError(name, "text layer cannot be decoded (fonts without a Unicode map): OCR it first")
    drop = furniture(pages)
    rows: list[Row] = []
    kinds: set[str] = set()
    split: float | None = None
    for index, page in enumerate(pages):
        chars = [c for c in page.chars if (index, id(c)) not in drop]
        if not any(not c.text.isspace() for c in chars):
            if page.images:
                warnings.append(f"page {page.number} has no text layer (scanned?): its content is missing")
            continue
        page_found, how, split = page_rows(page, chars, split)
        rows.extend(page_found)
        kinds.add(how)
    # "columns" when no page had a ruled table: the label column was found by its gutter
    kind = "table" if "table" in kinds or not kinds & {"columns"} else "columns"
    return Extraction("pdf", tuple(rows), warnings=tuple(warnings), table_kind=kind)
