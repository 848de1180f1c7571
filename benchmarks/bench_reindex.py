"""Nightly re-indexing at 1,000 documents: full build, no-op run, one changed document.

The documents are replicas of the development corpus (``../shared/eval/dev/corpus``, else the
seeds in ``corpus/``), copied to a temporary folder under new names; each replica's title gets
a replica code (or, where the title is not verbatim in the text, its description does), so
every replica has its own id, hash and profile chunk. Each measurement runs the real command
line (``python -m ransearch index ... --json``) in a fresh process with the real encoder
(``use``), so wall times include the interpreter start and imports, as in a cron job.

    .venv/bin/python benchmarks/bench_reindex.py [--documents 1000] [--runs 5] [--json PATH]

Measures:

- full build: documents/s and chunks/s (and the embedding stage's own chunks/s);
- no-op re-index (nothing changed): wall time over ``--runs`` runs; target ≤ 3 s;
- one document changed (one paragraph of its description), one document's title changed,
  one document removed, one document broken: chunks embedded (printed) and wall time.

Prints a table and writes JSON (default ``benchmarks/results/reindex.json``). CPU seconds of
the child processes are reported beside wall seconds: they do not depend on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ransearch import __version__
from ransearch.ingest import parse_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parse import suffix  # noqa: E402  (a letter code per replica, as the parse benchmark makes them)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT.parent / "shared/eval/dev/corpus", ROOT / "corpus")
NOOP_TARGET_S = 3.0


def replicate(source: Path, target: Path, n: int) -> int:
    """Write ``n`` replicas of the documents of ``source`` into ``target``; how many had their
    title varied (the others had their description varied)."""
    originals = sorted(p for p in source.iterdir() if p.suffix == ".txt")
    parsed = [(p, p.read_text("utf-8"), parse_file(p)) for p in originals]
    target.mkdir(parents=True)
    titled = 0
    for i in range(n):
        path, text, practice = parsed[i % len(parsed)]
        tag = f"replica {suffix(i)}"
        if practice.title and practice.title in text:
            text = text.replace(practice.title, f"{practice.title} ({tag})", 1)
            titled += 1
        else:
            start = practice.sections["description"][:40]
            text = text.replace(start, f"{start} ({tag})", 1)
        (target / f"r{i:04d}_{path.name}").write_text(text, "utf-8")
    return titled


def edit_description(path: Path, words: str) -> None:
    practice = parse_file(path)
    start = practice.sections["description"][:40]
    text = path.read_text("utf-8")
    path.write_text(text.replace(start, f"{start} {words}", 1), "utf-8")


def edit_title(path: Path, words: str) -> None:
    practice = parse_file(path)
    text = path.read_text("utf-8")
    assert practice.title in text
    path.write_text(text.replace(practice.title, f"{practice.title} {words}", 1), "utf-8")


def run_index(corpus: Path, index: Path, *extra: str) -> dict[str, Any]:
    """One ``ransearch index`` process: its report, exit status, wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ransearch", "index", str(corpus), "--index", str(index),
                           "--json", *extra], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"ransearch index failed ({proc.returncode}): {proc.stderr}")
    report = json.loads(proc.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"report": report, "exit": proc.returncode, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def chunks_of(index: Path, source: str) -> int:
    """Chunks of the practice of ``source`` in the current generation."""
    import pyarrow.parquet as pq

    from ransearch.store import open_generation

    gen = open_generation(index)
    pid = gen.manifest.documents[source]["practice_id"]
    ids = pq.read_table(gen.path / "chunks.parquet", columns=["practice_id"]).column("practice_id").to_pylist()
    return sum(1 for i in ids if i == pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="no-op runs to time")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/reindex.json")
    parser.add_argument("--keep", type=Path, default=None, help="keep the corpus and index in this folder")
    args = parser.parse_args()
    source = next((c for c in DEFAULT_CORPORA if c.is_dir()), None)
    if source is None:
        raise SystemExit("no corpus to replicate")

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ransearch-reindex-"))
    corpus, index = root / "corpus", root / "index"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    titled = replicate(source, corpus, args.documents)
    docs = sorted(corpus.iterdir())
    rows: list[tuple[str, str, str, str]] = []
    results: dict[str, Any] = {}

    full = run_index(corpus, index)
    rep = full["report"]
    chunks = rep["counts"]["chunks"]
    embed_s = rep["durations"].get("embed", 0.0)
    results["full_build"] = {**full, "documents": args.documents, "chunks": chunks,
                             "documents_per_s": round(args.documents / full["wall_s"], 2),
                             "chunks_per_s": round(chunks / full["wall_s"], 2),
                             "embed_chunks_per_s": round(chunks / embed_s, 2) if embed_s else None}
    rows.append(("full build", f"{args.documents} docs, {chunks} chunks embedded",
                 f"{full['wall_s']:.1f} s (cpu {full['cpu_s']:.1f} s)",
                 f"{args.documents / full['wall_s']:.1f} docs/s, {chunks / full['wall_s']:.1f} chunks/s"))

    noop = [run_index(corpus, index) for _ in range(args.runs)]
    assert all(r["report"]["outcome"] == "unchanged" for r in noop)
    walls = [r["wall_s"] for r in noop]
    results["noop"] = {"runs": noop, "wall_s_median": statistics.median(walls), "wall_s_max": max(walls),
                       "target_s": NOOP_TARGET_S, "passed": max(walls) <= NOOP_TARGET_S,
                       "in_process_s": round(sum(noop[0]["report"]["durations"].values()), 3)}
    rows.append(("no-op re-index", "0 parsed, 0 embedded, no generation written",
                 f"{statistics.median(walls):.2f} s median, {max(walls):.2f} s max",
                 f"target ≤ {NOOP_TARGET_S:.0f} s: {'met' if max(walls) <= NOOP_TARGET_S else 'MISSED'}"))

    def one(label: str, what: str, change: Any, source_name: str) -> None:
        doc_chunks = chunks_of(index, source_name) if (index / "CURRENT").exists() and change != "remove" else None
        r = run_index(corpus, index)
        c = r["report"]["counts"]
        results[label] = {**r, "document_chunks": doc_chunks}
        rows.append((label, f"{what}: {c['embedded_chunks']} chunks embedded"
                     + (f" (the document has {doc_chunks})" if doc_chunks is not None else "")
                     + f", {c['reused_chunks']} reused", f"{r['wall_s']:.2f} s (cpu {r['cpu_s']:.2f} s)",
                     f"exit {r['exit']}"))

    edit_description(docs[1], "A new sentence written by an editor tonight about youth workers.")
    one("one changed document", "1 paragraph edited", "edit", docs[1].name)
    title_doc = next(d for d in docs[2:] if parse_file(d).title in d.read_text("utf-8"))
    edit_title(title_doc, "(revised)")
    one("one title changed", "title edited", "title", title_doc.name)
    removed = next(d for d in docs[2:] if d != title_doc)
    removed.unlink()
    one("one document removed", "1 removed", "remove", removed.name)
    broken = next(d for d in docs[2:] if d not in (title_doc, removed))
    broken.write_text("saved by mistake", "utf-8")
    one("one document broken", "1 broken (last good version kept)", "broken", broken.name)

    results["setup"] = {"documents": args.documents, "source": str(source), "titles_varied": titled,
                        "encoder": rep["encoder"], "package_version": __version__}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform(), "load_average": list(os.getloadavg())}
    results["date"] = datetime.now(timezone.utc).isoformat(timespec="seconds")

    width = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"re-indexing {args.documents} documents with {rep['encoder']} "
          f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, width)))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"written {args.json}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
