"""Teasers of other pages beside a page's article: cards whose heading is a link to another page.

A site shows what else it has beside a practice ("Das könnte Sie auch interessieren", "Related
news", "À la une"): cards of a heading that links to another page, a line of summary and a
"read more" link. A section heading of the page's own text is no link; a card's is. A card runs
from its heading to the end of the element that holds the heading (the card's box, a list item);
a heading right before the first card of a list is the list's ("Das könnte Sie auch interessieren").
Cards count only outside the page's ``<article>``, on a page that has one (the CMS's own mark
of where the practice's text is: inside it, cards may be the practice's activities, each with a
page of its own), and only when there are two or more: a list of teasers, not one heading that
happens to be a link. The page reader (:mod:`ransearch.ingest.html`) reports headings, their
text and the elements that end; it drops the cards' rows as it drops other furniture (only when
they are the lesser part of the page).
"""

from __future__ import annotations

import re

__all__ = ["Teasers"]

_NOT_WORD = re.compile(r"[\W_]+")


class Teasers:
    """The teaser cards of one page, found as the page is read."""

    __slots__ = ("_cards", "_open", "_heading_depth", "_letters", "_link_letters", "_outside", "_heading_before",
                 "had_article")

    def __init__(self) -> None:
        self.had_article = False  # the page has an <article> (set by the reader)
        self._cards: list[tuple[int, int]] = []  # rows [start, end) of each card read
        self._open: tuple[int, int] | None = None  # the card being read: its first row, its holder's depth
        self._heading_depth = 0  # depth of the heading being read (0: none)
        self._letters = 0  # letters of the heading being read
        self._link_letters = 0  # those inside a link to another page
        self._outside = False  # the heading being read is outside any <article>
        self._heading_before: int | None = None  # the row of the last heading that opened no card

    def heading_starts(self, depth: int, in_article: bool) -> None:
        """A heading (``<h2>``…``<h6>``, outside tables) opens at element depth ``depth``."""
        self._heading_depth, self._letters, self._link_letters = depth, 0, 0
        self._outside = not in_article

    def text(self, text: str, in_link: bool) -> None:
        """Text of the page; ``in_link``: inside a link to another page."""
        if self._heading_depth:
            letters = len(_NOT_WORD.sub("", text))
            self._letters += letters
            self._link_letters += letters if in_link else 0

    def heading_ends(self, row: int | None) -> None:
        """The heading ended and became row ``row`` (None: it held no text). A heading that is
        all a link opens a card, which the heading's holder ends."""
        if row is not None and self._heading_depth and self._outside and self._letters \
                and self._link_letters >= self._letters:
            self._close(row)
            first = row - 1 if self._heading_before == row - 1 else row
            self._open = (first, self._heading_depth - 1)
        elif row is not None and self._heading_depth:
            self._heading_before = row
        self._heading_depth = 0

    def rows_dropped(self, start: int) -> None:
        """The reader dropped its rows from ``start`` on (a header, a menu)."""
        self._cards = [(first, min(end, start)) for first, end in self._cards if first < start]
        if self._open is not None and self._open[0] >= start:
            self._open = None

    def element_ends(self, depth: int, rows: int) -> None:
        """An element at depth ``depth`` ended; ``rows`` rows have been read."""
        if self._open is not None and depth <= self._open[1]:
            self._close(rows)

    def _close(self, rows: int) -> None:
        if self._open is not None:
            self._cards.append((self._open[0], rows))
            self._open = None

    def cards(self, rows: int) -> list[tuple[int, int]]:
        """Rows [start, end) of each card, when the page has an article and two cards or more
        (``rows``: rows read)."""
        self._close(rows)
        return self._cards if self.had_article and len(self._cards) >= 2 else []
