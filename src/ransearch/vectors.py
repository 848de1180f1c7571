"""Vector index over chunk embeddings: FAISS build, save, load and search, on arrays only.

Exact inner-product search (``IndexFlatIP``) is the right choice at the scale of a practice
collection (thousands to tens of thousands of chunks: a full scan of 10,000 × 512 floats takes
about a millisecond). Past a few hundred thousand chunks an approximate index (HNSW) keeps
queries fast; see docs/performance.md for when and how it is chosen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["VectorIndex"]


class VectorIndex:
    """Embeddings of chunk *i* at row *i*; search returns row ids and cosine scores."""

    def __init__(self, index: object) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)  # type: ignore[attr-defined]

    @property
    def dimension(self) -> int:
        return int(self._index.d)  # type: ignore[attr-defined]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows for each query row: (ids, scores), best first; ids are -1 past the end."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, min(k, self.size))
        scores, ids = self._index.search(query, k)  # type: ignore[attr-defined]
        return ids, scores

    def reconstruct_all(self) -> np.ndarray:
        """All stored vectors (for similarity between practices)."""
        return np.asarray(self._index.reconstruct_n(0, self.size))  # type: ignore[attr-defined]
