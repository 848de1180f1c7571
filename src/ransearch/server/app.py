"""The FastAPI app: one route per engine operation, and the one place errors become status codes.

    POST /ask                     Engine.ask        (the contract of ``ransearch ask --json``)
    POST /match                   Engine.match
    GET  /practices               Engine.practices  (facet filters as query parameters)
    GET  /practices/{id}          Engine.practice
    GET  /practices/{id}/similar  Engine.similar
    GET  /facets                  Engine.facets
    GET  /health                  the generation served, its encoder and sizes (HEAD too)
    GET  /, /practice/{id}        the search page, HTML for people (ransearch.server.web)
    GET  /docs, /redoc            the API's docs pages, from the ``docs`` extra (ransearch.server.docs)

In front of the routes, outermost first: the Host check, the token, "send JSON", the body
limit, the load shedding (ransearch.server.guard and .limits; docs/security.md).

Every handler takes the engine from the ServingEngine once and uses only that object, so a
request that began on one index generation ends on it while later ones use the next.
Handlers are plain functions: FastAPI runs them on its worker threads; those that run the
encoder take it through ``ServingEngine.exclusive`` (one query at a time, see ransearch.serving).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ransearch import Filters, RansearchError, __version__
from ransearch.serving import ServingEngine
from ransearch.server.extras import require_extra
from ransearch.server.guard import BearerAuth, BodyLimit, HostGuard, JsonOnly
from ransearch.server.limits import LoadShed
from ransearch.server.problems import plain_errors
from ransearch.server.status import status_for
from ransearch.server.schemas import (
    MAX_FILTER_CHARS,
    MAX_FILTER_VALUES,
    MAX_K,
    AskOut,
    AskRequest,
    ErrorOut,
    FacetsOut,
    HealthOut,
    MatchOut,
    MatchRequest,
    PracticeListOut,
    PracticeOut,
    SimilarOut,
)

if TYPE_CHECKING:  # the package makes the app: this module needs the config's type only
    from ransearch.server import ServerConfig

__all__ = ["build_app", "status_for", "OPERATIONS"]

OPERATIONS = ("match", "similar", "facets")
"""What ``/health`` lists in ``capabilities`` (every engine has them; the field stays for clients)."""

FilterQuery = Annotated[list[Annotated[str, Field(min_length=1, max_length=MAX_FILTER_CHARS)]] | None,
                        Query(max_length=MAX_FILTER_VALUES)]


def _clean(text: object) -> str:
    # a validation message may quote input that cannot be encoded (lone surrogates)
    return str(text).encode("utf-8", "replace").decode("utf-8")


def _error(status: int, error: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, **extra}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    async def library_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RansearchError)
        return _error(status_for(exc), type(exc).__name__, str(exc))

    async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [{k: _clean(v) for k, v in e.items()} for e in plain_errors(exc.errors())]
        detail = "; ".join(e["msg"] for e in errors) or "invalid request"
        return _error(422, "ValidationError", detail, errors=errors)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        names = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 415: "UnsupportedMediaType"}
        response = _error(exc.status_code, names.get(exc.status_code, "HTTPError"), _clean(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    app.add_exception_handler(RansearchError, library_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Unreadable request body or headers, or a Host header that is not a name of this server.",
            401: "Missing or wrong bearer token.", 404: "No practice with that id.",
            408: "The request body did not arrive in time.", 413: "Request body too large.",
            415: "The body is not JSON: send 'Content-Type: application/json'.",
            422: "Invalid request: empty or too long text, k out of range or not a number, "
            "unknown filter value or field.", 503: "The index cannot be used, or the server is busy "
            "(then with Retry-After)."}
    return {code: {"model": ErrorOut, "description": text[code]} for code in codes}


def build_app(live: ServingEngine, config: ServerConfig) -> FastAPI:
    """The app over ``live``."""
    common = (401, 422, 503) if config.token else (422, 503)
    guard = [Depends(HTTPBearer(auto_error=False))] if config.token else []  # documents the scheme

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        m = live.engine.manifest
        logging.getLogger("uvicorn.error").info(
            "ransearch: serving generation %s of %s (%s practices, encoder %s); token %s; contacts %s",
            m.generation, live.index_dir, m.counts.practices, m.encoder,
            "required" if config.token else "not required", "shown" if config.contacts else "left out")
        yield

    app = FastAPI(
        title="ransearch",
        version=__version__,
        description="Find the RAN practices against radicalisation that fit a situation, in any EU "
                    "language. Every result cites its practice id, title, source document, section "
                    "label and snippet. See docs/http.md.",
        dependencies=guard,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _install_error_handlers(app)
    from ransearch.server.docs import add_docs

    add_docs(app)  # /docs and /redoc from the installed "docs" extra, never from a CDN

    require_extra("jinja2", "server")
    from ransearch.server.web import add_pages

    add_pages(app, live, config)  # GET / and /practice/{id}: the search page for people (see docs/web.md)

    @app.post("/ask", response_model=AskOut, responses=_responses(*common, 400, 408, 413, 415), tags=["search"],
              summary="Rank the practices that fit a query")
    def ask(request: AskRequest) -> Any:
        """The `k` practices that best fit `query`, each with the sections that matched
        (the JSON of `ransearch ask --json`)."""
        with live.exclusive() as engine:
            result = engine.ask(request.query, k=request.k, mode=request.mode, filters=request.filters())
        return result.to_dict()

    @app.post("/match", response_model=MatchOut, responses=_responses(*common, 400, 408, 413, 415),
              tags=["search"], summary="Find practices that cover the needs of a situation")
    def match(request: MatchRequest) -> Any:
        """Splits `situation` into needs and returns the practices that cover them, which
        section covers which need, and the needs no practice covers."""
        with live.exclusive() as engine:
            result = engine.match(request.situation, k=request.k, filters=request.filters())
        return result.to_dict()

    @app.get("/practices", response_model=PracticeListOut, response_model_exclude_unset=True,
             responses=_responses(*common), tags=["practices"], summary="List the practices")
    def practices(country: FilterQuery = None, theme: FilterQuery = None,
                  audience: FilterQuery = None, language: FilterQuery = None) -> Any:
        """Every indexed practice passing the filters, without its sections or contacts."""
        found = live.engine.practices(Filters.of(country, theme, audience, language))
        return {"practices": [p.to_dict(contacts=False) | {"sections": None} for p in found]}

    @app.get("/practices/{practice_id}", response_model=PracticeOut, response_model_exclude_unset=True,
             responses=_responses(*common, 404), tags=["practices"], summary="One practice")
    def practice(practice_id: str) -> Any:
        """The practice, section by section (contacts left out if the server says so)."""
        return live.engine.practice(practice_id).to_dict(contacts=config.contacts)

    @app.get("/practices/{practice_id}/similar", response_model=SimilarOut,
             responses=_responses(*common, 404), tags=["practices"], summary="Practices like this one")
    def similar(practice_id: str, k: Annotated[int, Query(ge=1, le=MAX_K)] = 5) -> Any:
        """The `k` practices most like this one, with the sections that make them alike."""
        with live.exclusive() as engine:
            result = engine.similar(practice_id, k=k)
        return result.to_dict()

    @app.get("/facets", response_model=FacetsOut, responses=_responses(*common), tags=["practices"],
             summary="Filter values and how many practices have each")
    def facets(lang: Annotated[str, Query(max_length=MAX_FILTER_CHARS, description="Language of the labels "
                                          "(ISO 639-1; English where no label is known).")] = "en") -> Any:
        """Every value of every filter (country, theme, audience, language) present in the
        index, with its label and practice count."""
        return live.engine.facets(lang).to_dict()

    @app.get("/health", response_model=HealthOut, responses=_responses(*common), tags=["service"],
             summary="The index generation being served")
    def health() -> Any:
        engine = live.engine
        m = engine.manifest
        return {"status": "ok", "generation": m.generation, "encoder": m.encoder, "dimension": m.dimension,
                "practices": engine.count(),
                "chunks": m.counts.chunks, "built_at": m.built_at,
                "package_version": m.package_version, "capabilities": list(OPERATIONS)}

    # HEAD /health: the probe of load balancers and uptime checks (out of the schema: one operation id)
    app.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False)

    # the last added runs first: Host, token, JSON, body, then a slot (a slow body holds no slot)
    app.add_middleware(LoadShed, max_active=config.max_active, max_queued=config.max_queued,
                       queue_wait=config.queue_wait)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes, timeout=config.body_timeout)
    app.add_middleware(JsonOnly, paths=[getattr(r, "path", "") for r in app.routes if "POST" in getattr(r, "methods", ())])
    if config.token:
        app.add_middleware(BearerAuth, token=config.token)
    app.add_middleware(HostGuard, allowed=config.host_names(), any_ip=config.listens_everywhere())
    return app
