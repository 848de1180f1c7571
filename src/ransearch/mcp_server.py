"""MCP tools over the engine: a Model Context Protocol server on stdio (``pip install "ransearch[mcp]"``).

    search_practices(query, k, filters)     Engine.ask
    get_practice(practice_id)               Engine.practice
    match_situation(situation, k, filters)  Engine.match
    similar_practices(practice_id, k)       Engine.similar
    list_facets()                           Engine.facets

Each tool answers twice: a readable text that cites every result (practice id, title, source
document, section label and snippet) for the model to quote, and the same data as structured
content in the JSON shape of the HTTP API (``ransearch.server.schemas``). Library errors
become tool errors (``is_error``) with the library's one-line message, in ``_tool_errors``;
arguments are checked as the HTTP API checks a body (unknown arguments refused, ``k`` a
JSON number), each problem one plain sentence (``ransearch.server.problems``). On stdio, a
line that is not JSON gets the JSON-RPC error -32700, one that is not a JSON-RPC message
-32600 (the SDK's transport drops both without a word).
The engine comes from a :class:`~ransearch.serving.ServingEngine`, so a new index generation is
picked up without restarting the assistant.
"""

# no ``from __future__ import annotations``: the SDK reads the tools' annotations, some of which
# name types imported inside build_server
import functools
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import Field

from ransearch import RansearchError
from ransearch.serving import ServingEngine
from ransearch.server.extras import require_extra
from ransearch.server.schemas import (
    MAX_K,
    MAX_QUERY_CHARS,
    AskOut,
    FacetsOut,
    FilterSet,
    MatchOut,
    PracticeOut,
    SimilarOut,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

__all__ = ["build_server", "run", "TOOLS"]

TOOLS = ("search_practices", "get_practice", "match_situation", "similar_practices", "list_facets")

_INSTRUCTIONS = (
    "ransearch searches the RAN Collection of practices against radicalisation (EU Radicalisation "
    "Awareness Network), in any EU language. Use search_practices for a question, match_situation for "
    "a situation described in a few sentences, get_practice to read one practice in full, "
    "similar_practices to widen from a practice you found, list_facets for the filter values. Cite what "
    "you use: practice id, title, source document, section label and snippet."
)

Query = Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS,
                             description="What you are looking for, in any EU language.")]
Situation = Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS,
                                 description="The situation in a few sentences, each stating a need.")]
K = Annotated[int, Field(ge=1, le=MAX_K, strict=True, description=f"How many practices to return (1–{MAX_K}).")]
PracticeId = Annotated[str, Field(min_length=1, max_length=200,
                                  description="A practice id as returned by the other tools.")]
# checked by the library (ransearch.label_language), as the CLI and HTTP check it
Lang = Annotated[str, Field(max_length=20, description="Language of the labels (ISO 639-1 code).")]
FilterArg = Annotated[FilterSet | None, Field(description="Optional filters: country, theme, audience, "
                                                        "language (values in any language).")]

F = TypeVar("F", bound=Callable[..., Any])


