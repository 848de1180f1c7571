"""``ransearch eval``: quality on a graded query set, one or several configurations side by side."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import Optional

import typer

from ransearch.cli import app, fail


@app.command("eval")
def eval_command(
    queries: Path = typer.Argument(..., help="Queries in JSON Lines (format of eval/dev/queries.jsonl)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index of the judged corpus."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Build a temporary index of this corpus first."),
    compare: str = typer.Option("hybrid", "--compare",
                                help="Comma-separated configurations to compare: hybrid, dense, lexical (ask modes), "
                                     "flat (hybrid without routing situations) and match."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only queries of this kind (keyword, question, situation)."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as one JSON object."),
) -> None:
    """Score ranking quality: nDCG@10, MRR@10, Recall@5 by kind, language, cross-lingual."""
    from ransearch.engine import Engine
    from ransearch.evaluation import evaluate, load_queries

    qs = [q for q in load_queries(queries) if kind is None or q.kind == kind]
    if not qs:
        fail(f"no queries of kind {kind!r} in {queries}", 2)
    modes = [m.strip() for m in compare.split(",") if m.strip()]
    with tempfile.TemporaryDirectory(prefix="ransearch-eval-") as tmp:
        if corpus is not None:
            index = Path(tmp)
            Engine.index([corpus], index)
        engine = Engine.open(index)
        languages = {PurePosixPath(p.source).name: p.language for p in engine.practices()}
        n = len(languages)

        def ranker(mode: str):  # type: ignore[no-untyped-def]
            if mode == "match":
                return lambda q: [PurePosixPath(h.source).name for h in engine.match(q.text, k=min(10, n)).results]
            if mode == "flat":  # hybrid without routing situations to the per-sentence fusion
                return lambda q: [PurePosixPath(h.source).name
                                  for h in engine.ask(q.text, k=min(10, n), route=False).results]
            return lambda q: [PurePosixPath(h.source).name for h in engine.ask(q.text, k=min(10, n), mode=mode).results]

        reports = [evaluate(mode, qs, ranker(mode), languages) for mode in modes]
        coverage = None
        situations = [q for q in qs if q.kind == "situation"]
        if "match" in modes and situations:
            from ransearch.evaluation import need_coverage

            coverage = need_coverage(situations, lambda text: engine.match(text, k=min(10, n)))
    if as_json:
        sys.stdout.write(json.dumps({"queries": str(queries), "reports": [r.to_dict() for r in reports],
                                     "need_coverage": coverage.to_dict() if coverage else None}) + "\n")
        return
    from ransearch.cli.render import print_eval

    print_eval(reports)
    if coverage:
        print(f"need coverage (match, situation queries): {coverage.needs} needs in {coverage.queries} queries, "
              f"{coverage.uncovered} reported uncovered; coverage@5 {coverage.coverage_at_k:.3f}, "
              f"cover precision {coverage.cover_precision:.3f}, relevant coverage {coverage.relevant_coverage:.3f}")
