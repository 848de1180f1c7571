"""``/docs`` and ``/redoc``: the API's documentation pages, served from an installed package.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, at a floating version and without
an integrity check, on the very page where a user pastes the token; offline they show
nothing. Here their scripts come from the ``fastapi-offline`` package (the ``docs`` extra:
``pip install "ransearch[docs]"``), under ``/docs-static/``. Without it, ``/docs`` and
``/redoc`` answer 404 naming the extra, and the schema stays at ``/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles

__all__ = ["add_docs", "DOCS_STATIC", "docs_files"]

DOCS_STATIC = "/docs-static"
MISSING = ('the API docs pages need the "docs" extra: pip install "ransearch[docs]" '
           "(the schema is at /openapi.json)")


def docs_files() -> Path | None:
    """The folder of Swagger UI and ReDoc files, or None when the ``docs`` extra is missing."""
    try:
        import fastapi_offline
    except ImportError:
        return None
    folder = Path(fastapi_offline.__file__).parent / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def add_docs(app: FastAPI) -> None:
    """Add ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc`` to an app made with
    ``docs_url=None, redoc_url=None``."""
    folder = docs_files()
    if folder is None:
        @app.get("/docs", include_in_schema=False)
        @app.get("/redoc", include_in_schema=False)
        def no_docs() -> JSONResponse:
            return JSONResponse({"error": "NotFound", "detail": MISSING}, status_code=404)
        return

    app.mount(DOCS_STATIC, StaticFiles(directory=folder), name="docs-static")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{title} API",
                                   oauth2_redirect_url="/docs/oauth2-redirect",
                                   swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_STATIC}/favicon.png")

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{title} API",
                              redoc_js_url=f"{DOCS_STATIC}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_STATIC}/favicon.png", with_google_fonts=False)
