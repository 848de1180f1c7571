"""The HTTP API over a real uvicorn server on a loopback port, with httpx as the client.

The index is built from ``corpus/`` with the fake encoder (see conftest), so each test starts
a server in well under a second. tests/test_server_real.py runs ``ransearch serve`` itself.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
httpx = pytest.importorskip("httpx")

from ransearch import Engine, Filters  # noqa: E402
from ransearch.errors import IndexCorrupt, RansearchError  # noqa: E402
from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.server import ServerConfig, create_app, is_loopback  # noqa: E402
from ransearch.server.schemas import MAX_K, MAX_QUERY_CHARS  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"  # the 3 seeds (corpus/ is the demo)
QUERY = "soutien aux familles et réseau local"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, serve_fake_encoder, serve_http):  # type: ignore[no-untyped-def]
    """One server for the tests that change nothing: (ServingEngine, url)."""
    index = tmp_path_factory.mktemp("server") / "index"
    Engine.index([CORPUS], index, encoder=serve_fake_encoder)
    live = ServingEngine.open(index, encoder=serve_fake_encoder)
    live.warm_up()
    return live, serve_http(create_app(ServerConfig(), live))


@pytest.fixture()
def live(shared) -> ServingEngine:  # type: ignore[no-untyped-def]
    return shared[0]


@pytest.fixture()
def client(shared):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=shared[1], timeout=10, trust_env=False) as c:
        yield c


@pytest.fixture()
def own_live(serve_fake_index: Path, serve_fake_encoder) -> ServingEngine:  # type: ignore[no-untyped-def]
    """A ServingEngine of its own, for tests that re-index underneath it."""
    engine = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder, interval=0.05)
    engine.warm_up()
    return engine


@pytest.fixture()
def own_url(own_live: ServingEngine, serve_http) -> str:  # type: ignore[no-untyped-def]
    return serve_http(create_app(ServerConfig(), own_live))


@pytest.fixture()
def own_client(own_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=own_url, timeout=10, trust_env=False) as c:
        yield c


def test_health_names_the_generation_encoder_and_counts(client, live: ServingEngine) -> None:
    body = client.get("/health").json()
    m = live.engine.manifest
    assert body["status"] == "ok"
    assert body["generation"] == m.generation
    assert body["encoder"] == "fake" and body["dimension"] == 64
    assert body["practices"] == m.counts["practices"] == 3
    assert body["chunks"] == m.counts["chunks"] > 0
    assert set(body["capabilities"]) <= {"match", "similar", "facets"}


@pytest.mark.parametrize("request_body, kwargs", [
    ({"query": QUERY}, {}),
    ({"query": QUERY, "k": 2}, {"k": 2}),
    ({"query": QUERY, "k": 3, "country": "Belgique"}, {"k": 3, "filters": Filters(country="Belgique")}),
    ({"query": QUERY, "country": ["BE", "NO"], "language": "fr"},
     {"filters": Filters(country=("BE", "NO"), language=("fr",))}),
    ({"query": QUERY, "theme": "Family support"}, {"filters": Filters(theme="Family support")}),
    ({"query": QUERY, "mode": "lexical"}, {"mode": "lexical"}),
])
def test_ask_returns_the_contract_of_ask_json(client, live: ServingEngine, request_body, kwargs) -> None:
    response = client.post("/ask", json=request_body)
    assert response.status_code == 200, response.text
    expected = live.engine.ask(QUERY, **kwargs).to_dict()
    assert response.json() == json.loads(json.dumps(expected, ensure_ascii=False))
    for hit in response.json()["results"]:  # every result can be cited
        assert hit["practice_id"] and hit["title"] and hit["source"]
        assert all(s["label"] and s["snippet"] for s in hit["sections"])


@pytest.mark.parametrize("request_body, error", [
    ({"query": ""}, "ValidationError"),
    ({"query": "   "}, "QueryError"),
    ({"query": "x" * (MAX_QUERY_CHARS + 1)}, "ValidationError"),
    ({"query": QUERY, "k": 0}, "ValidationError"),
    ({"query": QUERY, "k": MAX_K + 1}, "ValidationError"),
    ({"query": QUERY, "k": "many"}, "ValidationError"),
    ({"query": QUERY, "country": "Narnia"}, "QueryError"),
    ({"query": QUERY, "theme": "astrology"}, "QueryError"),
    ({"query": QUERY, "language": "french"}, "QueryError"),
    ({"query": QUERY, "mode": "psychic"}, "ValidationError"),
    ({"query": QUERY, "country": ["BE"] * 50}, "ValidationError"),
    ({"text": QUERY}, "ValidationError"),
    ({"query": QUERY, "extra": 1}, "ValidationError"),
    ([QUERY], "ValidationError"),
    ({"query": 42}, "ValidationError"),
])
def test_bad_ask_requests_get_a_clear_422(client, request_body, error) -> None:
    response = client.post("/ask", json=request_body)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == error and body["detail"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b'{"query": "\\ud800"}', b"null"])
def test_undecodable_bodies_get_422(client, raw: bytes) -> None:
    response = client.post("/ask", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


def test_an_oversized_body_gets_413_declared_or_chunked(client) -> None:
    big = json.dumps({"query": "x" * 70_000}).encode()
    response = client.post("/ask", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"

    def chunks():  # no Content-Length: sent chunked
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    response = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    small = json.dumps({"query": QUERY}).encode()
    response = client.post("/ask", content=iter([small[:5], small[5:]]), headers={"content-type": "application/json"})
    assert response.status_code == 200


def test_practices_lists_without_sections_or_contacts_and_filters(client, live: ServingEngine) -> None:
    listed = client.get("/practices").json()["practices"]
    assert [p["id"] for p in listed] == [p.id for p in live.engine.practices()]
    assert all(p["sections"] is None and "contacts" not in p for p in listed)
    be = client.get("/practices", params={"country": "BE"}).json()["practices"]
    assert be and all(p["country_code"] == "BE" for p in be)
    both = client.get("/practices", params=[("country", "BE"), ("country", "NO")]).json()["practices"]
    assert len(both) == len(listed)
    assert client.get("/practices", params={"theme": "astrology"}).status_code == 422


def test_one_practice_and_unknown_ids(client, live: ServingEngine) -> None:
    first = live.engine.practices()[0]
    body = client.get(f"/practices/{first.id}").json()
    assert body == json.loads(json.dumps(first.to_dict(contacts=True)))
    missing = client.get("/practices/no-such-practice")
    assert missing.status_code == 404 and missing.json()["error"] == "PracticeNotFound"
    assert client.get("/practices/%F0%9F%98%80%00").status_code == 404


def test_no_contacts_leaves_contacts_out_of_every_response(live: ServingEngine, serve_http) -> None:
    url = serve_http(create_app(ServerConfig(contacts=False), live))
    with httpx.Client(base_url=url, trust_env=False) as c:
        ids = [p["id"] for p in c.get("/practices").json()["practices"]]
        assert ids
        with_contacts = [p for p in live.engine.practices() if p.contacts]
        bodies = [c.get(f"/practices/{i}").text for i in ids] + [c.post("/ask", json={"query": QUERY, "k": 3}).text]
        if "similar" in c.get("/health").json()["capabilities"]:
            bodies += [c.get(f"/practices/{i}/similar").text for i in ids]
    for body in bodies:
        assert '"contacts"' not in body
        for p in with_contacts:
            assert p.contacts not in body


def test_token_is_required_when_configured(live: ServingEngine, serve_http) -> None:
    url = serve_http(create_app(ServerConfig(token="s3cret"), live))
    with httpx.Client(base_url=url, trust_env=False) as c:
        for method, path in [("GET", "/health"), ("GET", "/practices"), ("POST", "/ask"), ("GET", "/nowhere")]:
            response = c.request(method, path, content=b"{broken")
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"] == "Unauthorized"
        assert c.get("/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/health", headers={"Authorization": "s3cret"}).status_code == 401
        ok = {"Authorization": "Bearer s3cret"}
        assert c.get("/health", headers=ok).status_code == 200
        assert c.post("/ask", json={"query": QUERY}, headers=ok).status_code == 200
        schema = c.get("/openapi.json")  # the schema and docs hold no data
        assert schema.status_code == 200
        assert "HTTPBearer" in schema.json()["components"]["securitySchemes"]
        assert c.get("/docs").status_code == 200


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.8.9.1", True), ("localhost", True),
                                            ("::1", True), ("[::1]", True), ("0.0.0.0", False),
                                            ("192.168.1.10", False), ("example.org", False), ("::", False)])
def test_listening_beyond_loopback_needs_a_token(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        ServerConfig(host=host)
    else:
        with pytest.raises(ValueError, match="RANSEARCH_TOKEN"):
            ServerConfig(host=host)
        ServerConfig(host=host, token="t" * 16)


def test_token_and_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEARCH_TOKEN", "from-env-0123456789")
    assert ServerConfig.from_env(host="0.0.0.0").token == "from-env-0123456789"
    assert ServerConfig.from_env(host="0.0.0.0", token="flag-0123456789ab").token == "flag-0123456789ab"
    monkeypatch.delenv("RANSEARCH_TOKEN")
    with pytest.raises(ValueError):
        ServerConfig.from_env(host="0.0.0.0")
    monkeypatch.delenv("RANSEARCH_THREADS", raising=False)
    assert ServerConfig.from_env().threads == 1  # one BLAS thread per query unless asked
    monkeypatch.setenv("RANSEARCH_THREADS", "2")
    assert ServerConfig.from_env().threads == 2
    assert ServerConfig.from_env(threads=3).threads == 3
    with pytest.raises(ValueError):
        ServerConfig(threads=0)


def test_openapi_schema_docs_and_root(client) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/ask", "/practices", "/practices/{practice_id}", "/health"} <= paths
    assert "/" not in paths
    assert client.get("/docs").status_code == 200
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 200 and root.headers["content-type"].startswith("text/html")  # the page: test_web*.py
    assert client.get("/nowhere").json() == {"error": "NotFound", "detail": "Not Found"}
    assert client.put("/ask").status_code == 405


@pytest.mark.skipif(not hasattr(Engine, "similar"), reason="the engine has no similar() yet")
def test_similar_practices(client, live: ServingEngine) -> None:
    first = live.engine.practices()[0]
    response = client.get(f"/practices/{first.id}/similar", params={"k": 2})
    assert response.status_code == 200
    expected = live.engine.similar(first.id, k=2).to_dict()  # type: ignore[attr-defined]
    assert response.json() == json.loads(json.dumps(expected))
    assert first.id not in [r["practice_id"] for r in response.json()["results"]]
    assert client.get("/practices/nope/similar").status_code == 404
    assert client.get(f"/practices/{first.id}/similar", params={"k": 0}).status_code == 422


@pytest.mark.skipif(not hasattr(Engine, "match"), reason="the engine has no match() yet")
def test_match_situation(client, live: ServingEngine) -> None:
    situation = ("Des jeunes reviennent de Syrie. Leurs familles sont isolées et ont besoin de soutien. "
                 "Les écoles doivent être formées.")
    response = client.post("/match", json={"situation": situation, "k": 3, "country": "BE"})
    assert response.status_code == 200, response.text
    expected = live.engine.match(situation, k=3, filters=Filters(country="BE")).to_dict()
    assert response.json() == json.loads(json.dumps(expected))
    body = response.json()
    assert body["needs"] and all(r["country_code"] == "BE" for r in body["results"])
    for hit in body["results"]:
        for cover in hit["covers"]:
            assert cover["need"] in {n["id"] for n in body["needs"]} and cover["label"] and cover["snippet"]
    assert client.post("/match", json={"situation": ""}).status_code == 422
    assert client.post("/match", json={"situation": "x", "k": 0}).status_code == 422


@pytest.mark.skipif(not hasattr(Engine, "facets"), reason="the engine has no facets() yet")
def test_facets(client, live: ServingEngine) -> None:
    body = client.get("/facets").json()
    assert set(body) == {"country", "theme", "audience", "language"}
    countries = {v["value"]: v["count"] for v in body["country"]}
    assert sum(countries.values()) == sum(1 for p in live.engine.practices() if p.country_code)
    french = client.get("/facets", params={"lang": "fr"}).json()
    assert french == json.loads(json.dumps(live.engine.facets("fr").to_dict()))
    assert client.get("/facets", params={"lang": "french"}).status_code == 422


def served_generation(client, expected: str, timeout: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    """The generation /health names once it is ``expected``, or when ``timeout`` has passed:
    the server notices a new generation at its next look (every 0.05 s here) and loads it."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        served = client.get("/health").json()["generation"]
        if served == expected or time.monotonic() > deadline:
            return str(served)
        time.sleep(0.02)


