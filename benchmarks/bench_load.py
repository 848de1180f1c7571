"""Load shedding benchmark of the HTTP API: many clients at once, and slow clients.

    .venv/bin/python benchmarks/bench_load.py [--seconds 25] [--connections 200] [--slow 500]
                                              [--ignore-retry-after] [--json PATH]

Everything runs on this machine, on 127.0.0.1 only: ``python -m ransearch serve`` (one
process, the real encoder ``use``, its default limits) over an index of the bundled
``corpus/`` built in a temporary folder, and asyncio clients in this process (no ``wrk``
needed). Client and server share the machine's cores. Every phase is bounded in time and
the whole run stops by itself (``--deadline``).

Phases:

1. **crowd**: ``--connections`` keep-alive connections send ``/ask`` back to back for
   ``--seconds``. The server serves what it can and refuses the rest with 503 and
   ``Retry-After``; a refused client waits that long before its next request, as HTTP asks
   (``--ignore-retry-after``: it asks again at once, the harshest client). Latency of the
   requests served (target: p99 ≤ 1 s) and of the refusals (they must be fast).
2. **slow clients**: ``--slow`` connections for ``--seconds``: half send their request
   headers one byte a second, half send headers and then their body one byte a second.
   How long the server keeps them (target: cut off after its header or body timeout,
   10 s), and the latency of ``/ask`` from a normal client meanwhile.

Issue 18 item 10 measured, before the limits: 200 connections for 25 s, 0 errors at 145
req/s but p99 6.2 s and worst 11.7 s; 500 slow clients held their connections 25 s.
Prints a table and writes JSON (default ``benchmarks/results/load.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import HOST, Connection, add_server_arguments, ask_body, finish, percentile, served_index  # noqa: E402

TARGET_P99_MS = 1000.0
TARGET_REFUSAL_P99_MS = 100.0


def summary(ms: list[float]) -> dict[str, Any]:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1), "max_ms": round(max(ms), 1) if ms else None}


async def crowd(port: int, connections: int, seconds: float, honour_retry_after: bool) -> dict[str, Any]:
    """``connections`` closed loops of ``/ask`` for ``seconds``."""
    served: list[float] = []
    refused: list[float] = []
    statuses: dict[str, int] = {}
    stop = time.perf_counter() + seconds

    async def loop(n: int) -> None:
        conn = Connection(port)
        i = n
        while time.perf_counter() < stop:
            t = time.perf_counter()
            status, _ = await conn.request("POST", "/ask", ask_body(i))
            ms = (time.perf_counter() - t) * 1000
            key = str(status) if status else "connection error"
            statuses[key] = statuses.get(key, 0) + 1
            if status == 200:
                served.append(ms)
            elif status == 503:
                refused.append(ms)
                if honour_retry_after:
                    await asyncio.sleep(min(1.0, max(0.0, stop - time.perf_counter())))
            else:
                await asyncio.sleep(0.05)  # a broken connection: do not spin
            i += connections
        await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(loop(n) for n in range(connections)))
    elapsed = time.perf_counter() - start
    total = sum(statuses.values())
    return {"requests": total, "statuses": statuses, "seconds": round(elapsed, 1),
            "served_rps": round(len(served) / elapsed, 1), "refused_share": round(len(refused) / max(1, total), 3),
            "served": summary(served), "refused": summary(refused),
            "other_errors": total - len(served) - len(refused)}


async def slow_client(port: int, seconds: float, body: bool) -> float | None:
    """Trickle a request one byte a second; the seconds until the server closed the
    connection (None: still open after ``seconds``)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    payload = json.dumps({"query": "soutien aux familles"}).encode()
    head = (f"POST /ask HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    start = time.perf_counter()
    # the header trickler sends its headers byte by byte; the body trickler its headers at once
    data = head + payload if not body else payload
    if body:
        writer.write(head)
    try:
        for byte in data:
            if time.perf_counter() - start > seconds:
                return None
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                    return time.perf_counter() - start
                return time.perf_counter() - start  # the server answered (408) and will close
            except asyncio.TimeoutError:
                continue
        return None
    except (ConnectionError, OSError):
        return time.perf_counter() - start
    finally:
        writer.close()


async def slow_phase(port: int, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` slow clients, and a normal client asking ``/ask`` every 0.2 s meanwhile."""
    normal: list[float] = []
    statuses: dict[str, int] = {}
    stop = time.perf_counter() + seconds

    async def probe() -> None:
        i = 0
        while time.perf_counter() < stop:
            conn = Connection(port)  # a new connection each time: new clients must get in
            t = time.perf_counter()
            status, _ = await conn.request("POST", "/ask", ask_body(i))
            await conn.close()
            statuses[str(status or "connection error")] = statuses.get(str(status or "connection error"), 0) + 1
            if status == 200:
                normal.append((time.perf_counter() - t) * 1000)
            i += 1
            await asyncio.sleep(0.2)

    held = await asyncio.gather(probe(), *(slow_client(port, seconds, body=k % 2 == 1) for k in range(clients)))
    kept = [h for h in held[1:]]
    closed = [h for h in kept if h is not None]
    return {"clients": clients, "closed_by_server": len(closed), "still_open_at_end": len(kept) - len(closed),
            "held_s": {"p50": round(percentile(closed, 50), 1), "max": round(max(closed), 1) if closed else None},
            "normal_client": {"statuses": statuses, **summary(normal)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=25.0, help="length of each phase")
    parser.add_argument("--connections", type=int, default=200, help="connections of the crowd phase")
    parser.add_argument("--slow", type=int, default=500, help="slow clients of the second phase (0: skip it)")
    parser.add_argument("--ignore-retry-after", action="store_true",
                        help="refused clients ask again at once instead of waiting Retry-After")
    add_server_arguments(parser, deadline=300.0, results="load.json")
    args = parser.parse_args()
    deadline = time.monotonic() + args.deadline

    results: dict[str, Any] = {}
    with served_index(args.corpus, deadline, prefix="bench-load-") as server:
        port = server.port
        seconds = min(args.seconds, max(1.0, (deadline - time.monotonic()) / 2 - 15))
        results["crowd"] = asyncio.run(crowd(port, args.connections, seconds, not args.ignore_retry_after))
        if args.slow:
            seconds = min(args.seconds, max(1.0, deadline - time.monotonic() - 15))
            results["slow"] = asyncio.run(slow_phase(port, args.slow, seconds))

    c = results["crowd"]
    results["targets"] = {
        "served_p99_ms_at_most": TARGET_P99_MS, "refusal_p99_ms_at_most": TARGET_REFUSAL_P99_MS,
        "served_p99_met": c["served"]["n"] > 0 and c["served"]["p99_ms"] <= TARGET_P99_MS,
        "refused_fast": not c["refused"]["n"] or c["refused"]["p99_ms"] <= TARGET_REFUSAL_P99_MS,
        "no_other_errors": c["other_errors"] == 0,
    }
    if "slow" in results:
        s = results["slow"]
        results["targets"]["slow_clients_cut_off"] = s["still_open_at_end"] == 0 and (s["held_s"]["max"] or 0) <= 15
        results["targets"]["normal_client_served"] = s["normal_client"]["n"] > 0
    results["setup"] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(), "encoder": "use",
        "corpus": str(args.corpus), "seconds": args.seconds, "connections": args.connections, "slow": args.slow,
        "retry_after": "ignored" if args.ignore_retry_after else "honoured",
        "client": "asyncio HTTP/1.1 keep-alive, same machine",
        "loadavg_before": round(server.load_before, 2), "loadavg_after": round(os.getloadavg()[0], 2),
    }

    print(f"crowd: {args.connections} connections, {c['seconds']} s, Retry-After {results['setup']['retry_after']}")
    print(f"{'':<10}{'n':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in ("served", "refused"):
        r = c[name]
        print(f"{name:<10}{r['n']:>8}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}"
              f"{(r['max_ms'] or float('nan')):>9.1f}")
    print(f"served {c['served_rps']} req/s; refused {100 * c['refused_share']:.1f} %; other errors {c['other_errors']}")
    if "slow" in results:
        s = results["slow"]
        n = s["normal_client"]
        print(f"slow clients: {s['clients']}, closed by the server {s['closed_by_server']} (held p50 "
              f"{s['held_s']['p50']} s, max {s['held_s']['max']} s), still open at the end {s['still_open_at_end']}; "
              f"a normal client meanwhile: {n['n']} served, p50 {n['p50_ms']} ms, max {n['max_ms']} ms, {n['statuses']}")
    finish(results, args.json)


if __name__ == "__main__":
    main()
