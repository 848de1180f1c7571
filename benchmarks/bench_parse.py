"""Parsing throughput: 1,000 practice documents parsed in one process with ``parse_file``.

The documents are replicas of the development corpus (``../shared/eval/dev/corpus``, else the
seeds in ``corpus/``), with the RAN Collection web pages of ``../shared/eval/dev2/corpus`` (saved
``.html`` and copied ``.txt``) among them: one document in six is a web page. Each replica is changed a little: a new title, and about a third of the
words that are not template text (labels, instructions, vocabularies, countries) get a
replica-specific suffix. Template text stays as it is, as in a real corpus, while value lines
differ from replica to replica, so the parser's caches cannot make the run trivially fast.

    .venv/bin/python benchmarks/bench_parse.py [--documents 1000] [--json PATH]

Prints a table (documents, seconds, documents/s, per layout) and writes the numbers as JSON
(default ``benchmarks/results/parse.json``). Target: 1,000 documents in under 10 s. Seconds are
wall-clock time, including the first call's loading of the language identifier; the CPU time of
the process is reported too, as it does not depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ransearch import __version__
from ransearch.ingest import parse_file
from ransearch.ingest.lines import site_data
from ransearch.template import catalogue, countries, vocabulary
from ransearch.text import fold

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT.parent / "shared/eval/dev/corpus", ROOT / "corpus")
WEB_CORPUS = ROOT.parent / "shared/eval/dev2/corpus"
WEB_SHARE = 6  # one document in WEB_SHARE is a web page
TARGET_SECONDS = 10.0
_WORD = re.compile(r"\b[^\W\d_]{5,}\b")
_MARKUP = re.compile(r"(<[^<>]*>)")


def protected_words() -> set[str]:
    """Folded words of the template, the vocabularies, the country names and the site: never changed."""
    texts = [t for ts in catalogue().template_texts().values() for t in ts]
    for vocab in vocabulary().values():
        texts += [name for names in vocab.translations.values() for name in names.values()]
        texts += list(vocab.labels)
    texts += [name for names in countries().names.values() for name in names.values()]
    site = site_data()  # the Collection site's own words: facet labels, header and footer lines
    texts += [t for key in ("site_names", "furniture", "end", "contact_prefixes") for t in site[key]]
    texts += [label for labels in site["facets"].values() for label in labels]
    return {w for t in texts for w in fold(t).split()}


def suffix(i: int) -> str:
    """A short letter code for replica ``i`` (0 → "a", 26 → "ba")."""
    code = ""
    while True:
        i, r = divmod(i, 26)
        code = chr(97 + r) + code
        if not i:
            return code


def vary(text: str, title: str, i: int, protected: set[str]) -> str:
    """Replica ``i`` of a document: a new title and a third of the value words suffixed."""
    if title:
        text = text.replace(title, f"{title} (replica {i})", 1)
    rng = random.Random(i)
    candidates = sorted({w for w in _WORD.findall(text) if fold(w) not in protected})
    chosen = set(rng.sample(candidates, len(candidates) // 3))
    tag = suffix(i)
    return _WORD.sub(lambda m: m.group(0) + tag if m.group(0) in chosen else m.group(0), text)


def vary_page(text: str, title: str, i: int, protected: set[str]) -> str:
    """Replica ``i`` of a saved page: only the text between tags changes, never the markup."""
    parts = _MARKUP.split(text)
    return "".join(p if p.startswith("<") else vary(p, title, i, protected) for p in parts)


def web_pages(corpus: Path) -> list[Path]:
    """The Collection web pages of a corpus (saved HTML and copied text)."""
    if not corpus.is_dir():
        return []
    return [p for p in sorted(corpus.iterdir()) if p.suffix in {".html", ".txt"}
            and parse_file(p).layout == "web_page"]


def make_replicas(corpus: Path, folder: Path, n: int, web: list[Path] | None = None) -> list[Path]:
    sources = sorted(corpus.glob("*.txt"))
    if not sources:
        raise SystemExit(f"no documents in {corpus}")
    protected = protected_words()
    originals = [(p, p.read_text("utf-8"), parse_file(p).title) for p in sources]
    pages = [(p, p.read_text("utf-8"), parse_file(p).title) for p in web or ()]
    paths = []
    for i in range(n):
        if pages and i % WEB_SHARE == WEB_SHARE - 1:
            path, text, title = pages[(i // WEB_SHARE) % len(pages)]
            changed = vary_page(text, title, i, protected) if path.suffix == ".html" else vary(text, title, i, protected)
        else:
            path, text, title = originals[i % len(originals)]
            changed = vary(text, title, i, protected)
        out = folder / f"{i:05d}_{path.name}"
        out.write_text(changed, encoding="utf-8")
        paths.append(out)
    return paths


def run(paths: list[Path], root: Path) -> dict[str, Any]:
    by_layout: dict[str, list[float]] = defaultdict(list)
    failed = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for path in paths:
        t = time.perf_counter()
        try:
            layout = parse_file(path, root).layout
        except Exception as exc:  # a benchmark reports failures instead of stopping
            failed.append(f"{path.name}: {exc}")
            continue
        by_layout[layout].append(time.perf_counter() - t)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {
        "documents": len(paths),
        "parsed": len(paths) - len(failed),
        "failed": failed,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "documents_per_second": round(len(paths) / seconds, 1),
        "target_seconds": TARGET_SECONDS,
        "within_target": seconds < TARGET_SECONDS,
        "by_layout": {
            layout: {"documents": len(times), "seconds": round(sum(times), 3),
                     "documents_per_second": round(len(times) / sum(times), 1),
                     "slowest_ms": round(1000 * max(times), 1)}
            for layout, times in sorted(by_layout.items())
        },
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"{'layout':<14}{'documents':>10}{'seconds':>10}{'documents/s':>13}{'slowest ms':>12}")
    for layout, row in result["by_layout"].items():
        print(f"{layout:<14}{row['documents']:>10}{row['seconds']:>10.2f}{row['documents_per_second']:>13.1f}"
              f"{row['slowest_ms']:>12.1f}")
    print(f"{'all':<14}{result['documents']:>10}{result['seconds']:>10.2f}{result['documents_per_second']:>13.1f}")
    print(f"CPU time {result['cpu_seconds']:.2f} s (wall-clock seconds grow when other processes share the CPUs)")
    verdict = "within" if result["within_target"] else "OVER"
    print(f"{verdict} the target of {TARGET_SECONDS:.0f} s; {len(result['failed'])} failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000, help="number of documents (default 1000)")
    parser.add_argument("--corpus", type=Path, help="folder of documents to replicate (default: the dev corpus)")
    parser.add_argument("--web-corpus", type=Path, default=WEB_CORPUS,
                        help="folder whose Collection web pages are mixed in (default: the dev2 corpus)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/parse.json",
                        help="where to write the results (default benchmarks/results/parse.json)")
    args = parser.parse_args(argv)
    corpus = args.corpus or next((c for c in DEFAULT_CORPORA if c.is_dir()), DEFAULT_CORPORA[-1])
    with tempfile.TemporaryDirectory(prefix="ransearch-bench-") as tmp:
        web = web_pages(args.web_corpus)
        paths = make_replicas(corpus, Path(tmp), args.documents, web)
        result = run(paths, Path(tmp))
    result.update({
        "corpus": str(corpus),
        "corpus_documents": len(list(corpus.glob("*.txt"))),
        "web_pages": [p.name for p in web],
        "ransearch": __version__,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    print_table(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results written to {args.json}")
    return 0 if not result["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
