"""``ransearch index`` and ``ransearch status``: summaries, JSON reports, exit statuses 0/3/2/1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ransearch.engine
from ransearch.cli import _register, app
from ransearch.lock import index_lock
from ransearch.store import current_generation, list_generations


@pytest.fixture()
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reindex_encoder):  # type: ignore[no-untyped-def]
    """Invoke the CLI in-process with ``--encoder fake`` resolving to the fake encoder."""
    _register()
    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)

    def load(name: str, **kwargs):  # type: ignore[no-untyped-def]
        assert name == "fake", name
        return reindex_encoder

    monkeypatch.setattr(ransearch.engine, "load_encoder", load)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args))

    return invoke


def test_index_then_no_op_then_status(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = str(tmp_path / "index")
    first = run("index", str(reindex_corpus), "--index", index, "--encoder", "fake")
    assert first.exit_code == 0, first.output
    assert "index updated: 6 added, 0 changed, 0 removed, 0 unchanged, 0 failed" in first.stdout
    assert "full rebuild: first build" in first.stdout and "took " in first.stdout
    again = run("index", str(reindex_corpus), "--index", index, "--encoder", "fake")
    assert again.exit_code == 0 and again.stdout.startswith("index unchanged: 0 added")
    status = run("status", "--index", index)
    assert status.exit_code == 0
    assert f"generation   {current_generation(Path(index))}" in status.stdout
    assert "encoder      fake (64 dimensions)" in status.stdout and "6 practices" in status.stdout
    assert "unchanged (exit 0)" in status.stdout
    data = json.loads(run("status", "--index", index, "--json").stdout)
    assert data["generation"] == current_generation(Path(index)) and data["encoder"] == "fake"
    assert data["counts"]["practices"] == 6 and data["last_run"]["outcome"] == "unchanged"


def test_json_and_report_file(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.json"
    result = run("index", str(reindex_corpus), "--index", str(tmp_path / "index"), "--encoder", "fake",
                 "--json", "--report", str(report))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == json.loads(report.read_text())
    assert data["outcome"] == "updated" and data["counts"]["added"] == 6 and data["exit_status"] == 0
    assert data["encoder"] == "fake" and data["generation"] == current_generation(tmp_path / "index")
    assert set(data["durations"]) >= {"scan", "parse", "embed", "write", "switch"}


def test_failed_document_exits_3_and_says_the_last_good_version_is_kept(run, reindex_corpus: Path,  # type: ignore[no-untyped-def]
                                                                        tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    assert run("index", str(reindex_corpus), "--index", index, "--encoder", "fake").exit_code == 0
    broken = sorted(reindex_corpus.glob("*.txt"))[0]
    broken.write_text("** -- ** --", "utf-8")  # no readable text: refused even outside strict mode
    result = run("index", str(reindex_corpus), "--index", index, "--encoder", "fake")
    assert result.exit_code == 3
    assert f"failed: {broken}: no readable text" in result.stdout
    assert "(kept its last good version)" in result.stdout
    as_json = run("index", str(reindex_corpus), "--index", index, "--encoder", "fake", "--json")
    assert as_json.exit_code == 3
    assert json.loads(as_json.stdout)["failed"][0]["kept_last_good_version"] is True
    assert "kept its last good version" in as_json.stderr


def test_fatal_error_exits_2_and_keeps_the_generation(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0
    before = current_generation(index)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("index", str(empty), "--index", str(index), "--encoder", "fake", "--json")
    assert result.exit_code == 2
    assert f"nothing changed: generation {before} still serves" in result.stderr
    data = json.loads(result.stdout)
    assert data["outcome"] == "failed" and data["exit_status"] == 2 and data["generation"] == before
    assert "no documents in this folder" in data["error"]
    assert current_generation(index) == before


def test_lock_held_no_wait_exits_2(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    with index_lock(index):
        result = run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake", "--no-wait")
        timed = run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake", "--lock-timeout", "0.2")
    assert result.exit_code == 2 and "another indexing run is updating" in result.stderr
    assert timed.exit_code == 2 and "waited 0.2" in timed.stderr
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0


@pytest.mark.parametrize("args", [
    ["--bogus"],
    ["--keep", "0"],
    ["--lock-timeout", "soon"],
    ["no/such/folder"],
    ["--rollback", "--full"],
])
def test_usage_errors_exit_1(run, tmp_path: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = run("index", "--index", str(tmp_path / "index"), *args)
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "index").exists()


def test_rollback(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import reindex_mark

    index = tmp_path / "index"
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0
    reindex_mark(sorted(reindex_corpus.glob("*.txt"))[0], "zebra")
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0
    first, second = list_generations(index)
    result = run("index", "--rollback", "--index", str(index))
    assert result.exit_code == 0 and f"rolled back: generation {first} now serves (was {second})" in result.stdout
    assert current_generation(index) == first
    again = run("index", "--rollback", "--index", str(index))
    assert again.exit_code == 2 and "no generation older" in again.stderr


def test_status_without_index_exits_1(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from ransearch.cli import main

    monkeypatch.setattr(sys, "argv", ["ransearch", "status", "--index", str(tmp_path / "none")])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1


def test_commands_have_help(run) -> None:  # type: ignore[no-untyped-def]
    for command in ("index", "status"):
        assert run(command, "--help").exit_code == 0
    assert "Exit status" in run("index", "--help").stdout


def test_ask_warns_when_a_damaged_generation_is_skipped(run, reindex_corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from conftest import reindex_mark

    index = tmp_path / "index"
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0
    reindex_mark(sorted(reindex_corpus.glob("*.txt"))[0], "zebra")
    assert run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake").exit_code == 0
    first, second = list_generations(index)
    (index / "generations" / second / "chunks.parquet").write_bytes(b"PAR1 broken")
    result = run("ask", "family support", "--index", str(index), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["results"]
    assert f"warning: current generation {second} is not usable" in result.stderr
    assert f"serving generation {first} instead" in result.stderr
    status = json.loads(run("status", "--index", str(index), "--json").stdout)
    assert status["generation"] == first and status["warnings"]
    # the next run repairs: a new generation, although no document changed
    repaired = run("index", str(reindex_corpus), "--index", str(index), "--encoder", "fake")
    assert repaired.exit_code == 0 and "index updated: 0 added, 1 changed" in repaired.stdout
    assert not run("ask", "family support", "--index", str(index)).stderr
