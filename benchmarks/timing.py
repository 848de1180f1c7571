"""Timing helpers shared by the benchmark scripts: wall and CPU time per call, percentiles,
peak memory."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Clock", "percentiles", "peak_rss_mb", "time_asks"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (``VmHWM``: unlike ``ru_maxrss``,
    it does not inherit the peak of the parent that forked it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU time of each timed call. CPU time (all threads of this process) does not
    count the time other processes take the cores from us: on a shared machine it shows what
    an idle one would do (for one thread, CPU time = wall time on an idle machine)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._t = (0.0, 0.0)

    def __enter__(self) -> Clock:
        self._t = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall.append(time.perf_counter() - self._t[0])
        self.cpu.append(time.process_time() - self._t[1])

    def summary(self) -> dict[str, float]:
        out = percentiles(self.wall)
        cpu = np.asarray(self.cpu) * 1000
        out.update(cpu_p50_ms=round(float(np.percentile(cpu, 50)), 2), cpu_p95_ms=round(float(np.percentile(cpu, 95)), 2))
        return out


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "mean_ms": round(float(ms.mean()), 2), "max_ms": round(float(ms.max()), 2), "n": len(ms)}


def time_asks(engine: Any, queries: list[dict[str, Any]], passes: int) -> tuple[Clock, Clock, dict[str, Clock]]:
    """Warm ``engine.ask(text, k=5)`` over ``queries`` (dicts with ``text`` and ``kind``), ``passes``
    times after three warm-up queries: (every call, the first pass's calls, the calls by kind)."""
    engine.warm_up()
    for q in queries[:3]:
        engine.ask(q["text"])
    every, first, by_kind = Clock(), Clock(), {}
    for n in range(passes):
        for q in queries:
            with every:
                engine.ask(q["text"], k=5)
            kind = by_kind.setdefault(q["kind"], Clock())
            kind.wall.append(every.wall[-1])
            kind.cpu.append(every.cpu[-1])
            if n == 0:  # each query for the first time: nothing remembered from an earlier pass
                first.wall.append(every.wall[-1])
                first.cpu.append(every.cpu[-1])
    return every, first, by_kind
