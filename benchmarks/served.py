"""What the HTTP benchmarks share: their common options, a served index, and a small client.

``bench_server.py`` and ``bench_load.py`` both run ``python -m ransearch serve`` (one process,
the real encoder ``use``) over an index of a corpus built in a temporary folder, on 127.0.0.1
only, and talk to it with the asyncio HTTP/1.1 keep-alive client below, in their own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "HOST", "QUERIES", "add_server_arguments", "Served", "served_index", "ransearch", "free_port",
           "cpu_seconds", "finish", "percentile", "Connection", "ask_body", "wait_ready"]

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
QUERIES = [
    "soutien aux familles de combattants étrangers", "coopération entre écoles et autorités locales",
    "family support for returning foreign fighters", "multi-agency local network against radicalisation",
    "Netzwerk lokaler Akteure gegen Radikalisierung", "ondersteuning van gezinnen en scholen",
    "formation des enseignants à la prévention", "traumatismes et stress des familles",
    "prévention de la radicalisation des jeunes", "mentoring young people at risk",
    "stratégie locale de prévention de l'extrémisme", "Kommunikation mit Eltern und Schulen",
]


def add_server_arguments(parser: argparse.ArgumentParser, *, deadline: float, results: str) -> None:
    """The options every HTTP benchmark has: ``--corpus``, ``--deadline`` and ``--json``."""
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--deadline", type=float, default=deadline, help="stop everything after this many seconds")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results" / results)


# ---- the server -----------------------------------------------------------------------------------

def ransearch(*args: str, timeout: float = 300, nice: int = 0) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ransearch ARGS`` (at niceness ``nice``) from the checkout's root."""
    prefix = ["nice", "-n", str(nice)] if nice and shutil.which("nice") else []
    return subprocess.run([*prefix, sys.executable, "-m", "ransearch", *args], check=False, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    """Wait until the server answers ``/health`` with 200 (exit if it dies or ``deadline`` passes)."""
    async def probe() -> int:
        conn = Connection(port)
        status, _ = await conn.request("GET", "/health")
        await conn.close()
        return status

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ransearch serve exited with {proc.returncode}:\n{log.read_text()}")
        if asyncio.run(probe()) == 200:
            return
        time.sleep(0.05)
    raise SystemExit("ransearch serve did not start in time")


@dataclass
class Served:
    """A running ``ransearch serve``: its port, process and index folder; what was seen at start."""

    port: int
    proc: subprocess.Popen[bytes]
    index: Path
    load_before: float
    """The machine's 1-minute load average just before the server started."""
    startup_s: float = 0.0
    """Seconds from starting the process to its first 200 on ``/health``."""


@contextmanager
def served_index(corpus: Path, deadline: float, *, prefix: str, env: dict[str, str] | None = None
                 ) -> Iterator[Served]:
    """Index ``corpus`` into a temporary folder, serve it on 127.0.0.1 and wait until it answers;
    stop the server and remove the folder at the end.

    ``env``: extra environment of the server (``RANSEARCH_TOKEN`` is never passed on).
    """
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        index = work / "index"
        built = ransearch("index", str(corpus), "--index", str(index), "--json")
        if built.returncode != 0:
            raise SystemExit(f"indexing failed:\n{built.stderr}")
        port = free_port()
        log = work / "serve.log"
        server_env = {k: v for k, v in os.environ.items() if k != "RANSEARCH_TOKEN"} | (env or {})
        load_before = os.getloadavg()[0]
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "ransearch", "serve", "--index", str(index),
                                     "--host", HOST, "--port", str(port)],
                                    stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=server_env,
                                    stdin=subprocess.DEVNULL)
        try:
            t = time.perf_counter()
            wait_ready(port, proc, log, deadline)
            yield Served(port, proc, index, load_before, round(time.perf_counter() - t, 2))
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def finish(results: dict[str, Any], path: Path) -> None:
    """The lines every HTTP benchmark ends with (load average, targets met), then its JSON."""
    setup = results["setup"]
    print(f"load average before/after: {setup['loadavg_before']} / {setup['loadavg_after']}")
    print("targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in results["targets"].items()
                                  if isinstance(v, bool)))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {path}")


# ---- a minimal HTTP/1.1 keep-alive client ----------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Connection:
    """One keep-alive connection; ``request`` returns the status (0 when the connection broke)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            self.writer.write(head + body)
            assert self.reader is not None
            raw = await self.reader.readuntil(b"\r\n\r\n")
            status = int(raw[9:12])
            length = 0
            for line in raw.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            payload = await self.reader.readexactly(length)
            return status, payload
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            await self.close()
            return 0, b""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


def ask_body(i: int) -> bytes:
    return json.dumps({"query": QUERIES[i % len(QUERIES)], "k": 5}).encode()