def test_a_new_generation_is_served_without_restart(own_client, own_live: ServingEngine, serve_fake_index: Path,
                                                     serve_fake_encoder) -> None:
    before = own_client.get("/health").json()["generation"]
    report = Engine.index([CORPUS], serve_fake_index, encoder=serve_fake_encoder, full=True)
    assert report.generation != before
    assert served_generation(own_client, report.generation) == report.generation
    assert own_live.engine.encoder is serve_fake_encoder  # no second model load
    assert own_client.post("/ask", json={"query": QUERY}).status_code == 200


def test_no_request_fails_while_generations_switch(own_client, own_live: ServingEngine, serve_fake_index: Path,
                                                   serve_fake_encoder, own_url: str) -> None:
    statuses: list[int] = []
    generations: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=own_url, timeout=10, trust_env=False) as c:
            while not stop.is_set():
                statuses.append(c.post("/ask", json={"query": QUERY, "k": 3}).status_code)
                generations.add(c.get("/health").json()["generation"])

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        built = [Engine.index([CORPUS], serve_fake_index, encoder=serve_fake_encoder, full=True).generation
                 for _ in range(3)]
        assert served_generation(own_client, built[-1]) == built[-1]
    finally:
        stop.set()
        for w in workers:
            w.join(20)
    assert statuses and set(statuses) == {200}, statuses
    assert own_live.engine.manifest.generation == built[-1]
    assert len(generations) >= 2


