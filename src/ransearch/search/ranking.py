"""Pure ranking functions on arrays: top rows, ranks, z-scores, fusion, reciprocal rank fusion,
dense feedback.

Nothing here knows an index, an encoder or a text: every function takes arrays (one value per
practice row, or per chunk) and returns arrays, so each can be tested on a handful of numbers.

- :func:`practice_dense`: a practice's dense score is the cosine of its best candidate chunk.
- :func:`log_chunk_counts`: a practice cut into many chunks has more chances of one lucky match,
  so ``length_prior`` × log(chunks) is taken off its dense score (the length prior).
- :func:`fuse`: each signal is standardised over the practices (:func:`standardise`) and the
  signals are added with fixed weights, so a signal that separates nothing contributes nothing.
- :func:`reciprocal_rank_fusion`: several rankings of the same practices made one.
- :func:`feedback_query`: a query vector moved towards the chunks it found best (pseudo-relevance
  feedback), so that a short or oddly worded query is scored again in the corpus's own words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["RANK_DEPTH", "top_rows", "depth_ranks", "standardise", "practice_dense", "log_chunk_counts", "fuse",
           "reciprocal_rank_fusion", "mean_unit_vectors", "feedback_query"]

RANK_DEPTH = 4096
"""Ranks fused by reciprocal rank are exact down to here (all of them in a collection of fewer
practices); the practices below share this rank, which moves a fused score by less than
1/(rrf_k + RANK_DEPTH) per ranking, and spares a full sort of every ranking at 57,000 practices."""


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


def log_chunk_counts(chunk_practice: np.ndarray, n: int) -> np.ndarray:
    """log(number of chunks) of every practice row (at least one), what the length prior scales."""
    counts = np.bincount(chunk_practice, minlength=n)
    return np.log(np.maximum(counts, 1)).astype(np.float32)


def fuse(dense: np.ndarray, title: np.ndarray, lexical: np.ndarray, log_chunks: np.ndarray, *, mode: str,
         title_weight: float, lexical_weight: float, length_prior: float,
         encoded_well: np.ndarray | None = None, companion: tuple[np.ndarray, np.ndarray] | None = None,
         companion_weight: float = 0.0) -> np.ndarray:
    """One score per practice from its signals for one text.

    ``lexical`` mode is the lexical share alone; otherwise the dense score (less the length prior)
    and the title cosine are standardised and added, and in ``hybrid`` mode the standardised lexical share too.
    ``encoded_well`` (a boolean mask; None: every row) keeps the dense and title evidence to the
    practices written in a language the encoder covers: the others count as average on it.
    ``companion`` (the dense and title cosines under a second encoder, which covers every row)
    joins each of the two: the dense evidence is the standardised sum of the two encoders' z-scores,
    the companion's × ``companion_weight``, and the title evidence likewise; the weights of dense,
    title and lexical evidence stay as they are.
    """
    if mode == "lexical":
        return lexical.copy()
    dense_z = standardise(dense - length_prior * log_chunks, encoded_well)
    title_z = standardise(title, encoded_well)
    if companion is not None and companion_weight:
        other_dense, other_title = companion
        dense_z = standardise(dense_z + companion_weight * standardise(other_dense - length_prior * log_chunks))
        title_z = standardise(title_z + companion_weight * standardise(other_title))
    total = dense_z + title_weight * title_z
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


def feedback_query(query: np.ndarray, neighbours: np.ndarray, weight: float) -> np.ndarray:
    """The unit vector of ``query`` + ``weight`` × the mean of ``neighbours`` (unit rows: the
    chunks the query found best), Rocchio's pseudo-relevance feedback; ``query`` itself (as
    float32) without neighbours or weight."""
    query = np.asarray(query, dtype=np.float32)
    if not len(neighbours) or not weight:
        return query
    moved = query + weight * np.asarray(neighbours, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else query
