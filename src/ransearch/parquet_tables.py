"""Practice and chunk records as Parquet tables (pyarrow), and back.

Schemas (documented in ``docs/storage.md``):

``practices.parquet``: id, source, format, layout, language, title (strings); sections (struct of one
string per section key); peer_reviewed (bool, null); themes, audience (list<string>); country
(string); country_code (string, null); start_year, last_update (int32, null);
organisation_type (string, null); contacts (string); warnings (list<string>); content_hash; url
(string, null: the canonical address of a web page); duplicate_sources (list<string>).

``chunks.parquet``: practice_id, section, ordinal (int32), language, text, content_hash.
Row *i* of the chunk table is vector *i* of the vector index.

Both are written to be read fast by an opening index: LZ4, dictionaries only for columns of few
values, and practices in row groups of ``PRACTICE_ROW_GROUP`` so that one record can be read
without the others (:class:`PracticeRows`).
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, overload

import pyarrow as pa
import pyarrow.parquet as pq

from ransearch.records import Chunk, Practice, PracticeHead
from ransearch.template import SECTION_KEYS

__all__ = ["PRACTICE_SCHEMA", "CHUNK_SCHEMA", "CHUNK_DICTIONARY", "PRACTICE_ROW_GROUP", "PracticeRows",
           "write_practices", "read_practices", "read_practice_rows", "write_chunks", "write_chunk_table",
           "read_chunks", "practices_to_table", "practices_from_table"]

PRACTICE_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("source", pa.string()),
    ("format", pa.string()),
    ("layout", pa.string()),
    ("language", pa.string()),
    ("title", pa.string()),
    ("sections", pa.struct([(k, pa.string()) for k in SECTION_KEYS])),
    ("peer_reviewed", pa.bool_()),
    ("themes", pa.list_(pa.string())),
    ("audience", pa.list_(pa.string())),
    ("country", pa.string()),
    ("country_code", pa.string()),
    ("start_year", pa.int32()),
    ("last_update", pa.int32()),
    ("organisation_type", pa.string()),
    ("contacts", pa.string()),
    ("warnings", pa.list_(pa.string())),
    ("content_hash", pa.string()),
    ("url", pa.string()),
    ("duplicate_sources", pa.list_(pa.string())),
])

PRACTICE_ROW_GROUP = 128
"""Practices per Parquet row group (~1 MB of text): what a reader decodes to make one record."""
# columns of few distinct values; texts are not dictionary-encoded (it slows reading them down)
_PRACTICE_DICTIONARY = ["format", "layout", "language", "country", "country_code", "themes", "audience",
                        "organisation_type"]
CHUNK_DICTIONARY = ("practice_id", "section", "language")
"""Chunk-table columns written and read as dictionaries."""

# columns that older practice tables lack: ``format`` (tables written before documents other than
# text were read: the format follows from the source's suffix), ``url`` and ``duplicate_sources``
# (before web pages and duplicate groups); a record read from such a table takes their defaults
_LATER_COLUMNS = ("format", "url", "duplicate_sources")


def _practice_schema_known(found: pa.Schema) -> bool:
    """Whether ``found`` is :data:`PRACTICE_SCHEMA`, or an older one that lacks later columns."""
    later = [name for name in _LATER_COLUMNS if name not in found.names]
    expected = PRACTICE_SCHEMA
    for name in later:
        expected = expected.remove(expected.get_field_index(name))
    return found.equals(expected)

CHUNK_SCHEMA = pa.schema([
    ("practice_id", pa.string()),
    ("section", pa.string()),
    ("ordinal", pa.int32()),
    ("language", pa.string()),
    ("text", pa.string()),
    ("content_hash", pa.string()),
])


def practices_to_table(practices: Sequence[Practice]) -> pa.Table:
    rows = []
    for p in practices:
        row: dict[str, Any] = p.to_dict()
        row["sections"] = {k: p.sections.get(k, "") for k in SECTION_KEYS}
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=PRACTICE_SCHEMA)


def _practice(row: dict[str, Any]) -> Practice:
    if row.get("format") is None:
        row["format"] = "md" if row["source"].lower().endswith((".md", ".markdown")) else "txt"
    row["themes"] = tuple(row["themes"] or ())
    row["audience"] = tuple(row["audience"] or ())
    row["warnings"] = tuple(row["warnings"] or ())
    row["duplicate_sources"] = tuple(row.get("duplicate_sources") or ())
    row["sections"] = dict(row["sections"] or {})
    return Practice(**row)


def practices_from_table(table: pa.Table) -> list[Practice]:
    return [_practice(row) for row in table.to_pylist()]


class PracticeRows(Sequence[Practice]):
    """The practices of a table file, each made a :class:`Practice` only when read.

    At 57,000 practices (a million chunks) the section texts are ~320 MB: decoding them all
    takes seconds at open, and making every record ~0.4 GB of Python strings, while an answer
    shows a handful of practices and only their heads (:meth:`head`). Opening reads the
    columns of every row that ranking and filtering need; a whole record is read from its row
    group (``PRACTICE_ROW_GROUP`` rows, written so by :func:`write_practices`) when asked for.
    The file stays open, so records can be read after the generation's folder is replaced.
    """

    _HEAD = ("id", "title", "source", "language", "country_code", "themes", "audience")  # and url, when present
    _KEEP = 1024  # records kept made (most recently read)

    def __init__(self, path: Path) -> None:
        self._file = pq.ParquetFile(path, memory_map=True)
        found = self._file.schema_arrow.remove_metadata()
        if not _practice_schema_known(found):
            raise ValueError(f"{path}: not the expected table schema (found columns: {', '.join(found.names)})")
        has_url = "url" in found.names
        heads = self._file.read(columns=[*self._HEAD, "url"] if has_url else list(self._HEAD))
        self.ids: list[str] = heads.column("id").to_pylist()
        self._titles: list[str] = heads.column("title").to_pylist()
        self._sources: list[str] = heads.column("source").to_pylist()
        self._languages: list[str] = heads.column("language").to_pylist()
        self._countries: list[str | None] = heads.column("country_code").to_pylist()
        self._themes = [tuple(v or ()) for v in heads.column("themes").to_pylist()]
        self._audience = [tuple(v or ()) for v in heads.column("audience").to_pylist()]
        self._urls: list[str | None] = heads.column("url").to_pylist() if has_url else [None] * len(self.ids)
        sizes = [self._file.metadata.row_group(g).num_rows for g in range(self._file.num_row_groups)]
        self._group_starts = list(itertools.accumulate(sizes, initial=0))
        self._made: OrderedDict[int, Practice] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Practice: ...

    @overload
    def __getitem__(self, i: slice) -> list[Practice]: ...

    def __getitem__(self, i: int | slice) -> Practice | list[Practice]:
        if isinstance(i, slice):
            return self.take(range(*i.indices(len(self))))
        return self.take([i])[0]

    def __iter__(self) -> Iterator[Practice]:
        for group in range(self._file.num_row_groups):
            with self._lock:
                table = self._file.read_row_group(group)
            yield from (_practice(row) for row in table.to_pylist())

    def take(self, rows: Sequence[int]) -> list[Practice]:
        """The records of ``rows``, in that order, reading each row group they fall in once
        (the most recently read ``_KEEP`` records are kept made)."""
        rows = [self._row(r) for r in rows]
        out: dict[int, Practice] = {}
        with self._lock:
            for row in rows:
                if row in self._made:
                    self._made.move_to_end(row)
                    out[row] = self._made[row]
        by_group: dict[int, list[int]] = {}
        for row in dict.fromkeys(rows):
            if row not in out:
                by_group.setdefault(bisect.bisect_right(self._group_starts, row) - 1, []).append(row)
        for group, wanted in by_group.items():
            with self._lock:
                table = self._file.read_row_group(group)
            start = self._group_starts[group]
            if len(wanted) > 8:  # converting the group at once is cheaper than row by row
                records = table.to_pylist()
                made = [_practice(records[row - start]) for row in wanted]
            else:
                made = [_practice(table.slice(row - start, 1).to_pylist()[0]) for row in wanted]
            out.update(zip(wanted, made))
            with self._lock:
                self._made.update(zip(wanted, made))
                while len(self._made) > self._KEEP:
                    self._made.popitem(last=False)
        return [out[row] for row in rows]

    def _row(self, i: int) -> int:
        n = len(self.ids)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"practice row {i} out of range for {n} rows")
        return i % n

    def head(self, i: int) -> PracticeHead:
        """What an answer shows of practice row ``i``, without reading its record."""
        i = self._row(i)
        return PracticeHead(self.ids[i], self._titles[i], self._sources[i], self._languages[i],
                            self._countries[i], self._themes[i], self._urls[i])

    def facet_values(self) -> dict[str, list[tuple[str, ...]]]:
        """Per facet (country, theme, audience, language), every row's values."""
        return {
            "country": [(c,) if c else () for c in self._countries],
            "theme": self._themes,
            "audience": self._audience,
            "language": [(v,) for v in self._languages],
        }


