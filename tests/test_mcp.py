"""The MCP server: the official SDK's own client talking to ``ransearch mcp`` over stdio.

The stdio tests start ``python -m ransearch mcp --index …`` on an index built with the real
encoder; the in-process tests connect the SDK's client to the server object over an index
built with the fake encoder, to cover errors and options quickly.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason='the MCP SDK is not installed (pip install "ransearch[mcp]")')

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from ransearch import Engine, Filters  # noqa: E402
from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.mcp_server import build_server  # noqa: E402

CORE_TOOLS = {"search_practices", "get_practice"}
OPTIONAL_TOOLS = {"match": "match_situation", "similar": "similar_practices", "facets": "list_facets"}
SITUATION = ("Des jeunes de notre ville reviennent de Syrie. Leurs familles sont isolées et ont besoin de "
             "soutien. Les écoles ne savent pas comment réagir.")


def expected_tools() -> set[str]:
    return CORE_TOOLS | {tool for op, tool in OPTIONAL_TOOLS.items() if hasattr(Engine, op)}


def run(client: Client, body: Callable[[Client], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with client as c:
            return await body(c)

    return asyncio.run(main())


def run_stdio(index: Path, tmp_path: Path, body: Callable[[Client], Awaitable[Any]], *extra: str,
              mode: str = "auto") -> Any:
    """Start ``python -m ransearch mcp --index INDEX *extra`` and run ``body`` with a client on it."""
    env = {k: v for k, v in os.environ.items() if k.startswith(("RANSEARCH_", "HOME", "PATH", "XDG_", "PYTHONPATH"))}
    params = StdioServerParameters(command=sys.executable, args=["-m", "ransearch", "mcp", "--index", str(index),
                                                                 *extra], env=env)
    with open(tmp_path / "mcp-stderr.log", "w") as errlog:
        client = Client(stdio_client(params, errlog=errlog), mode=mode, read_timeout_seconds=60)  # type: ignore[arg-type]
        return run(client, body)


def approx(data: Any) -> Any:
    """``data`` with every float compared to 1e-4: scores computed in another process (other BLAS
    threads) may differ in the last digit."""
    if isinstance(data, float):
        return pytest.approx(data, abs=1e-4)
    if isinstance(data, dict):
        return {k: approx(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [approx(v) for v in data]
    return data


def assert_cites(text: str, hit: dict[str, Any]) -> None:
    """The readable answer names everything a chatbot needs to cite this result."""
    for field in ("practice_id", "title", "source"):
        assert hit[field] and hit[field] in text, field


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_stdio_server_lists_and_answers_every_tool_with_citations(serve_real_index: Path, tmp_path: Path,
                                                                   mode: str) -> None:
    engine = Engine.open(serve_real_index)
    first = engine.practices()[0]

    async def session(c: Client) -> dict[str, Any]:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        out: dict[str, Any] = {"tools": tools}
        out["search"] = await c.call_tool("search_practices", {"query": "soutien aux familles", "k": 3,
                                                                "filters": {"country": "BE"}})
        out["practice"] = await c.call_tool("get_practice", {"practice_id": first.id})
        out["missing"] = await c.call_tool("get_practice", {"practice_id": "no-such-practice"})
        out["empty"] = await c.call_tool("search_practices", {"query": "   "})
        if "match_situation" in tools:
            out["match"] = await c.call_tool("match_situation", {"situation": SITUATION, "k": 3})
        if "similar_practices" in tools:
            out["similar"] = await c.call_tool("similar_practices", {"practice_id": first.id, "k": 2})
        if "list_facets" in tools:
            out["facets"] = await c.call_tool("list_facets", {"lang": "fr"})
        return out

    out = run_stdio(serve_real_index, tmp_path, session, mode=mode)
    assert set(out["tools"]) == expected_tools()
    for tool in out["tools"].values():
        assert tool.description and tool.input_schema["type"] == "object" and tool.output_schema
        assert tool.annotations.read_only_hint is True

    search = out["search"]
    assert not search.is_error
    data = search.structured_content
    assert data == approx(engine.ask("soutien aux familles", k=3, filters=Filters(country="BE")).to_dict())
    assert data["results"] and all(hit["country_code"] == "BE" for hit in data["results"])
    text = search.content[0].text
    for hit in data["results"]:
        assert_cites(text, hit)
        assert hit["sections"]
        for section in hit["sections"]:
            assert section["label"] in text and section["snippet"].split()[0] in text

    practice = out["practice"]
    assert not practice.is_error
    assert practice.structured_content == approx(first.to_dict(contacts=True))
    assert first.id in practice.content[0].text and first.title in practice.content[0].text

    assert out["missing"].is_error and "PracticeNotFound" in out["missing"].content[0].text
    assert out["empty"].is_error and "empty query" in out["empty"].content[0].text

    if "match" in out:
        assert not out["match"].is_error
        m = out["match"].structured_content
        assert m["needs"] and m["results"]
        for hit in m["results"]:
            assert_cites(out["match"].content[0].text, hit)
            for cover in hit["covers"]:
                assert cover["label"] in out["match"].content[0].text
    if "similar" in out:
        s = out["similar"].structured_content
        assert s["practice_id"] == first.id and first.id not in [h["practice_id"] for h in s["results"]]
        for hit in s["results"]:
            assert_cites(out["similar"].content[0].text, hit)
    if "facets" in out:
        assert out["facets"].structured_content == engine.facets("fr").to_dict()
        assert "Belgique" in out["facets"].content[0].text


def test_stdio_no_contacts_and_a_missing_index(serve_real_index: Path, tmp_path: Path) -> None:
    engine = Engine.open(serve_real_index)
    practice = next((p for p in engine.practices() if p.contacts), engine.practices()[0])

    async def get(c: Client) -> Any:
        return await c.call_tool("get_practice", {"practice_id": practice.id})

    result = run_stdio(serve_real_index, tmp_path, get, "--no-contacts")
    assert "contacts" not in result.structured_content
    if practice.contacts:
        assert practice.contacts not in result.content[0].text

    import subprocess

    done = subprocess.run([sys.executable, "-m", "ransearch", "mcp", "--index", str(tmp_path / "none")],
                          check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and done.stdout == ""
    assert "no index at" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture()
def in_process(serve_fake_index: Path, serve_fake_encoder):  # type: ignore[no-untyped-def]
    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder)
    return live, build_server(live)


def test_tool_arguments_are_validated(in_process) -> None:
    _live, server = in_process

    async def calls(c: Client) -> list[Any]:
        return [
            await c.call_tool("search_practices", {"query": "x", "k": 0}),
            await c.call_tool("search_practices", {"query": "x" * 10_000}),
            await c.call_tool("search_practices", {"query": "x", "filters": {"country": "Narnia"}}),
            await c.call_tool("search_practices", {"query": "x", "filters": {"planet": "Mars"}}),
            await c.call_tool("get_practice", {}),
        ]

    for result in run(Client(server), calls):
        assert result.is_error and result.content[0].text


@pytest.mark.parametrize("arguments, words", [
    ({"query": "x", "bogus": 1}, "'bogus' is not an argument of search_practices"),
    ({"query": "x", "k": "3"}, "k must be a whole number"),
    ({"query": "x", "k": True}, "k must be a whole number"),
    ({"query": "x", "filters": {"country": "x" * 300}}, "filters.country is longer than 200 characters"),
    ({"query": "x", "filters": {"language": "xx"}}, "unknown language 'xx'"),
])
def test_arguments_are_refused_as_http_refuses_them_in_plain_words(in_process, arguments, words: str) -> None:
    _live, server = in_process

    async def call(c: Client) -> Any:
        return await c.call_tool("search_practices", arguments)

    result = run(Client(server), call)
    assert result.is_error and words in result.content[0].text
    for internal in ("function-after", "validation error for", "Input should", "[type="):
        assert internal not in result.content[0].text


def test_stdio_answers_lines_that_are_not_json_rpc(serve_real_index: Path, tmp_path: Path) -> None:
    import json
    import subprocess

    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "probe", "version": "1"}}}
    lines = ["this is not json", '{"broken": ', '{"id": 7, "hello": "world"}', "[1, 2]", json.dumps(initialize)]
    env = {k: v for k, v in os.environ.items() if k != "RANSEARCH_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "ransearch", "mcp", "--index", str(serve_real_index)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("error", {}).get("code") for a in answers[:4]] == [-32700, -32700, -32600, -32600]
    assert answers[2]["id"] == 7 and answers[0]["id"] is None
    assert answers[4]["id"] == 1 and "result" in answers[4]  # the server goes on after bad lines
    assert "Traceback" not in done.stderr


def test_filters_and_the_new_generation_reach_the_tools(in_process, serve_fake_index: Path,
                                                        serve_fake_encoder) -> None:
    live, server = in_process

    async def search(c: Client) -> Any:
        return await c.call_tool("search_practices", {"query": "soutien", "k": 5,
                                                      "filters": {"country": ["NO"], "language": "fr"}})

    result = run(Client(server), search)
    assert result.structured_content["results"]
    assert {h["country_code"] for h in result.structured_content["results"]} == {"NO"}
    report = Engine.index([Path(__file__).resolve().parent / "data" / "seeds"], serve_fake_index,
                          encoder=serve_fake_encoder, full=True)
    assert live.refresh() and live.engine.manifest.generation == report.generation
    assert not run(Client(server), search).is_error
