"""``ransearch serve`` itself: a subprocess with the real encoder, httpx on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
httpx = pytest.importorskip("httpx")

QUERIES = ["coopération entre écoles et autorités locales", "family support for returning foreign fighters",
           "Netzwerk lokaler Akteure gegen Radikalisierung", "traumatismes et stress des familles",
           "multi-agency local network", "formation des enseignants", "jeunes en difficulté scolaire",
           "prévention de la radicalisation en prison", "communication with parents", "mentoring young people",
           "stratégie locale de prévention", "online propaganda"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "RANSEARCH_TOKEN"}


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ransearch", *args], check=False, capture_output=True, text=True,
                          timeout=timeout, env=clean_env(), stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def served(serve_real_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``ransearch serve`` on a free loopback port: (base url, its log file)."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ransearch", "serve", "--index", str(serve_real_index),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=clean_env(), stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"ransearch serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/openapi.json", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"ransearch serve did not start:\n{log.read_text()}")
            time.sleep(0.05)
        try:
            yield url, log
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = None
    assert code == 0, log.read_text()


def test_the_first_request_is_not_slower_than_the_rest(served: tuple[str, Path]) -> None:
    url, _ = served
    timings = []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as c:
        for query in QUERIES:  # all different: no cache helps a later one
            start = time.perf_counter()
            response = c.post("/ask", json={"query": query})
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
    first, rest = timings[0], statistics.median(timings[1:])
    # the encoder was loaded and warmed up before the port opened
    assert first < rest + 0.25, (first, timings)


def test_concurrent_clients_all_get_answers(served: tuple[str, Path]) -> None:
    """Many clients at once: every request is answered (the encoder is never entered twice)."""
    import threading

    url, _ = served
    statuses: list[int] = []

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as c:
            for i in range(6):
                statuses.append(c.post("/ask", json={"query": QUERIES[(n + i) % len(QUERIES)]}).status_code)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(statuses) == 48 and set(statuses) == {200}


def test_ask_over_http_is_ask_json(served: tuple[str, Path], serve_real_index: Path) -> None:
    url, _ = served
    query = "soutien aux familles de combattants étrangers"
    done = cli("ask", query, "--index", str(serve_real_index), "--json", "-k", "2", "--country", "BE,NO")
    assert done.returncode == 0, done.stderr
    expected = json.loads(done.stdout)
    got = httpx.post(f"{url}/ask", json={"query": query, "k": 2, "country": "BE,NO"}, timeout=30, trust_env=False).json()
    assert [h["practice_id"] for h in got["results"]] == [h["practice_id"] for h in expected["results"]]
    for a, b in zip(got["results"], expected["results"]):
        assert a["score"] == pytest.approx(b["score"], abs=1e-4)
        a["score"] = b["score"] = 0.0
        for sa, sb in zip(a["sections"], b["sections"]):
            assert sa["score"] == pytest.approx(sb["score"], abs=1e-4)
            sa["score"] = sb["score"] = 0.0
    assert got == expected


def test_health_and_docs_of_the_real_server(served: tuple[str, Path]) -> None:
    url, log = served
    health = httpx.get(f"{url}/health", trust_env=False).json()
    assert health["encoder"] == "use" and health["dimension"] == 512 and health["practices"] == 3
    assert httpx.get(f"{url}/docs", trust_env=False).status_code == 200
    assert "serving generation" in log.read_text()


def test_serve_refuses_a_public_address_without_a_token() -> None:
    done = cli("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2
    assert "RANSEARCH_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_serve_without_an_index_says_so_in_one_line(tmp_path: Path) -> None:
    done = cli("serve", "--index", str(tmp_path / "none"), "--port", str(free_port()))
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "no index at" in done.stderr


def test_serve_and_mcp_have_help() -> None:
    for command in ("serve", "mcp"):
        done = cli(command, "--help")
        assert done.returncode == 0 and "--index" in done.stdout


def test_import_and_ask_never_load_the_server_or_mcp_libraries(serve_real_index: Path) -> None:
    code = (
        "import sys\n"
        "import ransearch\n"
        "from ransearch.cli import main\n"
        f"sys.argv = ['ransearch', 'ask', 'soutien', '--index', {str(serve_real_index)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('fastapi', 'starlette', 'uvicorn', 'mcp', 'mcp_types', 'httpx')"
        " if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                          env=clean_env(), stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr
