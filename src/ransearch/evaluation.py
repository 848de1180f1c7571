"""Built-in evaluation on graded query sets (the format of ``../shared/eval/dev/queries.jsonl``).

Metrics follow the dev set's scoring protocol: nDCG@10 with gain 2^g−1 normalised by the ideal
ordering of all judged documents, MRR@10 of the first grade-3 document, Recall@5 of grade-3
documents; macro-averaged overall, by query kind, by query language, and for cross-lingual
(no grade-3 document in the query's language) against same-language queries.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ransearch.errors import QueryError
from ransearch.inputs import read_text_file

__all__ = ["Query", "load_queries", "score_ranking", "evaluate", "EvalReport", "GROUP_ORDER", "NeedCoverage",
           "need_coverage"]

GROUP_ORDER = ("all", "kind=keyword", "kind=question", "kind=situation", "same-language", "cross-lingual")


@dataclass(frozen=True)
class Query:
    id: str
    lang: str
    kind: str
    text: str
    relevant: dict[str, int]


def load_queries(path: Path) -> list[Query]:
    """Queries from a JSON Lines file.

    Raises:
        QueryError: unreadable file or a line without the expected keys.
    """
    lines = read_text_file(path).splitlines()  # the encodings the corpus reader reads; else QueryError
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Query(str(d["id"]), d.get("lang", "?"), d.get("kind", "?"), d["text"],
                             {str(k): int(v) for k, v in d["relevant"].items()}))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QueryError(f"{path}:{n}: not a query line ({exc})") from None
    if not out:
        raise QueryError(f"{path}: no queries")
    return out


def _dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def score_ranking(ranking: Sequence[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    """(nDCG@10, MRR@10, Recall@5) of a practice-level ranking (document names, best first)."""
    seen: set[str] = set()
    ranked = [d for d in ranking if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]
    top = ranked[:10]
    ideal = sorted((2 ** g - 1 for g in relevant.values()), reverse=True)[:10]
    ndcg = _dcg([2 ** relevant.get(d, 0) - 1 for d in top]) / _dcg(ideal) if ideal else 0.0
    mrr = next((1.0 / (i + 1) for i, d in enumerate(top) if relevant.get(d, 0) == 3), 0.0)
    grade3 = {d for d, g in relevant.items() if g == 3}
    recall = len(grade3 & set(ranked[:5])) / len(grade3) if grade3 else 0.0
    return ndcg, mrr, recall


@dataclass
class EvalReport:
    """Per-query scores of one configuration and their group averages."""

    name: str
    per_query: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)

    def averages(self) -> dict[str, dict[str, float]]:
        out = {}
        for group in list(GROUP_ORDER) + sorted(g for g in self.groups if g.startswith("lang=")):
            ids = self.groups.get(group, [])
            if not ids:
                continue
            vals = [self.per_query[i] for i in ids]
            out[group] = {"n": len(vals), "ndcg@10": sum(v[0] for v in vals) / len(vals),
                          "mrr@10": sum(v[1] for v in vals) / len(vals),
                          "recall@5": sum(v[2] for v in vals) / len(vals)}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "groups": self.averages(),
                "queries": {q: {"ndcg@10": s[0], "mrr@10": s[1], "recall@5": s[2]} for q, s in self.per_query.items()}}


def evaluate(name: str, queries: Sequence[Query], rank: Callable[[Query], list[str]],
             document_language: dict[str, str]) -> EvalReport:
    """Score ``rank`` (query → document names, best first) on ``queries``.

    ``document_language`` maps a document name to its language, to tell cross-lingual queries
    (none of their grade-3 documents is in the query's language) from same-language ones.
    """
    report = EvalReport(name)
    groups: dict[str, list[str]] = defaultdict(list)
    for q in queries:
        report.per_query[q.id] = score_ranking(rank(q), q.relevant)
        grade3 = [d for d, g in q.relevant.items() if g == 3]
        cross = not any(document_language.get(d) == q.lang for d in grade3)
        for g in ("all", f"kind={q.kind}", f"lang={q.lang}", "cross-lingual" if cross else "same-language"):
            groups[g].append(q.id)
    report.groups = dict(groups)
    return report


@dataclass(frozen=True)
class NeedCoverage:
    """How well ``match`` answers situations need by need (our own measure; see docs/evaluation.md).

    Attributes:
        queries: situation queries measured.
        needs: needs found in them.
        uncovered: needs ``match`` reported as not covered by the corpus.
        coverage_at_k: share of the needs it deems covered that at least one of its top-k
            recommendations claims to cover.
        cover_precision: share of "covers" claims that point to a practice judged relevant
            (grade ≥ 2) for the query.
        relevant_coverage: share of the needs it deems covered whose covering practices include
            at least one judged relevant (grade ≥ 2).
    """

    queries: int
    needs: int
    uncovered: int
    coverage_at_k: float
    cover_precision: float
    relevant_coverage: float

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def need_coverage(queries: Sequence[Query], match: Callable[[str], Any], k: int = 5) -> NeedCoverage:
    """Measure need coverage of ``match`` (text → MatchResult) on situation queries."""
    n_needs = n_uncovered = covered = relevant_covered = claims = good_claims = 0
    for q in queries:
        result = match(q.text)
        rel = {PurePosixPath(r.source).name: q.relevant.get(PurePosixPath(r.source).name, 0) for r in result.results}
        n_needs += len(result.needs)
        n_uncovered += len(result.uncovered)
        for need in result.needs:
            if need.id in result.uncovered:
                continue
            coverers = [r for r in result.results[:k] if any(c.need == need.id for c in r.covers)]
            covered += bool(coverers)
            relevant_covered += any(rel[PurePosixPath(r.source).name] >= 2 for r in coverers)
        for r in result.results[:k]:
            claims += len(r.covers)
            good_claims += len(r.covers) if rel[PurePosixPath(r.source).name] >= 2 else 0
    deemed = max(1, n_needs - n_uncovered)
    return NeedCoverage(len(queries), n_needs, n_uncovered, covered / deemed, good_claims / max(1, claims),
                        relevant_covered / deemed)
