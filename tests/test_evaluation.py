"""Evaluation metrics agree with the dev set's reference scorer."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest

from ransearch.errors import QueryError
from ransearch.evaluation import Query, evaluate, load_queries, score_ranking

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def test_perfect_and_empty_rankings() -> None:
    rel = {"a": 3, "b": 2, "c": 1}
    assert score_ranking(["a", "b", "c"], rel) == pytest.approx((1.0, 1.0, 1.0))
    assert score_ranking([], rel) == (0.0, 0.0, 0.0)
    ndcg, mrr, recall = score_ranking(["x", "a", "a"], rel)  # repeats count once
    assert mrr == 0.5 and recall == 1.0 and 0 < ndcg < 1


@pytest.mark.skipif(not (SHARED / "check_set.py").exists(), reason="../shared/eval/dev not available")
def test_matches_reference_scorer_on_random_rankings() -> None:
    spec = importlib.util.spec_from_file_location("check_set", SHARED / "check_set.py")
    assert spec and spec.loader
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    docs = [f"d{i}" for i in range(17)]
    rng = random.Random(7)
    for _ in range(200):
        rel = {d: rng.choice([1, 2, 3]) for d in rng.sample(docs, rng.randint(1, 8))}
        ranking = rng.sample(docs, rng.randint(0, 17))
        assert score_ranking(ranking, rel) == pytest.approx(reference.score_query(ranking, rel))


def test_groups_and_cross_lingual() -> None:
    qs = [Query("q1", "en", "keyword", "x", {"fr.txt": 3}), Query("q2", "fr", "question", "y", {"fr.txt": 3})]
    report = evaluate("t", qs, lambda q: ["fr.txt"], {"fr.txt": "fr"})
    avg = report.averages()
    assert avg["cross-lingual"]["n"] == 1 and avg["same-language"]["n"] == 1
    assert avg["all"]["ndcg@10"] == pytest.approx(1.0)


def test_load_queries_errors(tmp_path: Path) -> None:
    with pytest.raises(QueryError):
        load_queries(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', "utf-8")
    with pytest.raises(QueryError, match="bad.jsonl:1"):
        load_queries(bad)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "q", "lang": "en", "kind": "keyword", "text": "t", "relevant": {"a": 3}}) + "\n")
    assert load_queries(good)[0].relevant == {"a": 3}


def _line(qid: str, lang: str, relevant: dict[str, int], kind: str = "keyword") -> str:
    return json.dumps({"id": qid, "lang": lang, "kind": kind, "text": "t", "relevant": relevant}) + "\n"


def test_find_sets_reads_files_set_folders_and_folders_of_sets(tmp_path: Path) -> None:
    from ransearch.evaluation import find_sets

    for name in ("a", "b"):
        (tmp_path / "sets" / name / "corpus").mkdir(parents=True)
        (tmp_path / "sets" / name / "queries.jsonl").write_text(_line("q", "en", {"x": 3}), "utf-8")
    (tmp_path / "sets" / "notes").mkdir()  # a folder without queries is not a set
    loose = tmp_path / "extra.jsonl"
    loose.write_text(_line("q", "en", {"x": 3}), "utf-8")
    found = find_sets([tmp_path / "sets", tmp_path / "sets" / "a", loose])
    assert [s.name for s in found] == ["a", "b", "a#2", "extra"]
    assert found[0].corpus == tmp_path / "sets" / "a" / "corpus" and found[3].corpus is None
    with pytest.raises(QueryError, match="no such"):
        find_sets([tmp_path / "missing"])
    with pytest.raises(QueryError, match="no queries.jsonl"):
        find_sets([tmp_path / "sets" / "notes"])


def test_mean_is_over_sets_and_reports_the_gap() -> None:
    from ransearch.evaluation import mean_averages

    one = evaluate("hybrid", [Query("q1", "en", "keyword", "x", {"a": 3}), Query("q2", "en", "keyword", "y", {"a": 3})],
                   lambda q: ["a"], {"a": "en"})
    two = evaluate("hybrid", [Query("q1", "sv", "question", "x", {"a": 3})], lambda q: ["b", "a"], {"a": "en"},
                   covered_languages=frozenset({"en"}))
    mean = mean_averages([one, two])
    mrr_two = two.averages()["all"]["mrr@10"]
    assert mrr_two == pytest.approx(0.5)
    # each set weighs the same: (1.0 + 0.5) / 2, not (1 + 1 + 0.5) / 3
    assert mean["all"]["mrr@10"] == pytest.approx(0.75) and mean["all"]["n"] == 3 and mean["all"]["sets"] == 2
    assert mean["all"]["gap@mrr@10"] == pytest.approx(0.5)
    # a group of one set only is that set's value; queries in a language the encoder lacks are grouped apart
    assert mean["uncovered-language"]["sets"] == 1 and mean["uncovered-language"]["mrr@10"] == pytest.approx(0.5)
    assert "uncovered-language" not in one.averages()
    assert list(mean)[:3] == ["all", "kind=keyword", "kind=question"]
