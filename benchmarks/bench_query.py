"""Query benchmark: warm latency at 10,000 chunks, peak memory of ``ask``, cold CLI start.

    python benchmarks/bench_query.py             # all three, ~3 minutes (plus ~5 min once to embed 10k chunks)
    python benchmarks/bench_query.py --explain   # also: where a cold `ransearch ask` spends its time

1. **Warm query, Python API, 10,000 chunks**: a synthetic 10k-chunk index (see ``synthetic.py``;
   text embedded with the real ``use`` encoder) opened once with ``Engine.open``; the 40 dev
   queries (keywords, questions, situations) asked ``--passes`` times after three warm-up
   queries; p50/p95 of ``Engine.ask(text, k=5)``, overall and by query kind.
   Target: p50 ≤ 10 ms, p95 ≤ 20 ms.
2. **Peak memory of ask, bundled corpus**: ``corpus/`` indexed once; then a new process opens
   the index and answers one query; its ``ru_maxrss`` (Python API), and the same for the CLI
   process ``ransearch ask``. Target: < 400 MB.
3. **Cold ransearch ask, bundled corpus**: wall time of ``ransearch ask QUERY --index DIR`` as a
   new process, against ``python -c "import numpy, faiss"`` measured in the same run
   (alternating, ``--runs`` each, medians). The encoder's start-up cache is filled by a first,
   unmeasured run (reported apart as "first run ever"). Target: ≤ 4× the baseline.

Results: a Markdown table on stdout and ``benchmarks/results/query.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"

from timing import time_asks  # noqa: E402  (after the path insert)
BUNDLED = ROOT / "corpus"
QUERY = "soutien familial combattants étrangers"
BIN = Path(sys.executable).parent


def dev_queries() -> list[dict[str, Any]]:
    import synthetic

    return [json.loads(line) for line in synthetic.DEV_QUERIES.read_text("utf-8").splitlines() if line.strip()]


def warm_10k(work: Path, passes: int) -> dict[str, Any]:
    """Warm ``Engine.ask`` latency on a 10,000-chunk index."""
    import bench_scale
    import synthetic
    from ransearch.encoders import load_encoder
    from ransearch.engine import Engine

    corpus, vec_path, source = bench_scale.corpus_and_vectors(10_000, work)
    folder = work / "query-10k"
    shutil.rmtree(folder, ignore_errors=True)
    vectors = np.load(vec_path)
    synthetic.write_generation(corpus, vectors, synthetic.title_vectors(vectors, corpus.chunk_practice,
                                                                        len(corpus.practices)), folder, load_encoder("use"))
    engine = Engine.open(folder)
    every, first, by_kind = time_asks(engine, dev_queries(), passes)
    sizes = engine.sizes()
    return {"chunks": sizes.chunks, "practices": sizes.practices, "vectors": source,
            "vector_kind": sizes.vector_kind, "all": every.summary(), "first_pass": first.summary(),
            **{kind: c.summary() for kind, c in sorted(by_kind.items())}}


def thread_env(threads: int | None) -> dict[str, str]:
    """Environment for a child process with ``threads`` BLAS/OpenMP threads (None: library default)."""
    env = dict(os.environ)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                   RANSEARCH_THREADS=str(threads))
    return env


def warm_10k_child(work: Path, passes: int, threads: int | None) -> dict[str, Any]:
    """``warm_10k`` in a fresh process with ``threads`` (thread pools are fixed at import)."""
    proc = subprocess.run([sys.executable, __file__, "--child-warm", str(work), str(passes)], capture_output=True,
                          text=True, env=thread_env(threads))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return {**json.loads(proc.stdout.strip().splitlines()[-1]),
            "threads": threads or f"default ({os.cpu_count()} CPUs, one thread per query)"}


def build_bundled(work: Path) -> Path:
    index = work / "bundled-index"
    shutil.rmtree(index, ignore_errors=True)
    subprocess.run([str(BIN / "ransearch"), "index", str(BUNDLED), "--index", str(index)], check=True,
                   capture_output=True)
    return index


# peak RSS as VmHWM: ru_maxrss would include the peak of the process that forked the child
_API_CHILD = """
import sys, time
t0 = time.perf_counter()
from ransearch.engine import Engine
engine = Engine.open(sys.argv[1])
result = engine.ask(sys.argv[2])
assert result.results
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(hwm.split()[1]) / 1024, time.perf_counter() - t0)
"""

_CLI_CHILD = """
import subprocess, sys, time
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:  # sample VmHWM of the ransearch process until it exits
    try:
        hwm = next(line for line in open(f"/proc/{proc.pid}/status") if line.startswith("VmHWM:"))
        peak = max(peak, int(hwm.split()[1]))
    except (OSError, StopIteration):
        pass
    time.sleep(0.005)
