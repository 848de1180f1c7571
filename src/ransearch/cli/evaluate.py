"""``ransearch eval``: quality on graded query sets, one or several configurations side by side.

Each set is scored on its own corpus (never on a merged one) and the sets are summarised by
their mean (``ransearch.evaluation.mean_averages``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

import typer

from ransearch.cli import app, fail


@app.command("eval")
def eval_command(
    queries: list[Path] = typer.Argument(
        ..., help="Query files in JSON Lines (format of eval/dev/queries.jsonl), set folders (queries.jsonl + "
                  "corpus/), or folders of sets. Each set is scored on its own corpus."),
    index: Optional[Path] = typer.Option(None, "--index", help="Index of the judged corpus (for query files "
                                                                 "given without their set folder)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="Build a temporary index of this corpus first "
                                                                  "(for query files given without their set folder)."),
    compare: str = typer.Option("hybrid", "--compare",
                                help="Comma-separated configurations to compare: hybrid, dense, lexical (ask modes), "
                                     "flat (hybrid without routing situations) and match."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only queries of this kind (keyword, question, situation)."),
    companion: Optional[str] = typer.Option(None, "--companion",
                                            help="Build the temporary indexes with this companion encoder (e5; "
                                                 "none; default: the settings')."),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as one JSON object."),
) -> None:
    """Score ranking quality: nDCG@10, MRR@10, Recall@5 by kind, language, cross-lingual; per set and their mean."""
    from ransearch import Engine
    from ransearch.evaluation import find_sets, load_queries, mean_averages, score_engine

    sets = find_sets(queries)
    configurations = [m.strip() for m in compare.split(",") if m.strip()]
    if not configurations:
        fail("--compare names no configuration", 1)
    results: list[dict[str, Any]] = []
    shared: Path | None = None
    with tempfile.TemporaryDirectory(prefix="ransearch-eval-") as tmp:
        for n, s in enumerate(sets):
            qs = [q for q in load_queries(s.queries) if kind is None or q.kind == kind]
            if not qs:
                fail(f"no queries of kind {kind!r} in {s.queries}", 2)
            if s.corpus is not None:
                where = Path(tmp) / f"set{n}"
                Engine.index([s.corpus], where, companion=companion)
            elif corpus is not None:
                if shared is None:
                    shared = Path(tmp) / "corpus"
                    Engine.index([corpus], shared, companion=companion)
                where = shared
            else:
                where = index  # type: ignore[assignment]  # None: the configured index
            engine = Engine.open(where)
            reports, coverage = score_engine(engine, qs, configurations)
            results.append({"name": s.name, "queries": str(s.queries),
                            "corpus": str(s.corpus or corpus or engine.generation_dir),
                            "reports": reports, "need_coverage": coverage})
    mean = ({c: mean_averages([r["reports"][i] for r in results]) for i, c in enumerate(configurations)}
            if len(results) > 1 else None)
    if as_json:
        out: dict[str, Any] = {"sets": [r | {"reports": [x.to_dict() for x in r["reports"]],
                                             "need_coverage": r["need_coverage"].to_dict() if r["need_coverage"]
                                             else None} for r in results],
                               "mean": mean}
        if len(results) == 1:  # one set: its reports at the top level too, as before several sets existed
            out |= {"queries": out["sets"][0]["queries"], "reports": out["sets"][0]["reports"],
                    "need_coverage": out["sets"][0]["need_coverage"]}
        sys.stdout.write(json.dumps(out) + "\n")
        return
    from ransearch.cli.render import print_eval, print_eval_mean

    for r in results:
        print_eval(r["reports"], title=f"{r['name']} ({r['queries']})" if len(results) > 1 else None)
        c = r["need_coverage"]
        if c:
            print(f"need coverage (match, situation queries): {c.needs} needs in {c.queries} queries, "
                  f"{c.uncovered} reported uncovered; coverage@5 {c.coverage_at_k:.3f}, "
                  f"cover precision {c.cover_precision:.3f}, relevant coverage {c.relevant_coverage:.3f}")
    if mean is not None:
        print_eval_mean(mean, [r["name"] for r in results])