def test_a_broken_new_generation_leaves_the_old_one_serving(own_client, own_live: ServingEngine, serve_fake_index: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    serving = own_live.engine.generation_dir
    broken = serving.parent / "g99999999T000000000000Z-1"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", "utf-8")
    (serve_fake_index / "CURRENT.tmp").write_text(broken.name + "\n", "utf-8")
    (serve_fake_index / "CURRENT.tmp").replace(serve_fake_index / "CURRENT")
    with caplog.at_level("WARNING", logger="ransearch.serving"):
        own_client.get("/health")
        own_live.wait(10)
        assert own_live.refresh() is False
    assert own_live.engine.generation_dir == serving
    assert own_client.post("/ask", json={"query": QUERY}).status_code == 200
    assert own_client.get("/health").json()["generation"] == serving.name


def test_create_app_names_the_extra_when_fastapi_is_missing(monkeypatch: pytest.MonkeyPatch, live) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "fastapi", None)
    with pytest.raises(RansearchError, match=r'pip install "ransearch\[server\]"'):
        create_app(ServerConfig(), live)


def test_create_app_opens_the_index_itself(tmp_path: Path) -> None:
    with pytest.raises(RansearchError):
        create_app(ServerConfig(index_dir=tmp_path / "missing"))
    with pytest.raises((IndexCorrupt, RansearchError)):
        (tmp_path / "idx").mkdir()
        (tmp_path / "idx" / "CURRENT").write_text("nothing\n")
        create_app(ServerConfig(index_dir=tmp_path / "idx"))


