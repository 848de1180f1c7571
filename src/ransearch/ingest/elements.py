"""What an HTML element's markup says it is: site furniture, hidden, a collapsed panel, a link to a page.

The page reader (:mod:`ransearch.ingest.html`) asks these of each element as it streams by: an
element whose ``class`` or ``id`` names a part of every site (a breadcrumb, share buttons, a
cookie notice: :func:`furniture_named`), one that is hidden (:func:`hidden`) unless it is a
collapsed panel of the page's content (:func:`collapsed_panel`), and whether a link leads to
a page, i.e. is navigation (:func:`to_a_page`), and to another one (:func:`to_another_page`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["furniture_named", "hidden", "collapsed_panel", "to_a_page", "to_another_page"]

_NOT_NAVIGATION = ("mailto:", "tel:")  # a list of e-mail addresses or phone numbers is contacts
# a list of downloads is content
_DOCUMENTS = re.compile(r"\.(?:pdf|docx?|odt|rtf|pptx?|odp|xlsx?|ods|epub|zip)$", re.I)
_SKIP_ROLES = frozenset({"navigation", "dialog", "alertdialog", "search", "complementary"})  # nav, dialog, aside
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_NAME_WORD = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_PANEL_ROLES = frozenset({"tabpanel", "region"})
_PANEL_NAMES = ("accordion", "collaps", "expand", "tabpanel")  # words naming a collapsible panel
# words that class and id names of site furniture start with (WordPress, Jetpack, Drupal, Joomla,
# GOV.UK, Bootstrap and the Europa Component Library alike: `jp-relatedposts`, `sd-social`,
# `gem-c-breadcrumbs`, `ecl-social-media-share`, `comments-area`, `pagenav`); what an element
# is *about* ("tag-social-cohesion" on a post) is why the page's roots and wrappers are exempt
_FURNITURE_NAMES = ("breadcrumb", "pathway", "cookie", "consent", "gdpr", "share", "sharing", "social", "related",
                    "comment", "disqus", "newsletter", "subscri", "sidebar", "pagination", "pager",
                    "pagenav", "nav", "footer", "byline", "skip")


def to_a_page(href: str) -> bool:
    """Whether a link leads to another page (navigation), not to an address, a phone number or a
    document to download (a practice's handbook, its evaluation report)."""
    href = href.strip().lower()
    path = href.split("#", 1)[0].split("?", 1)[0]
    return not href.startswith(_NOT_NAVIGATION) and not _DOCUMENTS.search(path)


def to_another_page(href: str) -> bool:
    """Whether a link leads to another page: to a page (:func:`to_a_page`), and not to a place
    on this one (``#…``, an accordion's toggle) or nowhere (``javascript:…``, no address)."""
    href = href.strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:")) and to_a_page(href)


def furniture_named(attrib: Any) -> bool:
    """Whether an element's ``class`` or ``id`` names site furniture: one of its words starts with
    a name of :data:`_FURNITURE_NAMES`."""
    if not attrib:
        return False
    return any(word.startswith(_FURNITURE_NAMES) for word in _name_words(attrib))


def _name_words(attrib: Any) -> tuple[str, ...]:
    """The words of an element's ``class`` and ``id``, split at anything but a letter and
    between a small and a capital letter (``jp-relatedposts``, ``cookieNotice``)."""
    classes, ident = attrib.get("class"), attrib.get("id")
    return _words_of_names(f"{classes or ''} {ident or ''}") if classes or ident else ()


@lru_cache(maxsize=4096)
def _words_of_names(names: str) -> tuple[str, ...]:
    return tuple(_NAME_WORD.findall(_CAMEL.sub(r"\1 \2", names).lower()))  # a site repeats its class names


def hidden(attrib: Any) -> bool:
    """Whether an element is hidden, or no part of the page's text by its ARIA role: the
    ``hidden`` attribute, ``aria-hidden``, ``display:none``, navigation, a dialog, a search, an
    aside."""
    if not attrib:
        return False
    return _out_of_view(attrib) or attrib.get("aria-hidden") == "true" or attrib.get("role") in _SKIP_ROLES


def collapsed_panel(attrib: Any, toggled: set[str]) -> bool:
    """Whether a hidden element is a collapsed panel of the page's content (an accordion's
    section, a tab: hidden until a reader opens it, and saved that way): a toggle in a heading
    opens it (``toggled``: their ``aria-controls``), or its ARIA role or a word of its class or id
    says so (ECL's ``ecl-accordion__content``, GOV.UK's ``govuk-accordion__section-content``,
    Bootstrap's ``collapse``). Hidden from screen readers only (``aria-hidden``) is decoration."""
    get = attrib.get
    if get("role") in _SKIP_ROLES or not _out_of_view(attrib):
        return False
    return (get("id") in toggled or get("role") in _PANEL_ROLES
            or any(word.startswith(_PANEL_NAMES) for word in _name_words(attrib)))


def _out_of_view(attrib: Any) -> bool:
    """Hidden from every reader: the ``hidden`` attribute, or ``display:none``/``visibility:hidden``."""
    return attrib.get("hidden") is not None or bool(_HIDDEN_STYLE.search(attrib.get("style") or ""))
