"""The index folder: checksums, detection of damaged generations, fallback, rollback, pruning."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ransearch.engine import Engine
from ransearch.errors import IndexCorrupt, IndexNotFound, RansearchError
from ransearch.indexing import build_index
from ransearch.store import (CURRENT, GENERATIONS, MANIFEST, clean_stale, current_generation, list_generations,
                             open_generation, prune_generations, read_last_run, rollback_generation,
                             switch_current, verify_generation)


def _edit(corpus: Path, n: int, marker: str) -> None:
    """Change the n-th document so its practice differs."""
    from conftest import reindex_mark

    reindex_mark(sorted(corpus.glob("*.txt"))[n], marker)


@pytest.fixture(scope="module")
def _two_generations_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    from conftest import FakeEncoder, copy_dev_documents

    root = tmp_path_factory.mktemp("store")
    corpus = copy_dev_documents(root / "corpus", 4)
    index, encoder = root / "index", FakeEncoder()
    first = build_index([corpus], index, encoder).generation
    _edit(corpus, 0, "zebra")
    second = build_index([corpus], index, encoder).generation
    assert first and second and first < second
    return index, first, second


@pytest.fixture()
def two_generations(_two_generations_built: tuple[Path, str, str], tmp_path: Path) -> tuple[Path, str, str]:
    """An index with two generations (the second one current): (index, older id, newer id)."""
    built, first, second = _two_generations_built
    index = tmp_path / "index"
    shutil.copytree(built, index)
    return index, first, second


def test_manifest_records_size_and_checksum_of_every_file(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, gen = two_generations
    manifest = json.loads((index / GENERATIONS / gen / MANIFEST).read_text())
    files = manifest["files"]
    on_disk = {p.relative_to(index / GENERATIONS / gen).as_posix()
               for p in (index / GENERATIONS / gen).rglob("*") if p.is_file()} - {MANIFEST}
    assert set(files) == on_disk
    assert {"practices.parquet", "chunks.parquet", "vectors.faiss", "titles.npy", "lexical/lexical.json"} <= set(files)
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in files.values())


@pytest.mark.parametrize(("damage", "victim"), [
    ("truncate", "vectors.faiss"), ("flip", "vectors.faiss"), ("flip", "chunks.parquet"),
    ("truncate", "practices.parquet"), ("delete", "titles.npy"), ("flip", "lexical/lexical.json"),
    ("manifest", "-"),
])
def test_damaged_current_generation_is_not_served(two_generations, reindex_encoder, damage: str,  # type: ignore[no-untyped-def]
                                                  victim: str) -> None:
    index, older, newer = two_generations
    gen_dir = index / GENERATIONS / newer
    path = gen_dir / (MANIFEST if damage == "manifest" else victim)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        at = min(100, len(data) // 2)
        path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(data[: len(data) - 20])

    with pytest.raises(IndexCorrupt):
        verify_generation(gen_dir)
    gen = open_generation(index)
    assert gen.id == older and gen.fallback
    assert any(newer in w for w in gen.warnings) and any(older in w for w in gen.warnings)
    engine = Engine.open(index, encoder=reindex_encoder)
    assert engine.manifest.generation == older
    assert engine.warnings == gen.warnings
    assert engine.ask("family support", k=3).results


def test_current_naming_a_missing_generation_falls_back(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, newer = two_generations
    switch_current(index, "g99990101T000000000000Z-1")
    gen = open_generation(index)
    assert gen.id == newer and gen.warnings


def test_missing_current_pointer_serves_newest_good_generation(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, newer = two_generations
    (index / CURRENT).unlink()
    gen = open_generation(index)
    assert gen.id == newer and any("missing" in w for w in gen.warnings)


def test_no_good_generation_at_all_raises_the_current_ones_problem(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, older, newer = two_generations
    for gen in (older, newer):
        (index / GENERATIONS / gen / "titles.npy").write_bytes(b"x")
    with pytest.raises(IndexCorrupt, match="titles.npy"):
        open_generation(index)


def test_empty_folder_is_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        open_generation(tmp_path)


def test_a_generation_folder_can_be_opened_directly(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, older, _ = two_generations
    gen = open_generation(index / GENERATIONS / older)
    assert gen.id == older and not gen.fallback and gen.current is None


def test_size_check_alone_catches_truncation(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, newer = two_generations
    path = index / GENERATIONS / newer / "vectors.faiss"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IndexCorrupt, match="truncated"):
        verify_generation(index / GENERATIONS / newer, checksums=False)


def test_legacy_manifest_without_checksums_still_opens(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, newer = two_generations
    path = index / GENERATIONS / newer / MANIFEST
    data = json.loads(path.read_text())
    del data["files"]
    path.write_text(json.dumps(data))
    assert open_generation(index).id == newer


def test_rollback_switches_to_the_previous_generation(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, older, newer = two_generations
    assert rollback_generation(index) == (newer, older)
    assert current_generation(index) == older
    with pytest.raises(RansearchError, match="no generation older"):
        rollback_generation(index)


def test_rollback_skips_a_damaged_previous_generation(reindex_corpus: Path, reindex_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    gens = []
    for i in range(3):
        _edit(reindex_corpus, 0, f"edit{i}")
        gens.append(build_index([reindex_corpus], index, reindex_encoder).generation)
    (index / GENERATIONS / gens[1] / "chunks.parquet").write_bytes(b"broken")
    assert rollback_generation(index) == (gens[2], gens[0])


def test_prune_keeps_the_newest_and_always_the_current(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, older, newer = two_generations
    switch_current(index, older)
    assert prune_generations(index, keep=1) == []
    assert list_generations(index) == [older, newer]
    switch_current(index, newer)
    assert prune_generations(index, keep=1) == [older]
    assert list_generations(index) == [newer]


def test_keep_limits_generations_on_disk(reindex_corpus: Path, reindex_encoder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    ids = []
    for i in range(5):
        _edit(reindex_corpus, 1, f"round{i}")
        ids.append(build_index([reindex_corpus], index, reindex_encoder, keep=3).generation)
    assert list_generations(index) == ids[-3:]


def test_clean_stale_removes_leftovers_of_killed_runs(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, older, newer = two_generations
    (index / GENERATIONS / ".tmp-g1-123").mkdir()
    (index / GENERATIONS / ".tmp-g1-123" / "chunks.parquet").write_bytes(b"half")
    (index / ".CURRENT.tmp-123").write_text("g1")
    removed = clean_stale(index)
    assert sorted(removed) == [".CURRENT.tmp-123", ".tmp-g1-123"]
    assert list_generations(index) == [older, newer] and current_generation(index) == newer


def test_pointer_switch_is_a_rename(two_generations, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """CURRENT is never written in place: a reader sees the old or the new name, whole."""
    index, older, _ = two_generations
    replaced: list[tuple[str, str]] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append((str(a), str(b))), real(a, b))[1])
    switch_current(index, older)
    assert replaced == [(str(index / f".{CURRENT}.tmp-{os.getpid()}"), str(index / CURRENT))]
    assert (index / CURRENT).read_text() == older + "\n"


def test_last_run_is_recorded(two_generations) -> None:  # type: ignore[no-untyped-def]
    index, _, newer = two_generations
    run = read_last_run(index)
    assert run is not None and run["outcome"] == "updated" and run["generation"] == newer
    (index / "last_run.json").write_text("{not json")
    assert read_last_run(index) is None


def test_remembered_digests_are_trusted_and_verify_reads_every_file(two_generations, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file unchanged since it was hashed is not read again; ``status --verify`` reads it anyway.

    The memo is forged here to say a damaged file is fine: what a change under the file system
    (which leaves the file's state as it was) would look like.
    """
    import time

    from ransearch.build_report import index_status

    monkeypatch.setenv("RANSEARCH_CACHE", str(tmp_path / "cache"))
    index, _, newer = two_generations
    victim = index / GENERATIONS / newer / "vectors.faiss"
    data = victim.read_bytes()
    victim.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    expected = json.loads((index / GENERATIONS / newer / MANIFEST).read_text())["files"]["vectors.faiss"]["sha256"]
    st = victim.stat()
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "digests.json").write_text(json.dumps(
        {f"{st.st_dev}:{st.st_ino}": [st.st_size, st.st_mtime_ns, st.st_ctime_ns, expected, time.time()]}))
    assert index_status(index).generation == newer
    checked = index_status(index, verify=True)
    assert checked.generation != newer
    assert any("does not match its checksum" in w for w in checked.warnings)
