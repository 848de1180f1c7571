"""The search page: server-rendered HTML over the same engine calls as the JSON API.

    GET /                  search (Engine.ask), situation (Engine.match) or browse (Engine.practices)
    GET /practice/{id}     one practice section by section (Engine.practice), similar ones (Engine.similar)
    GET /static/...        style.css and app.js, served from the package

Templates are Jinja2 files of this package, rendered with autoescaping on: every piece of
document text reaches the page escaped, and highlighting (``ransearch.server.highlight``)
escapes before it marks. The page works without JavaScript (a GET form; the URL holds the
query and the filters); ``app.js`` only applies filters without a full reload. Library errors
become status codes through ``ransearch.server.status.status_for``, as in the JSON API, with an
HTML page instead of JSON (a query error is a 400 here: a form, not a JSON body, was wrong).

Only the server imports this module: jinja2 never loads for ``ransearch ask``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.staticfiles import StaticFiles

from ransearch import (
    AskResult,
    Filters,
    MatchResult,
    Practice,
    PracticeNotFound,
    QueryError,
    RankedPractice,
    RansearchError,
    Recommendation,
    __version__,
    label_language,
)
from ransearch.serving import ServingEngine
from ransearch.server.highlight import highlight, linkify
from ransearch.server.schemas import MAX_FILTER_CHARS, MAX_FILTER_VALUES, MAX_K
from ransearch.server.status import status_for
from ransearch.template import SECTION_KEYS, catalogue, countries, vocabulary

if TYPE_CHECKING:  # the package makes the app: this module needs the config's type only
    from ransearch.server import ServerConfig

__all__ = ["add_pages", "SearchForm", "FormError"]

KINDS = ("question", "situation")
DEFAULT_K = 10
BROWSE_LIMIT = 100
"""Most practices listed when browsing by filters alone."""
SIMILAR_K = 5
# defence in depth: even a markup bug could not run an inline script or load anything foreign
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
LANGUAGE_NAMES = {
    "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fi": "Finnish", "fr": "French", "ga": "Irish", "hr": "Croatian",
    "hu": "Hungarian", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish",
}
FACET_NAMES = {"country": "Country", "theme": "Theme", "audience": "Audience", "language": "Language"}
FACETS = tuple(f.name for f in fields(Filters))


class FormError(ValueError):
    """A search URL that cannot be read (a bad ``k``, ``kind`` or ``lang``, too many filter values)."""


@dataclass(frozen=True)
class SearchForm:
    """What the search page was asked, read from its URL; ``url()`` writes it back."""

    q: str = ""
    kind: str = "question"
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    k: int = DEFAULT_K
    lang: str = "en"

    @classmethod
    def from_params(cls, params: Any) -> SearchForm:
        """Read the query parameters of a request.

        Raises:
            FormError: a value out of range or unknown.
        """
        kind = params.get("kind") or "question"
        if kind not in KINDS:
            raise FormError(f"unknown kind {kind!r}: use question or situation")
        raw_k = params.get("k") or str(DEFAULT_K)
        if not raw_k.isdigit() or not 1 <= int(raw_k) <= MAX_K:
            raise FormError(f"k must be a number from 1 to {MAX_K}")
        try:
            lang = label_language(params.get("lang") or "en")
        except QueryError as exc:
            raise FormError(str(exc)) from None
        filters = {}
        for facet in FACETS:
            values = tuple(v.strip() for v in params.getlist(facet) if v.strip())
            if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
                raise FormError(f"too many or too long {facet} values (at most {MAX_FILTER_VALUES} "
                                f"of {MAX_FILTER_CHARS} characters)")
            if values:
                filters[facet] = values
        return cls(q=(params.get("q") or "").strip(), kind=kind, filters=filters, k=int(raw_k), lang=lang)

    def url(self, **changes: Any) -> str:
        """The page URL of this form with ``changes`` (defaults left out, so URLs stay short)."""
        form = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        if form.q:
            pairs.append(("q", form.q))
        if form.kind != "question":
            pairs.append(("kind", form.kind))
        pairs += [(facet, v) for facet in FACETS for v in form.filters.get(facet, ())]
        if form.k != DEFAULT_K:
            pairs.append(("k", str(form.k)))
        if form.lang != "en":
            pairs.append(("lang", form.lang))
        return "/?" + urlencode(pairs) if pairs else "/"

    def without(self, facet: str, value: str) -> str:
        """The URL with one filter value removed."""
        kept = {f: tuple(v for v in vs if v != value) if f == facet else vs for f, vs in self.filters.items()}
        return self.url(filters={f: vs for f, vs in kept.items() if vs})

    def engine_filters(self) -> Filters:
        """The filters of the form, as the engine takes them (values as the URL gives them)."""
        return Filters(**{facet: self.filters.get(facet, ()) for facet in FACETS})


@dataclass(frozen=True)
class Card:
    """One practice in a list: the engine's record, the practice itself, a relevance in [0, 1]."""

    hit: RankedPractice | None
    practice: Practice
    relevance: float | None = None


def _logistic(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))


def _cards(hits: tuple[RankedPractice, ...], practice: Any, scale: str, needs: int = 0) -> list[Card]:
    """Cards for ranked practices; ``scale`` says what their scores are (see ``relevance``)."""
    top = max((h.score for h in hits), default=0.0)
    return [Card(h, practice(h.practice_id), round(relevance(h, scale, top, needs), 3)) for h in hits]


