"""``ransearch fetch`` and ``ransearch update`` as a user runs them: the readable and JSON
reports, exit statuses 0/1/2/3, a SIGKILL while a page streams, and the nightly update that
makes a fetched practice answer with its address."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fetch_site import LISTING_PATH, Route, Site, conditional, listing_page, practice_page, serve
from test_fetch import GOOD, build_site, p
from typer.testing import CliRunner

from ransearch.cli import _register, app

FAST = ["--delay", "0", "--timeout", "0.4", "--retries", "1", "--backoff", "0.01", "--max-size", "100000"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    _register()
    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG",
                "RANSEARCH_FETCH_URL", "RANSEARCH_FETCH_DELAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_fetch_json_report_and_exit_three(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = build_site()
    with serve(site) as base:
        result = run("fetch", base + LISTING_PATH, "--corpus", str(tmp_path / "c"), "--json", *FAST)
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    for key in ("downloaded", "unchanged", "failed", "not_practices", "gone"):
        assert isinstance(data[key], list)
    assert {d["file"] for d in data["downloaded"]} >= {f"{s}.html" for s in GOOD}
    assert all(set(d) == {"url", "file", "reason"} for key in ("downloaded", "failed", "gone") for d in data[key])
    assert data["counts"]["failed"] == 3 and data["exit_status"] == 3


def test_fetch_readable_report_and_exit_zero(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = Site()
    site.body(LISTING_PATH, listing_page([p("alpha"), p("bravo")], []))
    site.body(p("alpha"), practice_page("alpha", 0, None))
    site.body(p("bravo"), practice_page("bravo", 1, None))
    with serve(site) as base:
        result = run("fetch", base + LISTING_PATH, "--corpus", str(tmp_path / "c"), *FAST)
        assert result.exit_code == 0, result.output
        assert "2 downloaded, 0 unchanged, 0 failed" in result.stdout
        assert "alpha.html" in result.stdout
        again = run("fetch", base + LISTING_PATH, "--corpus", str(tmp_path / "c"), *FAST)
    assert again.exit_code == 0 and "0 downloaded, 2 unchanged" in again.stdout


def test_fetch_site_down_exits_one_and_usage_errors_two(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = Site()
    site.body(LISTING_PATH, b"down", status=503)
    with serve(site) as base:
        down = run("fetch", base + LISTING_PATH, "--corpus", str(tmp_path / "c"), *FAST)
    assert down.exit_code == 1 and "1 failed" in down.stdout and "HTTP 503" in down.stdout
    bad = run("fetch", "ftp://example.org/list", "--corpus", str(tmp_path / "c"))
    assert bad.exit_code == 2 and "not an http(s) address" in bad.stderr
    assert run("fetch", "--no-such-option").exit_code == 2
    assert run("fetch", "http://127.0.0.1:9/x", "--follow", "(", "--corpus", str(tmp_path / "c")).exit_code == 2


def test_update_when_the_site_is_down_leaves_the_index_alone(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = Site()
    with serve(site) as base:  # every address answers 404
        result = run("update", base + LISTING_PATH, "--corpus", str(tmp_path / "c"), "--index",
                     str(tmp_path / "index"), *FAST)
    assert result.exit_code == 1
    assert "the index was not rebuilt: there is no index yet" in result.stderr
    assert not (tmp_path / "index").exists()


def _slow_site() -> Site:
    site = Site()
    site.body(LISTING_PATH, listing_page([p("alpha"), p("trickle")], []))
    site.body(p("alpha"), practice_page("alpha", 0, None))

    def trickle(n: int, h) -> None:  # type: ignore[no-untyped-def]
        body = practice_page("trickle", 1, None) * 3
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for i in range(0, len(body), 200):  # ~30 s for the whole page
            h.wfile.write(body[i:i + 200])
            h.wfile.flush()
            time.sleep(0.2)

    site.routes[p("trickle")] = Route(trickle)
    return site


def test_sigkill_while_a_page_streams_leaves_no_partial_file(tmp_path: Path) -> None:
    site = _slow_site()
    corpus = tmp_path / "c"
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    with serve(site) as base:
        proc = subprocess.Popen([sys.executable, "-m", "ransearch", "fetch", base + LISTING_PATH, "--corpus",
                                 str(corpus), "--delay", "0", "--timeout", "5"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not site.hits(p("trickle")) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert site.hits(p("trickle")), "the fetch never reached the slow page"
            time.sleep(0.5)  # part of the page has arrived
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    files = sorted(f.name for f in corpus.iterdir() if f.is_file())
    assert "trickle.html" not in files
    assert (corpus / "alpha.html").read_bytes().rstrip().endswith(b"</html>")
    assert not [f for f in files if f.endswith(".part")], files


def test_update_then_ask_finds_a_fetched_practice_with_its_url(tmp_path: Path) -> None:
    site = Site()
    site.body(LISTING_PATH, listing_page([p(s) for s in GOOD], []))
    for n, slug in enumerate(GOOD):
        site.body(p(slug), practice_page(slug, n, None))
    # an ETag page and a Last-Modified page: the second run gets 304s and index sees no change
    site.routes[p("alpha")] = Route(conditional(practice_page("alpha", 0, None), etag='"a1"'))
    site.routes[p("bravo")] = Route(conditional(practice_page("bravo", 1, None), modified=1_700_000_000))
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG"):
        env.pop(var, None)
    corpus, index = tmp_path / "c", tmp_path / "index"
    with serve(site) as base:
        update = subprocess.run([sys.executable, "-m", "ransearch", "update", base + LISTING_PATH, "--corpus",
                                 str(corpus), "--index", str(index), "--delay", "0"], env=env,
                                capture_output=True, text=True, timeout=600)
        again = subprocess.run([sys.executable, "-m", "ransearch", "update", base + LISTING_PATH, "--corpus",
                                str(corpus), "--index", str(index), "--delay", "0", "--json"], env=env,
                               capture_output=True, text=True, timeout=600)
    assert update.returncode == 0, update.stdout + update.stderr
    second = json.loads(again.stdout)
    assert again.returncode == 0 and not second["fetch"]["downloaded"] and len(second["fetch"]["unchanged"]) == 4
    assert second["index"]["outcome"] == "unchanged", second["index"]
    assert sum(u["reason"] == "not modified (304)" for u in second["fetch"]["unchanged"]) == 2
    ask = subprocess.run([sys.executable, "-m", "ransearch", "ask", "football coaches mentoring teenagers",
                          "--index", str(index), "--json", "-k", "1"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert ask.returncode == 0, ask.stderr
    top = json.loads(ask.stdout)["results"][0]
    assert top["url"] == base + p("alpha")
    shown = subprocess.run([sys.executable, "-m", "ransearch", "show", top["practice_id"], "--index", str(index)],
                           env=env, capture_output=True, text=True, timeout=600)
    assert base + p("alpha") in shown.stdout
