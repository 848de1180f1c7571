"""Practice records as Parquet: a lossless round trip, with the documented schema."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ransearch.ingest import parse_file
from ransearch.records import Chunk, Practice
from ransearch.parquet_tables import (
    CHUNK_SCHEMA,
    PRACTICE_SCHEMA,
    read_chunks,
    read_practice_rows,
    read_practices,
    write_chunks,
    write_practices,
)
from ransearch.template import SECTION_KEYS

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"  # the 3 seeds (corpus/ is the demo)


@pytest.fixture(scope="module")
def seeds() -> list[Practice]:
    return [parse_file(p, CORPUS) for p in sorted(CORPUS.glob("*.txt"))]


def test_seed_practices_round_trip(tmp_path: Path, seeds: list[Practice]) -> None:
    path = tmp_path / "practices.parquet"
    write_practices(seeds, path)
    assert read_practices(path) == seeds


def test_file_schema_is_the_documented_one(tmp_path: Path, seeds: list[Practice]) -> None:
    path = tmp_path / "practices.parquet"
    write_practices(seeds, path)
    schema = pq.read_schema(path)
    assert schema.remove_metadata().equals(PRACTICE_SCHEMA)
    assert [f.name for f in schema.field("sections").type] == list(SECTION_KEYS)
    assert pq.read_metadata(path).num_rows == len(seeds)


def test_nulls_and_empty_values_round_trip(tmp_path: Path, seeds: list[Practice]) -> None:
    bare = replace(seeds[0], id="bare", peer_reviewed=None, themes=(), audience=(), country_code=None,
                   start_year=None, last_update=None, organisation_type=None, contacts="", warnings=(),
                   sections={k: "" for k in SECTION_KEYS})
    odd = replace(seeds[1], id="odd", peer_reviewed=True, title="Ünïcode “quotes” — ok\u00a0",
                  themes=("Unlisted theme kept as written",), warnings=("a", "b"))
    path = tmp_path / "practices.parquet"
    write_practices([bare, odd], path)
    assert read_practices(path) == [bare, odd]


def test_empty_table_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "practices.parquet"
    write_practices([], path)
    assert read_practices(path) == []
    assert pq.read_schema(path).remove_metadata().equals(PRACTICE_SCHEMA)


def test_chunks_round_trip(tmp_path: Path) -> None:
    chunks = [Chunk(practice_id="p1", section="description", ordinal=i, language="fr", text=text,
                    content_hash=f"h{i}") for i, text in enumerate(["Un texte.", "Encore du texte.", ""])]
    path = tmp_path / "chunks.parquet"
    write_chunks(chunks, path)
    assert read_chunks(path) == chunks
    assert pq.read_schema(path).remove_metadata().equals(CHUNK_SCHEMA)


def test_a_table_with_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "practices.parquet"
    pq.write_table(pa.table({"id": ["x"], "title": ["t"]}), path)
    # read with PRACTICE_SCHEMA as is, pyarrow would give records full of None
    with pytest.raises(ValueError, match="not the expected table schema"):
        read_practices(path)
    with pytest.raises(ValueError, match="not the expected table schema"):
        read_chunks(path)


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "practices.parquet"
    path.write_text("not parquet")
    with pytest.raises(ValueError):  # pyarrow's ArrowInvalid; index loading reports it as corrupt
        read_practices(path)
    with pytest.raises(OSError):
        read_practices(tmp_path / "missing.parquet")


def test_a_table_without_the_format_column_is_read(tmp_path: Path, seeds: list[Practice]) -> None:
    """Indexes written before PDF, DOCX and HTML were read have no ``format``: their documents were text."""
    path = tmp_path / "practices.parquet"
    md = replace(seeds[0], id="md", source="notes.md", format="md")
    write_practices([seeds[1], md], path)
    table = pq.read_table(path)
    pq.write_table(table.drop(["format"]), path)
    assert read_practices(path) == [seeds[1], md]
    assert seeds[1].format == "txt"


def test_a_table_without_url_and_duplicate_sources_is_read(tmp_path: Path, seeds: list[Practice]) -> None:
    """Indexes written before web pages and duplicate groups were read have neither column."""
    path = tmp_path / "practices.parquet"
    page = replace(seeds[0], url="https://example.org/ran-practices/p_en", duplicate_sources=("p.pdf",))
    write_practices([seeds[1], page], path)
    assert read_practices(path) == [seeds[1], page]
    assert read_practice_rows(path).head(1).url == "https://example.org/ran-practices/p_en"
    pq.write_table(pq.read_table(path).drop(["url", "duplicate_sources", "format"]), path)
    old = replace(page, url=None, duplicate_sources=())
    assert read_practices(path) == [seeds[1], old]
    rows = read_practice_rows(path)
    assert rows.head(1).url is None and rows[1] == old


@pytest.fixture(scope="module")
def many(seeds: list[Practice]) -> list[Practice]:
    """More practices than one row group holds, with varied facets."""
    from ransearch.parquet_tables import PRACTICE_ROW_GROUP

    out = []
    for i in range(2 * PRACTICE_ROW_GROUP + 7):
        p = seeds[i % len(seeds)]
        out.append(replace(p, id=f"p{i}", title=f"{p.title} {i}", country_code=None if i % 5 == 0 else p.country_code,
                           themes=p.themes[: i % 3]))
    return out


def test_practice_rows_read_records_on_demand(tmp_path: Path, many: list[Practice]) -> None:
    from ransearch.parquet_tables import read_practice_rows

    path = tmp_path / "practices.parquet"
    write_practices(many, path)
    assert pq.ParquetFile(path).num_row_groups == 3
    rows = read_practice_rows(path)
    assert len(rows) == len(many) and rows.ids == [p.id for p in many]
    assert rows[200] == many[200] and rows[-1] == many[-1] and rows[3] is rows[3]
    assert rows[5:8] == many[5:8]
    assert list(rows) == many
    assert rows.take([260, 2, 129, 2]) == [many[260], many[2], many[129], many[2]]
    assert rows.take(range(len(many))) == many
    assert [rows.head(i) for i in range(len(many))] == [p.head() for p in many]
    values = rows.facet_values()
    assert values["country"][0] == () and values["theme"][2] == many[2].themes
    assert values["language"] == [(p.language,) for p in many]
    with pytest.raises(IndexError):
        rows[len(many)]


def test_practice_rows_read_tables_of_one_row_group(tmp_path: Path, many: list[Practice]) -> None:
    """Tables written before row groups were sized for reading one record still open."""
    from ransearch.parquet_tables import practices_to_table, read_practice_rows

    path = tmp_path / "practices.parquet"
    pq.write_table(practices_to_table(many), path)
    assert pq.ParquetFile(path).num_row_groups == 1
    rows = read_practice_rows(path)
    assert rows[150] == many[150] and list(rows) == many


def test_practice_rows_refuse_another_schema(tmp_path: Path) -> None:
    from ransearch.parquet_tables import read_practice_rows

    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": ["a"]}), path)
    with pytest.raises(ValueError, match="schema"):
        read_practice_rows(path)
