"""Commands that serve an index to other programs: ``serve`` (HTTP API) and ``mcp`` (MCP over stdio).

Both import their web or protocol library only when run, so other commands never load them.
"""

from __future__ import annotations

from typing import Optional

import typer

from ransearch.cli import app, fail
from ransearch.cli.options import IndexOption, OptionalPath

NO_CONTACTS = typer.Option(False, "--no-contacts", help="Leave contact details out of every response.")


@app.command()
def serve(
    index: OptionalPath = IndexOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Any address but loopback "
                             "requires a bearer token in $RANSEARCH_TOKEN."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    no_contacts: bool = NO_CONTACTS,
    max_body: int = typer.Option(64 * 1024, "--max-body", min=1024, help="Largest request body, in bytes (413 above)."),
    access_log: bool = typer.Option(False, "--access-log", help="Log one line per request."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="BLAS threads of a query "
                                          "(default: $RANSEARCH_THREADS, else 1: steadiest latency)."),
) -> None:
    """Serve the index as an HTTP API (FastAPI on uvicorn; needs the "server" extra).

    POST /ask and /match; GET /practices, /practices/{id}, /practices/{id}/similar, /facets, /health.
    Schema at /openapi.json, docs at /docs. New index generations are served without a restart.
    See docs/http.md.
    """
    from ransearch.server import ServerConfig
    from ransearch.server import serve as run

    try:
        config = ServerConfig.from_env(index_dir=index, host=host, port=port, contacts=not no_contacts,
                                       max_body_bytes=max_body, access_log=access_log, threads=threads)
    except ValueError as exc:
        fail(str(exc), 2)
        return
    run(config)


@app.command()
def mcp(
    index: OptionalPath = IndexOption,
    no_contacts: bool = NO_CONTACTS,
) -> None:
    """Serve the index to AI assistants as an MCP server over stdio (needs the "mcp" extra).

    Tools: search_practices, get_practice, match_situation, similar_practices, list_facets.
    Results cite practice id, title, source, section label and snippet. See docs/mcp.md.
    """
    from ransearch.mcp_server import run

    run(index, contacts=not no_contacts)
