"""The Collection site's own lines: its furniture and the lines that end a practice.

The words are data (``webpage.json``, :func:`ransearch.ingest.lines.site_data`): the site's name,
its menu and header words in the languages seen, and the lines after which a page holds no
practice content ("Share this page", "Read the full practice", a file line such as
``(140.61 KB - PDF)``). Readers of web pages and of free text both skip them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ransearch.ingest.lines import site_data
from ransearch.text import fold

__all__ = ["folded", "is_furniture", "is_site_line", "is_end"]

_FILE_LINE = re.compile(r"^\(?\s*\d[\d.,]*\s*[kKmMgG]?[bB]\s*[-–]\s*[A-Za-z]{2,5}\s*\)?$")


@lru_cache(maxsize=None)
def folded(name: str) -> frozenset[str]:
    """The folded wordings of one list of ``webpage.json`` ("furniture", "site_names", "end")."""
    return frozenset(fold(x) for x in site_data()[name])


def is_furniture(text: str) -> bool:
    """A line of the site's own: a menu or header word, its name, the Commission's logo line."""
    return fold(text) in folded("furniture") or is_site_line(text)


def is_site_line(text: str) -> bool:
    """The site's name or the Commission's logo line (not a generic "Menu" or "Home")."""
    f = fold(text)
    toks = f.split()
    # the Commission's logo line in any language: "European Commission logo", "Logotip Europske komisije"
    return f in folded("site_names") or (0 < len(toks) <= 8 and any(t.startswith("logo") for t in toks))


def is_end(text: str) -> bool:
    """A line after which nothing is practice content ("Share this page", a file line)."""
    return fold(text) in folded("end") or bool(_FILE_LINE.match(text.strip()))
