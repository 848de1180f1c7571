"""Chunk-table columns as read-only sequences, without one Python object per chunk.

At a million chunks, turning the chunk table's text into Python strings takes seconds and
hundreds of megabytes, while a query reads a dozen of them. These sequences keep the Arrow
data and make a ``str`` only for the rows asked for:

    TextColumn      any string column (chunk text): ``column[i]`` decodes row i
    CategoryColumn  a column of few distinct values (chunk section): integer codes + values,
                    so tests over all rows are numpy operations (:meth:`CategoryColumn.isin`)

``chunk_rows`` maps each chunk's practice id to its practice row, vectorised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np
import pyarrow as pa

__all__ = ["TextColumn", "CategoryColumn", "chunk_rows"]


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


class TextColumn(Sequence[str]):
    """A string column of an Arrow table; rows become ``str`` only when read."""

    def __init__(self, column: pa.Array | pa.ChunkedArray) -> None:
        self._array = _array(column)

    def __len__(self) -> int:
        return len(self._array)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return list(self._array[i].to_pylist())
        n = len(self._array)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"row {i} out of range for {n} rows")
        return str(self._array[i % n].as_py() or "")

    def __iter__(self) -> Iterator[str]:
        for batch in range(0, len(self._array), 65_536):
            yield from (x or "" for x in self._array[batch:batch + 65_536].to_pylist())


class CategoryColumn(Sequence[str]):
    """A column of few distinct values as integer ``codes`` into ``values``."""

    def __init__(self, codes: np.ndarray, values: Sequence[str]) -> None:
        self.codes = np.asarray(codes, dtype=np.int32)
        self.values = tuple(values)

    @classmethod
    def from_arrow(cls, column: pa.Array | pa.ChunkedArray) -> CategoryColumn:
        """From a string column, or a dictionary column (as Parquet reads it with ``read_dictionary``)."""
        encoded = _dictionary(column)
        values = [v or "" for v in encoded.dictionary.to_pylist()]
        indices = encoded.indices
        if encoded.null_count:  # null rows read as the empty value
            indices = indices.fill_null(len(values))
            values.append("")
        return cls(indices.to_numpy(zero_copy_only=False), values)

    @classmethod
    def from_values(cls, values: Iterable[str]) -> CategoryColumn:
        uniques, codes = np.unique(np.asarray(list(values), dtype=object), return_inverse=True)
        return cls(codes, [str(u) for u in uniques])

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.values[c] for c in self.codes[i].tolist()]
        return self.values[self.codes[int(i)]]

    def __iter__(self) -> Iterator[str]:
        values = self.values
        return (values[c] for c in self.codes.tolist())

    def isin(self, wanted: Iterable[str]) -> np.ndarray:
        """Boolean mask of the rows whose value is one of ``wanted``."""
        wanted = set(wanted)
        hit = np.array([v in wanted for v in self.values], dtype=bool)
        return hit[self.codes] if len(self.values) else np.zeros(len(self.codes), dtype=bool)


def _dictionary(column: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    array = _array(column)  # chunks of a dictionary column are combined into one dictionary
    return array if pa.types.is_dictionary(array.type) else array.dictionary_encode()


def chunk_rows(practice_ids: pa.Array | pa.ChunkedArray, practice_order: Sequence[str]) -> np.ndarray:
    """The row in ``practice_order`` of each chunk's practice id.

    The ids are matched once per distinct id (the column's dictionary), then spread to the
    chunks through the dictionary's indices: a million chunks name ~57,000 practices.

    Raises:
        KeyError: a chunk names a practice that is not in ``practice_order`` (or none).
    """
    encoded = _dictionary(practice_ids)
    if encoded.null_count:
        raise KeyError("chunk of no practice (null practice id)")
    row_of = {practice_id: row for row, practice_id in enumerate(practice_order)}
    ids = encoded.dictionary.to_pylist()
    try:
        rows = np.fromiter((row_of[i] for i in ids), dtype=np.int64, count=len(ids))
    except KeyError as exc:
        raise KeyError(f"chunk of unknown practice {exc.args[0]!r}") from None
    return rows[encoded.indices.to_numpy(zero_copy_only=False)]