def test_queries_reach_the_encoder_one_at_a_time(serve_fake_index: Path, serve_fake_encoder, serve_http) -> None:
    """Two encoder calls at once can hang a BLAS-backed encoder: the server never makes them."""
    import time

    class Probe:
        name, dimension = serve_fake_encoder.name, serve_fake_encoder.dimension
        inside = most = 0
        guard = threading.Lock()

        def encode_queries(self, texts):  # type: ignore[no-untyped-def]
            with self.guard:
                Probe.inside += 1
                Probe.most = max(Probe.most, Probe.inside)
            time.sleep(0.002)
            try:
                return serve_fake_encoder.encode_queries(texts)
            finally:
                with self.guard:
                    Probe.inside -= 1

        encode_passages = encode_queries

        def warm_up(self) -> None:
            pass

    live = ServingEngine.open(serve_fake_index, encoder=Probe())  # type: ignore[arg-type]
    url = serve_http(create_app(ServerConfig(), live))
    statuses: list[int] = []

    def client() -> None:
        with httpx.Client(base_url=url, timeout=30, trust_env=False) as c:
            for i in range(8):
                statuses.append(c.post("/ask", json={"query": f"{QUERY} {i}"}).status_code)
                if hasattr(live.engine, "similar"):
                    statuses.append(c.get(f"/practices/{live.engine.practices()[0].id}/similar").status_code)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses and set(statuses) == {200}
    assert Probe.most == 1