def write_practices(practices: Sequence[Practice], path: Path) -> None:
    """Write the practice table, in row groups of ``PRACTICE_ROW_GROUP`` practices (the unit a
    reader decodes to make one record: see :class:`PracticeRows`)."""
    pq.write_table(practices_to_table(practices), path, row_group_size=PRACTICE_ROW_GROUP, compression="lz4",
                   use_dictionary=_PRACTICE_DICTIONARY)


def _read_table(path: Path, schema: pa.Schema, known: Callable[[pa.Schema], bool] | None = None) -> pa.Table:
    """The table at ``path``, refused (ValueError) unless its schema is ``schema`` (or ``known``
    says it is an older form of it, read as it is).

    Read with another schema, pyarrow fills the missing columns with nulls: records of Nones.
    """
    found = pq.read_schema(path).remove_metadata()
    if known is not None and known(found):
        return pq.read_table(path, schema=found)
    if not found.equals(schema):
        raise ValueError(f"{path}: not the expected table schema (found columns: {', '.join(found.names)})")
    return pq.read_table(path, schema=schema)


def read_practices(path: Path) -> list[Practice]:
    """Practice records from a table written by :func:`write_practices`.

    A table written before the ``format``, ``url`` or ``duplicate_sources`` columns existed is read
    too (its records take those fields' defaults; its documents were text).

    Raises:
        ValueError: the file's schema is not :data:`PRACTICE_SCHEMA`.
        OSError: the file is missing or unreadable (pyarrow raises ArrowInvalid, a ValueError,
            for a file that is not Parquet).
    """
    return practices_from_table(_read_table(path, PRACTICE_SCHEMA, _practice_schema_known))


