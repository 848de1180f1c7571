"""Scale benchmark: exact and HNSW vector search, and the whole engine, from 10k to 1M chunks.

    python benchmarks/bench_scale.py                       # 10k, 100k, 1M (about an hour on 2 cores)
    python benchmarks/bench_scale.py --sizes 10k,100k      # a subset
    python benchmarks/bench_scale.py --sweep               # flat vs HNSW from 10k to 200k (threshold)

Data (see ``synthetic.py``): the 10k collection is synthetic text embedded with the real
``use`` encoder; larger ones reuse that text model and draw vectors around those 10k real
embeddings. Queries are real: the 40 dev-set queries and 160 generated ones (4–30 words),
embedded with ``use``.

Per size and index kind, each step runs in a fresh subprocess, so that its peak memory
(``ru_maxrss``) is its own: build (time, file size, peak RSS), then load + query (load time
with mmap, latency p50/p95 of one query row with k=10 and k=400, of a 7-row situation-shaped
batch with k=400, recall@10 against exact search, peak RSS). Then the full engine: a
complete index generation (tables, vectors, lexical index) is opened with ``Engine.open``
and asked the 40 dev queries (hybrid ranking, with and without a filter), and lexical
scoring and filtering are timed on their own.

Results: a Markdown table on stdout and ``benchmarks/results/scale.json``. Intermediate data
(vectors, indexes, index folders; ~10 GB at 1M) go to ``--work`` (default: a folder in /tmp).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"

from timing import Clock, peak_rss_mb  # noqa: E402  (after the path insert)
POOL = 10_000
N_QUERIES = 200
SITUATION_ROWS = 7


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


# ----------------------------------------------------------------------------- data


def queries(work: Path) -> tuple[list[str], np.ndarray]:
    """Real query texts (dev set + generated) and their ``use`` embeddings (cached)."""
    texts_path, vecs_path = work / "queries.json", work / "queries.npy"
    if vecs_path.exists():
        return json.loads(texts_path.read_text("utf-8")), np.load(vecs_path)
    import synthetic
    from ransearch.encoders import load_encoder

    texts = [json.loads(line)["text"] for line in synthetic.DEV_QUERIES.read_text("utf-8").splitlines() if line.strip()]
    model = synthetic.learn()
    rng = np.random.default_rng(7)
    per_language = (N_QUERIES - len(texts)) // len(model.chains)
    for chain in model.chains.values():
        texts += chain.sample(rng.integers(4, 31, per_language), rng)
    vecs = load_encoder("use").encode_queries(texts)
    texts_path.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
    np.save(vecs_path, vecs)
    return texts, vecs


def corpus_and_vectors(n: int, work: Path) -> tuple[Any, Path, str]:
    """The synthetic corpus of ``n`` chunks and the path of its vectors (made once, cached)."""
    import synthetic

    corpus = synthetic.generate(n, seed=0)
    path = work / f"vectors-{label(n)}.npy"
    source = "use embeddings of synthetic text" if n <= POOL else f"perturbed around {label(POOL)} real embeddings"
    if path.exists():
        return corpus, path, source
    from ransearch.encoders import load_encoder

    if n <= POOL:
        t0 = time.perf_counter()
        vectors = synthetic.embed(corpus.chunk_text, load_encoder("use"), progress=True)
        print(f"  embedded {n:,} chunks in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    else:
        pool_corpus, pool_path, _ = corpus_and_vectors(POOL, work)
        vectors = synthetic.perturb(np.load(pool_path), pool_corpus.chunk_language, corpus.chunk_language, seed=n)
    np.save(path, vectors)
    return corpus, path, source


# ----------------------------------------------------------------------------- children


def child_build(n: int, kind: str, work: Path) -> dict[str, Any]:
    from ransearch.vectors import VectorIndex

    vectors = np.load(work / f"vectors-{label(n)}.npy")
    t0 = time.perf_counter()
    index = VectorIndex.build(vectors, kind)
    build = time.perf_counter() - t0
    path = work / f"index-{label(n)}-{kind}.faiss"
    index.save(path)
    result = {"build_s": round(build, 2), "file_mb": round(path.stat().st_size / 2**20, 1),
              "build_peak_rss_mb": round(peak_rss_mb()), "loadavg": round(os.getloadavg()[0], 2)}
    path.with_suffix(".json").write_text(json.dumps(result), "utf-8")
    return result


def recall_at_10(ids: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[:10].tolist()) & set(b[:10].tolist())) / 10 for a, b in zip(ids, truth)]))


def child_query(n: int, kind: str, work: Path, max_queries: int) -> dict[str, Any]:
    from ransearch.vectors import VectorIndex

    q = np.load(work / "queries.npy")[:max_queries]
    t0 = time.perf_counter()
    index = VectorIndex.load(work / f"index-{label(n)}-{kind}.faiss")
    load = time.perf_counter() - t0
    index.search(q[:5], 400)  # warm up: first page faults
    out: dict[str, Any] = {"load_s": round(load, 4)}
    for k in (10, 400):
        clock, ids = Clock(), []
        for i in range(len(q)):
            with clock:
                found, _ = index.search(q[i:i + 1], k)
            ids.append(found[0])
        out[f"k{k}"] = clock.summary()
        np.save(work / f"ids-{label(n)}-{kind}-k{k}.npy", np.asarray(ids))
    clock = Clock()
    for i in range(0, len(q) - SITUATION_ROWS, SITUATION_ROWS):
        with clock:
            index.search(q[i:i + SITUATION_ROWS], 400)
    out[f"rows{SITUATION_ROWS}_k400"] = clock.summary()
    truth_path = work / f"truth-{label(n)}.npy"
    if kind == "flat":
        np.save(truth_path, np.load(work / f"ids-{label(n)}-flat-k10.npy"))
    if truth_path.exists():
        truth = np.load(truth_path)[: len(q)]
        out["recall@10_k10"] = round(recall_at_10(np.load(work / f"ids-{label(n)}-{kind}-k10.npy"), truth), 4)
        out["recall@10_k400"] = round(recall_at_10(np.load(work / f"ids-{label(n)}-{kind}-k400.npy"), truth), 4)
    if kind == "hnsw":
        sweep = {}
        for ef in (64, 128, 256, 512, 768, 1024):
            index.ef_search = ef
            clock, ids = Clock(), []
            for i in range(len(q)):
                with clock:
                    found, _ = index.search(q[i:i + 1], 10)
                ids.append(found[0])
            sweep[str(ef)] = {**clock.summary(), "recall@10": round(recall_at_10(np.asarray(ids), truth), 4)
                              if truth_path.exists() else None}
        out["ef_sweep_k10"] = sweep
    out["query_peak_rss_mb"] = round(peak_rss_mb())
    return out


def child_engine(n: int, work: Path, passes: int) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from ransearch import Engine, Filters
    from ransearch.filters import resolve_filters
    from ransearch.lexical import LexicalIndex
    from ransearch.store import verify_generation
    from ransearch.parquet_tables import read_practice_rows
    from ransearch.vectors import VectorIndex

    texts = json.loads((work / "queries.json").read_text("utf-8"))[:40]  # the dev queries
    opens = []
    for _ in range(3):  # the first open after the build; then as a restarted server would
        t0 = time.perf_counter()
        engine = Engine.open(work / f"engine-{label(n)}")
        opens.append(round(time.perf_counter() - t0, 3))
    rss_open = peak_rss_mb()
    parts = {}
    gen = engine.generation_dir
    for name, load in [("verify_checksums_remembered", lambda: verify_generation(gen)),
                       ("verify_checksums_all_files_read", lambda: verify_generation(gen, remembered=False)),
                       ("practices", lambda: read_practice_rows(gen / "practices.parquet")),
                       ("chunks", lambda: pq.read_table(gen / "chunks.parquet", columns=["practice_id", "section", "text"],
                                                        memory_map=True, read_dictionary=["practice_id", "section"])),
                       ("vectors", lambda: VectorIndex.load(gen / "vectors.faiss")),
                       ("lexical", lambda: LexicalIndex.load(gen / "lexical"))]:
        t0 = time.perf_counter()
        load()
        parts[name] = round(time.perf_counter() - t0, 3)
    engine.warm_up()
    sizes = engine.sizes()
    out: dict[str, Any] = {"open_s": max(opens[1:]), "open_runs_s": opens, "open_parts_s": parts,
                           "open_peak_rss_mb": round(rss_open),
                           "practices": sizes.practices, "chunks": sizes.chunks, "vector_kind": sizes.vector_kind}
    for t in texts[:3]:
        engine.ask(t)
    clock = Clock()
    for _ in range(passes):
        for t in texts:
            with clock:
                engine.ask(t, k=5)
    out["ask"] = clock.summary()
    clock = Clock()
    for t in texts:
        with clock:
            engine.ask(t, k=5, filters=Filters(country="BE"))
    out["ask_country_filter"] = clock.summary()
    from ransearch.lexical import query_words

    s = engine._searcher  # white-box: the parts of a query timed one by one (no public API for them)
    words = [query_words(t) for t in texts]
    wvecs = [s.encoder.encode_queries(w) for w in words]
    clock = Clock()
    for t, w, v in zip(texts, words, wvecs):
        with clock:
            s.lexical.scores(t, words=w, expansion=s.lexical.expand(w, dict(zip(w, v))))
    out["lexical_scores"] = clock.summary()
    qv = s.encoder.encode_queries(texts)
    clock = Clock()
    for i in range(len(texts)):
        with clock:
            s.vectors.search(qv[i:i + 1], s.config.candidates)
    out["vector_search_k400"] = clock.summary()
    clock = Clock()
    for t in texts:
        with clock:
            s.encoder.encode_queries([t] + query_words(t))
    out["encode_query"] = clock.summary()
    f = resolve_filters(country="BE", theme="Family support", language="fr,de")
    facets = getattr(s, "facets", None)
    clock = Clock()
    for _ in range(50):
        with clock:
            if facets is not None:
                f.chunk_mask(facets, s.chunks.practice_row)
            else:
                f.mask(s.practices)
    out["filter_mask"] = {**clock.summary(), "level": "chunks, from FacetTable" if facets is not None
                          else "practices, from Practice objects"}
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


THREADS = 1
"""BLAS/OpenMP threads of the engine process (``--threads``): one per query-serving worker."""


def run_child(task: str, *args: Any) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", task, *map(str, args)]
    env = dict(os.environ)
    if task == "engine" and THREADS:
        env.update(OMP_NUM_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS), RANSEARCH_THREADS=str(THREADS))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------- driver


def build(n: int, kind: str, work: Path, reuse: bool) -> dict[str, Any]:
    """Build an index in a subprocess, or (``reuse``) report the build of an earlier run."""
    done = work / f"index-{label(n)}-{kind}.json"
    if reuse and done.exists() and done.with_suffix(".faiss").exists():
        return {**json.loads(done.read_text("utf-8")), "reused_build": True}
    return run_child("build", n, kind, work)


def bench_size(n: int, work: Path, kinds: list[str], engine: bool, passes: int, reuse: bool = False) -> dict[str, Any]:
    import shutil

    import synthetic
    from ransearch.encoders import load_encoder

    print(f"== {label(n)} chunks", file=sys.stderr, flush=True)
    corpus, vec_path, source = corpus_and_vectors(n, work)
    row: dict[str, Any] = {"chunks": n, "practices": len(corpus.practices), "vectors": source}
    max_queries = N_QUERIES if n <= 200_000 else 100  # exact search at 1M: ~0.1 s per query
    for kind in ["flat"] + [k for k in kinds if k != "flat"]:  # exact first: it is the ground truth
        print(f"  {kind}: build", file=sys.stderr, flush=True)
        result = build(n, kind, work, reuse)
        print(f"  {kind}: query", file=sys.stderr, flush=True)
        result.update(run_child("query", n, kind, work, max_queries))
        row[kind] = result
    if engine:
        folder = work / f"engine-{label(n)}"
        shutil.rmtree(folder, ignore_errors=True)  # the index format may have changed since
        print("  engine: write index generation", file=sys.stderr, flush=True)
        vectors = np.load(vec_path)
        titles = synthetic.title_vectors(vectors, corpus.chunk_practice, len(corpus.practices))
        from ransearch.vectors import choose_kind

        built = work / f"index-{label(n)}-{choose_kind(n)}.faiss"
        row["generation_write_s"] = {k: round(v, 1) for k, v in synthetic.write_generation(
            corpus, vectors, titles, folder, load_encoder("use"), vector_file=built if built.exists() else None).items()}
        del vectors
        print("  engine: open and ask", file=sys.stderr, flush=True)
        row["engine"] = run_child("engine", n, work, passes)
        row["engine"]["disk_mb"] = round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20, 1)
    return row


def sweep(work: Path, reuse: bool = False) -> list[dict[str, Any]]:
    """Flat against HNSW between 10k and 200k: where exact search stops being fast enough."""
    out = []
    for n in (10_000, 25_000, 50_000, 100_000, 200_000):
        corpus_and_vectors(n, work)
        row: dict[str, Any] = {"chunks": n}
        for kind in ("flat", "hnsw"):
            row[kind] = build(n, kind, work, reuse)
            row[kind].update(run_child("query", n, kind, work, N_QUERIES))
        out.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return out


def ms(d: dict[str, float], digits: int = 1) -> str:
    """'wall p50 / p95 (cpu p50 / p95)' in ms."""
    text = f"{d['p50_ms']:.{digits}f} / {d['p95_ms']:.{digits}f}"
    return text + (f" (cpu {d['cpu_p50_ms']:.{digits}f} / {d['cpu_p95_ms']:.{digits}f})" if "cpu_p50_ms" in d else "")


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| chunks | index | build | file | build peak RSS | load | k=10 p50 / p95 ms | k=400 p50 / p95 ms | "
             f"{SITUATION_ROWS} rows k=400 p50 / p95 ms | recall@10 (k=10 / k=400) | query peak RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        for kind in ("flat", "hnsw"):
            r = row.get(kind)
            if not r:
                continue
            lines.append(
                f"| {label(row['chunks'])} | {kind} | {r['build_s']:.1f} s | {r['file_mb']:.0f} MB | "
                f"{r['build_peak_rss_mb'] or '–'} MB | {r['load_s'] * 1000:.1f} ms | {ms(r['k10'], 2)} | "
                f"{ms(r['k400'], 2)} | {ms(r[f'rows{SITUATION_ROWS}_k400'])} | "
                f"{r.get('recall@10_k10', '–')} / {r.get('recall@10_k400', '–')} | {r['query_peak_rss_mb']} MB |")
    engines = [row for row in rows if "engine" in row]
    if engines:
        lines += ["", "| chunks | practices | vectors | open | open RSS | ask | ask, country filter | "
                  "encode query | vector k=400 | lexical | filter mask | peak RSS | on disk |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in engines:
            e = row["engine"]
            lines.append(
                f"| {label(row['chunks'])} | {e['practices']:,} | {e['vector_kind']} | {e['open_s']:.2f} s | "
                f"{e['open_peak_rss_mb']} MB | {ms(e['ask'])} | {ms(e['ask_country_filter'])} | "
                f"{ms(e['encode_query'])} | {ms(e['vector_search_k400'])} | {ms(e['lexical_scores'])} | "
                f"{e['filter_mask']['p50_ms']:.2f} | {e['peak_rss_mb']} MB | {e['disk_mb']:.0f} MB |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import faiss

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "faiss": faiss.__version__, "faiss_threads": faiss.omp_get_max_threads(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        task, n, rest = argv[1], int(argv[2]), argv[3:]
        if task == "build":
            result = child_build(n, rest[0], Path(rest[1]))
        elif task == "query":
            result = child_query(n, rest[0], Path(rest[1]), int(rest[2]))
        else:
            result = child_engine(n, Path(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated chunk counts (10k, 100k, 1M)")
    parser.add_argument("--kinds", default="flat,hnsw")
    parser.add_argument("--no-engine", action="store_true", help="vector index only")
    parser.add_argument("--passes", type=int, default=3, help="passes over the 40 dev queries for ask latency")
    parser.add_argument("--sweep", action="store_true", help="flat vs HNSW between 10k and 200k, then stop")
    parser.add_argument("--reuse-builds", action="store_true",
                        help="keep indexes built by an earlier run in --work (and report their build)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ransearch-bench")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads of the engine (ask) process; 0: library default (all cores)")
    args = parser.parse_args(argv)
    global THREADS
    THREADS = args.threads
    args.work.mkdir(parents=True, exist_ok=True)
    queries(args.work)
    report: dict[str, Any] = {"machine": machine(), "engine_threads": THREADS or "default",
                              "command": "python benchmarks/bench_scale.py " + " ".join(argv)}
    t0 = time.perf_counter()
    if args.sweep:
        report["sweep"] = sweep(args.work, args.reuse_builds)
        out = args.out.with_name("scale_sweep.json") if args.out == RESULTS / "scale.json" else args.out
    else:
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        report["sizes"] = [bench_size(parse_size(s), args.work, kinds, not args.no_engine, args.passes,
                                      args.reuse_builds) for s in args.sizes.split(",")]
        out = args.out
        print(table(report["sizes"]))
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.perf_counter() - t0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), "utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
