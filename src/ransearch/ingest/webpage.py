"""Practice pages of the RAN Collection website, saved as HTML or copied as text: the ``web_page`` layout.

A Collection page reads, top to bottom: the site's header (skip link, the Commission's logo line
in the page's language, the site name, sometimes a date), the practice's title, facet blocks each
headed by a label on its own line (Country, Target Audience, key themes association, Peer Reviewed
practice, Year, Organisation) whose values come as list items, as lines, or run together with no
separator; then the organisation's name, its profile and ``Type of Organisation: …``; then
*Project description* and the practice's own sections under headings that are matched to the
template's fields; contact details; "Read the full practice", a file line and the site footer.

The site's own words (facet labels, furniture, end markers) are data, in ``webpage.json``.
:func:`practice_slug` names a practice by its address, so that the same practice saved under
several addresses (``…/ran-practices/<slug>_en``, ``…/ran-collection-search/<slug>_nl``,
``?prefLang=ru``) is one practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from ransearch.ingest.facets import DATE, organisation_type_line
from ransearch.ingest.lines import Line, document_lines, heading_field, is_headingish, site_data
from ransearch.ingest.sections import TYPED, in_vocabulary, lines_section, split_sections, typed_value
from ransearch.ingest.site import folded, is_end, is_furniture, is_site_line
from ransearch.ingest.table import Extraction
from ransearch.ingest.values import split_values
from ransearch.ingest.wording import new_document
from ransearch.template import Catalogue
from ransearch.text import fold, tokens

__all__ = ["Reading", "practice_slug", "collection_url", "read_webpage", "looks_like_webpage", "page_title",
           "title_parts"]

_LANG_SUFFIX = re.compile(r"_[a-z]{2,3}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+_[a-z]{2,3}$")
_TITLE_SEPARATOR = re.compile(r"\s+[-–|]\s+")
_FACET_KEYS = frozenset({"country", "audience", "themes", "peer_reviewed", "organisation"})
_MAX_FACET_VALUES = 30
_FACET_LABEL_WORDS = 5
_SITE_LIST_FACETS = ("audience", "themes")  # the Collection page's list facets, in the order it shows them
_HEAD_CHARS = 20_000
_TOP_CHARS = 4_000


@dataclass(frozen=True)
class Reading:
    """What a reader of a non-template layout found: raw text per field, and the page's facts."""

    layout: str
    raw: dict[str, list[str]]
    url: str | None = None
    language: str | None = None
    warnings: tuple[str, ...] = field(default=())


def practice_slug(url: str) -> str | None:
    """The slug naming a practice page, from any of its addresses or its saved file's name.

    ``…/ran-practices/web-constables_en``, ``…/ran-collection-search/web-constables_nl``,
    ``…/web-constables_en?prefLang=ru`` and ``web-constables_en.html`` all give
    ``web-constables``. None when the address has no last path segment.
    """
    parts = urlsplit(url.strip())
    path = unquote(parts.path if (parts.scheme or parts.netloc) else url.strip().split("?")[0].split("#")[0])
    name = PurePosixPath(path.rstrip("/")).name.lower()
    if not name:
        return None
    for suffix in (".html", ".htm", ".txt", ".md"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    name = _LANG_SUFFIX.sub("", name)
    return name or None


def collection_url(source: str) -> str | None:
    """The Collection address of a file whose name is a page slug (``web-constables_en.html``)."""
    stem = PurePosixPath(source).name.lower()
    stem = re.sub(r"\.(?:html?|txt|md)$", "", stem)
    if not _SLUG.match(stem):
        return None
    slug = practice_slug(stem)
    return str(site_data()["collection_url"]).format(slug=slug) if slug else None


@lru_cache(maxsize=1)
def _facet_labels() -> dict[str, str]:
    return {fold(label): key for key, labels in site_data()["facets"].items() for label in labels}


def _facet_key(line: Line, cat: Catalogue) -> str | None:
    if not _facet_shaped(line.text):
        return None
    key = _facet_labels().get(fold(line.text))
    return key or heading_field(line.text, cat, _FACET_KEYS)


def _has_site_header(lines: list[Line]) -> bool:
    top = lines[:8]
    return sum(1 for x in top if is_furniture(x.text)) >= 2 and any(is_site_line(x.text) for x in top)


def _url_is_collection(url: str | None) -> bool:
    return bool(url) and any(m in str(url) for m in site_data()["url_markers"])


def looks_like_webpage(extraction: Extraction, cat: Catalogue, lines: list[Line] | None = None) -> bool:
    """A Collection page: its address, the site's header, or facet blocks beside an organisation type."""
    page = getattr(extraction, "page", None)
    if page is not None and _url_is_collection(page.url):
        return True
    # the head of the document says it: a page's header and facets come before its text
    head = document_lines(extraction, _TOP_CHARS) if lines is None else lines
    if _has_site_header(head):
        return True
    if sum(1 for x in head if fold(x.text) in _facet_labels()) < 2:
        return False
    lines = document_lines(extraction, _HEAD_CHARS) if lines is None else lines
    site_facets = {_facet_labels()[fold(x.text)] for x in lines[:60] if fold(x.text) in _facet_labels()}
    if len(site_facets) < 2:
        return False
    prefixes = _org_prefixes(cat)
    if not any(organisation_type_line(x.text, prefixes) for x in lines):
        return False
    # a template document names its practice under the name label; a page has a title instead
    return not any(heading_field(x.text, cat, frozenset({"name"})) for x in lines if is_headingish(x))


@lru_cache(maxsize=8)
def _org_prefixes_cached(cat: Catalogue) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(tokens(p)) for ps in cat.organisation_type_prefixes.values() for p in ps)


