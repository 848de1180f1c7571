"""Teasers of the site's other pages beside a page's article: cards whose heading is a link to
another page.

A site shows what else it has beside a practice ("Das könnte Sie auch interessieren", "Related
news", "À la une"): cards of a heading that links to another page, a line of summary and a
"read more" link. A section heading of the page's own text is no link; a card's is (a link to
a place on the same page, ``#…``, as an accordion's toggle is written, is none). A card runs from
its heading to the next heading of its level or above, or to the end of the element that holds
the heading (the card's box, a list item); a heading right before the first card of a list is
the list's ("Das könnte Sie auch interessieren").

Cards count only outside the page's main article, the ``<article>`` that holds its ``<h1>``, or
else the one that holds half of the page's text or more (a CMS's own mark of where the
practice's text is, Drupal's node under a page-title block; teasers that are ``<article>``
elements of their own are outside it): inside it, cards may be the practice's own activities,
each with a page of its own. A page without such an article (a sidebar's news item is none)
does not say where its practice is, and keeps them; so does a page with fewer than two cards (a
heading that happens to be a link is no list). The page
reader (:mod:`ransearch.ingest.html`) reports articles, headings, their text and the elements
that end, and drops the cards' rows as it drops other furniture (if they are the lesser part of
the page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Teasers"]

_NOT_WORD = re.compile(r"[\W_]+")


@dataclass
class _Card:
    start: int  # its first row
    level: int  # its heading's level (2 for <h2>)
    holder: int  # the depth of the element that holds its heading
    article: int | None  # the innermost <article> it is in (its number), None outside any
    end: int | None = None  # the row after its last


class Teasers:
    """The teaser cards of one page, found as the page is read."""

    def __init__(self) -> None:
        self._cards: list[_Card] = []
        self._articles: list[int] = []  # the <article> elements open, by number
        self._count = 0  # <article> elements started
        self._main: int | None = None  # the number of the article that holds the <h1>
        self._article_letters: dict[int, int] = {}  # letters of text in each article (its own, not nested ones')
        self._page_letters = 0
        self._heading: tuple[int, int] | None = None  # the heading being read: its depth and level
        self._letters = 0  # letters of the heading being read
        self._link_letters = 0  # those inside a link to another page
        self._heading_before: int | None = None  # the row of the last heading that opened no card

    def article_starts(self) -> None:
        self._count += 1
        self._articles.append(self._count)

    def article_ends(self) -> None:
        if self._articles:
            self._articles.pop()

    def heading_starts(self, depth: int, level: int, rows: int) -> None:
        """A heading ``<h{level}>`` outside tables opens at element depth ``depth``, after ``rows`` rows."""
        if level == 1 and self._main is None and self._articles:
            self._main = self._articles[-1]
        card = self._open()
        if card is not None and level <= card.level:
            card.end = rows
        self._heading, self._letters, self._link_letters = (depth, level), 0, 0

    def text(self, text: str, to_another_page: bool) -> None:
        """Text of the page; ``to_another_page``: inside a link to another page."""
        letters = len(_NOT_WORD.sub("", text))
        self._page_letters += letters
        if self._articles:
            article = self._articles[-1]
            self._article_letters[article] = self._article_letters.get(article, 0) + letters
        if self._heading is not None:
            self._letters += letters
            self._link_letters += letters if to_another_page else 0

    def heading_ends(self, row: int | None) -> None:
        """The heading ended and became row ``row`` (None: it held no text). A heading of a
        section (``<h2>``…``<h6>``) that is all a link to another page opens a card."""
        if self._heading is not None and row is not None:
            depth, level = self._heading
            if level > 1 and self._letters and self._link_letters >= self._letters:
                card = self._open()
                if card is not None:
                    card.end = row
                start = row - 1 if self._heading_before == row - 1 else row
                self._cards.append(_Card(start, level, depth - 1, self._articles[-1] if self._articles else None))
            else:
                self._heading_before = row
        self._heading = None

    def element_ends(self, depth: int, rows: int) -> None:
        """An element at depth ``depth`` ended; ``rows`` rows have been read."""
        card = self._open()
        if card is not None and depth <= card.holder:
            card.end = rows

    def rows_dropped(self, start: int) -> None:
        """The reader dropped its rows from ``start`` on (a header, a menu)."""
        self._cards = [card for card in self._cards if card.start < start]
        for card in self._cards:
            card.end = start if card.end is None else min(card.end, start)

    def cards(self, rows: int) -> list[tuple[int, int]]:
        """Rows [start, end) of each card outside the main article, when there are two or more
        (``rows``: rows read)."""
        main = self._main_article()
        if main is None:
            return []
        found = [(card.start, rows if card.end is None else card.end)
                 for card in self._cards if card.article != main]
        return found if len(found) >= 2 else []

    def _main_article(self) -> int | None:
        if self._main is not None or not self._article_letters:
            return self._main
        article, letters = max(self._article_letters.items(), key=lambda item: item[1])
        return article if 2 * letters >= self._page_letters else None

    def _open(self) -> _Card | None:
        return self._cards[-1] if self._cards and self._cards[-1].end is None else None
