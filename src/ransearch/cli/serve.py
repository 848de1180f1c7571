"""Commands that serve an index to other programs: ``serve`` (HTTP API) and ``mcp`` (MCP over stdio).

Both import their web or protocol library only when run, so other commands never load them.
"""

from __future__ import annotations

from typing import List, Optional

import typer

from ransearch.cli import app, fail
from ransearch.cli.options import IndexOption, OptionalPath

NO_CONTACTS = typer.Option(False, "--no-contacts", help="Leave contact details out of every response.")


@app.command()
def serve(
    index: OptionalPath = IndexOption,
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1). Any "
                                       "address but loopback requires a bearer token of at least 16 characters "
                                       "in $RANSEARCH_TOKEN."),
    allowed_host: Optional[List[str]] = typer.Option(None, "--allowed-host", help="A Host name clients may use "
                                                     "besides 127.0.0.1, localhost, [::1] and --host (repeatable; "
                                                     "'*': any). Other names get 400."),
    port: Optional[int] = typer.Option(None, "--port", min=0, max=65535, help="Port to listen on (default 8000)."),
    no_contacts: bool = NO_CONTACTS,
    max_body: Optional[int] = typer.Option(None, "--max-body", min=1024, help="Largest request body, in bytes "
                                           "(413 above; default 65536)."),
    access_log: bool = typer.Option(False, "--access-log", help="Log one line per request."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="BLAS threads of a query "
                                          "(default: $RANSEARCH_THREADS, else 1: steadiest latency)."),
    max_active: Optional[int] = typer.Option(None, "--max-active", min=1, help="Requests handled at once "
                                             "(default 8); up to 64 more wait (see --queue-wait), the rest get "
                                             "503 with Retry-After."),
    queue_wait: Optional[float] = typer.Option(None, "--queue-wait", min=0.0, help="Seconds a request may wait "
                                               "for its turn before it gets 503 (default 0.5)."),
) -> None:
    """Serve the index as an HTTP API (FastAPI on uvicorn; needs the "server" extra).

    POST /ask and /match; GET /practices, /practices/{id}, /practices/{id}/similar, /facets, /health.
    Schema at /openapi.json, docs at /docs (with the "docs" extra). New index generations are
    served without a restart. A port in use is said at once (exit 1). Options not given come from
    the [server] section of the settings (docs/cli.md). See docs/http.md and docs/security.md.
    """
    from ransearch.server import ServerConfig
    from ransearch.server import serve as run

    try:
        # an option not given is None: the settings' [server] value, else the default, applies
        config = ServerConfig.from_env(index_dir=index, host=host, port=port, contacts=False if no_contacts else None,
                                       max_body_bytes=max_body, access_log=access_log or None, threads=threads,
                                       allowed_hosts=tuple(allowed_host) if allowed_host else None,
                                       max_active=max_active, queue_wait=queue_wait)
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
