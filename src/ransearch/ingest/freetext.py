"""Practices that do not follow the template: kept with what can be found, as ``free_text``.

A practice page from an NGO's or a city's site, a catalogue entry or a news item has no
template table. It is read as a titled text: the title from its first heading, its page title,
its first line or its file name; its text as the description, with its own headings kept as
paragraphs of their own (the chunker keeps a heading with what it introduces). Headings that are
template labels, or close to one in any language ("Contact", "Evaluation", "Organisation"),
open that field, so what the page does say lands where a template document's would. Contact
lines go to ``contacts`` wherever they are. The layout is ``free_text``, or ``free_text_partial``
when some template fields were found, and a warning names the fields that were not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from ransearch.errors import ParseError
from ransearch.ingest.html import Page
from ransearch.ingest.lines import Line, document_lines, heading_field, is_headingish, is_sentence
from ransearch.ingest.table import Extraction
from ransearch.ingest.sections import split_sections
from ransearch.ingest.site import is_end, is_furniture
from ransearch.ingest.webpage import Reading, page_title, practice_slug, title_parts
from ransearch.template import SECTION_KEYS, Catalogue
from ransearch.text import fold

__all__ = ["read_free_text"]

_MAX_TITLE_WORDS = 20
_FIRST_LINES = 6
_HEAD_LINES = 48  # where a page's title can still stand: below a site's header, menus and side columns
_LABELLED = ("peer_reviewed", "themes", "audience", "geography", "start", "deliverables", "evaluation",
             "sustainability", "ran_meeting", "eu_links", "organisation", "country", "last_update")


def _named(lines: list[Line], cat: Catalogue, boilerplate: Callable[[str], bool]) -> tuple[str, set[int]]:
    """The title under a "name of the practice" label, and the lines it took (label, instructions, name)."""
    for i, line in enumerate(lines[:_FIRST_LINES * 4]):
        if not is_headingish(line) or heading_field(line.text, cat, frozenset({"name"})) != "name":
            continue
        for j in range(i + 1, min(i + 4, len(lines))):
            text = lines[j].text
            if boilerplate(text):
                continue
            if is_headingish(lines[j]) and len(text.split()) <= _MAX_TITLE_WORDS:
                return text, {i, *range(i + 1, j + 1)}
            break
    return "", set()


def _title(lines: list[Line], page_h1: str, page_name: str,
           boilerplate: Callable[[str], bool]) -> tuple[str, int | None, str]:
    """(title, index of its line or None, where it came from)."""
    head = [i for i, x in enumerate(lines[:_FIRST_LINES * 3])
            if not is_furniture(x.text) and not boilerplate(x.text)][:_FIRST_LINES]
    for i in head:
        if lines[i].kind == "h" and len(lines[i].text.split()) <= _MAX_TITLE_WORDS:
            if not page_h1 or lines[i].text == page_h1:
                return lines[i].text, i, "heading"
    if page_h1:
        return page_h1, None, "heading"
    if page_name:
        return page_name, None, "page title"
    if head and is_headingish(lines[head[0]]) and len(lines[head[0]].text.split()) <= _MAX_TITLE_WORDS:
        return lines[head[0]].text, head[0], "first line"
    return "", None, ""


def _title_line(lines: list[Line], title: str) -> int | None:
    """Where the page writes its title as a line of its own near its top (a layout table's
    content heading, after the site's header, menus and side columns)."""
    wanted = fold(title)
    return next((i for i, x in enumerate(lines[:_HEAD_LINES]) if wanted and fold(x.text) == wanted), None)


def _page_heading(lines: list[Line], page: Page, title: str, at: int | None) -> tuple[str, int | None]:
    """The page's own heading when its ``<h1>`` is the site's name (a logo, as old themes write it
    on every page): the ``<title>`` says so ("Youth Workers Online | SAFE-NET Erasmus+ project"
    under ``<h1>SAFE-NET</h1>``), and the heading the ``<title>`` opens with is the title."""
    parts = [fold(p) for p in title_parts(page.title) if fold(p)]
    h1 = fold(page.h1)
    if len(parts) < 2 or not h1 or fold(title) != h1 or h1 in parts[0] or not any(h1 in p for p in parts[1:]):
        return title, at
    for i, line in enumerate(lines[:_FIRST_LINES * 4]):
        if line.kind == "h" and fold(line.text).startswith(parts[0]):
            return line.text, i
    return title, at


def _name_from_file(source: str) -> str:
    stem = practice_slug(PurePosixPath(source).name) or PurePosixPath(source).stem
    words = stem.replace("_", " ").replace("-", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def read_free_text(extraction: Extraction, cat: Catalogue, source: str,
                   boilerplate: Callable[[str], bool] = lambda _text: False) -> Reading:
    """Raw text per field of a document that does not follow the template.

    Raises:
        ParseError: the document has no readable text (no letter or digit).

    ``boilerplate`` tells template text (a template's title, instructions) that is never a title.
    """
    page = getattr(extraction, "page", None)
    lines = [x for x in document_lines(extraction) if any(c.isalnum() for c in x.text)]
    if not lines:
        raise ParseError(source, "no readable text")
    title, taken = _named(lines, cat, boilerplate)
    at: int | None = None
    origin = "name label"
    if not title:
        title, at, origin = _title(lines, page.h1 if page else "", page_title(page.title) if page else "",
                                   boilerplate)
    warnings: list[str] = []
    if not title:
        title = _name_from_file(source)
        origin = "file name"
    if origin in {"file name", "first line", "page title"}:
        warnings.append(f"title taken from the {origin}")
    header: set[int] = set()
    if page is not None:
        title, at = _page_heading(lines, page, title, at)
        if at is None:
            at = _title_line(lines, title)
        # before a page's title: its site's header (a tagline, a breadcrumb, a kicker, a menu's
        # "Contact"), unless a sentence there says the page's text starts above its title
        if at and not any(is_sentence(x.text) for x in lines[:at]):
            header = set(range(at))
    body = [x for i, x in enumerate(lines) if i != at and i not in taken and i not in header]
    # leading site lines (skip links, logos, site names) are never content
    while body and is_furniture(body[0].text) and not is_end(body[0].text):
        body = body[1:]
    raw: dict[str, list[str]] = {"name": [title] if title else []}
    split_sections(body, cat, "description", raw)
    found = [k for k in _LABELLED if raw.get(k)]
    layout = "free_text_partial" if found else "free_text"
    missing = [k for k in SECTION_KEYS if k not in {"name", "description"} and not raw.get(k)]
    warnings.append("not laid out as the RAN practice template: read as free text"
                    + (f"; fields not found: {', '.join(missing)}" if missing else ""))
    language = None
    if page is not None and page.lang:
        language = page.lang.split("-")[0].split("_")[0].lower() or None
    url = page.url if page is not None else None
    return Reading(layout, raw, url=url, language=language, warnings=tuple(warnings))