assert proc.returncode == 0
print(peak / 1024)
"""


def peak_memory(index: Path) -> dict[str, Any]:
    api = subprocess.run([sys.executable, "-c", _API_CHILD, str(index), QUERY], check=True,
                         capture_output=True, text=True).stdout.split()
    cli = subprocess.run([sys.executable, "-c", _CLI_CHILD, str(BIN / "ransearch"), "ask", QUERY, "--index", str(index)],
                         check=True, capture_output=True, text=True).stdout.split()
    return {"api_peak_rss_mb": round(float(api[0])), "cli_peak_rss_mb": round(float(cli[0])), "query": QUERY}


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def cold_cli(index: Path, runs: int) -> dict[str, Any]:
    cache = Path(tempfile.mkdtemp(prefix="ransearch-cache-"))
    env = {**os.environ, "RANSEARCH_CACHE": str(cache)}
    ask = [str(BIN / "ransearch"), "ask", QUERY, "--index", str(index)]
    baseline = [sys.executable, "-c", "import numpy, faiss"]
    first = _wall(ask, env)  # fills the encoder's start-up cache
    asks, bases = [], []
    for _ in range(runs):
        bases.append(_wall(baseline, env))
        asks.append(_wall(ask, env))
    shutil.rmtree(cache, ignore_errors=True)
    a, b = float(np.median(asks)), float(np.median(bases))
    return {"first_run_ever_s": round(first, 3), "ask_median_s": round(a, 3), "ask_runs_s": [round(x, 3) for x in asks],
            "import_numpy_faiss_median_s": round(b, 3), "baseline_runs_s": [round(x, 3) for x in bases],
            "ratio": round(a / b, 2), "command": " ".join(ask[:1] + ["ask", repr(QUERY), "--index", "DIR"])}


def explain(index: Path, top: int = 15) -> dict[str, Any]:
    """Where a cold ``ransearch ask`` spends its time: imports (-X importtime) and a profile."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ransearch", "ask", QUERY, "--index", str(index)],
                          capture_output=True, text=True)
    imports = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            imports.append((int(m.group(2)), len(m.group(3)), m.group(4)))
    top_level = sorted((x for x in imports if x[1] <= 1), reverse=True)[:top]
    prof = Path(tempfile.mkdtemp()) / "ask.prof"
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "ransearch", "ask", QUERY, "--index",
                    str(index)], check=True, capture_output=True)
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(str(prof), stream=out).sort_stats("cumulative").print_stats(40)
    return {"imports_top_level_ms": [(name, round(us / 1000, 1)) for us, _, name in top_level],
            "import_total_ms": round(sum(us for us, depth, _ in imports if depth <= 1) / 1000, 1),
            "profile_cumulative": out.getvalue()}


def table(report: dict[str, Any]) -> str:
    w, m, c = report.get("warm_10k"), report.get("memory"), report.get("cold_cli")
    lines = ["| measure | result | target |", "|---|---|---|"]
    for w in [x for x in (report.get("warm_10k"), report.get("warm_10k_limited_threads")) if x]:
        def lat(d: dict[str, float]) -> str:
            return (f"p50 {d['p50_ms']:.1f} ms, p95 {d['p95_ms']:.1f} ms "
                    f"(CPU time p50 {d['cpu_p50_ms']:.1f} ms, p95 {d['cpu_p95_ms']:.1f} ms)")
        lines.append(f"| warm `Engine.ask`, {w['chunks']:,} chunks ({w['vector_kind']}), {w['threads']} thread(s), "
                     f"40 dev queries | "
                     f"{lat(w['all'])} | p50 ≤ 10 ms, p95 ≤ 20 ms |")
        for kind in ("keyword", "question", "situation"):
            if kind in w:
                lines.append(f"| … {kind} queries | {lat(w[kind])} | |")
        if "first_pass" in w:
            lines.append(f"| … first pass only (each query asked for the first time) | {lat(w['first_pass'])} | |")
    if m:
        lines.append(f"| peak RSS, open + ask, bundled corpus (Python API) | {m['api_peak_rss_mb']} MB | < 400 MB |")
        lines.append(f"| peak RSS, `ransearch ask` process, bundled corpus | {m['cli_peak_rss_mb']} MB | < 400 MB |")
    if c:
        lines.append(f"| cold `ransearch ask`, bundled corpus (median of {len(c['ask_runs_s'])}) | "
                     f"{c['ask_median_s']:.2f} s = {c['ratio']:.1f}× `import numpy, faiss` "
                     f"({c['import_numpy_faiss_median_s']:.2f} s) | ≤ 4× |")
        lines.append(f"| … first run ever (encoder cache empty) | {c['first_run_ever_s']:.2f} s | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child-warm"]:
        print(json.dumps(warm_10k(Path(argv[1]), int(argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=5, help="passes over the 40 dev queries (warm latency)")
    parser.add_argument("--runs", type=int, default=7, help="cold CLI runs (and baseline runs)")
    parser.add_argument("--explain", action="store_true", help="import times and a profile of a cold ask")
    parser.add_argument("--skip-warm", action="store_true", help="skip the 10k-chunk warm latency")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ransearch-bench")
    parser.add_argument("--out", type=Path, default=RESULTS / "query.json")
    parser.add_argument("--threads", type=int, default=1,
                        help="also measure warm queries in a process limited to this many threads "
                             "(RANSEARCH_THREADS, BLAS, OpenMP; 0: only the default, every core)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    import faiss

    report: dict[str, Any] = {"command": "python benchmarks/bench_query.py " + " ".join(argv),
                              "machine": {"cpus": os.cpu_count(), "faiss_threads": faiss.omp_get_max_threads(),
                                          "loadavg_start": [round(x, 2) for x in os.getloadavg()]}}
    index = build_bundled(args.work)
    report["memory"] = peak_memory(index)
    report["cold_cli"] = cold_cli(index, args.runs)
    if not args.skip_warm:
        report["warm_10k"] = warm_10k_child(args.work, args.passes, None)
        if args.threads:
            report["warm_10k_limited_threads"] = warm_10k_child(args.work, args.passes, args.threads)
    if args.explain:
        report["explain"] = explain(index)
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["machine"]["this_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(table(report))
    if args.explain:
        print("\nslowest top-level imports of a cold `ransearch ask` (-X importtime, cumulative ms):")
        for name, ms in report["explain"]["imports_top_level_ms"]:
            print(f"  {ms:8.1f}  {name}")
        print(report["explain"]["profile_cumulative"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