def _org_prefixes(cat: Catalogue) -> list[tuple[str, ...]]:
    return list(_org_prefixes_cached(cat))


def title_parts(title: str) -> list[str]:
    """The parts of a page's ``<title>``: the page's own, then the site's ("Web Constables -
    Migration and Home Affairs", "Youth Workers Online | SAFE-NET")."""
    return [p.strip() for p in _TITLE_SEPARATOR.split(title) if p.strip()]


def page_title(title: str) -> str:
    """A page's ``<title>`` without the site's name ("Web Constables - Migration and Home Affairs")."""
    parts = title_parts(title)
    kept = [p for p in parts if fold(p) not in folded("site_names")]
    return " - ".join(kept) if kept else ""


def _slug_title(slug: str) -> str:
    words = slug.replace("_", " ").replace("-", " ").split()
    return " ".join(words)[:1].upper() + " ".join(words)[1:] if words else ""


def _facet_values(lines: list[Line], i: int, key: str, cat: Catalogue) -> tuple[list[str], int]:
    """The values of the facet whose label is line ``i``, and the index after them."""
    values: list[str] = []
    j = i + 1
    while j < len(lines) and len(values) < _MAX_FACET_VALUES:
        line = lines[j]
        if _facet_key(line, cat) or is_end(line.text) or line.kind == "h":
            break
        text = line.text
        if key in TYPED:
            if not typed_value(key, text) or values and key != "country":
                break
        elif key == "organisation":
            if values:
                break
        elif line.gap and values and line.kind != "l":
            break
        elif line.kind not in {"l", ""} and len(text.split()) > 12:
            break
        values.append(text)
        j += 1
    return values, j


def _facet_by_values(lines: list[Line], i: int, cat: Catalogue) -> str | None:
    """The list facet (target audience, key themes) that a label line no catalogue names heads,
    told by its values: the first and most of them are entries of that facet's vocabulary. The
    site translates its facet labels into the reader's language ("association de thèmes clés")."""
    if not _facet_label(lines, i):
        return None
    for key in _SITE_LIST_FACETS:
        values, _ = _facet_values(lines, i, key, cat)
        known = [in_vocabulary(item, key) for value in values for item in split_values(value, key)]
        if known and known[0] and 2 * sum(known) > len(known):
            return key
    return None


def _next_list_facet(lines: list[Line], i: int, filled: set[str]) -> str | None:
    """Among the facets, a label line no catalogue names over a list whose values
    the vocabulary does not know either: the first list facet the page has not filled, in the
    order the site shows them (audience, then themes). A heading is no facet's label (the
    organisation's name over a list of its work)."""
    if not _facet_label(lines, i) or lines[i].kind == "h" or lines[i + 1].kind != "l":
        return None
    return next((key for key in _SITE_LIST_FACETS if key not in filled), None)