def relevance(hit: RankedPractice, scale: str, top: float, needs: int = 0) -> float:
    """A relevance in [0, 1] for the bar of one card.

    ``z``: ask's scores are sums of z-scores over the practices (0 is average, 2 stands out),
    read through a logistic. ``cosine``: similar's scores are cosines. ``rrf``: match's scores
    are rank fusions, which say only how a practice compares with the best; half the bar is
    that ratio, half the share of the situation's needs the practice covers. A hit that carries
    the engine's readable relevance (0–100, the same meaning for every query) shows that.
    """
    if hit.relevance is not None:
        return hit.relevance / 100
    if scale == "z":
        return _logistic(hit.score)
    if scale == "cosine":
        return min(1.0, max(0.0, hit.score))
    ratio = hit.score / top if top > 0 else 0.0
    if not needs:
        return ratio
    covered = len({c.need for c in hit.covers}) if isinstance(hit, Recommendation) else 0
    return 0.5 * ratio + 0.5 * covered / needs


def relevance_words(value: float) -> str:
    return "strong match" if value >= 0.66 else "good match" if value >= 0.33 else "weak match"


def blocks(text: str) -> list[tuple[str, Any]]:
    """A section's text as paragraphs and lists: ``("p", text)`` or ``("ul", [items])``."""
    out: list[tuple[str, Any]] = []
    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in para.splitlines() if line.strip()]
        plain: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if plain:
                    out.append(("p", "\n".join(plain)))
                    plain = []
                if not out or out[-1][0] != "ul":
                    out.append(("ul", []))
                out[-1][1].append(line[2:])
            else:
                plain.append(line)
        if plain:
            out.append(("p", "\n".join(plain)))
    return out


def _tidy_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class Labels:
    """Names shown for facet values and fields, in the page's label language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def country(self, code: str | None) -> str:
        return countries().name(code, self.lang) if code else "Country unknown"

    def language(self, code: str) -> str:
        return LANGUAGE_NAMES.get(code, code)

    def theme(self, value: str) -> str:
        return vocabulary()["themes"].label_in(value, self.lang)

    def audience(self, value: str) -> str:
        return vocabulary()["audience"].label_in(value, self.lang)

    def field(self, key: str, language: str) -> str:
        return catalogue().field(key).label(language)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("ransearch.server", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(highlight=highlight, linkify=linkify, blocks=blocks, relevance_words=relevance_words,
                       version=__version__, quote=quote, facet_names=FACET_NAMES)
    return env


def page_status(exc: RansearchError) -> int:
    status = status_for(exc)
    return 400 if status == 422 else status  # the page's input is a form: a bad one is a 400


def add_pages(app: FastAPI, live: ServingEngine, config: ServerConfig) -> None:
    """Add the search page, the practice page and their static files to ``app``."""
    env = _environment()

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def error_page(status: int, title: str, detail: str, form: SearchForm) -> HTMLResponse:
        return render("error.html", status, title=title, detail=detail, form=form, labels=Labels(form.lang))

    app.mount("/static", StaticFiles(packages=[("ransearch.server", "static")]), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request) -> HTMLResponse:
        try:
            form = SearchForm.from_params(request.query_params)
        except FormError as exc:
            return error_page(400, "This search cannot be read", str(exc), SearchForm())
        context: dict[str, Any] = {"form": form, "labels": Labels(form.lang), "cards": [], "match": None,
                                   "browse": None, "error": None, "selected": Filters(), "notes": ()}
        status = 200
        # one engine for the whole request; the query lock only while the encoder may run
        with live.exclusive() if form.q else nullcontext(live.engine) as engine:
            context["total"] = engine.count()
            context["facets"] = engine.facets(form.lang)
            try:
                # resolved here only to show which values are chosen; the engine takes them as given
                context["selected"] = form.engine_filters().resolve()
                filters = form.engine_filters()
                if form.q and form.kind == "situation":
                    match: MatchResult = engine.match(form.q, k=form.k, filters=filters)
                    context["match"] = match
                    context["notes"] = match.notes
                    context["needs"] = {n.id: (i, n) for i, n in enumerate(match.needs, 1)}
                    context["cards"] = _cards(match.results, engine.practice, "rrf", len(match.needs))
                elif form.q:
                    found: AskResult = engine.ask(form.q, k=form.k, filters=filters)
                    context["cards"] = _cards(found.results, engine.practice, "z")
                    context["notes"] = found.notes
                elif filters:
                    context["browse"] = engine.count(filters)
                    context["cards"] = [Card(None, p) for p in engine.practices(filters, limit=BROWSE_LIMIT)]
            except RansearchError as exc:
                context["error"] = str(exc)
                status = page_status(exc)
        return render("search.html", status, **context)

    @app.get("/practice/{practice_id}", response_class=HTMLResponse, include_in_schema=False)
    def practice_page(request: Request, practice_id: str) -> HTMLResponse:
        try:
            form = SearchForm.from_params(request.query_params)
        except FormError as exc:
            return error_page(400, "This page cannot be read", str(exc), SearchForm())
        lang = form.lang if "lang" in request.query_params else None
        try:
            with live.exclusive() as engine:
                practice = engine.practice(practice_id)
                alike = engine.similar(practice_id, k=SIMILAR_K)
                similar = _cards(alike.results, engine.practice, "cosine")
        except PracticeNotFound as exc:
            return error_page(404, "No such practice",
                              f"There is no practice with the id “{exc.practice_id}” in this collection.", form)
        except RansearchError as exc:
            return error_page(page_status(exc), "The practice cannot be shown", str(exc), form)
        sections = [(key, practice.sections[key]) for key in SECTION_KEYS
                    if key != "name" and practice.sections.get(key, "").strip()]
        return render("practice.html", practice=practice, sections=sections, similar=similar, form=form,
                      labels=Labels(lang or form.lang), section_lang=lang or practice.language,
                      contacts=_tidy_lines(practice.contacts) if config.contacts else None)
