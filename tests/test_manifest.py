"""The manifest as typed records: the JSON on disk is the one of schema version 1, unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ransearch.errors import IndexCorrupt, IndexMismatch
from ransearch.manifest import BuildSettings, Counts, DocumentEntry, FileDigest, Manifest
from ransearch.store import MANIFEST, read_manifest

# as the indexer wrote it before the manifest was typed (sorted keys, one-space indent)
WRITTEN = {
    "built_at": "2026-12-05T21:12:04+00:00",
    "counts": {"chunks": 7, "practices": 3},
    "dimension": 8,
    "documents": {
        "a.txt": {"hash": "h1", "practice_id": "a"},
        "b.pdf": {"hash": "h2", "practice_id": "b--one", "practice_ids": ["b--one", "b--two"]},
        "c.docx": {"duplicate_of": "a.txt", "hash": "h3", "practice_id": "a"},
    },
    "encoder": "fake",
    "files": {"chunks.parquet": {"sha256": "s1", "size": 10}},
    "generation": "g1",
    "package_version": "0.1.0",
    "schema_version": 1,
    "settings": {"chunking": {"max_words": 80, "overlap_sentences": 1, "profile": True, "title_prefix": False},
                 "template": "abc"},
}


def _write(folder: Path, data: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(data if isinstance(data, str) else json.dumps(data, indent=1, sort_keys=True),
                                   "utf-8")
    return folder


def test_reading_and_writing_gives_the_same_bytes(tmp_path: Path) -> None:
    text = json.dumps(WRITTEN, indent=1, ensure_ascii=False, sort_keys=True)
    manifest = read_manifest(_write(tmp_path, text))
    assert manifest.to_json() == text
    assert manifest.documents["a.txt"] == DocumentEntry("h1", "a")
    assert manifest.documents["b.pdf"].ids == ("b--one", "b--two")
    assert manifest.documents["c.docx"].ids == () and manifest.documents["c.docx"].duplicate_of == "a.txt"
    assert manifest.counts == Counts(practices=3, chunks=7)
    assert manifest.files == {"chunks.parquet": FileDigest(10, "s1")}
    assert manifest.settings == BuildSettings(WRITTEN["settings"]["chunking"], "abc")  # type: ignore[index]


def test_counts_read_as_the_json_has_them() -> None:
    counts = Counts(practices=3, chunks=7)
    assert counts["chunks"] == 7 and counts.get("practices") == 3 and dict(counts) == {"chunks": 7, "practices": 3}


def test_the_oldest_manifests_still_read(tmp_path: Path) -> None:
    old = {k: v for k, v in WRITTEN.items() if k != "files"} | {"settings": {"chunking": {}}}
    manifest = read_manifest(_write(tmp_path, old))
    assert manifest.files == {} and manifest.settings.template is None
    assert "template" not in manifest.to_json() and '"files": {}' in manifest.to_json()


@pytest.mark.parametrize("change", [
    {"documents": {"a.txt": {"practice_id": "a"}}},  # no hash
    {"documents": {"a.txt": "h1"}},
    {"counts": {"chunks": "7"}},
    {"dimension": "8"},
    {"files": {"x": {"size": 1}}},
    {"settings": []},
])
def test_a_manifest_of_the_wrong_shape_is_corrupt(tmp_path: Path, change: dict[str, object]) -> None:
    with pytest.raises(IndexCorrupt, match="unreadable manifest"):
        read_manifest(_write(tmp_path, WRITTEN | change))


def test_a_missing_key_is_corrupt_and_another_schema_a_mismatch(tmp_path: Path) -> None:
    with pytest.raises(IndexCorrupt, match="unreadable manifest"):
        read_manifest(_write(tmp_path / "a", {k: v for k, v in WRITTEN.items() if k != "encoder"}))
    with pytest.raises(IndexMismatch):
        read_manifest(_write(tmp_path / "b", {"schema_version": 2, "documents": []}))


def test_a_manifest_built_in_python_writes_the_indexers_json() -> None:
    manifest = Manifest(1, "fake", 8, "0.1.0", "t", "g1", {"a.txt": DocumentEntry("h1", "a")},
                        Counts(1, 2), BuildSettings({"max_words": 80}, ""), {})
    assert json.loads(manifest.to_json()) == {
        "built_at": "t", "counts": {"chunks": 2, "practices": 1}, "dimension": 8,
        "documents": {"a.txt": {"hash": "h1", "practice_id": "a"}}, "encoder": "fake", "files": {},
        "generation": "g1", "package_version": "0.1.0", "schema_version": 1,
        "settings": {"chunking": {"max_words": 80}, "template": ""}}