def _facet_label(lines: list[Line], i: int) -> bool:
    """Whether line ``i`` is shaped like a facet's label and has lines after it for values."""
    return _facet_shaped(lines[i].text) and i + 1 < len(lines)


def _facet_shaped(text: str) -> bool:
    """A facet's label: a few words, no sentence."""
    return len(text.split()) <= _FACET_LABEL_WORDS and not text.rstrip().endswith(".")


def _title_index(lines: list[Line], first_facet: int, h1: str) -> int | None:
    if h1:
        for i, line in enumerate(lines[:max(first_facet, 1) + 5]):
            if fold(line.text) == fold(h1):
                return i
    for i in range(first_facet - 1, -1, -1):
        text = lines[i].text
        if is_furniture(text) or DATE.match(text.strip()):
            continue
        return i if len(text.split()) <= 25 else None
    return None


def read_webpage(extraction: Extraction, cat: Catalogue, source: str, lines: list[Line] | None = None) -> Reading:
    """Raw text per template field of a Collection page (``looks_like_webpage`` said it is one)."""
    page = getattr(extraction, "page", None)
    lines = document_lines(extraction) if lines is None else lines
    new_document()
    raw: dict[str, list[str]] = {}
    warnings: list[str] = []
    prefixes = _org_prefixes(cat)
    org_type_at = next((i for i, x in enumerate(lines) if organisation_type_line(x.text, prefixes)), None)
    desc_at = next((i for i, x in enumerate(lines) if is_headingish(x)
                    and heading_field(x.text, cat, frozenset({"description"})) == "description"
                    and (org_type_at is None or i > org_type_at)), None)
    # the facets follow the title: from its <h1> on when the page has one (a skip link above
    # it, "Zum Hauptinhalt springen", may read like a facet's label)
    bound = min(x for x in (org_type_at, desc_at, len(lines)) if x is not None)
    h1 = fold(page.h1) if page is not None else ""
    start = next((i + 1 for i, x in enumerate(lines[:bound]) if h1 and fold(x.text) == h1), 0)
    first_facet = next((i for i in range(start, bound) if _facet_key(lines[i], cat) or _facet_by_values(lines, i, cat)),
                       None)
    limit = min(x for x in (first_facet, org_type_at, desc_at, len(lines)) if x is not None)
    title_at = _title_index(lines, limit, page.h1 if page else "")
    title = lines[title_at].text if title_at is not None else ""
    if not title and page is not None:
        title = page.h1 or page_title(page.title)
    url = (page.url if page is not None else None) or collection_url(source)
    if not title:
        slug = practice_slug(url) if url else practice_slug(source)
        title = _slug_title(slug or "")
        if title:
            warnings.append("title taken from the page's address")
    raw["name"] = [title] if title else []
    i = (title_at + 1) if title_at is not None and title_at < limit + 1 else limit
    # facet blocks between the title and the organisation
    while i < bound:
        key = _facet_key(lines[i], cat) or _facet_by_values(lines, i, cat) or _next_list_facet(lines, i, set(raw))
        if key is None:
            if is_furniture(lines[i].text) or DATE.match(lines[i].text.strip()):
                i += 1
                continue
            break
        values, i = _facet_values(lines, i, key, cat)
        if key in {"themes", "audience"}:
            raw.setdefault(key, []).extend(v for text in values for v in split_values(text, key))
        elif key == "peer_reviewed":
            raw["peer_reviewed"] = values[:1] or ["Yes"]  # the badge alone says it was
        else:
            raw.setdefault(key, []).extend(values)
    # the organisation: its name, its profile and its type, up to the description
    org_end = desc_at if desc_at is not None else (org_type_at + 1 if org_type_at is not None else i)
    if org_end > i:
        block = lines[i:org_end]
        if block and fold(block[0].text) in {fold(v) for v in raw.get("organisation", [])}:
            block = block[1:]  # the name the Organisation facet gave already
        raw.setdefault("organisation", []).append(lines_section(block))
        i = org_end
    split_sections(lines[i:], cat, "description", raw, tolerant=True)
    language = None
    if page is not None and page.lang:
        language = page.lang.split("-")[0].split("_")[0].lower() or None
    return Reading("web_page", raw, url=url, language=language, warnings=tuple(warnings))
