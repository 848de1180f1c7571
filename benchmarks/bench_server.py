"""Load benchmark of the HTTP API: ``/ask`` throughput and latency, and no error while
re-indexing switches generations underneath.

    .venv/bin/python benchmarks/bench_server.py [--seconds 15] [--connections 4] [--rate 100]
                                                [--switches 3] [--json PATH]

Everything runs on this machine, on 127.0.0.1 only: ``python -m ransearch serve`` (one
process, the real encoder ``use``) over an index of the bundled ``corpus/`` built in a
temporary folder, and a small asyncio HTTP/1.1 client with keep-alive connections, in this
process. Client and server share the machine's cores (2 on the project's machines). Every
phase is bounded in time and the whole run stops by itself (``--deadline``).

Phases:

1. **saturation**: ``--connections`` connections send ``/ask`` back to back for ``--seconds``:
   the most requests per second the server answers, and their latency.
2. **target rate**: an open loop at ``--rate`` requests per second for ``--seconds``; each
   latency counts from the moment the request was due, so queueing is included.
3. **switches**: the same open loop while ``python -m ransearch index corpus --full`` runs
   ``--switches`` times into the served index folder (each run commits a new generation);
   counts the errors (any status but 200, any broken connection) and the generations
   ``/health`` reported.

Targets (issue: HTTP API): ≥ 100 req/s with p95 ≤ 50 ms, and zero errors during switches.
Prints a table and writes JSON (default ``benchmarks/results/server.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import (  # noqa: E402
    Connection,
    add_server_arguments,
    ask_body,
    cpu_seconds,
    finish,
    percentile,
    ransearch,
    served_index,
)

TARGET_RPS = 100.0
TARGET_P95_MS = 50.0


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.started = time.perf_counter()
        self.finished = self.started

    def add(self, status: int, seconds: float) -> None:
        key = str(status) if status else "connection error"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if status == 200:
            self.latencies.append(seconds)
        self.finished = time.perf_counter()

    def summary(self) -> dict[str, Any]:
        total = sum(self.statuses.values())
        elapsed = max(1e-9, self.finished - self.started)
        ms = [x * 1000 for x in self.latencies]
        return {
            "requests": total, "ok": len(ms), "errors": total - len(ms), "statuses": self.statuses,
            "seconds": round(elapsed, 2), "rps": round(len(ms) / elapsed, 1),
            "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2), "max_ms": round(max(ms), 2) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        }


async def saturate(port: int, connections: int, seconds: float) -> dict[str, Any]:
    rec = Recorder()
    stop = time.perf_counter() + seconds

    async def loop(n: int) -> None:
        conn = Connection(port)
        i = n
        while time.perf_counter() < stop:
            t = time.perf_counter()
            status, _ = await conn.request("POST", "/ask", ask_body(i))
            rec.add(status, time.perf_counter() - t)
            i += connections
        await conn.close()

    await asyncio.gather(*(loop(n) for n in range(connections)))
    return rec.summary()


async def open_loop(port: int, rate: float, seconds: float, until: threading.Event | None = None,
                    max_seconds: float = 120, watch: set[str] | None = None) -> dict[str, Any]:
    """Requests due every 1/rate s for ``seconds`` (or until ``until`` is set, at most
    ``max_seconds``); latency from the due time. ``watch`` collects the generations /health names."""
    rec = Recorder()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(16):
        pool.put_nowait(Connection(port))
    start = time.perf_counter()
    tasks = []

    async def one(i: int, due: float) -> None:
        conn = await pool.get()
        try:
            status, _ = await conn.request("POST", "/ask", ask_body(i))
            rec.add(status, time.perf_counter() - due)
        finally:
            pool.put_nowait(conn)

    async def health() -> None:
        conn = Connection(port)
        while watch is not None and not done.is_set():
            status, body = await conn.request("GET", "/health")
            if status == 200:
                watch.add(json.loads(body)["generation"])
            else:
                rec.add(status, 0.0)
            await asyncio.sleep(0.1)
        await conn.close()

    done = asyncio.Event()
    watcher = asyncio.create_task(health())
    i = 0
    while True:
        due = start + i / rate
        elapsed = due - start
        if elapsed >= max_seconds or (until is None and elapsed >= seconds) or (until is not None and until.is_set()):
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
        i += 1
    await asyncio.gather(*tasks)
    done.set()
    await watcher
    while not pool.empty():
        await pool.get_nowait().close()
    return rec.summary()


# ---- the run --------------------------------------------------------------------------------------

def reindex(index: Path, corpus: Path, times: int, out: list[dict[str, Any]], finished: threading.Event,
            nice: int) -> None:
    try:
        for _ in range(times):
            time.sleep(1.0)
            t = time.perf_counter()
            done = ransearch("index", str(corpus), "--index", str(index), "--full", "--json", nice=nice)
            entry: dict[str, Any] = {"exit": done.returncode, "seconds": round(time.perf_counter() - t, 2)}
            try:
                entry["generation"] = json.loads(done.stdout).get("generation")
            except ValueError:
                entry["stderr"] = done.stderr[-500:]
            out.append(entry)
        time.sleep(2.0)  # let the server notice the last switch while the load goes on
    finally:
        finished.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the saturation and rate phases")
    parser.add_argument("--connections", type=int, default=4, help="connections of the saturation phase")
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="requests per second of the open loop")
    parser.add_argument("--switches", type=int, default=3, help="re-index runs during the switch phase")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads of a query in the server (RANSEARCH_THREADS; the server's default is 1)")
    parser.add_argument("--nice", type=int, default=10,
                        help="niceness of the re-index runs, as a nightly job on a serving machine should "
                             "run (0: same priority as the server)")
    add_server_arguments(parser, deadline=600.0, results="server.json")
    args = parser.parse_args()
    deadline = time.monotonic() + args.deadline

    env = {"RANSEARCH_THREADS": str(args.threads)} if args.threads else {}
    results: dict[str, Any] = {}
    with served_index(args.corpus, deadline, prefix="bench-server-", env=env) as server:
        port, proc, index = server.port, server.proc, server.index
        results["startup_s"] = server.startup_s
        cpu0 = cpu_seconds(proc.pid)
        results["saturation"] = asyncio.run(saturate(port, args.connections, args.seconds))
        cpu1 = cpu_seconds(proc.pid)
        results["saturation"]["server_cpu_ms_per_request"] = round(
            1000 * (cpu1 - cpu0) / max(1, results["saturation"]["requests"]), 2)
        results["target_rate"] = asyncio.run(open_loop(port, args.rate, args.seconds))
        switches: list[dict[str, Any]] = []
        finished = threading.Event()
        worker = threading.Thread(target=reindex, args=(index, args.corpus, args.switches, switches, finished, args.nice))
        seen: set[str] = set()
        worker.start()
        budget = max(10.0, deadline - time.monotonic() - 30)
        results["switches"] = asyncio.run(open_loop(port, args.rate, args.seconds, until=finished,
                                                    max_seconds=budget, watch=seen))
        worker.join(timeout=max(1.0, deadline - time.monotonic()))
        results["switches"]["reindex_runs"] = switches
        results["switches"]["generations_seen"] = len(seen)
        last = switches[-1].get("generation") if switches else None
        results["switches"]["last_generation_served"] = last in seen

    sat, rate, sw = results["saturation"], results["target_rate"], results["switches"]
    results["targets"] = {
        "rps_at_least": TARGET_RPS, "p95_ms_at_most": TARGET_P95_MS,
        "throughput_met": sat["rps"] >= TARGET_RPS,
        "p95_met_at_target_rate": rate["p95_ms"] <= TARGET_P95_MS and rate["rps"] >= 0.95 * args.rate,
        "zero_errors_during_switches": sw["errors"] == 0 and len(sw["reindex_runs"]) == args.switches
        and all(r["exit"] == 0 for r in sw["reindex_runs"]) and sw["last_generation_served"],
    }
    results["setup"] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(), "encoder": "use",
        "corpus": str(args.corpus), "seconds": args.seconds, "connections": args.connections,
        "rate": args.rate, "switches": args.switches, "client": "asyncio HTTP/1.1 keep-alive, same machine",
        "server_threads": args.threads or "default (1)", "reindex_nice": args.nice,
        "http": "httptools" if _has("httptools") else "h11", "loop": "uvloop" if _has("uvloop") else "asyncio",
        # what else ran on the machine: the 1-minute load average before and after the run
        "loadavg_before": round(server.load_before, 2), "loadavg_after": round(os.getloadavg()[0], 2),
    }

    print(f"{'phase':<14}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
    for name, r in (("saturation", sat), ("target rate", rate), ("switches", sw)):
        print(f"{name:<14}{r['rps']:>8.1f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['requests']:>10}{r['errors']:>8}")
    print(f"start-up {results['startup_s']} s; server CPU {sat['server_cpu_ms_per_request']} ms/request; "
          f"{len(sw['reindex_runs'])} re-index runs "
          f"({', '.join(str(r['seconds']) + ' s' for r in sw['reindex_runs'])}), "
          f"{sw['generations_seen']} generations served during the phase")
    finish(results, args.json)


if __name__ == "__main__":
    main()
