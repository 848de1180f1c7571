"""Incremental indexing: what is reused, re-embedded, removed, kept, rebuilt; and the report."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import ransearch.previous_generation
import ransearch.indexing as indexing
import ransearch.plan as plan
from conftest import reindex_mark
from conftest import DEV_CORPUS, copy_dev_documents, reindex_mark
from ransearch.chunking import ChunkingConfig
from ransearch.engine import Engine
from ransearch.errors import IndexWriteError, RansearchError
from ransearch.indexing import build_index, rollback_index
from ransearch.build_report import index_status
from ransearch.store import GENERATIONS, current_generation, list_generations, open_generation, read_last_run
from ransearch.parquet_tables import read_chunks, read_practices
from ransearch.vectors import VectorIndex


def _never_load(name: str):  # type: ignore[no-untyped-def]
    raise AssertionError(f"the encoder {name!r} was loaded")


def _docs(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*.txt"))


def _snapshot(index: Path) -> dict[str, object]:
    """Practice ids, chunks (text) and their vectors of the current generation, order-free."""
    gen = open_generation(index).path
    chunks = read_chunks(gen / "chunks.parquet")
    vectors = VectorIndex.load(gen / "vectors.faiss").reconstruct_all()
    rows = sorted(range(len(chunks)), key=lambda i: (chunks[i].practice_id, chunks[i].section, chunks[i].ordinal))
    return {"ids": sorted(p.id for p in read_practices(gen / "practices.parquet")),
            "chunks": [chunks[i] for i in rows], "vectors": np.asarray(vectors)[rows]}


@pytest.fixture(scope="module")
def _first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import FakeEncoder

    root = tmp_path_factory.mktemp("first")
    corpus = copy_dev_documents(root / "corpus", 6)  # the documents of the reindex_corpus fixture
    index = root / "index"
    report = build_index([corpus], index, FakeEncoder())
    assert report.outcome == "updated" and report.full_rebuild and report.full_reason == "first build"
    assert len(report.added) == 6 and report.exit_status == 0
    return index


@pytest.fixture()
def indexed(_first_build: Path, reindex_corpus: Path, tmp_path: Path) -> Path:
    """An index of ``reindex_corpus`` (one generation, fake encoder), built once and copied."""
    index = tmp_path / "index"
    shutil.copytree(_first_build, index)
    return index


def test_no_op_run_parses_embeds_writes_nothing(indexed: Path, reindex_corpus: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = list_generations(indexed)
    monkeypatch.setattr(plan, "parse_document", lambda *a, **k: pytest.fail("parsed an unchanged document"))
    report = build_index([reindex_corpus], indexed, "fake", load=_never_load)
    assert report.outcome == "unchanged" and report.exit_status == 0
    assert report.unchanged == 6 and not (report.added or report.changed or report.removed or report.failed)
    assert report.generation == before[-1] == current_generation(indexed)
    assert list_generations(indexed) == before
    assert read_last_run(indexed)["outcome"] == "unchanged"  # type: ignore[index]


def test_index_holds_the_records_parse_gives(indexed: Path, reindex_corpus: Path) -> None:
    from ransearch.ingest import parse_files

    parsed = {p.id: p for p in parse_files([(d, reindex_corpus) for d in _docs(reindex_corpus)])}
    indexed_records = {p.id: p for p in read_practices(open_generation(indexed).path / "practices.parquet")}
    assert indexed_records.keys() == parsed.keys()
    for pid, record in indexed_records.items():
        assert record.sections == parsed[pid].sections and record.title == parsed[pid].title


def test_a_new_learned_template_parses_everything_again_and_reuses_vectors(  # type: ignore[no-untyped-def]
        indexed: Path, reindex_corpus: Path, reindex_encoder, monkeypatch) -> None:
    real_study = plan.study_files

    def study(paths):  # type: ignore[no-untyped-def]
        template, groups = real_study(paths)
        return replace(template, fingerprint="other"), groups

    monkeypatch.setattr(plan, "study_files", study)
    parsed: list[Path] = []
    real_parse = plan.parse_document
    monkeypatch.setattr(plan, "parse_document", lambda path, *a, **k: parsed.append(path) or real_parse(path, *a, **k))
    docs = _docs(reindex_corpus)
    reindex_mark(docs[0], "zebra")
    reindex_encoder.passages = 0
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert sorted(parsed) == docs and report.changed == (docs[0].name,) and report.unchanged == 5
    assert any("parsed again" in w for w in report.warnings)
    assert report.embedded_chunks == 1 and reindex_encoder.passages == 1  # only the edited chunk
    assert open_generation(indexed).manifest.settings.template == "other"
    parsed.clear()  # the same template next time: only what changed is parsed
    reindex_mark(docs[1], "giraffe")
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert parsed == [docs[1]] and not report.warnings


def test_touching_a_file_without_changing_it_is_a_no_op(indexed: Path, reindex_corpus: Path) -> None:
    path = _docs(reindex_corpus)[2]
    path.write_bytes(path.read_bytes())
    assert build_index([reindex_corpus], indexed, "fake", load=_never_load).outcome == "unchanged"


def test_changed_document_alone_is_re_embedded(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    path = _docs(reindex_corpus)[1]
    title_before = Engine.open(indexed, encoder=reindex_encoder).practices()[1].title
    reindex_mark(path, "and a completely new sentence about zebras and giraffes")
    reindex_encoder.passages = 0
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.outcome == "updated" and not report.full_rebuild
    assert report.changed == (path.name,) and report.unchanged == 5
    practice_id = read_practices(open_generation(indexed).path / "practices.parquet")[1].id
    own = [c for c in _snapshot(indexed)["chunks"] if c.practice_id == practice_id]  # type: ignore[attr-defined]
    assert 1 <= report.embedded_chunks <= len(own)
    assert report.reused_chunks == report.chunks - report.embedded_chunks
    # passages embedded: the changed chunks, and the title if it changed
    title_after = Engine.open(indexed, encoder=reindex_encoder).practices()[1].title
    assert reindex_encoder.passages == report.embedded_chunks + (title_after != title_before)


def test_incremental_index_equals_a_full_rebuild(indexed: Path, reindex_corpus: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    docs = _docs(reindex_corpus)
    reindex_mark(docs[0], "zebra")
    docs[3].unlink()
    (reindex_corpus / "new.txt").write_bytes(docs[4].read_bytes())
    reindex_mark(reindex_corpus / "new.txt", "copy")
    build_index([reindex_corpus], indexed, reindex_encoder)
    fresh = tmp_path / "fresh"
    build_index([reindex_corpus], fresh, reindex_encoder)
    a, b = _snapshot(indexed), _snapshot(fresh)
    assert a["ids"] == b["ids"] and a["chunks"] == b["chunks"]
    np.testing.assert_allclose(a["vectors"], b["vectors"], atol=1e-6)  # type: ignore[arg-type]
    ga, gb = open_generation(indexed).path, open_generation(fresh).path
    assert (ga / "lexical" / "lexical.json").read_text() == (gb / "lexical" / "lexical.json").read_text()
    engine_a, engine_b = Engine.open(indexed, encoder=reindex_encoder), Engine.open(fresh, encoder=reindex_encoder)
    for query in ("zebra", "family support for returning foreign fighters", "prison exit programme"):
        assert [h.practice_id for h in engine_a.ask(query).results] == [h.practice_id for h in engine_b.ask(query).results]


def test_removed_document_disappears_from_results(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    victim = _docs(reindex_corpus)[0]
    gone = Engine.open(indexed, encoder=reindex_encoder).practices()[0]
    title = gone.title
    victim.unlink()
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.removed == (victim.name,) and report.embedded_chunks == 0
    engine = Engine.open(indexed, encoder=reindex_encoder)
    assert gone.id not in {p.id for p in engine.practices()}
    assert gone.id not in {h.practice_id for h in engine.ask(title, k=10).results}
    assert victim.name not in engine.manifest.documents


def test_added_document_is_found(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    src = sorted(DEV_CORPUS.glob("*.txt"))[-1]  # a practice the corpus lacks (a copy would be a duplicate)
    new = reindex_corpus / "sub" / "added.txt"
    new.parent.mkdir()
    new.write_bytes(src.read_bytes())
    reindex_mark(new, "okapi")
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.added == ("sub/added.txt",) and report.unchanged == 6
    engine = Engine.open(indexed, encoder=reindex_encoder)
    assert engine.practice("sub--added").source == "sub/added.txt"
    assert "sub--added" in {h.practice_id for h in engine.ask("okapi", k=2).results}


def test_broken_file_keeps_its_last_good_version(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    path = _docs(reindex_corpus)[2]
    good = Engine.open(indexed, encoder=reindex_encoder).practices()[2]
    path.write_text("an editor saved this by mistake", "utf-8")
    reindex_mark(_docs(reindex_corpus)[0], "zebra")  # something else changes in the same run
    # strict: text outside the template is refused (by default it would be indexed as free text)
    report = build_index([reindex_corpus], indexed, reindex_encoder, strict_template=True)
    assert report.outcome == "updated" and report.exit_status == 3
    (failure,) = report.failed
    assert failure.path == str(path) and failure.kept and "not a RAN practice" in failure.reason
    assert report.to_dict()["failed"][0]["kept_last_good_version"] is True
    engine = Engine.open(indexed, encoder=reindex_encoder)
    assert engine.practice(good.id) == good
    assert good.id in {h.practice_id for h in engine.ask(good.title, k=3).results}
    # still broken the next night, nothing else changed: nothing to write, still reported
    again = build_index([reindex_corpus], indexed, "fake", load=_never_load, strict_template=True)
    assert again.outcome == "unchanged" and again.exit_status == 3 and again.failed[0].kept
    # fixed: indexed again, no longer failed
    path.write_bytes((DEV_CORPUS / path.name).read_bytes())
    fixed = build_index([reindex_corpus], indexed, reindex_encoder, strict_template=True)
    assert not fixed.failed and fixed.outcome == "unchanged"  # the same bytes as the version kept


def test_new_broken_file_is_reported_not_indexed(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    (reindex_corpus / "junk.txt").write_bytes(b"\x00\x01binary")
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.outcome == "unchanged" and report.exit_status == 3
    assert not report.failed[0].kept and "binary" in report.failed[0].reason


def test_unreadable_file_keeps_its_last_good_version(indexed: Path, reindex_corpus: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                     monkeypatch) -> None:
    victim = _docs(reindex_corpus)[1]
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if self == victim else real(self))
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.failed[0].kept and "Permission denied" in report.failed[0].reason
    assert len(Engine.open(indexed, encoder=reindex_encoder).practices()) == 6


def test_duplicate_practice_id_keeps_the_indexed_document(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    first = _docs(reindex_corpus)[0]
    twin = first.with_suffix(".md")  # same id, sorts before the .txt already indexed; another practice
    twin.write_bytes(sorted(DEV_CORPUS.glob("*.txt"))[10].read_bytes())
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.outcome == "unchanged" and report.failed[0].path == str(twin)
    assert "same practice id" in report.failed[0].reason


@pytest.mark.parametrize("change", ["encoder", "chunking", "package", "full"])
def test_full_rebuild_when_encoder_settings_or_package_change(indexed: Path, reindex_corpus: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                              monkeypatch, change: str) -> None:
    encoder, chunking, full = reindex_encoder, ChunkingConfig(), False
    if change == "encoder":
        class Other(type(reindex_encoder)):  # type: ignore[misc]
            name = "other"
        encoder = Other()
    elif change == "chunking":
        chunking = replace(chunking, max_words=60)
    elif change == "package":
        monkeypatch.setattr(ransearch.previous_generation, "__version__", "99.0")
    else:
        full = True
    encoder.passages = 0
    report = build_index([reindex_corpus], indexed, encoder, chunking, full=full)
    assert report.outcome == "updated" and report.full_rebuild
    assert report.full_reason and {"encoder": "encoder changed (fake → other)", "chunking": "chunking settings changed",
                                   "package": "package version changed", "full": "requested"}[change] in report.full_reason
    assert report.reused_chunks == 0 and report.embedded_chunks == report.chunks
    assert encoder.passages == report.chunks + report.practices  # every chunk and title
    assert report.unchanged == 6 and not report.changed
    assert open_generation(indexed).manifest.encoder == encoder.name


def test_full_rebuild_with_another_encoder_re_embeds_a_kept_version(indexed: Path, reindex_corpus: Path,  # type: ignore[no-untyped-def]
                                                                     reindex_encoder) -> None:
    _docs(reindex_corpus)[0].write_text("** -- **", "utf-8")  # no readable text

    class Other(type(reindex_encoder)):  # type: ignore[misc]
        name = "other"

    report = build_index([reindex_corpus], indexed, Other())
    assert report.full_rebuild and report.failed[0].kept and report.practices == 6
    assert report.embedded_chunks == report.chunks


def test_encoder_by_name_is_loaded_only_when_something_is_embedded(indexed: Path, reindex_corpus: Path,  # type: ignore[no-untyped-def]
                                                                   reindex_encoder) -> None:
    loaded: list[str] = []

    def load(name: str):  # type: ignore[no-untyped-def]
        loaded.append(name)
        return reindex_encoder

    _docs(reindex_corpus)[0].unlink()  # a removal embeds nothing new
    assert build_index([reindex_corpus], indexed, "fake", load=load).outcome == "updated"
    assert loaded == []
    reindex_mark(_docs(reindex_corpus)[0], "zebra")
    assert build_index([reindex_corpus], indexed, "fake", load=load).embedded_chunks >= 1
    assert loaded == ["fake"]


def test_lexicon_words_already_embedded_are_reused(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    reindex_mark(_docs(reindex_corpus)[0], "zebra")
    reindex_encoder.queries = 0
    build_index([reindex_corpus], indexed, reindex_encoder)
    assert 1 <= reindex_encoder.queries <= 3  # "zebra" (and nothing the lexicon already had)


def test_missing_or_empty_corpus_is_fatal_and_changes_nothing(indexed: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    before = current_generation(indexed)
    empty = tmp_path / "empty"
    empty.mkdir()
    for corpus in (tmp_path / "unmounted", empty):
        with pytest.raises(RansearchError, match="corpus"):
            build_index([corpus], indexed, reindex_encoder)
        assert current_generation(indexed) == before
        run = read_last_run(indexed)
        assert run and run["outcome"] == "failed" and run["exit_status"] == 2 and run["generation"] == before


def test_nothing_indexable_is_fatal(tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("-- ** --", "utf-8")  # no readable text
    with pytest.raises(RansearchError, match="no document could be indexed"):
        build_index([corpus], tmp_path / "index", reindex_encoder)
    assert current_generation(tmp_path / "index") is None


def test_write_error_leaves_the_current_generation_serving(indexed: Path, reindex_corpus: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                           monkeypatch) -> None:
    before = current_generation(indexed)
    reindex_mark(_docs(reindex_corpus)[0], "zebra")

    def disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(indexing, "write_chunks", disk_full)
    with pytest.raises(IndexWriteError, match="No space left"):
        build_index([reindex_corpus], indexed, reindex_encoder)
    assert current_generation(indexed) == before
    assert not [p for p in (indexed / GENERATIONS).iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    assert build_index([reindex_corpus], indexed, reindex_encoder).changed


def test_corrupt_current_generation_is_repaired_by_the_next_run(indexed: Path, reindex_corpus: Path,  # type: ignore[no-untyped-def]
                                                                reindex_encoder) -> None:
    first = current_generation(indexed)
    reindex_mark(_docs(reindex_corpus)[0], "zebra")
    second = build_index([reindex_corpus], indexed, reindex_encoder).generation
    vectors = indexed / GENERATIONS / str(second) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:50])
    assert Engine.open(indexed, encoder=reindex_encoder).manifest.generation == first
    report = build_index([reindex_corpus], indexed, reindex_encoder)
    assert report.outcome == "updated" and report.previous == first and report.warnings
    assert report.changed == (_docs(reindex_corpus)[0].name,)  # relative to the generation it built on
    engine = Engine.open(indexed, encoder=reindex_encoder)
    assert engine.manifest.generation == report.generation and not engine.warnings


def test_rollback_index_and_status(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    first = current_generation(indexed)
    reindex_mark(_docs(reindex_corpus)[0], "zebra")
    second = build_index([reindex_corpus], indexed, reindex_encoder).generation
    report = rollback_index(indexed)
    assert report.outcome == "rolled back" and report.generation == first and report.previous == second
    status = index_status(indexed)
    assert status.generation == first and status.encoder == "fake" and status.counts["practices"] == 6
    assert status.generations == (first, second)
    assert status.last_run and status.last_run["outcome"] == "rolled back"
    json.dumps(status.to_dict())
    # the next run builds on the generation rolled back to
    nxt = build_index([reindex_corpus], indexed, reindex_encoder)
    assert nxt.previous == first and nxt.changed == (_docs(reindex_corpus)[0].name,)


def test_report_json_shape(indexed: Path, reindex_corpus: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    reindex_mark(_docs(reindex_corpus)[0], "zebra")
    data = build_index([reindex_corpus], indexed, reindex_encoder).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data["counts"]) == {"added", "changed", "removed", "unchanged", "failed", "practices", "chunks",
                                   "embedded_chunks", "reused_chunks", "companion_embedded_chunks"}
    assert set(data["durations"]) >= {"scan", "parse", "embed", "write", "switch"}
    assert data["encoder"] == "fake" and data["generation"] and data["exit_status"] == 0


def test_outcomes_are_an_enum_written_as_plain_text() -> None:
    from ransearch.build_report import BuildReport, Outcome

    data = BuildReport(Outcome.ROLLED_BACK, "g2", "fake").to_dict()
    assert type(data["outcome"]) is str and json.dumps(data["outcome"]) == '"rolled back"'
    assert f"{Outcome.FAILED}" == str(Outcome.FAILED) == "failed" and Outcome.UPDATED == "updated"
