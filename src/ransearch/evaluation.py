"""Built-in evaluation on graded query sets (the format of ``../shared/eval/dev/queries.jsonl``).

Metrics follow the dev set's scoring protocol: nDCG@10 with gain 2^g−1 normalised by the ideal
ordering of all judged documents, MRR@10 of the first grade-3 document, Recall@5 of grade-3
documents; macro-averaged overall, by query kind, by query language, for cross-lingual
(no grade-3 document in the query's language) against same-language queries, and for queries
in a language the encoder does not cover.

Several sets (a set is a folder with ``queries.jsonl`` and ``corpus/``) are each scored on their
own corpus — their judgments say nothing about the other set's documents — and summarised by
the mean over sets of each group's averages (``mean_averages``), with the gap between the sets.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ransearch.errors import QueryError
from ransearch.inputs import read_text_file

if TYPE_CHECKING:
    from ransearch.engine import Engine

__all__ = ["Query", "load_queries", "score_ranking", "evaluate", "EvalReport", "GROUP_ORDER", "NeedCoverage",
           "need_coverage", "EvalSet", "find_sets", "mean_averages", "score_engine", "CONFIGURATIONS"]

GROUP_ORDER = ("all", "kind=keyword", "kind=question", "kind=situation", "same-language", "cross-lingual",
               "uncovered-language")
METRICS = ("ndcg@10", "mrr@10", "recall@5")
CONFIGURATIONS = ("hybrid", "dense", "lexical", "flat", "match")
"""What ``score_engine`` can compare: ``ask``'s modes, ``flat`` (hybrid without routing
situations to the per-sentence fusion) and ``match``."""


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
             document_language: dict[str, str], covered_languages: frozenset[str] | None = None) -> EvalReport:
    """Score ``rank`` (query → document names, best first) on ``queries``.

    ``document_language`` maps a document name to its language, to tell cross-lingual queries
    (none of their grade-3 documents is in the query's language) from same-language ones;
    queries whose language is not in ``covered_languages`` (the encoder's, when known) also
    form the group ``uncovered-language``.
    """
    report = EvalReport(name)
    groups: dict[str, list[str]] = defaultdict(list)
    for q in queries:
        report.per_query[q.id] = score_ranking(rank(q), q.relevant)
        grade3 = [d for d, g in q.relevant.items() if g == 3]
        cross = not any(document_language.get(d) == q.lang for d in grade3)
        for g in ("all", f"kind={q.kind}", f"lang={q.lang}", "cross-lingual" if cross else "same-language"):
            groups[g].append(q.id)
        if covered_languages is not None and q.lang not in covered_languages:
            groups["uncovered-language"].append(q.id)
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


@dataclass(frozen=True)
class EvalSet:
    """One graded set: its queries and the corpus they were judged against (``None``: the
    caller says which index or corpus to use)."""

    name: str
    queries: Path
    corpus: Path | None = None


def _as_set(folder: Path) -> EvalSet | None:
    queries = folder / "queries.jsonl"
    if not queries.is_file():
        return None
    corpus = folder / "corpus"
    return EvalSet(folder.name, queries, corpus if corpus.is_dir() else None)


def find_sets(paths: Sequence[Path]) -> list[EvalSet]:
    """The sets named by ``paths``: a query file, a set folder (``queries.jsonl`` and ``corpus/``)
    or a folder whose sub-folders are sets. Names are made unique.

    Raises:
        QueryError: a path that does not exist, or a folder holding no set.
    """
    found: list[EvalSet] = []
    for path in map(Path, paths):
        if path.is_file():
            found.append(EvalSet(path.parent.name if path.name == "queries.jsonl" else path.stem, path))
        elif path.is_dir():
            one = _as_set(path)
            inner = [s for s in (_as_set(d) for d in sorted(path.iterdir()) if d.is_dir()) if s] if one is None else [one]
            if not inner:
                raise QueryError(f"{path}: no queries.jsonl here nor in its sub-folders")
            found.extend(inner)
        else:
            raise QueryError(f"{path}: no such query file or set folder")
    seen: dict[str, int] = defaultdict(int)
    out = []
    for s in found:
        seen[s.name] += 1
        out.append(s if seen[s.name] == 1 else EvalSet(f"{s.name}#{seen[s.name]}", s.queries, s.corpus))
    return out


def mean_averages(reports: Sequence[EvalReport]) -> dict[str, dict[str, float]]:
    """The mean over sets of each group's averages (one report per set, same configuration):
    every set weighs the same whatever its size; a group present in some sets only is the
    mean of those. ``n`` is the number of queries over the sets, ``sets`` how many sets have
    the group, and ``gap@<metric>`` the largest difference between two sets."""
    per_set = [r.averages() for r in reports]
    present = {g for avg in per_set for g in avg}
    groups = [g for g in GROUP_ORDER if g in present] + sorted(present - set(GROUP_ORDER))
    out: dict[str, dict[str, float]] = {}
    for group in groups:
        rows = [avg[group] for avg in per_set if group in avg]
        entry: dict[str, float] = {"n": sum(r["n"] for r in rows), "sets": len(rows)}
        for m in METRICS:
            values = [r[m] for r in rows]
            entry[m] = sum(values) / len(values)
            entry[f"gap@{m}"] = max(values) - min(values)
        out[group] = entry
    return out


def score_engine(engine: Engine, queries: Sequence[Query], configurations: Sequence[str]
                 ) -> tuple[list[EvalReport], NeedCoverage | None]:
    """Reports of ``configurations`` (see ``CONFIGURATIONS``) on ``queries`` over the index
    ``engine`` serves, and need coverage of ``match`` on the situation queries when it is
    compared.

    Raises:
        QueryError: an unknown configuration.
    """
    unknown = [c for c in configurations if c not in CONFIGURATIONS]
    if unknown:
        raise QueryError(f"unknown configuration {unknown[0]!r}; choose among {', '.join(CONFIGURATIONS)}")
    from ransearch.querylang import encoder_languages

    languages = {PurePosixPath(p.source).name: p.language for p in engine.practices()}
    k = min(10, len(languages))

    def names(results: Sequence[Any]) -> list[str]:
        return [PurePosixPath(h.source).name for h in results]

    def ranker(config: str) -> Callable[[Query], list[str]]:
        if config == "match":
            return lambda q: names(engine.match(q.text, k=k).results)
        if config == "flat":
            return lambda q: names(engine.ask(q.text, k=k, route=False).results)
        return lambda q: names(engine.ask(q.text, k=k, mode=config).results)

    covered = encoder_languages(engine.encoder)
    reports = [evaluate(c, queries, ranker(c), languages, covered) for c in configurations]
    situations = [q for q in queries if q.kind == "situation"]
    coverage = (need_coverage(situations, lambda text: engine.match(text, k=k))
                if "match" in configurations and situations else None)
    return reports, coverage
