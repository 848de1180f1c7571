"""The lexicon words near a word: every row of the stacked lexicons whose cosine with a word's
embedding reaches a threshold (what :meth:`Lexicons.translations` keeps a few of).

Searching them means a product with every lexicon word: fine for a small corpus (a few thousand
words: ~0.1 ms a query word), not for a large one, whose lexicons hold tens of thousands (50,000
words: ~50 ms for the first sight of a situation's forty words). Above ``EXACT_MAX_WORDS``
words, the search goes through an inverted file (faiss ``IndexIVFScalarQuantizer``: the words in
~2√n clusters, ``NPROBE`` of them read per word, each word's own values in float16, as the
lexicons store them): at 50,000 words it reads ~7 % of them, is ~5× faster and finds ~98 % of
the pairs the exact product finds (``benchmarks/bench_lexicon.py`` measures both). Made when an
index is saved and saved with it (``ransearch.lexical.index``); a generation without one
searches exactly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.vectors import faiss_module

__all__ = ["NearWords", "EXACT_MAX_WORDS", "NPROBE"]

EXACT_MAX_WORDS = 10_000
"""Lexicon size (all languages) up to which the near words are found by an exact product."""
NPROBE = 32
"""Clusters of the inverted file read per word."""


class NearWords:
    """Rows of the stacked lexicon (unit rows) within a cosine of word embeddings: exactly, by a
    product with the float32 rows (:meth:`exact`), or through an inverted file (:meth:`build`
    of a large lexicon, :meth:`load`), which needs no float32 copy of them."""

    def __init__(self, size: int, stacked: np.ndarray | None = None, inverted: Any | None = None) -> None:
        self.size = size  # rows of the stacked lexicon
        self._stacked = stacked
        self._inverted = inverted

    @classmethod
    def exact(cls, stacked: np.ndarray) -> NearWords:
        """The exact search over ``stacked`` (float32, one unit row per word)."""
        return cls(len(stacked), stacked=stacked)

    @classmethod
    def build(cls, stacked: np.ndarray, exact_max: int | None = None) -> NearWords:
        """The search over ``stacked``: through an inverted file made now when it has more than
        ``exact_max`` rows (default ``EXACT_MAX_WORDS``), else exact."""
        if len(stacked) <= (EXACT_MAX_WORDS if exact_max is None else exact_max):
            return cls.exact(stacked)
        faiss = faiss_module()
        dimension = stacked.shape[1]
        # ~2√n clusters, and at least the 39 words a cluster that faiss's k-means asks for
        clusters = max(1, min(round(2 * math.sqrt(len(stacked))), len(stacked) // 39))
        inverted = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dimension), dimension, clusters,
                                                 faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        inverted.by_residual = False  # each word's own float16 values, not its offset from its cluster's centre
        inverted.train(stacked)
        inverted.add(stacked)
        return cls(len(stacked), inverted=inverted)

    @property
    def inverted(self) -> bool:
        """Whether the search goes through an inverted file (else it is exact)."""
        return self._inverted is not None

    def save(self, path: Path) -> None:
        """Write the inverted file (nothing to write for an exact search)."""
        if self._inverted is not None:
            faiss_module().write_index(self._inverted, str(path))

    @classmethod
    def load(cls, path: Path, size: int, dimension: int) -> NearWords:
        """The search through the inverted file saved at ``path`` for a stacked lexicon of
        ``size`` rows of ``dimension`` values. The file is read whole: faiss reads a mapped
        one through lists that start reading threads at every search.

        Raises:
            ValueError: the file holds another number of words, or words of another dimension.
            RuntimeError: faiss cannot read it.
        """
        inverted = faiss_module().read_index(str(path))
        if inverted.ntotal != size or inverted.d != dimension:
            raise ValueError(f"{path.name} holds {inverted.ntotal} words of {inverted.d} values, "
                             f"the lexicons {size} of {dimension}")
        return cls(size, inverted=inverted)

    def within(self, vectors: np.ndarray, minimum: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row of ``vectors``, lexicon row, cosine) of every pair with cosine ≥ ``minimum``,
        as three arrays."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if not len(vectors) or not self.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32)
        if self._inverted is None:
            assert self._stacked is not None  # an exact search keeps its rows
            sims = vectors @ self._stacked.T
            rows, cols = np.nonzero(sims >= minimum)
            return rows, cols, sims[rows, cols]
        faiss = faiss_module()
        # faiss's range search keeps similarities above the radius: a hair below includes ``minimum``
        params = faiss.SearchParametersIVF(nprobe=min(NPROBE, self._inverted.nlist))
        lims, sims, cols = self._inverted.range_search(vectors, float(np.nextafter(np.float32(minimum), -1)),
                                                       params=params)
        keep = sims >= minimum
        rows = np.repeat(np.arange(len(vectors)), np.diff(lims.astype(np.int64)))
        return rows[keep], cols[keep].astype(np.int64), sims[keep]
