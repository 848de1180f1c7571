"""What a fetched page is, read with lxml: a practice, a listing of practices, or neither;
its links to practices and to the listing's next pages; its canonical address.

The decision is structural (how much text the main content holds outside links, how much of
it is links to practices, the status the server gave), never a site's wording, so that an
error page served with 200, a listing or an empty shell is told apart from a practice in any
language.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

__all__ = ["PageFacts", "read_page", "with_canonical", "slug_of", "DEFAULT_FOLLOW", "PAGE_PARAMS"]

DEFAULT_FOLLOW = r"/ran-practices/[^/]+_en$"
"""Paths of practice pages on the Collection's site (a regex searched in the link's path)."""
PAGE_PARAMS = frozenset({"page", "p", "pg"})
"""Query parameters that number a listing's pages."""
MIN_WORDS = 120
"""Fewest words outside links for a page to be a practice (the shortest Collection pages run to
several hundred; error, consent and search pages to a few dozen)."""
MAX_LINK_SHARE = 0.5
"""Above this share of the main text's words inside links, a page is a list, not a practice."""

_CHROME = ("script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "iframe")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PageFacts:
    """A page as the crawl needs it."""

    words: int
    """Words of the main content outside links."""
    link_words: int
    """Words of the main content inside links."""
    practice_links: tuple[str, ...]
    """Addresses of practice pages it links to (same host, pattern matched, fragments dropped)."""
    page_links: tuple[str, ...]
    """Addresses of further pages of the same listing (same path, a page-number parameter)."""
    canonical: str | None
    title: str

    def verdict(self, min_words: int = MIN_WORDS) -> str | None:
        """Why this page is not a practice, or None when it reads as one."""
        total = self.words + self.link_words
        if total and self.link_words / total > MAX_LINK_SHARE and len(self.practice_links) >= 2:
            return f"a listing of {len(self.practice_links)} practices, not a practice"
        if self.words < min_words:
            return f"too little text for a practice ({self.words} words outside links, fewer than {min_words})"
        return None


def _main(root: etree._Element) -> etree._Element:
    """The main content: ``<main>``, ``role=main`` or the only ``<article>``, else the body."""
    for path, only_one in (("//main", False), ("//*[@role='main']", False), ("//article", True)):
        found = root.xpath(path)
        if found and (len(found) == 1 or not only_one):  # several articles: a list of teasers
            return found[0]
    body = root.find("body")
    return body if body is not None else root


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _listing_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """An address without its page number: pages of one listing share it."""
    s = urlsplit(url)
    rest = tuple(sorted((k, v) for k, v in parse_qsl(s.query, keep_blank_values=True) if k.lower() not in PAGE_PARAMS))
    return (s.netloc.lower(), s.path, rest)


def _is_page_link(url: str, base: str) -> bool:
    s = urlsplit(url)
    return (_listing_key(url) == _listing_key(base)
            and any(k.lower() in PAGE_PARAMS for k, _ in parse_qsl(s.query, keep_blank_values=True)))


def read_page(body: bytes, url: str, follow: re.Pattern[str], *, same_site: bool = True) -> PageFacts:
    """Read a page's main text, links and canonical address (``url``: where it was fetched)."""
    try:
        root = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return PageFacts(0, 0, (), (), None, "")
    canonical = None
    for link in root.xpath("//link[@href and @rel]"):
        if "canonical" in link.get("rel", "").lower().split():
            canonical = urljoin(url, link.get("href").strip())
            break
    title_el = root.find(".//title")
    title = " ".join((title_el.text_content() if title_el is not None else "").split())
    base_el = root.find(".//base[@href]")
    base = urljoin(url, base_el.get("href")) if base_el is not None else url

    host = urlsplit(url).netloc.lower()
    practice_links: dict[str, None] = {}
    page_links: dict[str, None] = {}
    for a in root.iter("a"):
        href = a.get("href")
        if not href:
            continue
        target = urldefrag(urljoin(base, href.strip()))[0]
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or (same_site and parts.netloc.lower() != host):
            continue
        if follow.search(parts.path):
            practice_links[urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))] = None
        elif _is_page_link(target, url):
            page_links[target] = None

    main = _main(root)
    for el in main.xpath(".//" + " | .//".join(_CHROME)):
        el.drop_tree()
    link_words = sum(_words(a.text_content()) for a in main.iter("a"))
    words = max(0, _words(main.text_content()) - link_words)
    return PageFacts(words, link_words, tuple(practice_links), tuple(page_links), canonical, title)


_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)


def with_canonical(body: bytes, url: str) -> bytes:
    """The page with ``<link rel="canonical" href=url>`` added to its head (for a page that has
    none: the parser then knows where the practice lives)."""
    tag = f'\n<link rel="canonical" href="{html.escape(url, quote=True)}">\n'.encode("ascii", "xmlcharrefreplace")
    m = _HEAD.search(body)
    if m:
        return body[:m.end()] + tag + body[m.end():]
    return tag.lstrip() + body


_LANG_SUFFIX = re.compile(r"_[a-z]{2}$")


def slug_of(url: str) -> str:
    """The file name stem of a practice page: its last path segment without a language suffix
    (``…/ran-practices/exit-sweden_en`` → ``exit-sweden``), reduced to letters, digits, ``.``, ``_`` and ``-``."""
    path = unquote(urlsplit(url).path).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    last = re.sub(r"\.(html?|php|aspx?)$", "", last, flags=re.IGNORECASE)
    last = _LANG_SUFFIX.sub("", last)
    slug = re.sub(r"[^\w.-]+", "-", last).strip(".-_")[:120]
    return slug.lower() or "index"
