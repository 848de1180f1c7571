"""Pure ranking functions on arrays: top rows, ranks, z-scores, fusion, reciprocal rank fusion.

Nothing here knows an index, an encoder or a text: every function takes arrays (one value per
practice row, or per chunk) and returns arrays, so each can be tested on a handful of numbers.

- :func:`practice_dense`: a practice's dense score is the cosine of its best candidate chunk.
- :func:`best_of_n_excess` and :func:`null_spread`: a practice cut into many chunks has more
  chances of one lucky match. Its best chunk is the maximum of n draws, which lies about
  σ·√(2 ln n) above the mean of chance matches (Gaussian maxima), σ being the spread of chance
  cosines: that much is taken off its dense score (the length correction), with σ measured on
  the collection rather than set by hand.
- :func:`fuse`: each signal is standardised over the practices (:func:`standardise`) and the
  signals are added with fixed weights, so a signal that separates nothing contributes nothing.
- :func:`reciprocal_rank_fusion`: several rankings of the same practices made one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["RANK_DEPTH", "NULL_SAMPLE", "top_rows", "depth_ranks", "standardise", "practice_dense",
           "best_of_n_excess", "null_spread", "fuse", "reciprocal_rank_fusion", "mean_unit_vectors"]

RANK_DEPTH = 4096
"""Ranks fused by reciprocal rank are exact down to here (all of them in a collection of fewer
practices); the practices below share this rank, which moves a fused score by less than
1/(rrf_k + RANK_DEPTH) per ranking, and spares a full sort of every ranking at 57,000 practices."""

NULL_SAMPLE = 256
"""Chunks sampled by :func:`null_spread`: the spread of chance cosines is a mean over this many
chunks of a spread over as many (about 65,000 cosines, a few milliseconds at any collection
size); it sets the precision of an estimate, not a ranking."""


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """The rows of the ``k`` highest scores (among ``allowed``), best first, ties by row: the
    first ``k`` of a stable descending sort, without sorting every row."""
    rows = np.arange(len(scores)) if allowed is None else np.flatnonzero(allowed)
    values = -np.asarray(scores)[rows]
    if k < len(rows):
        keep = values <= np.partition(values, k - 1)[k - 1]  # with every tie of the k-th
        rows, values = rows[keep], values[keep]
    return rows[np.lexsort((rows, values))][:k]


def depth_ranks(scores: np.ndarray, depth: int = RANK_DEPTH) -> np.ndarray:
    """Every row's rank (0 = best, ties by row), exact for the first ``depth`` ranks; the rows
    below share rank ``depth``."""
    ranks = np.full(len(scores), depth, dtype=np.int64)
    top = top_rows(scores, depth)
    ranks[top] = np.arange(len(top))
    return ranks


def standardise(x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """z-scores over the practices; a flat signal becomes all zeros. With ``rows`` (a boolean
    mask), the z-scores are taken over those rows only and every other row gets 0 (average)."""
    if rows is None:
        std = float(x.std())
        return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)
    out = np.zeros_like(x)
    if int(rows.sum()) >= 2:
        out[rows] = standardise(x[rows])
    return out


def practice_dense(ids: np.ndarray, scores: np.ndarray, chunk_practice: np.ndarray, n: int) -> np.ndarray:
    """Per practice row: the cosine of its best candidate chunk; 0 for a practice without one.

    Args:
        ids: candidate chunk rows, best first (-1 for none).
        scores: their cosines.
        chunk_practice: the practice row of every chunk row.
        n: the number of practice rows.
    """
    dense = np.zeros(n, dtype=np.float32)
    found = ids >= 0
    rows, scores = chunk_practice[ids[found]], np.asarray(scores, dtype=np.float32)[found]
    # ids come best first: a practice's first occurrence is its best chunk
    best_rows, at = np.unique(rows, return_index=True)
    dense[best_rows] = scores[at]
    return dense


def best_of_n_excess(chunk_practice: np.ndarray, n: int) -> np.ndarray:
    """Per practice row of k chunks: √(2 ln k), how many spreads the best of k chance matches lies
    above their mean (the leading term of the expected maximum of k Gaussian draws; 0 for a
    practice of one chunk or none).

    A practice's dense score is its best chunk: the longer it is, the higher its best chance
    match. Measured on the dev sets (docs/evaluation.md): among the practices not relevant to a
    query, the best cosine grows by 0.05–0.08 per unit of ln k, and σ·√(2 ln k) with the
    collection's σ ≈ 0.1 (:func:`null_spread`) grows by 0.04 there.
    """
    counts = np.bincount(chunk_practice, minlength=n)
    return np.sqrt(2.0 * np.log(np.maximum(counts, 1))).astype(np.float32)


def null_spread(vectors: np.ndarray, groups: np.ndarray, keep: np.ndarray | None = None,
                sample: int = NULL_SAMPLE) -> float:
    """The spread of chance cosines: the standard deviation of a chunk's cosines with the chunks
    of other practices, averaged over ``sample`` chunks spread evenly over the rows (among
    ``keep``, a boolean mask; None: every row). 0 when no chunk has two others to compare.

    It is what a cosine difference means for the encoder and the collection (``use`` ≈ 0.1 on
    the dev sets; models whose cosines crowd together have a smaller one), so that the length
    correction needs no constant in cosine units.

    Args:
        vectors: unit chunk vectors, row i of chunk i.
        groups: the practice row of every chunk.
        keep: the chunks whose cosines count (those of practices the encoder covers).
        sample: how many chunks to sample.
    """
    rows = np.arange(len(vectors)) if keep is None else np.flatnonzero(keep)
    if len(rows) > sample:
        rows = rows[np.linspace(0, len(rows) - 1, sample).astype(np.int64)]
    v = np.asarray(vectors[rows], dtype=np.float64)
    cos, g = v @ v.T, groups[rows]
    other = g[:, None] != g[None, :]
    counts = other.sum(axis=1)
    ok = counts >= 2
    if not ok.any():
        return 0.0
    cos, other, counts = cos[ok], other[ok], counts[ok]
    mean = (cos * other).sum(axis=1) / counts
    var = (((cos - mean[:, None]) ** 2) * other).sum(axis=1) / counts
    return float(np.sqrt(var).mean())


def fuse(dense: np.ndarray, title: np.ndarray, lexical: np.ndarray, length_correction: np.ndarray, *, mode: str,
         title_weight: float, lexical_weight: float, encoded_well: np.ndarray | None = None) -> np.ndarray:
    """One score per practice from its signals for one text.

    ``lexical`` mode is the lexical share alone; otherwise the dense score (less
    ``length_correction``, per practice: :func:`null_spread` × :func:`best_of_n_excess`) and the
    title cosine are standardised and added, and in ``hybrid`` mode the standardised lexical share too.
    ``encoded_well`` (a boolean mask; None: every row) keeps the dense and title evidence to the
    practices written in a language the encoder covers: the others count as average on it.
    """
    if mode == "lexical":
        return lexical.copy()
    dense = dense - length_correction
    total = standardise(dense, encoded_well) + title_weight * standardise(title, encoded_well)
    if mode == "hybrid":
        total = total + lexical_weight * standardise(lexical)
    return total.astype(np.float32)


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: float, depth: int = RANK_DEPTH) -> np.ndarray:
    """Sum over ``rankings`` (scores of the same rows) of 1 / (``k`` + rank + 1), rank 0 = best."""
    fused = np.zeros(len(rankings[0]), dtype=np.float64)
    for r in rankings:
        fused += 1.0 / (k + depth_ranks(r, depth) + 1)
    return fused.astype(np.float32)


def mean_unit_vectors(vectors: np.ndarray, groups: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    """One unit vector per group row (``n`` of them): the normalised sum of the ``keep`` vectors
    of ``groups``; a group without any stays zero."""
    out = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    np.add.at(out, groups[keep], vectors[keep])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1)
