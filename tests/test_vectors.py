"""VectorIndex: exact and HNSW indexes, chosen by size, saved, memory-mapped, filtered."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from ransearch import vectors as vectors_module
from ransearch.vectors import EXACT_MAX, FILTER_SCAN_SHARE, VectorIndex, choose_kind


def unit_rows(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exact_top(x: np.ndarray, q: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    s = q @ x.T
    if allowed is not None:
        s[:, ~allowed] = -np.inf
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


def test_kind_is_chosen_by_size() -> None:
    assert choose_kind(0) == "flat"
    assert choose_kind(EXACT_MAX) == "flat"
    assert choose_kind(EXACT_MAX + 1) == "hnsw"


def test_build_picks_hnsw_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors_module, "EXACT_MAX", 100)
    assert VectorIndex.build(unit_rows(100)).kind == "flat"
    assert VectorIndex.build(unit_rows(101)).kind == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_search_roundtrip(tmp_path: Path, kind: str, mmap: bool) -> None:
    x = unit_rows(2000)
    VectorIndex.build(x, kind).save(tmp_path / "v.faiss")
    index = VectorIndex.load(tmp_path / "v.faiss", mmap=mmap)
    assert (index.kind, index.size, index.dimension) == (kind, 2000, 32)
    ids, scores = index.search(x[:5], 10)
    assert ids.shape == scores.shape == (5, 10)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first
    np.testing.assert_array_equal(index.reconstruct_all(), x)


def test_hnsw_recall_against_exact() -> None:
    x = unit_rows(5000, d=32, seed=1)
    q = unit_rows(50, d=32, seed=2)
    truth = exact_top(x, q, 10)
    ids, _ = VectorIndex.build(x, "hnsw").search(q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth)])
    assert recall >= 0.95


def test_k_larger_than_index_and_multi_row_queries() -> None:
    index = VectorIndex.build(unit_rows(7))
    ids, scores = index.search(unit_rows(3, seed=5), 400)
    assert ids.shape == (3, 7)
    assert sorted(ids[0].tolist()) == list(range(7))
    ids, _ = index.search(unit_rows(1, seed=5)[0], 2)  # a single vector is one query row
    assert ids.shape == (1, 2)


def test_empty_index() -> None:
    index = VectorIndex.build(np.zeros((0, 16), np.float32))
    assert index.size == 0 and index.dimension == 16
    assert index.reconstruct_all().shape == (0, 16)
    ids, _ = index.search(unit_rows(1, d=16), 5)
    assert ids.shape == (1, 1) and ids[0, 0] == -1


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("share", [0.01, 0.3, 1.0])
def test_filtered_search_returns_only_allowed_rows(kind: str, share: float) -> None:
    x = unit_rows(3000, seed=3)
    q = unit_rows(20, seed=4)
    allowed = np.random.default_rng(5).random(3000) < share
    index = VectorIndex.build(x, kind)
    ids, scores = index.search(q, 10, allowed=allowed)
    assert np.all(allowed[ids[ids >= 0]])
    truth = exact_top(x, q, 10, allowed)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth)])
    assert recall >= (1.0 if kind == "flat" or share < FILTER_SCAN_SHARE else 0.9)


def test_filtered_search_with_nothing_allowed_and_bad_mask() -> None:
    index = VectorIndex.build(unit_rows(50))
    ids, _ = index.search(unit_rows(2, seed=9), 5, allowed=np.zeros(50, bool))
    assert (ids == -1).all()
    with pytest.raises(ValueError):
        index.search(unit_rows(1), 5, allowed=np.ones(49, bool))


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown vector index kind"):
        VectorIndex.build(unit_rows(5), "ivf")


def test_vectors_view_outlives_the_index_object(tmp_path: Path) -> None:
    x = unit_rows(100)
    VectorIndex.build(x).save(tmp_path / "v.faiss")
    view = VectorIndex.load(tmp_path / "v.faiss").vectors()  # the index object is dropped at once
    gc.collect()
    np.testing.assert_array_equal(view, x)
    assert not view.flags.writeable


def test_prefetch_is_harmless(tmp_path: Path) -> None:
    VectorIndex.build(unit_rows(10)).save(tmp_path / "v.faiss")
    index = VectorIndex.load(tmp_path / "v.faiss")
    assert index.path == tmp_path / "v.faiss"
    index.prefetch()
    VectorIndex.build(unit_rows(10)).prefetch()  # not loaded from a file: nothing to do
    assert index.search(unit_rows(1), 1)[0].shape == (1, 1)
