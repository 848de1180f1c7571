"""What the HTTP server trusts and refuses (docs/security.md): Host names, tokens, load, slow
clients, content types, the docs page, plain validation errors, HEAD /health, a busy port.

Each test starts from a reproduction of the adversarial probe (issue 18, items 9-12, 14, 16).
Servers run on uvicorn on a loopback port with the fake encoder (see conftest).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
httpx = pytest.importorskip("httpx")

from ransearch.engine import Engine  # noqa: E402
from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.server import MIN_TOKEN_CHARS, ServerConfig, bind, create_app  # noqa: E402
from ransearch.server.guard import host_name  # noqa: E402
from ransearch.server.limits import LoadShed, header_deadline  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUERY = "soutien aux familles et réseau local"
TOKEN = "0123456789abcdef0123"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, serve_fake_encoder) -> ServingEngine:  # type: ignore[no-untyped-def]
    index = tmp_path_factory.mktemp("security") / "index"
    Engine.index([CORPUS], index, encoder=serve_fake_encoder)
    engine = ServingEngine.open(index, encoder=serve_fake_encoder)
    engine.warm_up()
    return engine


@pytest.fixture(scope="module")
def url(live: ServingEngine, serve_http) -> str:  # type: ignore[no-untyped-def]
    return str(serve_http(create_app(ServerConfig(allowed_hosts=("search.example.org",)), live)))


@pytest.fixture()
def client(url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as c:
        yield c


def raw_request(url: str, data: bytes, wait: float = 5.0) -> bytes:
    """Send ``data`` on a fresh connection; what the server answered before closing (or ``wait``)."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except socket.timeout:
            pass
        return out


# ---- 9. Host names (DNS rebinding) and redirects -------------------------------------------------

@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:{port}", 200), ("localhost:{port}", 200), ("LOCALHOST", 200), ("[::1]:{port}", 200),
    ("search.example.org", 200), ("search.example.org:443", 200),
    ("evil.example:{port}", 400), ("rebind.attacker.test", 400), ("127.0.0.1.nip.io:{port}", 400),
    ("[::1", 400), ("localhost:http", 400), ("", 400),
])
def test_only_the_names_of_the_server_are_answered(client, url: str, host: str, status: int) -> None:
    port = url.rsplit(":", 1)[1]
    response = client.get("/health", headers={"host": host.format(port=port)})
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["error"] == "BadRequest" and "--allowed-host" in response.json()["detail"]
        assert "generation" not in response.text  # nothing of the API leaks


def test_a_request_without_host_is_refused(url: str) -> None:
    answer = raw_request(url, b"GET /practices HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_redirects_are_relative_whatever_the_host(client, url: str) -> None:
    response = client.get("/practices/", follow_redirects=False, headers={"host": "localhost"})
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/practices"
    assert client.get("/practices/", follow_redirects=False,
                      headers={"host": "evil.example"}).status_code == 400


def test_a_server_on_every_address_accepts_ip_literals_and_given_names(live: ServingEngine) -> None:
    from starlette.testclient import TestClient

    config = ServerConfig(host="0.0.0.0", token=TOKEN, allowed_hosts=("search.example.org",))
    app = create_app(config, live)
    auth = {"authorization": f"Bearer {TOKEN}"}
    for base, status in [("http://192.168.1.20:8000", 200), ("http://[2001:db8::1]", 200),
                         ("http://search.example.org", 200), ("http://localhost", 200),
                         ("http://intranet-name", 400), ("http://evil.example", 400)]:
        with TestClient(app, base_url=base) as c:
            assert c.get("/health", headers=auth).status_code == status, base
    bound = create_app(ServerConfig(host="10.1.2.3", token=TOKEN), live)
    with TestClient(bound, base_url="http://10.1.2.3:8000") as c:
        assert c.get("/health", headers=auth).status_code == 200
    with TestClient(bound, base_url="http://10.9.9.9:8000") as c:
        assert c.get("/health", headers=auth).status_code == 400


@pytest.mark.parametrize("value, name", [("LocalHost:80", "localhost"), ("[::1]:8000", "[::1]"), ("a.b-c", "a.b-c"),
                                         ("a b", None), ("x:1:2", None), ("[zz]", None), (b"\xff", None), (None, None)])
def test_host_name_reads_the_header(value, name) -> None:  # type: ignore[no-untyped-def]
    assert host_name(value) == name


@pytest.mark.parametrize("bad", ["evil.example:80", "a b", "http://x.org", ""])
def test_allowed_host_must_be_a_bare_name(bad: str) -> None:
    with pytest.raises(ValueError, match="allowed-host"):
        ServerConfig(allowed_hosts=(bad,))
    ServerConfig(allowed_hosts=("search.example.org", "10.0.0.1", "::1", "*"))


# ---- 11. tokens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("token, message", [
    (None, "without a token"), ("", "is blank"), ("   ", "is blank"),
    ("short", "too short"), ("x" * (MIN_TOKEN_CHARS - 1), "too short"),
    ("with a space inside it", "printable ASCII"), ("é" * 20, "printable ASCII"),
])
def test_a_public_bind_refuses_a_missing_blank_or_short_token(token: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerConfig(host="0.0.0.0", token=token)
    assert ServerConfig(host="0.0.0.0", token="x" * MIN_TOKEN_CHARS).token
    assert ServerConfig(host="127.0.0.1", token="   ").token is None  # blank on loopback: no token


def test_serve_says_the_token_rule_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RANSEARCH_")} | {"RANSEARCH_TOKEN": "abc"}
    done = subprocess.run([sys.executable, "-m", "ransearch", "serve", "--host", "0.0.0.0", "--index",
                           str(tmp_path / "none")], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"at least {MIN_TOKEN_CHARS} characters" in done.stderr


# ---- 10. load shedding and slow clients ---------------------------------------------------------

def test_beyond_the_queue_requests_are_refused_fast_with_retry_after() -> None:
    async def slow_app(scope, receive, send):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.3)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    shed = LoadShed(slow_app, max_active=2, max_queued=2, queue_wait=0.1)

    async def main() -> list[tuple[int, float, str | None]]:
        transport = httpx.ASGITransport(app=shed)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            async def one() -> tuple[int, float, str | None]:
                start = time.perf_counter()
                response = await c.get("/")
                return response.status_code, time.perf_counter() - start, response.headers.get("retry-after")
            return list(await asyncio.gather(*(one() for _ in range(10))))

    results = asyncio.run(main())
    served = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] == 503]
    assert len(served) == 2 and len(refused) == 8  # two slots; the two waiting gave up after 0.1 s
    assert all(r[2] == "1" for r in refused)
    assert max(r[1] for r in refused) < 0.25  # refused fast, never after a served request's time