def _tool_errors(fn: F) -> F:
    """The one place library errors become tool errors the model can read and act on."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RansearchError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]


# ---- readable citations ---------------------------------------------------------------------------

def _quote(text: str) -> str:
    return "“" + " ".join(text.split()) + "”"


def _where(data: dict[str, Any]) -> str:
    # the official page when the practice came from the web, else the file it was read from
    return f"url: {data['url']}" if data.get("url") else f"source: {data['source']}"


def _heading(hit: dict[str, Any]) -> str:
    where = ", ".join(x for x in (hit.get("country_code"), hit.get("language")) if x)
    themes = "; ".join(hit.get("themes") or [])
    extra = f" ({where}{'; ' if where and themes else ''}{themes})" if where or themes else ""
    return (f"[{hit['rank']}] {hit['title']}{extra}\n"
            f"    practice_id: {hit['practice_id']} · {_where(hit)} · {_relevance(hit)}")


def _relevance(hit: dict[str, Any]) -> str:
    """Relevance 0–100 (same meaning for every query) rather than the raw ranking score."""
    return f"relevance {hit['relevance']}/100" if hit.get("relevance") is not None else f"score {hit['score']:.3f}"


def cite_hits(data: dict[str, Any], intro: str) -> str:
    """Readable text of ranked practices with their sections (ask and similar results)."""
    hits = data["results"]
    if not hits:
        return f"{intro}: no practice found."
    lines = [f"{intro}: {len(hits)} practice(s)."]
    for hit in hits:
        lines.append(_heading(hit))
        lines.extend(f"    - {s['label']}: {_quote(s['snippet'])}" for s in hit.get("sections", []))
    return "\n".join(lines)


def cite_match(data: dict[str, Any]) -> str:
    """Readable text of a match result: needs, covering practices, uncovered needs."""
    needs = {n["id"]: n["text"] for n in data["needs"]}
    lines = ["Needs read in the situation:"] + [f"    {i}: {_quote(t)}" for i, t in needs.items()]
    if not data["results"]:
        lines.append("No practice found.")
    for hit in data["results"]:
        lines.append(_heading(hit))
        lines.extend(f"    - covers {c['need']} with {c['label']}: {_quote(c['snippet'])}" for c in hit["covers"])
    if data["uncovered"]:
        lines.append("Needs no practice covers: " + ", ".join(data["uncovered"]))
    return "\n".join(lines)


def cite_practice(data: dict[str, Any]) -> str:
    """Readable text of one practice, section by section, with the labels of its language."""
    from ransearch.template import catalogue

    def label(key: str) -> str:
        try:
            return catalogue().field(key).label(data["language"])
        except (KeyError, ValueError, LookupError):
            return key

    lines = [data["title"], (f"practice_id: {data['id']} · {_where(data)} · "
                             f"country: {data.get('country') or '?'} · language: {data['language']}")]
    for key, text in (data.get("sections") or {}).items():
        lines.append(f"\n## {label(key)}\n{text}")
    if data.get("contacts"):
        lines.append(f"\n## Contacts\n{data['contacts']}")
    return "\n".join(lines)


def cite_facets(data: dict[str, Any]) -> str:
    return "\n".join(f"{name}: " + "; ".join(f"{v['value']} = {v['label']} ({v['count']})" for v in values)
                     for name, values in data.items())


# ---- the server ---------------------------------------------------------------------------------

def _strict_server_class() -> type:
    """``MCPServer`` checking a tool's arguments first: unknown ones refused, every problem in words."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from pydantic import ValidationError

    from ransearch.server.problems import plain_errors

    class StrictMCPServer(MCPServer):
        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            tool = self._tool_manager.get_tool(name)  # the SDK has no public lookup
            if tool is not None:
                known = set(tool.fn_metadata.arg_model.model_fields)
                problems = [f"{key!r} is not an argument of {name} (its arguments: {', '.join(sorted(known))})"
                            for key in arguments if key not in known]
                if not problems:
                    try:
                        tool.fn_metadata.validate_arguments(arguments)
                    except ValidationError as exc:
                        problems = [e["msg"] for e in plain_errors(exc.errors())]
                if problems:
                    raise ToolError(f"invalid arguments for {name}: " + "; ".join(problems))
            return await super().call_tool(name, arguments, context)

    return StrictMCPServer


