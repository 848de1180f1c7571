"""One language's lexical index on disk: a bm25s index, its idf, and its lexicon.

The BM25 score of every (term, document) pair is bm25s's own: built by ``bm25s.BM25.index``
and written by ``bm25s.BM25.save`` (``data/indices/indptr.csc.index.npy``, a CSC matrix whose
column ``vocab.index.json[term]`` lists the documents containing the term and their scores;
``params.index.json``), so ``bm25s.BM25.load`` opens the folder as it is. A query reads those
files with numpy alone, memory-mapped (:class:`TermScores`): importing bm25s, and through it
scipy, costs more than a whole query.

Folders written before this layout (``bm25_data.npy``, ``bm25_indices.npy``,
``bm25_indptr.npy``, columns in ``idf.json``) hold the same arrays under other names and are
read all the same.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.errors import RansearchError

__all__ = ["TermScores", "LanguageIndex", "K1", "B", "corpus_idf"]

K1, B = 1.2, 0.75
"""BM25 parameters (bm25s's ``lucene`` method)."""

_BM25S_ARRAYS = ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy")
_BM25S_VOCAB = "vocab.index.json"
_OLD_ARRAYS = ("bm25_data.npy", "bm25_indices.npy", "bm25_indptr.npy")


@dataclass
class TermScores:
    """bm25s's score matrix read with numpy: ``column(term)`` is the term's score per document.

    ``retriever`` is the ``bm25s.BM25`` it was built with (None once read from disk): what
    :meth:`save` writes.
    """

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    columns: dict[str, int]
    n_docs: int
    retriever: Any = None

    def column(self, term: str) -> np.ndarray:
        """The BM25 score of ``term`` in every document (as ``bm25s.BM25.get_scores([term])``)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        col = self.columns.get(term)
        if col is not None:
            lo, hi = int(self.indptr[col]), int(self.indptr[col + 1])
            out[self.indices[lo:hi]] = self.data[lo:hi]
        return out

    @classmethod
    def build(cls, corpus: Sequence[list[str]]) -> TermScores:
        """Score ``corpus`` (one list of terms per document) with bm25s."""
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(list(corpus), show_progress=False)
        scores = retriever.scores
        return cls(scores["data"], scores["indices"], scores["indptr"],
                   {str(t): int(i) for t, i in retriever.vocab_dict.items()}, len(corpus), retriever)

    def save(self, folder: Path) -> None:
        """Write the bm25s index in ``folder`` (``bm25s.BM25.save``)."""
        if self.retriever is None:
            raise RansearchError(f"a lexical index read from disk is not written again ({folder})")
        self.retriever.save(folder, show_progress=False)

    @classmethod
    def read(cls, folder: Path, n_docs: int, old_columns: dict[str, int] | None = None) -> TermScores:
        """The matrix a bm25s index in ``folder`` holds (or an older folder, whose columns were
        kept in ``idf.json``: ``old_columns``), memory-mapped."""
        bm25s_layout = (folder / _BM25S_ARRAYS[0]).is_file()
        names = _BM25S_ARRAYS if bm25s_layout else _OLD_ARRAYS
        # memory-mapped, seen as plain arrays: slicing a np.memmap costs ~1 µs of bookkeeping each
        data, indices, indptr = (np.asarray(np.load(folder / name, mmap_mode="r")) for name in names)
        columns = json.loads((folder / _BM25S_VOCAB).read_text("utf-8")) if bm25s_layout else old_columns or {}
        return cls(data, indices, indptr, columns, n_docs)


@dataclass
class LanguageIndex:
    """The lexical index of one document language, as stored in its folder."""

    rows: np.ndarray            # practice rows of this language, in BM25 document order
    bm25: TermScores
    idf: dict[str, float]
    max_idf: float
    words: list[str]            # lexicon: surface words ...
    stems: list[str]            # ... their stems in this language ...
    vectors: np.ndarray         # ... and their embeddings (float16, unit norm)

    def term_scores(self, stem: str) -> np.ndarray:
        return self.bm25.column(stem)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(folder)
        np.save(folder / "rows.npy", self.rows)
        np.save(folder / "lexicon.npy", self.vectors)
        (folder / "lexicon.json").write_text(json.dumps({"words": self.words, "stems": self.stems}), "utf-8")
        (folder / "idf.json").write_text(json.dumps({"max_idf": self.max_idf, "idf": self.idf}), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LanguageIndex:
        idf = json.loads((folder / "idf.json").read_text("utf-8"))
        lexicon = json.loads((folder / "lexicon.json").read_text("utf-8"))
        rows = np.load(folder / "rows.npy")
        return cls(rows, TermScores.read(folder, len(rows), idf.get("columns")), idf["idf"], idf["max_idf"],
                   lexicon["words"], lexicon["stems"], np.load(folder / "lexicon.npy", mmap_mode="r"))


def corpus_idf(corpus: Sequence[list[str]]) -> tuple[dict[str, float], float]:
    """Lucene's idf (bm25s's ``lucene`` idf) of every term of ``corpus``, and that of a term in
    no document: the yardstick of the score normalisation."""
    df = Counter(t for doc in corpus for t in set(doc))
    n = len(corpus)
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}, math.log(1 + (n + 0.5) / 0.5)
