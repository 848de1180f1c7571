"""What search reads of an index's rows: the chunk table (row *i* describes vector *i*) and the
practice table (one interface, whether its records are read from a file or held in memory)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ransearch.records import Practice, PracticeHead

__all__ = ["ChunkTable", "PracticeTable"]


@dataclass(frozen=True)
class ChunkTable:
    """Chunk metadata as arrays: row i describes vector i."""

    practice_row: np.ndarray
    section: Sequence[str]
    text: Sequence[str]

    def __len__(self) -> int:
        return len(self.text)


class PracticeTable(Protocol):
    """The practices of an index, by row: what ranking shows (:meth:`head`) without making
    records, and whole records (:meth:`take`) only for the rows asked for.
    ``ransearch.parquet_tables.PracticeRows`` is the one implementation (an opened index)."""

    @property
    def ids(self) -> Sequence[str]:
        """The id of every row."""
        ...

    def __len__(self) -> int: ...

    def head(self, i: int) -> PracticeHead:
        """What an answer shows of row ``i``."""
        ...

    def take(self, rows: Sequence[int]) -> list[Practice]:
        """The whole records of ``rows``, in that order."""
        ...

    def facet_values(self) -> dict[str, list[tuple[str, ...]]]:
        """Per facet (country, theme, audience, language), every row's values."""
        ...