def build_server(live: ServingEngine, *, contacts: bool = True) -> "MCPServer":
    """The MCP server over ``live``.

    Raises:
        RansearchError: the ``mcp`` extra is missing.
    """
    require_extra("mcp", "mcp")
    from mcp_types import CallToolResult, TextContent, ToolAnnotations

    from ransearch import __version__

    server = _strict_server_class()("ransearch", version=__version__, instructions=_INSTRUCTIONS)
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                open_world_hint=False)
    def answer(text: str, data: dict[str, Any]) -> CallToolResult:
        return CallToolResult(content=[TextContent(text=text)], structured_content=data)

    @server.tool(annotations=read_only)
    @_tool_errors
    def search_practices(query: Query, k: K = 5, filters: FilterArg = None) -> Annotated[CallToolResult, AskOut]:
        """Rank the RAN practices that fit a question, in any EU language. Each result cites the
        practice id, title, source document and the sections (label and snippet) that matched."""
        with live.exclusive() as engine:
            data = engine.ask(query, k=k, filters=filters.filters() if filters else None).to_dict()
        return answer(cite_hits(data, f"Practices for {_quote(data['query'])}"), data)

    @server.tool(annotations=read_only)
    @_tool_errors
    def get_practice(practice_id: PracticeId) -> Annotated[CallToolResult, PracticeOut]:
        """The full text of one practice, section by section, with its source document."""
        data = live.engine.practice(practice_id).to_dict(contacts=contacts)
        return answer(cite_practice(data), data)

    @server.tool(annotations=read_only)
    @_tool_errors
    def match_situation(situation: Situation, k: K = 5, filters: FilterArg = None
                        ) -> Annotated[CallToolResult, MatchOut]:
        """Recommend practices for a situation described in a few sentences: the needs read in
            it, the practices covering them (which section covers which need, with snippets), and
            the needs no practice covers."""  # the SDK sends docstrings as written: indent kept as before
        with live.exclusive() as engine:
            data = engine.match(situation, k=k, filters=filters.filters() if filters else None).to_dict()
        return answer(cite_match(data), data)

    @server.tool(annotations=read_only)
    @_tool_errors
    def similar_practices(practice_id: PracticeId, k: K = 5) -> Annotated[CallToolResult, SimilarOut]:
        """The practices most like a given one, with the sections that make them alike."""
        with live.exclusive() as engine:
            data = engine.similar(practice_id, k=k).to_dict()
        return answer(cite_hits(data, f"Practices like {practice_id}"), data)

    @server.tool(annotations=read_only)
    @_tool_errors
    def list_facets(lang: Lang = "en") -> Annotated[CallToolResult, FacetsOut]:
        """The filter values present in the index (countries, themes, audiences, languages),
            with how many practices have each: use them in the filters of the other tools."""
        data = live.engine.facets(lang).to_dict()
        return answer(cite_facets(data), data)

    return server


def run(index_dir: Path | str | None = None, *, contacts: bool = True) -> None:
    """Open the index, warm the encoder up, then serve MCP on stdin/stdout until the client leaves.

    Raises:
        RansearchError: the ``mcp`` extra is missing; IndexNotFound, IndexCorrupt, … as ``Engine.open``.
    """
    require_extra("mcp", "mcp")
    from ransearch.config import load_settings

    live = ServingEngine.open(index_dir, threads=load_settings().threads or 1)
    live.warm_up()
    server = build_server(live, contacts=contacts)
    import anyio

    anyio.run(_serve_stdio, server)


def rpc_error(line: str) -> dict[str, Any] | None:
    """The JSON-RPC error answering ``line``, or None when it is a JSON-RPC message (or blank).

    -32700 (parse error) for a line that is not JSON, -32600 (invalid request) for JSON that
    is not a JSON-RPC 2.0 message; the request's id is kept when it can be read.
    """
    from mcp_types import jsonrpc_message_adapter

    if not line.strip():
        return None
    try:
        jsonrpc_message_adapter.validate_json(line, by_name=False)
        return None
    except ValueError:
        pass
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return {"jsonrpc": "2.0", "id": None,
                "error": {"code": -32700, "message": "Parse error: the line is not JSON (one JSON-RPC message "
                                                     "per line, UTF-8)"}}
    rid = data.get("id") if isinstance(data, dict) else None
    return {"jsonrpc": "2.0", "id": rid if isinstance(rid, (str, int)) and not isinstance(rid, bool) else None,
            "error": {"code": -32600, "message": "Invalid Request: not a JSON-RPC 2.0 message (it needs "
                                                 "\"jsonrpc\": \"2.0\" and a method, or a result or an error)"}}


async def _serve_stdio(server: "MCPServer") -> None:
    """Serve ``server`` on stdin/stdout through the SDK's stdio transport, answering lines
    that are not JSON-RPC messages instead of dropping them."""
    import anyio
    from mcp.server.stdio import stdio_server

    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", newline="\n")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print can never break the protocol
    lock = anyio.Lock()

    def put(text: str) -> None:
        out.write(text)
        out.flush()

    class Output:
        async def write(self, text: str) -> None:
            async with lock:  # one line at a time: ours and the SDK's never interleave
                await anyio.to_thread.run_sync(put, text)

        async def flush(self) -> None:
            pass

    async def lines() -> AsyncIterator[str]:
        source = anyio.wrap_file(open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False))
        async for line in source:
            error = rpc_error(line)
            if error is None:
                if line.strip():
                    yield line
            else:
                await Output().write(json.dumps(error) + "\n")

    async with stdio_server(stdin=lines(), stdout=Output()) as (read_stream, write_stream):  # type: ignore[arg-type]
        lowlevel = server._lowlevel_server  # as MCPServer.run_stdio_async does
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
