"""Chunk-table columns: Arrow-backed sequences behave like lists of str."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from ransearch.arrow_columns import CategoryColumn, TextColumn, chunk_rows


def test_text_column_reads_rows_on_demand() -> None:
    values = ["alpha", "béta", None, "delta"]
    column = TextColumn(pa.chunked_array([values[:2], values[2:]]))
    assert len(column) == 4
    assert column[1] == "béta" and column[2] == "" and column[-1] == "delta"
    assert column[1:3] == ["béta", None]
    assert list(column) == ["alpha", "béta", "", "delta"]
    with pytest.raises(IndexError):
        column[4]


def test_category_column_codes_and_membership() -> None:
    raw = ["description", "profile", "description", None, "evaluation"]
    for column in (CategoryColumn.from_arrow(pa.array(raw)), CategoryColumn.from_values([r or "" for r in raw])):
        assert list(column) == ["description", "profile", "description", "", "evaluation"]
        assert column[4] == "evaluation" and column[0:2] == ["description", "profile"]
        assert column.isin({"description", "evaluation"}).tolist() == [True, False, True, False, True]
        assert len(column) == 5
    assert CategoryColumn.from_values([]).isin({"x"}).shape == (0,)


def test_chunk_rows_maps_ids_to_practice_rows() -> None:
    ids = pa.chunked_array([["b", "b", "a"], ["c", "a"]])
    assert chunk_rows(ids, ["a", "b", "c"]).tolist() == [1, 1, 0, 2, 0]
    assert chunk_rows(ids, ["a", "b", "c"]).dtype == np.int64
    with pytest.raises(KeyError, match="'c'"):
        chunk_rows(ids, ["a", "b"])


def test_dictionary_columns_as_parquet_reads_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Read with ``read_dictionary``, each row group has its own dictionary: same answers."""
    import pyarrow.parquet as pq

    table = pa.table({"practice_id": ["b", "b", "a", "c", "a", "c", "b"],
                      "section": ["x", "y", None, "x", "z", "z", "y"]})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=2)
    read = pq.read_table(tmp_path / "t.parquet", read_dictionary=["practice_id", "section"])
    assert read.column("practice_id").num_chunks == 4
    assert chunk_rows(read.column("practice_id"), ["a", "b", "c"]).tolist() == [1, 1, 0, 2, 0, 2, 1]
    with pytest.raises(KeyError, match="'c'"):
        chunk_rows(read.column("practice_id"), ["a", "b"])
    sections = CategoryColumn.from_arrow(read.column("section"))
    assert list(sections) == ["x", "y", "", "x", "z", "z", "y"]
    assert sections.isin({"z", ""}).tolist() == [False, False, True, False, True, True, False]