def read_practice_rows(path: Path) -> PracticeRows:
    """The practices of a table written by :func:`write_practices`, made on demand
    (see :class:`PracticeRows`); errors as :func:`read_practices`."""
    return PracticeRows(path)


def write_chunks(chunks: Sequence[Chunk], path: Path) -> None:
    write_chunk_table(pa.Table.from_pylist([asdict(c) for c in chunks], schema=CHUNK_SCHEMA), path)


def write_chunk_table(table: pa.Table, path: Path) -> None:
    """Write a table of :data:`CHUNK_SCHEMA` as opening an index reads it fastest: LZ4 (decoded
    ~4× faster than Snappy: 0.14 s for a million chunk texts), and dictionaries only for the
    columns of few distinct values, which readers keep as dictionaries (``read_dictionary``)."""
    if not table.schema.remove_metadata().equals(CHUNK_SCHEMA):
        raise ValueError("not a chunk table: " + ", ".join(table.schema.names))
    pq.write_table(table, path, compression="lz4", use_dictionary=list(CHUNK_DICTIONARY))


def read_chunks(path: Path) -> list[Chunk]:
    """Chunks from a table written by :func:`write_chunks` (ValueError on another schema)."""
    return [Chunk(**row) for row in _read_table(path, CHUNK_SCHEMA).to_pylist()]
