"""Vector index over chunk embeddings: FAISS build, save, load and search, on arrays only.

Two kinds of index, chosen by size when the index is built (:func:`choose_kind`):

    flat   exact inner product (``IndexFlatIP``), up to ``EXACT_MAX`` vectors. A query scans
           every vector: ~0.7 ms at 10,000 chunks, 20–30 ms at 100,000.
    hnsw   ``IndexHNSWFlat`` with inner product (M = ``HNSW_M``) above ``EXACT_MAX``: a query
           visits a few thousand vectors whatever the size; recall@10 against exact search
           stays ≥ 0.95 with ``ef_search`` = max(``HNSW_EF_SEARCH``, k) (0.98 measured at 1M).

Both keep the float32 vectors themselves, so scores are exact cosines and every vector can be
read back. Loading maps the file into memory (FAISS ``IO_FLAG_MMAP_IFC``): opening a
1,000,000-vector index takes milliseconds, pages are read as queries touch them, and replicas
on one machine share them through the page cache. docs/performance.md has the measurements
behind ``EXACT_MAX`` and the HNSW settings.

A search may be restricted to some rows (``allowed``, a boolean mask over rows, e.g. the
chunks of the practices that pass the filters): the flat index skips the others; HNSW
follows its graph through them but returns only allowed rows, and when few rows are allowed
(below ``FILTER_SCAN_SHARE``) the allowed rows are scanned exactly instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["VectorIndex", "AllowedRows", "choose_kind", "faiss_module", "KINDS", "EXACT_MAX", "HNSW_M",
           "HNSW_EF_CONSTRUCTION", "HNSW_EF_SEARCH", "FILTER_SCAN_SHARE"]

KINDS = ("flat", "hnsw")
EXACT_MAX = 20_000
"""Largest index built as exact ``flat``; above it ``hnsw``. A flat query row costs ~0.7 ms at
10,000 vectors and 20–30 ms at 100,000 (no longer in the CPU cache), HNSW 1–2 ms from 10,000 to
1,000,000: past this size HNSW is faster at no measurable loss of recall (docs/performance.md)."""
HNSW_M = 32
"""Graph degree of HNSW (neighbours per node and layer; 2×M on the bottom layer)."""
HNSW_EF_CONSTRUCTION = 80
"""Candidate list size while building the HNSW graph."""
HNSW_EF_SEARCH = 768
"""Candidate list size while searching HNSW (raised to k when more rows are asked for): recall@10
against exact search 0.98 at 1,000,000 vectors (docs/performance.md)."""
FILTER_SCAN_SHARE = 0.05
"""Below this share of allowed rows, a filtered HNSW search scans the allowed rows exactly."""


def faiss_module() -> Any:
    """The faiss module, imported on first use (its type stubs lack the search parameters)."""
    import faiss

    return faiss


@dataclass(frozen=True)
class AllowedRows:
    """A row mask ready for searching: its bits (little-endian) and the share of rows allowed."""

    bits: np.ndarray
    share: float


def choose_kind(n_vectors: int) -> str:
    """The index kind for ``n_vectors``: exact up to ``EXACT_MAX``, HNSW above."""
    return "flat" if n_vectors <= EXACT_MAX else "hnsw"


class _FaissMemoryView:
    """FAISS-owned memory seen by numpy (through ``__array_interface__``): the arrays made from
    it keep this view, and through it the index that owns the memory, alive."""

    def __init__(self, owner: object, pointer: Any, shape: tuple[int, int]) -> None:
        faiss = faiss_module()

        self._owner = owner
        self._view = faiss.rev_swig_ptr(pointer, shape[0] * shape[1]).reshape(shape)
        self.__array_interface__ = self._view.__array_interface__


class VectorIndex:
    """Embeddings of chunk *i* at row *i*; search returns row ids and cosine scores."""

    def __init__(self, index: object, path: Path | None = None) -> None:
        faiss = faiss_module()

        self._index: Any = index
        self.path = path  # the file a loaded index maps
        # the exact index over the stored vectors: the index itself (flat) or HNSW's storage
        if isinstance(index, faiss.IndexHNSW):
            self._flat: Any = faiss.downcast_index(index.storage)
            self.kind = "hnsw"
        else:
            self._flat = index
            self.kind = "flat"
        self.ef_search = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None, *, m: int = HNSW_M,
              ef_construction: int = HNSW_EF_CONSTRUCTION) -> VectorIndex:
        """An index of ``vectors`` (unit rows), of ``kind`` (default: :func:`choose_kind`).

        Raises:
            ValueError: unknown ``kind``.
        """
        faiss = faiss_module()

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        kind = kind or choose_kind(len(vectors))
        index: Any
        if kind == "flat":
            index = faiss.IndexFlatIP(vectors.shape[1])
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            raise ValueError(f"unknown vector index kind {kind!r}; choose one of {', '.join(KINDS)}")
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @classmethod
    def load(cls, path: Path, mmap: bool = True) -> VectorIndex:
        """Read an index file; with ``mmap`` its vectors stay in the file and are paged in on use."""
        faiss = faiss_module()

        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(path), flags), Path(path))

    def prefetch(self) -> None:
        """Ask the kernel to read a mapped index file into the page cache now, in the background,
        so that the first queries do not wait on disk (HNSW reads pages at random)."""
        if self.path is None or not hasattr(os, "posix_fadvise"):
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)

    def save(self, path: Path) -> None:
        faiss = faiss_module()

        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def allowed_rows(self, mask: np.ndarray) -> AllowedRows:
        """A boolean mask over the rows, made ready for several searches."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.size,):
            raise ValueError(f"allowed mask has shape {mask.shape}, expected ({self.size},)")
        return AllowedRows(np.packbits(mask, bitorder="little"), float(mask.mean()) if self.size else 0.0)

    def search(self, query: np.ndarray, k: int,
               allowed: np.ndarray | AllowedRows | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows for each query row: (ids, scores), best first; ids are -1 past the end.

        Args:
            query: one vector or one per row.
            k: rows wanted per query row (capped at the index size).
            allowed: optional boolean mask over rows (or :meth:`allowed_rows` of one); only rows
                where it is True are returned.
        """
        faiss = faiss_module()

        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, min(k, self.size))
        if allowed is None:
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))
                scores, ids = self._index.search(query, k, params=params)
            else:
                scores, ids = self._index.search(query, k)
            return ids, scores
        rows = allowed if isinstance(allowed, AllowedRows) else self.allowed_rows(allowed)
        share = rows.share
        if share == 0.0:
            return np.full((len(query), k), -1, dtype=np.int64), np.full((len(query), k), -np.inf, np.float32)
        selector = faiss.IDSelectorBitmap(rows.bits)  # the bits are kept alive by `rows`
        if self.kind == "hnsw" and share >= FILTER_SCAN_SHARE:
            # the graph is walked through filtered-out nodes too: widen the beam by the share kept
            ef = int(max(self.ef_search, k) / share ** 0.5)
            scores, ids = self._index.search(query, k, params=faiss.SearchParametersHNSW(sel=selector, efSearch=ef))
        else:
            scores, ids = self._flat.search(query, k, params=faiss.SearchParameters(sel=selector))
        return ids, scores

    def vectors(self) -> np.ndarray:
        """All stored vectors as a read-only (n, dimension) array, without copying them."""
        if self.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        view = np.asarray(_FaissMemoryView(self, self._flat.get_xb(), (self.size, self.dimension)))
        view.flags.writeable = False
        return view

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors (for similarity between practices); a view of the index's memory."""
        return self.vectors()
