"""``ransearch fetch``: a crawl of a real HTTP server on 127.0.0.1 (tests/fetch_site.py) with
every way a page can misbehave, the report and exit status for each, and the second,
conditional run that downloads nothing."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from fetch_site import LISTING_PATH, PRACTICES_PATH, Site, conditional, listing_page, practice_page, send, serve, soft_404

from ransearch.errors import FetchError
from ransearch.fetch import ClientConfig, FetchConfig, fetch_pages
from ransearch.fetch.client import retry_after
from ransearch.fetch.page import read_page, slug_of, with_canonical
from ransearch.fetch.state import STATE_FILE

FAST = ClientConfig(delay=0, timeout=0.4, retries=1, backoff=0.01, max_retry_after=3, max_bytes=100_000,
                    page_seconds=5)
CONFIG = FetchConfig(follow=r"/ran-practices/[^/]+_en$", client=FAST)
GOOD = ["alpha", "bravo", "charlie", "delta"]
PAGE2 = LISTING_PATH + "?page=1"


def p(slug: str) -> str:
    return f"{PRACTICES_PATH}{slug}_en"


def build_site() -> Site:
    """Listing over two pages; good, conditional and misbehaving practice pages."""
    site = Site()
    first = [p(s) for s in ["alpha", "bravo", "etag", "lastmod", "missing", "flaky", "busy", "slow", "secret"]]
    second = [p(s) for s in ["charlie", "delta", "notpractice", "huge", "moved"]]
    site.body(LISTING_PATH, listing_page(first, [LISTING_PATH + "?page=0", PAGE2]))
    site.body(PAGE2, listing_page(second, [LISTING_PATH + "?page=0", PAGE2]))
    site.body(LISTING_PATH + "?page=0", listing_page(first, [LISTING_PATH + "?page=0", PAGE2]))
    site.body("/robots.txt", f"User-agent: *\nDisallow: {p('secret')}\n".encode(), headers={})
    for n, slug in enumerate(GOOD):
        # alpha names its canonical address; the others do not (the fetch adds one)
        site.body(p(slug), practice_page(slug, n, "https://example.eu" + p(slug) if slug == "alpha" else None))
    site.routes[p("etag")] = _route(conditional(practice_page("etag", 1, None), etag='"v1"'))
    site.routes[p("lastmod")] = _route(conditional(practice_page("lastmod", 2, None), modified=1_700_000_000))
    site.routes[p("secret")] = _route(lambda n, h: send(h, 200, practice_page("secret", 0, None), {}))

    def flaky(n: int, h) -> None:  # type: ignore[no-untyped-def]
        send(h, 500, b"oops", {}) if n == 1 else send(h, 200, practice_page("flaky", 3, None), {})

    def busy(n: int, h) -> None:  # type: ignore[no-untyped-def]
        send(h, 429, b"slow down", {"Retry-After": "1"}) if n == 1 else send(h, 200, practice_page("busy", 0, None), {})

    def slow(n: int, h) -> None:  # type: ignore[no-untyped-def]
        time.sleep(1.5)
        send(h, 200, practice_page("slow", 1, None), {})

    def huge(n: int, h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")  # no Content-Length: the limit must bite while streaming
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"<p>" + b"word " * 1000 + b"</p>")

    def moved(n: int, h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(302)
        h.send_header("Location", f"http://localhost:{h.server.server_address[1]}{p('alpha')}")
        h.send_header("Content-Length", "0")
        h.end_headers()

    for slug, fn in {"flaky": flaky, "busy": busy, "slow": slow, "huge": huge, "moved": moved}.items():
        site.routes[p(slug)] = _route(fn)
    site.body(p("notpractice"), soft_404())
    return site


def _route(fn):  # type: ignore[no-untyped-def]
    from fetch_site import Route

    return Route(fn)


@pytest.fixture()
def site() -> Site:
    return build_site()


def _by_url(report, name: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {o.url.rsplit("/", 1)[-1]: o for o in getattr(report, name)}


def test_a_crawl_sorts_every_page_into_its_list(site: Site, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    with serve(site) as base:
        report = fetch_pages([base + LISTING_PATH], corpus, config=CONFIG)
    downloaded = _by_url(report, "downloaded")
    assert set(downloaded) == {f"{s}_en" for s in GOOD + ["etag", "lastmod", "flaky", "busy"]}
    assert sorted(f.name for f in corpus.glob("*.html")) == sorted(
        f"{s}.html" for s in GOOD + ["etag", "lastmod", "flaky", "busy"])
    failed = _by_url(report, "failed")
    assert set(failed) == {"slow_en", "huge_en", "moved_en"}
    assert "timed out" in failed["slow_en"].reason
    assert "larger than 100000 bytes" in failed["huge_en"].reason
    assert "off the host" in failed["moved_en"].reason
    assert set(_by_url(report, "gone")) == {"missing_en"}
    assert "404" in _by_url(report, "gone")["missing_en"].reason
    assert set(_by_url(report, "not_practices")) == {"notpractice_en"}
    assert set(_by_url(report, "skipped")) == {"secret_en"}
    assert not site.hits(p("secret")), "robots.txt disallows it: never requested"
    assert report.exit_status == 3
    # retries: the 500 was retried, the 429 waited for its Retry-After
    assert len(site.hits(p("flaky"))) == 2
    (t1, _), (t2, _) = site.hits(p("busy"))
    assert t2 - t1 >= 0.9
    # politeness: every request names ransearch and its version
    from ransearch import __version__

    assert all(f"ransearch/{__version__}" in h.get("User-Agent", "") for _, _, h in site.log)
    # the saved pages carry their address: alpha its own canonical, bravo an injected one
    assert b'href="https://example.eu' in (corpus / "alpha.html").read_bytes()
    assert f'<link rel="canonical" href="{base}{p("bravo")}">'.encode() in (corpus / "bravo.html").read_bytes()
    assert not list(corpus.glob(".fetch-*.part"))


def test_the_second_run_is_conditional_and_leaves_files_untouched(site: Site, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    with serve(site) as base:
        fetch_pages([base + LISTING_PATH], corpus, config=CONFIG)
        stamps = {f.name: f.stat().st_mtime_ns for f in corpus.glob("*.html")}
        sent_before = dict(site.sent)
        report = fetch_pages([base + LISTING_PATH], corpus, config=CONFIG)
    for slug in ("etag", "lastmod"):
        assert site.sent.get(p(slug), 0) == sent_before[p(slug)], f"{slug}: no body bytes the second time"
        assert _by_url(report, "unchanged")[f"{slug}_en"].reason == "not modified (304)"
    assert site.hits(p("etag"))[-1][1].get("If-None-Match") == '"v1"'
    assert "If-Modified-Since" in site.hits(p("lastmod"))[-1][1]
    assert not report.downloaded
    assert {f.name: f.stat().st_mtime_ns for f in corpus.glob("*.html")} == stamps
    assert json.loads((corpus / STATE_FILE).read_text())["pages"][base + p("etag")]["etag"] == '"v1"'


def test_pruned_pages_move_to_removed(site: Site, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    with serve(site) as base:
        fetch_pages([base + LISTING_PATH], corpus, config=CONFIG)
        # delta leaves the listing; bravo starts answering 410
        site.body(PAGE2, listing_page([p("charlie")], [LISTING_PATH + "?page=0", PAGE2]))
        site.body(p("bravo"), b"gone", status=410)
        kept = fetch_pages([base + LISTING_PATH], corpus, config=CONFIG)
        assert {"delta_en", "bravo_en"} <= set(_by_url(kept, "gone"))
        assert "no longer listed" in _by_url(kept, "gone")["delta_en"].reason
        assert (corpus / "delta.html").is_file(), "without --prune the file stays"
        pruned = fetch_pages([base + LISTING_PATH], corpus, config=CONFIG, prune=True)
    assert {"delta_en", "bravo_en"} <= set(_by_url(pruned, "gone"))
    assert not (corpus / "delta.html").exists() and (corpus / ".removed" / "delta.html").is_file()
    assert (corpus / ".removed" / "bravo.html").is_file()


def test_nothing_fetched_exits_one(tmp_path: Path) -> None:
    site = Site()
    site.body(LISTING_PATH, b"down", status=503)
    with serve(site) as base:
        report = fetch_pages([base + LISTING_PATH], tmp_path / "c",
                             config=FetchConfig(client=ClientConfig(delay=0, retries=1, backoff=0.01)))
    assert report.exit_status == 1
    assert "HTTP 503" in report.failed[0].reason
    assert len(site.hits(LISTING_PATH)) == 2


def test_a_site_down_is_a_failure_not_a_refusal(tmp_path: Path) -> None:
    site = Site()
    site.body("/robots.txt", b"down", status=503)
    with serve(site) as base:
        report = fetch_pages([base + LISTING_PATH], tmp_path / "c",
                             config=FetchConfig(client=ClientConfig(delay=0, retries=1, backoff=0.01)))
    assert report.exit_status == 1 and not report.skipped
    assert "robots.txt unreachable (HTTP 503)" in report.failed[0].reason
    assert [path for _, path, _ in site.log] == ["/robots.txt"]


def test_pacing_waits_between_requests(tmp_path: Path) -> None:
    site = Site()
    site.body(p("alpha"), practice_page("alpha", 0, None))
    site.body(p("bravo"), practice_page("bravo", 1, None))
    with serve(site) as base:
        fetch_pages([base + p("alpha"), base + p("bravo")], tmp_path / "c",
                    config=FetchConfig(client=ClientConfig(delay=0.3, retries=0)))
    times = [t for t, _, _ in site.log]  # robots.txt, alpha, bravo
    assert len(times) == 3 and all(b - a >= 0.28 for a, b in zip(times, times[1:]))


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "example.org/list"])
def test_only_http_addresses_start_a_fetch(url: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="http"):
        fetch_pages([url], tmp_path)


def test_a_bad_follow_pattern_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="regular expression"):
        fetch_pages(["http://127.0.0.1:9/x"], tmp_path, config=FetchConfig(follow="("))


def test_page_reading() -> None:
    follow = re.compile(r"/ran-practices/[^/]+_en$")
    facts = read_page(listing_page([p("a"), p("b"), p("c")], [LISTING_PATH + "?page=2"]),
                      "http://h" + LISTING_PATH, follow)
    assert facts.practice_links == tuple(f"http://h{p(s)}" for s in "abc")
    assert facts.page_links == (f"http://h{LISTING_PATH}?page=2",)
    assert "listing" in (facts.verdict() or "")
    assert read_page(practice_page("a", 0, None), "http://h/x", follow).verdict() is None
    assert "too little text" in (read_page(soft_404(), "http://h/x", follow).verdict() or "")
    assert read_page(practice_page("a", 0, "https://e.eu/x"), "http://h/x", follow).canonical == "https://e.eu/x"


def test_canonical_injection_and_slugs() -> None:
    page = b"<html><HEAD lang=en><title>t</title></HEAD><body>x</body></html>"
    out = with_canonical(page, 'http://h/a_en?x="y"')
    assert out.startswith(b"<html><HEAD lang=en>\n<link rel=\"canonical\" href=\"http://h/a_en?x=&quot;y&quot;\">")
    assert with_canonical(b"<p>x</p>", "http://h/a").startswith(b'<link rel="canonical"')
    assert slug_of("https://h/ran-practices/exit-sweden_en") == "exit-sweden"
    assert slug_of("https://h/ran-practices/Ünïcode%20name_nl/") == "ünïcode-name"
    assert slug_of("https://h/") == "index"
    assert slug_of("https://h/a/..%2F..%2Fetc_en") == "etc", "never a path outside the corpus folder"


def test_retry_after_values() -> None:
    assert retry_after("3") == 3.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after("soon") is None and retry_after(None) is None


def test_ranked_practices_link_back_to_their_page() -> None:
    from ransearch.mcp_server import cite_hits
    from ransearch.records import PracticeHit

    web = PracticeHit(1, "p1", "Title", "p1.html", 0.5, "BE", "en", (), url="https://example.eu/ran-practices/p1_en")
    file = PracticeHit(2, "p2", "Other", "p2.txt", 0.4, "FR", "fr", ())
    assert web.to_dict()["url"] == "https://example.eu/ran-practices/p1_en" and file.to_dict()["url"] is None
    text = cite_hits({"results": [web.to_dict(), file.to_dict()]}, "Results")
    assert "url: https://example.eu/ran-practices/p1_en" in text and "source: p2.txt" in text


def test_search_results_carry_the_url_of_the_practice_head(tmp_path: Path) -> None:
    from conftest import FakeEncoder

    from ransearch.engine import Engine
    from ransearch.search import Searcher

    seeds = Path(__file__).resolve().parent / "data" / "seeds"
    Engine.index([seeds], tmp_path / "index", encoder=FakeEncoder())
    engine = Engine.open(tmp_path / "index", encoder=FakeEncoder())
    original = Searcher.head

    def head_with_url(self, row):  # type: ignore[no-untyped-def]
        return original(self, row)._replace(url=f"https://example.eu/p/{row}")

    Searcher.head = head_with_url  # type: ignore[method-assign]
    try:
        hits = engine.ask("soutien familial", k=2).to_dict()["results"]
    finally:
        Searcher.head = original  # type: ignore[method-assign]
    assert hits and all(h["url"].startswith("https://example.eu/p/") for h in hits)


def test_a_redirect_on_the_host_is_followed(tmp_path: Path) -> None:
    from fetch_site import Route

    site = Site()
    site.body(p("renamed-2024"), practice_page("renamed-2024", 2, None))

    def moved(n: int, h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(301)
        h.send_header("Location", p("renamed-2024"))  # relative, same host
        h.send_header("Content-Length", "0")
        h.end_headers()

    site.routes[p("renamed")] = Route(moved)
    with serve(site) as base:
        report = fetch_pages([base + p("renamed")], tmp_path, config=CONFIG)
    assert [o.file for o in report.downloaded] == ["renamed.html"]
    assert f'href="{base}{p("renamed-2024")}"'.encode() in (tmp_path / "renamed.html").read_bytes()
