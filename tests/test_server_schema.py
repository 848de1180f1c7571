"""schemathesis against the OpenAPI schema of a live server: no server error, no schema violation.

Runs ``schemathesis run`` (all its phases and checks, the bearer token included) against the
app on uvicorn over an index built with the fake encoder, and against ``ransearch serve``
itself with the real encoder, each on a loopback port. The one check left
out is ``positive_data_acceptance``: filter values are free text (a country or theme name in
any language) that the schema cannot enumerate, so a well-formed unknown value is answered
422 on purpose. ``RANSEARCH_ST_SEED`` replays another seed; ``RANSEARCH_ST_EXAMPLES`` sets
the examples per operation.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason='fastapi not installed (pip install "ransearch[server]")')
pytest.importorskip("schemathesis", reason='schemathesis not installed (pip install "ransearch[test]")')

from ransearch.serving import ServingEngine  # noqa: E402
from ransearch.server import ServerConfig, create_app  # noqa: E402

TOKEN = "schemathesis-token"
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def schemathesis_run(url: str, cwd: Path) -> None:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        "--header", f"Authorization: Bearer {TOKEN}",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--max-examples", os.environ.get("RANSEARCH_ST_EXAMPLES", "40"),
        "--seed", os.environ.get("RANSEARCH_ST_SEED", "20261122"),
        "--workers", "2",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1", "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=env, cwd=cwd)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    assert "Failures:" not in report and "Errors:" not in report, report[-3000:]
    tested = [line for line in report.splitlines() if "Tested:" in line]
    assert tested and tested[0].split()[-1] == "7", tested  # every operation was exercised


@pytest.mark.slow
def test_schemathesis_on_the_app_with_the_fake_encoder(serve_fake_index: Path, serve_fake_encoder,
                                                        serve_http, tmp_path: Path) -> None:
    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder)
    schemathesis_run(serve_http(create_app(ServerConfig(token=TOKEN), live)), tmp_path)


@pytest.mark.slow
def test_schemathesis_on_ransearch_serve_with_the_real_encoder(serve_real_index: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RANSEARCH_TOKEN": TOKEN}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ransearch", "serve", "--index", str(serve_real_index),
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    with NO_PROXY_OPENER.open(f"{url}/openapi.json", timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
            schemathesis_run(url, tmp_path)
        finally:
            proc.terminate()
            proc.wait(20)
    assert "Traceback" not in log.read_text()
