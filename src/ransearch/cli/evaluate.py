"""``ransearch eval``: quality on a graded query set, one or several configurations side by side."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import Optional

import typer

from ransearch.cli import app


@app.command("eval")
def eval_command(
    queries: Path = typer.Argument(..., help="Queries in JSON Lines (format of eval/dev/queries.jsonl)."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index of the judged corpus."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Build a temporary index of this corpus first."),
    compare: str = typer.Option("hybrid", "--compare", help="Comma-separated modes to compare: hybrid,dense,lexical."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as one JSON object."),
) -> None:
    """Score ranking quality: nDCG@10, MRR@10, Recall@5 by kind, language, cross-lingual."""
    from ransearch.engine import Engine
    from ransearch.evaluation import evaluate, load_queries

    qs = load_queries(queries)
    modes = [m.strip() for m in compare.split(",") if m.strip()]
    with tempfile.TemporaryDirectory(prefix="ransearch-eval-") as tmp:
        if corpus is not None:
            index = Path(tmp)
            Engine.index([corpus], index)
        engine = Engine.open(index)
        languages = {PurePosixPath(p.source).name: p.language for p in engine.practices()}
        n = len(languages)

        def ranker(mode: str):  # type: ignore[no-untyped-def]
            return lambda q: [PurePosixPath(h.source).name for h in engine.ask(q.text, k=min(10, n), mode=mode).results]

        reports = [evaluate(mode, qs, ranker(mode), languages) for mode in modes]
    if as_json:
        sys.stdout.write(json.dumps({"queries": str(queries), "reports": [r.to_dict() for r in reports]}) + "\n")
        return
    from ransearch.cli.render import print_eval

    print_eval(reports)
