"""What the page reader (:mod:`ransearch.ingest.html`) keeps of the elements it is inside.

A table with its open row and cell, a list, a ``<header>`` and an element named as site
furniture: each is judged when it ends, from what it held, so each remembers where its rows
start and how many elements are open inside it.
"""

from __future__ import annotations

__all__ = ["OpenTable", "OpenList", "OpenElement", "OpenHeader", "OpenFurniture"]


class OpenTable:
    """A table being read: its open row and cell, and how much of the open cell is links."""

    __slots__ = ("row", "cell", "menus", "links", "link_letters")

    def __init__(self) -> None:
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.menus: list[bool] = []  # per cell of the open row: whether it is a menu
        self.links = 0  # links to a page in the open cell
        self.link_letters = 0  # letters of their text


class OpenList:
    """A list being read outside tables: where its rows start, and whether all its text so far
    is the text of links (a menu, a breadcrumb, a list of related pages: navigation), unless it is
    inside ``<main>`` or ``<article>``, where a page keeps its content (facet values may be links)."""

    __slots__ = ("start", "links_only", "items")

    def __init__(self, start: int, in_main: bool) -> None:
        self.start = start
        self.links_only = not in_main
        self.items = 0


class OpenElement:
    """An element whose rows are judged when it ends: where its rows start, and how many
    elements are open inside it, itself included (it ends when none is)."""

    __slots__ = ("start", "open")

    def __init__(self, start: int) -> None:
        self.start = start
        self.open = 1


class OpenHeader(OpenElement):
    """A ``<header>`` outside ``<main>``/``<article>`` being read: the page's header (a logo, the
    site's name, a menu: furniture), or a content block's own header that holds nothing but its
    heading (``<div class="frame"><header><h2>Our offer</h2></header>…``, as TYPO3 writes every
    content element): decided when it ends, from what it held."""

    __slots__ = ("furniture", "had_h1")

    def __init__(self, start: int, had_h1: bool) -> None:
        super().__init__(start)
        self.furniture = False  # it held a link, a skipped element (a menu, a search form) or text
        self.had_h1 = had_h1


class OpenFurniture(OpenElement):
    """An element named as site furniture being read
    (:func:`~ransearch.ingest.elements.furniture_named`); whether it held the page's main
    content, which makes it a wrapper."""

    __slots__ = ("held_main",)

    def __init__(self, start: int) -> None:
        super().__init__(start)
        self.held_main = False
