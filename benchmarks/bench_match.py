"""Warm ``Engine.match`` on situations of about 1,000 characters (target: p50 ≤ 100 ms).

    .venv/bin/python benchmarks/bench_match.py [--passes 5] [--index DIR ...] [--out PATH]

Situations: the 13 situation queries of ``../shared/eval/dev/queries.jsonl`` (300-480
characters each), each joined with the ones after it until the text reaches 1,000 characters,
then cut at the last sentence end at most 1,100 characters in: 13 situations of 1,000-1,100
characters and 8-12 sentences. Indexes: the development corpus indexed with the default
encoder (built here in a temporary folder), plus every ``--index`` given (for instance the
10,000-chunk synthetic index that ``bench_query.py`` leaves in
``/tmp/ransearch-bench/query-10k``). Each situation is matched once to warm up, then
``--passes`` times; one BLAS/OpenMP thread, as queries run (``ransearch.encoders.threads``).

Prints a Markdown table and writes JSON (default ``benchmarks/results/match.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DEV = ROOT.parent / "shared" / "eval" / "dev"
TARGET_CHARS, MAX_CHARS = 1_000, 1_100


def situations(queries: list[dict[str, Any]]) -> list[str]:
    """Situations of about 1,000 characters, made of consecutive dev situation queries."""
    texts = [q["text"].strip() for q in queries if q["kind"] == "situation"]
    out = []
    for i in range(len(texts)):
        text, j = texts[i], i + 1
        while len(text) < TARGET_CHARS:
            text += " " + texts[j % len(texts)]
            j += 1
        cut = max(text.rfind(end, 0, MAX_CHARS) for end in (". ", "? ", "! "))
        out.append(text[: cut + 1] if cut >= TARGET_CHARS - 1 else text[:MAX_CHARS])
    return out


def measure(index: Path, texts: list[str], passes: int) -> dict[str, Any]:
    from ransearch.engine import Engine

    engine = Engine.open(index)
    engine.warm_up()
    needs = [len(engine.match(t).needs) for t in texts]  # warm-up pass
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(passes):
        for text in texts:
            t0, c0 = time.perf_counter(), time.process_time()
            engine.match(text, k=5)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    ms, cms = np.asarray(wall) * 1000, np.asarray(cpu) * 1000
    sizes = engine.sizes()
    return {
        "index": str(index), "chunks": sizes.chunks, "practices": sizes.practices,
        "vector_kind": sizes.vector_kind, "situations": len(texts),
        "chars_min": min(map(len, texts)), "chars_max": max(map(len, texts)),
        "needs_mean": round(float(np.mean(needs)), 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1), "cpu_p50_ms": round(float(np.percentile(cms, 50)), 1),
        "n": len(ms),
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| index | chunks | situation length | needs found (mean) | match p50 | p95 | CPU p50 | target p50 |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {Path(r['index']).name} | {r['chunks']:,} ({r['vector_kind']}) | "
                     f"{r['chars_min']:,}-{r['chars_max']:,} chars | {r['needs_mean']} | {r['p50_ms']} ms | "
                     f"{r['p95_ms']} ms | {r['cpu_p50_ms']} ms | ≤ 100 ms |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--index", type=Path, action="append", default=[], help="another index folder to measure")
    parser.add_argument("--out", type=Path, default=RESULTS / "match.json")
    args = parser.parse_args(argv)
    if not DEV.is_dir():
        raise SystemExit(f"the development set is not at {DEV}")
    from ransearch.engine import Engine

    texts = situations([json.loads(line) for line in (DEV / "queries.jsonl").read_text("utf-8").splitlines()
                        if line.strip()])
    with tempfile.TemporaryDirectory() as tmp:
        dev_index = Path(tmp) / "dev-index"
        Engine.index([DEV / "corpus"], dev_index, encoder="use")
        results = [measure(dev_index, texts, args.passes)]
        results[0]["index"] = "dev corpus"
        results += [measure(index, texts, args.passes) for index in args.index]
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"results": results, "passes": args.passes,
              "machine": {"cpus": os.cpu_count(), "load_average": list(os.getloadavg()), "python": sys.version.split()[0]},
              "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    args.out.write_text(json.dumps(report, indent=1), "utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