def test_the_app_sheds_load_as_configured(live: ServingEngine) -> None:
    app = create_app(ServerConfig(max_active=1, max_queued=0, queue_wait=0), live)

    async def main() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            responses = await asyncio.gather(*(c.post("/ask", json={"query": f"{QUERY} {i}"}) for i in range(6)))
        return [r.status_code for r in responses]

    codes = asyncio.run(main())
    assert set(codes) <= {200, 503} and 200 in codes and 503 in codes


def test_a_slow_body_gets_408_and_holds_no_slot(live: ServingEngine, serve_http) -> None:  # type: ignore[no-untyped-def]
    url = serve_http(create_app(ServerConfig(body_timeout=0.5, max_active=1), live))
    start = time.perf_counter()
    answer = raw_request(url, b"POST /ask HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 100\r\n\r\n{\"query\":", wait=10)
    assert answer.startswith(b"HTTP/1.1 408") and b"RequestTimeout" in answer
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("sent", [b"", b"GET /health HTTP/1.1\r\nHost: local"])
def test_a_client_slow_with_its_headers_is_cut_off(live: ServingEngine, serve_http, sent: bytes) -> None:  # type: ignore[no-untyped-def]
    url = serve_http(create_app(ServerConfig(), live), http=header_deadline(0.5))
    start = time.perf_counter()
    assert raw_request(url, sent, wait=10) == b""  # closed without an answer
    assert time.perf_counter() - start < 5
    with httpx.Client(base_url=url, trust_env=False) as c:  # a normal client is not hurt, nor its keep-alive
        assert c.get("/health").status_code == 200
        time.sleep(0.7)
        assert c.get("/health").status_code == 200


# ---- 12. the docs page --------------------------------------------------------------------------

def test_docs_come_from_the_installed_package_never_a_cdn(live: ServingEngine, serve_http) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("fastapi_offline", reason='the "docs" extra is not installed')
    url = serve_http(create_app(ServerConfig(token=TOKEN), live))
    with httpx.Client(base_url=url, trust_env=False) as c:  # the docs need no token: they hold no data
        for page in ("/docs", "/redoc"):
            html = c.get(page).text
            assert "/docs-static/" in html
            assert "cdn" not in html.lower() and "https://" not in html.replace("https://fastapi", "")
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            assert c.get(f"/docs-static/{name}").status_code == 200, name
        assert c.get("/health").status_code == 401


