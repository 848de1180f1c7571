"""HTML pages: the template as a table (or as headings and paragraphs), page furniture ignored.

The page is read by libxml2's HTML parser (lxml) as a stream of start, end and text events:
no tree is built, so a deeply nested page costs no recursion and little memory, and broken
markup is repaired the way browsers do. Scripts, styles, the ``<head>``, navigation, page
headers and footers (outside ``<main>``/``<article>``; a ``<header>`` that holds nothing but a
heading is a content block's own and stays), dialogs, forms and hidden elements are skipped,
and so are lists outside ``<main>``/``<article>`` whose words are all links (menus,
breadcrumbs, related pages: a site built from ``<div>`` elements says "navigation" no other way)
and paragraphs there of two links or more and no other words (a menu of ``<div>`` and ``<a>``
elements). Inside ``<main>`` too, an element whose ``class`` or ``id`` names a part of every
site rather than of its content (a breadcrumb, a cookie notice, share buttons, related pages,
comments, a newsletter box, a sidebar, pagination: :func:`~ransearch.ingest.elements.furniture_named`, as Mozilla's
Readability tells them) is dropped, unless it held the page's ``<main>``, ``<article>`` or
``<h1>`` or half of its text: a wrapper called ``has-sidebar`` is the page, not furniture.
Teasers of the site's other pages beside the page's ``<article>`` go the same way
(:mod:`ransearch.ingest.teasers`).
Each table row whose cells hold text becomes a :class:`Row` (the innermost table wins when
tables are nested, as when a layout table wraps the template table); text outside tables
becomes blocks, one per paragraph, heading or list item.

The page's own facts are kept beside the rows (:class:`Page`): its ``<title>``, ``<h1>``,
canonical address (``<link rel="canonical">``, else ``og:url``), ``lang`` attribute, and which
blocks were headings or list items, for the readers of web pages
(:mod:`ransearch.ingest.webpage`, :mod:`ransearch.ingest.freetext`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ransearch.errors import ParseError
from ransearch.ingest.elements import collapsed_panel, furniture_named, hidden, to_a_page, to_another_page
from ransearch.ingest.html_state import OpenFurniture, OpenHeader, OpenList, OpenTable
from ransearch.ingest.lines import MAX_HEADING_WORDS
from ransearch.ingest.markup import tidy
from ransearch.ingest.source import decode_html
from ransearch.ingest.table import Extraction, Row
from ransearch.ingest.teasers import Teasers

__all__ = ["read_html", "Page", "PageExtraction"]

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "nav", "form", "button",
                   "select", "option", "textarea", "iframe", "object", "embed", "svg", "math", "canvas",
                   "audio", "video", "dialog", "aside"})
_FURNITURE = frozenset({"header", "footer"})  # skipped unless inside <main> or <article>
_MAIN = frozenset({"main", "article"})
_BLOCK = frozenset({"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd",
                    "blockquote", "pre", "address", "figure", "figcaption", "hr", "fieldset", "details",
                    "summary", "caption", "body", "html", "center", "li"})
_CELL = frozenset({"td", "th"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol"})
_FURNITURE_ROLES = frozenset({"banner", "contentinfo"})  # header and footer, by ARIA role
_NOT_WORD = re.compile(r"[\W_]+")
_SITE_HEADER = frozenset({"a", "img", "p", "ul", "ol", "form"})  # in a <header>: the page's, not a heading's
_PAGE_ROOTS = frozenset({"html", "body", "main", "article"})
_FURNITURE_MAX_SHARE = 0.5  # furniture is the lesser part of a page: an element holding more is content


@dataclass(frozen=True)
class Page:
    """What an HTML page says about itself, beside its text.

    ``kinds`` has one letter per row of the extraction: ``h`` a heading (``<h1>``…``<h6>``),
    ``l`` a list item, ``t`` a definition list's term (``<dt>``: a label, as a table's label
    cell is), ``p`` any other block or table row.
    """

    title: str = ""
    h1: str = ""
    url: str | None = None
    lang: str = ""
    kinds: str = ""


@dataclass(frozen=True)
class PageExtraction(Extraction):
    """The rows of an HTML page and its :class:`Page` facts."""

    page: Page = field(default_factory=Page)


class _Reader:
    """lxml parser target: turns parser events into rows and blocks."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.block: list[str] = []
        self.tables: list[OpenTable] = []
        self.skip_depth = 0  # > 0 while inside a skipped element (counts nested elements)
        self.main_depth = 0
        self.kinds: list[str] = []  # one letter per row: heading, list item, other
        self.block_kind = "p"  # kind of the block being read ("h1", "h", "l" or "p")
        self.title: list[str] | None = None  # the <title> text while it is read
        self.meta: dict[str, str] = {}
        self.lists: list[OpenList] = []  # lists being read outside tables, innermost last
        self.links: list[bool] = []  # open <a> elements: whether each is a link to a page
        self.header: OpenHeader | None = None  # the header outside <main> being read
        self.link_text: list[str] = []  # the text of the block being read inside links to a page
        self.block_links = 0  # links to a page the block being read holds
        self.furniture: OpenFurniture | None = None  # the outermost element named as furniture being read
        self.furniture_rows: list[tuple[int, int]] = []  # rows [start, end) of each one read
        self.toggled: set[str] = set()  # ids of the panels an accordion's toggle (aria-controls) opens
        self.heading_depth = 0  # headings open (<h1>…<h6>)
        self.depth = 0  # elements open
        self.teasers = Teasers()  # cards of other pages beside the article
        self.page_links: list[bool] = []  # open <a> elements: whether each leads to another page

    # -- helpers ---------------------------------------------------------------------------
    def _buffer(self) -> list[str]:
        if self.tables and self.tables[-1].cell is not None:
            return self.tables[-1].cell
        return self.block

    def _links_only(self, text: str) -> bool:
        """Whether every word of the block being read (``text``) is the text of a link to a page."""
        return _letters(text) <= _letters("".join(self.link_text))

    def _flush_block(self) -> None:
        text = tidy("".join(self.block))
        self.block = []
        if text and self.lists:
            if self.block_kind == "l":
                self.lists[-1].items += 1
            self.lists[-1].links_only &= self._links_only(text)
        # a paragraph of two links or more and nothing else, outside <main>: a menu built of <div>s
        menu = self.block_links >= 2 and not self.lists and not self.main_depth and self._links_only(text)
        self.link_text, self.block_links = [], 0
        if text and not menu:
            self.rows.append(Row(None, text))
            if self.block_kind == "h1":
                self.meta.setdefault("h1", text.replace("\n", " "))
            self.kinds.append(self.block_kind[0])
            self.block_kind = "p"

    def _close_cell(self, table: OpenTable) -> None:
        if table.cell is not None:
            if table.row is None:
                table.row = []
            text = tidy("".join(table.cell))
            table.row.append(text)
            # two links or more and no other words, outside <main>: a layout table's menu cell
            table.menus.append(not self.main_depth and table.links >= 2 and _letters(text) <= table.link_letters)
            table.cell, table.links, table.link_letters = None, 0, 0

    def _close_row(self, table: OpenTable) -> None:
        self._close_cell(table)
        if table.row is not None:
            cells = _without_menus(table.row, table.menus)
            table.row, table.menus = None, []
            if len([c for c in cells if c]) == 0:
                return
            if len(cells) == 1:
                self.rows.append(Row(None, cells[0]))
            else:
                value = "\n\n".join(c for c in cells[1:] if c)
                self.rows.append(Row(cells[0], value))
            self.kinds.append("p")

    # -- parser target interface ------------------------------------------------------------
    def _page_fact(self, name: str, attrib: Any) -> None:
        """Facts of the page from ``<html lang>``, ``<title>``, canonical link and ``og:url``."""
        get = attrib.get if attrib else (lambda _k, _d=None: None)
        if name == "html" and get("lang"):
            self.meta.setdefault("lang", str(get("lang")))
        elif name == "title" and "title" not in self.meta:
            self.title = []
        elif name == "link" and "canonical" in str(get("rel") or "").lower().split() and get("href"):
            self.meta.setdefault("canonical", str(get("href")).strip())
        elif name == "meta" and str(get("property") or get("name") or "").lower() == "og:url" and get("content"):
            self.meta.setdefault("og:url", str(get("content")).strip())

    def start(self, tag: Any, attrib: Any) -> None:
        self.depth += 1
        name = tag.lower() if isinstance(tag, str) else ""
        if name in {"html", "title", "link", "meta"}:
            self._page_fact(name, attrib)
        if self.skip_depth:
            self.skip_depth += 1
            return
        name = tag.lower() if isinstance(tag, str) else ""
        if self.header is not None:
            self.header.open += 1
            self.header.furniture |= name in _SKIP or name in _SITE_HEADER
        if self.furniture is not None:
            self.furniture.open += 1
            self.furniture.held_main |= name in _MAIN or name == "h1"
        if name == "header" and not self.main_depth and self.header is None and not (
                attrib and attrib.get("role")):
            self._break_block()
            self.header = OpenHeader(len(self.rows), "h1" in self.meta)
            return
        if self.heading_depth and attrib and attrib.get("aria-controls"):
            # an accordion's toggle, inside its section's heading: the panel it opens is content
            self.toggled.update(str(attrib.get("aria-controls")).split())
        if self._skipped(name, attrib):
            self.skip_depth = 1
            return
        if self.furniture is None and name not in _PAGE_ROOTS and furniture_named(attrib):
            self._break_block()
            self.furniture = OpenFurniture(len(self.rows))
        if name in _MAIN:
            self.main_depth += 1
        if name == "article":
            self.teasers.article_starts()
        if name == "table":
            if self.tables and self.tables[-1].cell is not None:
                self.tables[-1].cell.append("\n\n")
            else:
                self._flush_block()
            self.tables.append(OpenTable())
        elif name == "tr" and self.tables:
            self._close_row(self.tables[-1])
            self.tables[-1].row = []
        elif name in _CELL and self.tables:
            table = self.tables[-1]
            self._close_cell(table)
            table.cell = []
        elif name in _LISTS and not self.tables:
            self._flush_block()
            self.lists.append(OpenList(len(self.rows), self.main_depth > 0))
        elif name == "a":
            href = str((attrib or {}).get("href") or "")
            self.links.append(to_a_page(href))
            self.page_links.append(to_another_page(href))
            if self.links[-1] and self._buffer() is self.block:
                self.block_links += 1
            elif self.links[-1]:
                self.tables[-1].links += 1
            return
        elif name == "li":
            buf = self._buffer()
            if buf is self.block:
                self._flush_block()
                self.block_kind = "l"
            buf.append("\n- ")
        elif name == "br":
            self._buffer().append("\n")
        elif name in _BLOCK:
            self._break_block()
            if name in _HEADINGS:
                self.block_kind = "h1" if name == "h1" else "h"
                self.heading_depth += 1
                if not self.tables:
                    self.teasers.heading_starts(self.depth, int(name[1]), len(self.rows))
            elif name == "dt":  # a definition list's term labels the <dd> after it
                self.block_kind = "t"
            elif self.block_kind != "p":  # an empty heading or term: this block is not one
                self.block_kind = "p"

    def _skipped(self, name: str, attrib: Any) -> bool:
        """Whether an element and what it holds are no text of the page."""
        if name in _SKIP:  # but an accordion's toggle <button> inside a heading is its text
            return not (name == "button" and self.heading_depth)
        if hidden(attrib):  # but a collapsed accordion or tab panel is content
            return not collapsed_panel(attrib, self.toggled)
        return not self.main_depth and (name in _FURNITURE or bool(attrib and attrib.get("role") in _FURNITURE_ROLES))

    def _break_block(self) -> None:
        """A block element starts or ends: end the paragraph (a blank line inside a table cell)."""
        buf = self._buffer()
        if buf is self.block:
            self._flush_block()
        else:
            buf.append("\n\n")

    def end(self, tag: Any) -> None:
        counted = self.skip_depth <= 1  # not an element inside a skipped one
        self._end_element(tag)
        self.teasers.element_ends(self.depth, len(self.rows))
        self.depth -= 1
        if not counted:
            return
        if self.header is not None:
            self.header.open -= 1
            if not self.header.open:
                self._end_header(self.header)
                self.header = None
        if self.furniture is not None:
            self.furniture.open -= 1
            if not self.furniture.open:
                self._end_furniture(self.furniture)
                self.furniture = None

    def _end_element(self, tag: Any) -> None:
        if self.title is not None and isinstance(tag, str) and tag.lower() == "title":
            self.meta["title"] = tidy("".join(self.title)).replace("\n", " ")
            self.title = None
        if self.skip_depth:
            self.skip_depth -= 1
            return
        name = tag.lower() if isinstance(tag, str) else ""
        if name in _MAIN:
            self.main_depth = max(0, self.main_depth - 1)
        if name == "article":
            self.teasers.article_ends()
        if name == "table" and self.tables:
            self._close_row(self.tables.pop())
        elif name == "tr" and self.tables:
            self._close_row(self.tables[-1])
        elif name in _CELL and self.tables:
            self._close_cell(self.tables[-1])
        elif name == "a" and self.links:
            self.links.pop()
            self.page_links.pop()
        elif name in _LISTS and self.lists and not self.tables:
            self._flush_block()
            self._end_list(self.lists.pop())
        elif name in _BLOCK:
            read = len(self.rows)
            self._break_block()
            if name in _HEADINGS:
                self.heading_depth = max(0, self.heading_depth - 1)
                self.teasers.heading_ends(read if len(self.rows) > read else None)

    def _end_furniture(self, ended: OpenFurniture) -> None:
        """Furniture's rows are dropped when the page has been read, if they are its lesser part."""
        self._break_block()
        if not ended.held_main and len(self.rows) > ended.start:
            self.furniture_rows.append((ended.start, len(self.rows)))

    def _drop_rows(self, start: int) -> None:
        """Rows from ``start`` on go (a header, a menu)."""
        del self.rows[start:], self.kinds[start:]
        self.furniture_rows = [(first, min(end, start)) for first, end in self.furniture_rows if first < start]
        self.teasers.rows_dropped(start)

    def _drop_furniture(self) -> None:
        """Furniture's rows go, each element's if it is the lesser part of the page, and other
        pages' teasers, if they are together."""
        size = _size(self.rows)
        dropped = {n for first, end in self.furniture_rows if _size(self.rows[first:end]) < _FURNITURE_MAX_SHARE * size
                   for n in range(first, end)}
        cards = {n for first, end in self.teasers.cards(len(self.rows)) for n in range(first, end)}
        if _size([row for n, row in enumerate(self.rows) if n in cards]) < _FURNITURE_MAX_SHARE * size:
            dropped |= cards
        self.rows = [row for n, row in enumerate(self.rows) if n not in dropped]
        self.kinds = [kind for n, kind in enumerate(self.kinds) if n not in dropped]
        self.furniture_rows = []

    def _end_header(self, ended: OpenHeader) -> None:
        """A header that held only headings introduces the content after it; any other is the
        page's header, and its rows go."""
        self._break_block()
        if ended.furniture or not all(kind == "h" for kind in self.kinds[ended.start:]):
            self._drop_rows(ended.start)
            if not ended.had_h1:
                self.meta.pop("h1", None)

    def _end_list(self, ended: OpenList) -> None:
        """A list of two items or more whose text is all links is navigation: its rows go. A list
        inside it that held other text makes it content."""
        if ended.links_only and ended.items >= 2:
            self._drop_rows(ended.start)
        elif self.lists:
            self.lists[-1].links_only &= ended.links_only

    def data(self, text: str) -> None:
        if self.title is not None:
            self.title.append(text)
        if not self.skip_depth:
            buf = self._buffer()
            buf.append(text)
            self.teasers.text(text, bool(self.page_links and self.page_links[-1]))
            if self.links and self.links[-1]:
                if buf is self.block:
                    self.link_text.append(text)
                else:
                    self.tables[-1].link_letters += _letters(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> list[Row]:
        while self.tables:
            self._close_row(self.tables.pop())
        self._flush_block()
        self._drop_furniture()
        return self.rows


def _letters(text: str) -> int:
    """How many letters and digits ``text`` has (separators such as "|" or "/" are not words)."""
    return len(_NOT_WORD.sub("", text))


def _without_menus(cells: list[str], menus: list[bool]) -> list[str]:
    """A row's cells without its menus, unless a label heads the row: then its cells of links
    are the label's values (a list of links under "EU links")."""
    labelled = len(cells) > 1 and bool(cells[0]) and not menus[0] and len(cells[0].split()) <= MAX_HEADING_WORDS
    return cells if labelled else [cell for cell, menu in zip(cells, menus, strict=True) if not menu]


def _size(rows: list[Row]) -> int:
    """How much text ``rows`` hold, in letters and digits."""
    return sum(_letters(row.value) + _letters(row.label or "") for row in rows)


def read_html(data: bytes, name: str) -> Extraction:
    """Rows and blocks of an HTML page.

    Raises:
        ParseError: the page holds no text.
    """
    from lxml import etree

    try:
        text = decode_html(data)
    except ParseError as exc:
        raise ParseError(name, exc.reason) from None
    reader = _Reader()
    parser = etree.HTMLParser(target=reader, no_network=True, remove_comments=True, remove_pis=True)
    try:
        # text in, not bytes: the encoding is decided above, once, for every page alike
        parser.feed(text)
        rows = parser.close()
    except (etree.LxmlError, ValueError) as exc:  # lxml reports unusable input this way
        raise ParseError(name, f"cannot read this HTML page ({exc})") from None
    if not rows:
        raise ParseError(name, "empty file (no text in this HTML page)")
    meta = reader.meta
    page = Page(title=meta.get("title", ""), h1=meta.get("h1", ""), url=meta.get("canonical") or meta.get("og:url"),
                lang=meta.get("lang", ""), kinds="".join(reader.kinds))
    return PageExtraction("html", tuple(rows), page=page)
