"""Practice and chunk records as Parquet tables (pyarrow), and back.

Schemas (documented in ``docs/storage.md``):

``practices.parquet``: id, source, format, layout, language, title (strings); sections (struct of one
string per section key); peer_reviewed (bool, null); themes, audience (list<string>); country
(string); country_code (string, null); start_year, last_update (int32, null);
organisation_type (string, null); contacts (string); warnings (list<string>); content_hash.

``chunks.parquet``: practice_id, section, ordinal (int32), language, text, content_hash.
Row *i* of the chunk table is vector *i* of the vector index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ransearch.records import Chunk, Practice
from ransearch.template import SECTION_KEYS

__all__ = ["PRACTICE_SCHEMA", "CHUNK_SCHEMA", "write_practices", "read_practices",
           "write_chunks", "read_chunks", "practices_to_table", "practices_from_table"]

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
])

# practices tables written before documents other than text were read have no ``format``
# column; their documents were all text, so the format follows from the source's suffix
_LEGACY_PRACTICE_SCHEMA = PRACTICE_SCHEMA.remove(PRACTICE_SCHEMA.get_field_index("format"))

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


def practices_from_table(table: pa.Table) -> list[Practice]:
    out = []
    for row in table.to_pylist():
        if row.get("format") is None:
            row["format"] = "md" if row["source"].lower().endswith((".md", ".markdown")) else "txt"
        row["themes"] = tuple(row["themes"] or ())
        row["audience"] = tuple(row["audience"] or ())
        row["warnings"] = tuple(row["warnings"] or ())
        row["sections"] = dict(row["sections"] or {})
        out.append(Practice(**row))
    return out


def write_practices(practices: Sequence[Practice], path: Path) -> None:
    pq.write_table(practices_to_table(practices), path)


def _read_table(path: Path, schema: pa.Schema, legacy: pa.Schema | None = None) -> pa.Table:
    """The table at ``path``, refused (ValueError) unless its schema is ``schema`` (or ``legacy``).

    Read with another schema, pyarrow fills the missing columns with nulls: records of Nones.
    """
    found = pq.read_schema(path).remove_metadata()
    if legacy is not None and found.equals(legacy):
        return pq.read_table(path, schema=legacy)
    if not found.equals(schema):
        raise ValueError(f"{path}: not the expected table schema (found columns: {', '.join(found.names)})")
    return pq.read_table(path, schema=schema)


def read_practices(path: Path) -> list[Practice]:
    """Practice records from a table written by :func:`write_practices`.

    A table written before the ``format`` column existed is read too (its documents were text).

    Raises:
        ValueError: the file's schema is not :data:`PRACTICE_SCHEMA`.
        OSError: the file is missing or unreadable (pyarrow raises ArrowInvalid, a ValueError,
            for a file that is not Parquet).
    """
    return practices_from_table(_read_table(path, PRACTICE_SCHEMA, _LEGACY_PRACTICE_SCHEMA))


def write_chunks(chunks: Sequence[Chunk], path: Path) -> None:
    table = pa.Table.from_pylist([asdict(c) for c in chunks], schema=CHUNK_SCHEMA)
    pq.write_table(table, path)


def read_chunks(path: Path) -> list[Chunk]:
    """Chunks from a table written by :func:`write_chunks` (ValueError on another schema)."""
    return [Chunk(**row) for row in _read_table(path, CHUNK_SCHEMA).to_pylist()]
