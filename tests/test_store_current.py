"""A damaged ``CURRENT`` pointer: named in one line, never followed out of the index, repaired by
``index`` and ``index --rollback`` (issue 18, item 4)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from ransearch.engine import Engine
from ransearch.errors import IndexCorrupt
from ransearch.indexing import build_index, rollback_index
from ransearch.store import CURRENT, GENERATIONS, list_generations, open_generation, read_current


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import FakeEncoder, copy_dev_documents

    root = tmp_path_factory.mktemp("current")
    corpus = copy_dev_documents(root / "corpus", 3)
    build_index([corpus], root / "index", FakeEncoder())
    build_index([corpus], root / "index", FakeEncoder(), full=True)
    return root


@pytest.fixture()
def index(_built: Path, tmp_path: Path) -> Path:
    """A fresh copy of an index with two generations (the corpus beside it)."""
    shutil.copytree(_built, tmp_path, dirs_exist_ok=True)
    return tmp_path / "index"


def _damage(index: Path, how: str) -> str:
    """Damage ``CURRENT`` as the probe did; what the pointer's problem must mention."""
    pointer = index / CURRENT
    if how == "not utf-8":
        pointer.write_bytes(b"\xff\xfeg\x00")
        return "not UTF-8"
    if how == "folder":
        pointer.unlink()
        (pointer / "sub").mkdir(parents=True)
        return "is a folder"
    if how == "too long":
        pointer.write_text("g" * 5000 + "\n")
        return "too long"
    if how == "outside":
        other = index.parent / "other" / "index"
        shutil.copytree(index, other)
        pointer.write_text(f"../../other/index/{GENERATIONS}/{list_generations(other)[-1]}\n")
        return "not a generation of"
    if how == "dot-dot":
        pointer.write_text("..\n")
        return "not a generation of"
    raise AssertionError(how)


DAMAGES = ["not utf-8", "folder", "too long", "outside", "dot-dot"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_pointer_is_named_and_the_newest_good_generation_serves(index: Path, how: str) -> None:
    expected = _damage(index, how)
    name, problem = read_current(index)
    assert name is None and problem and expected in problem and str(index / CURRENT) in problem
    gen = open_generation(index)
    assert gen.path == index / GENERATIONS / list_generations(index)[-1]  # this index's own, never another's
    assert gen.fallback and expected in gen.warnings[0] and "serving generation" in gen.warnings[1]
    assert all("\n" not in w for w in gen.warnings)


def test_never_serves_another_folders_generation(index: Path) -> None:
    _damage(index, "outside")
    for gen in list_generations(index):
        shutil.rmtree(index / GENERATIONS / gen)
    with pytest.raises(IndexCorrupt, match="not a generation of"):
        open_generation(index)


def test_a_generation_folder_that_is_a_link_is_not_served(index: Path) -> None:
    other = index.parent / "other"
    shutil.copytree(index, other)
    newest = list_generations(index)[-1]
    shutil.rmtree(index / GENERATIONS / newest)
    (index / GENERATIONS / newest).symlink_to(other / GENERATIONS / newest)
    gen = open_generation(index)
    assert gen.path.parent == index / GENERATIONS and gen.path.name != newest and gen.fallback


@pytest.mark.parametrize("how", DAMAGES)
def test_index_repairs_the_pointer(index: Path, how: str) -> None:
    from conftest import FakeEncoder

    _damage(index, how)
    report = build_index([index.parent / "corpus"], index, FakeEncoder())
    assert report.outcome == "updated" and report.warnings  # the pointer's problem is reported
    name, problem = read_current(index)
    assert problem is None and name == report.generation and (index / CURRENT).is_file()
    assert not open_generation(index).warnings


@pytest.mark.parametrize("how", ["not utf-8", "folder", "outside"])
def test_rollback_repairs_the_pointer(index: Path, how: str) -> None:
    expected = _damage(index, how)
    report = rollback_index(index)
    newest = list_generations(index)[-1]
    assert report.generation == newest and read_current(index) == (newest, None)
    assert any(expected in w for w in report.warnings)


def test_a_server_logs_the_pointer_problem_at_start(index: Path, caplog: pytest.LogCaptureFixture) -> None:
    from conftest import FakeEncoder

    from ransearch.serving import ServingEngine

    _damage(index, "not utf-8")
    with caplog.at_level(logging.WARNING, logger="ransearch.serving"):
        live = ServingEngine.open(index, encoder=FakeEncoder(), interval=0)
    assert any("not UTF-8" in r.getMessage() for r in caplog.records)
    assert live.engine.generation_dir.name == list_generations(index)[-1]
    assert Engine.open(index, encoder=FakeEncoder()).warnings


@pytest.mark.parametrize("how", ["not utf-8", "outside"])
def test_a_running_server_keeps_its_generation_when_the_pointer_is_damaged(
        index: Path, how: str, caplog: pytest.LogCaptureFixture) -> None:
    from conftest import FakeEncoder

    from ransearch.serving import ServingEngine

    first, newest = list_generations(index)
    rollback_index(index)  # the older generation serves; the newest one was rolled back from
    live = ServingEngine.open(index, encoder=FakeEncoder(), interval=0)
    assert live.engine.generation_dir.name == first
    expected = _damage(index, how)
    with caplog.at_level(logging.WARNING, logger="ransearch.serving"):
        assert live.refresh() is False
    assert live.engine.generation_dir.name == first  # not the rolled-back-from one, not another folder's
    assert any(f"keeping generation {first}" in r.getMessage() and expected in r.getMessage()
               for r in caplog.records)
