"""The pure ranking functions of ``ransearch.search.ranking``, on a handful of numbers, and the
shape of the search package (one-way imports, small modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from ransearch.filters import FacetTable
from ransearch.search.searcher import encoded_well
from ransearch.search.ranking import (
    depth_ranks,
    feedback_query,
    fuse,
    log_chunk_counts,
    mean_unit_vectors,
    practice_dense,
    reciprocal_rank_fusion,
    standardise,
    top_rows,
)


def test_top_rows_are_best_first_with_ties_by_row() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.9])
    assert top_rows(scores, 3).tolist() == [1, 4, 0]
    assert top_rows(scores, 10).tolist() == [1, 4, 0, 2, 3]
    assert top_rows(scores, 2, allowed=np.array([True, False, True, True, False])).tolist() == [0, 2]
    assert top_rows(scores, 1, allowed=np.zeros(5, bool)).tolist() == []


@pytest.mark.parametrize("seed", range(5))
def test_top_rows_equal_a_stable_sort(seed: int) -> None:
    scores = np.random.default_rng(seed).integers(0, 6, 200).astype(np.float32)  # many ties
    for k in (1, 7, 50, 200):
        assert top_rows(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_depth_ranks_are_exact_down_to_the_depth() -> None:
    scores = np.array([0.2, 0.8, 0.5, 0.8, 0.1])
    assert depth_ranks(scores).tolist() == [3, 0, 2, 1, 4]
    assert depth_ranks(scores, depth=2).tolist() == [2, 0, 2, 1, 2]


def test_standardise_gives_z_scores_and_zeros_for_a_flat_signal() -> None:
    z = standardise(np.array([1.0, 2.0, 3.0]))
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert standardise(np.full(4, 0.3)).tolist() == [0.0] * 4


def test_practice_dense_is_the_best_chunk() -> None:
    chunk_practice = np.array([0, 0, 1, 1, 2])
    ids = np.array([1, 2, 0, 3, -1])  # best first; -1: no more candidates
    scores = np.array([0.9, 0.8, 0.6, 0.4, 0.0], np.float32)
    assert practice_dense(ids, scores, chunk_practice, 4).tolist() == pytest.approx([0.9, 0.8, 0.0, 0.0])
    alone = practice_dense(np.array([4]), np.array([-0.2], np.float32), chunk_practice, 4)
    assert alone.tolist() == pytest.approx([0.0, 0.0, -0.2, 0.0])  # no candidate: 0


def test_log_chunk_counts_count_at_least_one_chunk() -> None:
    assert log_chunk_counts(np.array([0, 0, 0, 2]), 4).tolist() == pytest.approx([np.log(3), 0.0, 0.0, 0.0])


def _fuse(dense: list[float], title: list[float], lexical: list[float], mode: str, **kw: object) -> np.ndarray:
    args = dict(mode=mode, title_weight=0.3, lexical_weight=0.5, length_prior=0.0)
    args.update(kw)
    return fuse(np.array(dense, np.float32), np.array(title, np.float32), np.array(lexical, np.float32),
                np.zeros(len(dense), np.float32), **args)  # type: ignore[arg-type]


def test_fuse_adds_standardised_signals_by_mode() -> None:
    dense, title, lexical = [0.1, 0.5, 0.3], [0.2, 0.2, 0.2], [0.9, 0.0, 0.0]
    assert _fuse(dense, title, lexical, "lexical").tolist() == pytest.approx(lexical)
    only_dense = _fuse(dense, title, lexical, "dense")
    np.testing.assert_allclose(only_dense, standardise(np.array(dense)), rtol=1e-6)  # a flat title adds nothing
    hybrid = _fuse(dense, title, lexical, "hybrid")
    np.testing.assert_allclose(hybrid, only_dense + 0.5 * standardise(np.array(lexical)), rtol=1e-6)
    assert hybrid.dtype == np.float32


def test_fuse_takes_the_length_prior_off() -> None:
    dense = np.array([0.5, 0.5], np.float32)
    flat = np.zeros(2, np.float32)
    longer = fuse(dense, flat, flat, np.array([0.0, 2.0], np.float32), mode="dense", title_weight=0.3,
                  lexical_weight=0.5, length_prior=0.05)
    assert longer[0] > longer[1]  # more chunks, more lucky matches: the prior takes some off


def test_reciprocal_rank_fusion_rewards_a_top_rank_in_any_ranking() -> None:
    fused = reciprocal_rank_fusion([np.array([0.9, 0.5, 0.1]), np.array([0.1, 0.5, 0.9])], k=60.0)
    assert fused.tolist() == pytest.approx([1 / 61 + 1 / 63, 2 / 62, 1 / 63 + 1 / 61])
    assert fused.dtype == np.float32


def test_mean_unit_vectors_average_the_kept_rows_of_each_group() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 3.0]], np.float32)
    out = mean_unit_vectors(vectors, np.array([0, 0, 1, 1]), np.array([True, True, True, False]), 3)
    np.testing.assert_allclose(out, [[2 ** -0.5, 2 ** -0.5], [2 ** -0.5, 2 ** -0.5], [0.0, 0.0]], rtol=1e-6)


_PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ransearch" / "search"
_ORDER = ("ranking", "chunks", "relevance", "signals", "fusion", "sections", "searcher",
          "needs", "matching", "similarity")


def _package_imports(module: str) -> set[str]:
    tree = ast.parse((_PACKAGE / f"{module}.py").read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found.update(n.split(".")[2] if n.count(".") >= 2 else "__init__"
                     for n in names if n == "ransearch.search" or n.startswith("ransearch.search."))
    return found


def test_search_modules_import_only_the_ones_below_them() -> None:
    assert {p.stem for p in _PACKAGE.glob("*.py")} == {*_ORDER, "__init__"}
    for i, module in enumerate(_ORDER):
        assert _package_imports(module) <= set(_ORDER[:i]), module
    assert all(len((_PACKAGE / f"{m}.py").read_text("utf-8").splitlines()) <= 400 for m in _ORDER)


# ---- practices in languages the encoder does not cover (issue 15) ------------------------------

class _Encoder:
    name = "fake"

    def __init__(self, languages: frozenset[str] | None) -> None:
        if languages is not None:
            self.languages = languages


def _facets(languages: list[str]) -> FacetTable:
    n = len(languages)
    return FacetTable.from_values({"country": [()] * n, "theme": [()] * n, "audience": [()] * n,
                                   "language": [(x,) for x in languages]}, n)


def test_practices_in_languages_the_encoder_does_not_cover_are_marked() -> None:
    facets = _facets(["fr", "sv", "en", "sv"])
    rows = encoded_well(facets, _Encoder(frozenset({"fr", "en"})))  # type: ignore[arg-type]
    assert rows is not None and rows.tolist() == [True, False, True, False]
    assert encoded_well(facets, _Encoder(frozenset({"fr", "en", "sv"}))) is None  # type: ignore[arg-type]
    assert encoded_well(facets, _Encoder(None)) is None  # type: ignore[arg-type]  # says nothing: all


def test_standardise_over_some_rows_leaves_the_others_average() -> None:
    x = np.array([0.2, 0.9, 0.4, 0.95], dtype=np.float32)
    rows = np.array([True, False, True, False])
    z = standardise(x, rows)
    assert z[1] == 0 and z[3] == 0 and np.allclose(z[[0, 2]], [-1, 1])
    assert np.allclose(standardise(x), (x - x.mean()) / x.std())
    assert not standardise(x, np.array([True, False, False, False])).any()  # one row: nothing to compare


def test_fuse_leaves_dense_and_title_of_badly_encoded_practices_out() -> None:
    dense = np.array([0.2, 0.99, 0.4, 0.3], np.float32)   # row 1: a cosine that measures its language
    title = np.array([0.1, 0.95, 0.3, 0.2], np.float32)
    lexical = np.array([0.0, 0.0, 0.5, 0.1], np.float32)
    rows = np.array([True, False, True, True])
    fused = fuse(dense, title, lexical, np.zeros(4, np.float32), mode="hybrid", title_weight=0.3,
                 lexical_weight=0.5, length_prior=0.0, encoded_well=rows)
    assert int(np.argmax(fused)) == 2
    plain = fuse(dense, title, lexical, np.zeros(4, np.float32), mode="hybrid", title_weight=0.3,
                 lexical_weight=0.5, length_prior=0.0)
    assert int(np.argmax(plain)) == 1


def test_feedback_query_moves_the_query_towards_its_neighbours() -> None:
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    neighbours = np.array([[0.0, 1.0, 0.0], [0.0, 0.6, 0.8]], dtype=np.float32)
    moved = feedback_query(query, neighbours, 0.5)
    expected = np.array([1.0, 0.4, 0.2]) / np.linalg.norm([1.0, 0.4, 0.2])
    assert np.allclose(moved, expected, atol=1e-6)
    assert np.array_equal(feedback_query(query, neighbours, 0.0), query)
    assert np.array_equal(feedback_query(query, neighbours[:0], 0.5), query)
    assert feedback_query(query.astype(np.float64), neighbours, 0.0).dtype == np.float32