def test_without_the_docs_extra_docs_say_which_to_install(live: ServingEngine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from ransearch.server import docs

    monkeypatch.setattr(docs, "docs_files", lambda: None)
    with TestClient(create_app(ServerConfig(), live), base_url="http://localhost") as c:
        response = c.get("/docs")
        assert response.status_code == 404 and 'ransearch[docs]' in response.json()["detail"]
        assert c.get("/openapi.json").status_code == 200


# ---- 14. plain errors, 415, strict numbers, one filter validation --------------------------------

@pytest.mark.parametrize("body, sentence", [
    ({"query": QUERY, "country": "x" * 300}, "country is longer than 200 characters"),
    ({"query": QUERY, "country": 5}, "country must be a text string or a list of text strings"),
    ({"query": QUERY, "country": ["BE", 5]}, "country[1] must be a text string"),
    ({"query": QUERY, "k": "3"}, "k must be a whole number"),
    ({"query": QUERY, "k": True}, "k must be a whole number"),
    ({"query": QUERY, "k": 3.5}, "k must be a whole number"),
    ({"query": QUERY, "k": 0}, "k must be at least 1"),
    ({"query": ""}, "query must not be empty"),
    ({}, "query is required"),
    ({"query": QUERY, "colour": "red"}, "'colour' is not a known field"),
    ({"query": QUERY, "mode": "psychic"}, "mode must be one of 'hybrid', 'dense' or 'lexical'"),
])
def test_validation_errors_are_plain_sentences(client, body, sentence: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/ask", json=body)
    assert response.status_code == 422
    data = response.json()
    assert data["error"] == "ValidationError" and data["detail"].startswith(sentence)
    assert all(e["msg"] and "[" not in e["loc"].replace("[1]", "") for e in data["errors"])
    for internal in ("function-after", "constrained-str", "_valid_unicode", "Input should"):
        assert internal not in response.text


def test_match_refuses_a_string_or_boolean_k(client) -> None:  # type: ignore[no-untyped-def]
    for k in ("3", True):
        response = client.post("/match", json={"situation": "Des familles sont isolées.", "k": k})
        assert response.status_code in (404, 422)  # 404: an engine without match
        if response.status_code == 422:
            assert "k must be a whole number" in response.json()["detail"]


@pytest.mark.parametrize("headers", [{"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"},
                                     {}])
def test_a_body_that_is_not_declared_json_gets_415(client, headers) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/ask", content=b'{"query": "x"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"] == "UnsupportedMediaType" and "send JSON" in response.json()["detail"]
    ok = client.post("/ask", content=b'{"query": "x"}', headers={"content-type": "application/json; charset=utf-8"})
    assert ok.status_code == 200
    assert client.post("/health", content=b"x", headers=headers).status_code == 405  # not a JSON route: no 415


@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/ask", {"json": {"query": QUERY, "language": "xx"}}),
    ("POST", "/ask", {"json": {"query": QUERY, "language": ["fr", "xx"]}}),
    ("GET", "/practices", {"params": {"language": "xx"}}),
    ("GET", "/facets", {"params": {"lang": "xx1"}}),
    ("GET", "/facets", {"params": {"lang": "zz"}}),
])
def test_unknown_languages_are_refused_like_unknown_countries(client, method: str, path: str, kwargs) -> None:  # type: ignore[no-untyped-def]
    response = client.request(method, path, **kwargs)
    if path == "/facets" and response.status_code == 404:
        pytest.skip("the engine has no facets")
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "QueryError" and "ISO 639-1" in response.json()["detail"]
    country = client.post("/ask", json={"query": QUERY, "country": "Narnia"})
    assert country.status_code == 422 and country.json()["error"] == "QueryError"


def test_the_cli_refuses_unknown_languages_as_http_does(serve_real_index: Path) -> None:
    for args in (["facets", "--lang", "xx1"], ["ask", "prévention", "--lang", "xx"], ["practices", "--lang", "xx"]):
        done = subprocess.run([sys.executable, "-m", "ransearch", *args, "--index", str(serve_real_index)],
                              capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
        assert done.returncode == 2, (args, done.stderr)
        assert "ISO 639-1" in done.stderr and "Traceback" not in done.stderr


# ---- 16. HEAD /health, a busy port --------------------------------------------------------------

def test_head_health_answers_200_without_a_body(url: str) -> None:
    answer = raw_request(url, b"HEAD /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b""


def test_a_busy_port_is_said_in_one_line_before_the_model_loads(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(Exception, match="already in use"):
            bind("127.0.0.1", port)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "ransearch", "serve", "--port", str(port),
                               "--index", str(tmp_path / "no-index-here")], capture_output=True, text=True,
                              timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and f"port {port}" in done.stderr and "already in use" in done.stderr
    assert "no index" not in done.stderr  # said before the index (and the model) is opened
    assert time.perf_counter() - start < 30
