"""Duplicates: the same practice as text, PDF, Word file and web page, or in two versions, is one
practice — never learned away as template text, indexed once, its other files listed."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from test_formats_fixtures import RENDERERS, dev_documents
from typer.testing import CliRunner

import ransearch.engine
from ransearch.engine import Engine
from ransearch.indexing import build_index
from ransearch.ingest import parse_file, parse_files
from ransearch.ingest.shingling import THRESHOLD, duplicate_groups, plain_text, shingles, similarity
from ransearch.ingest.formats import extract_file
from ransearch.records import Practice

pytest.importorskip("reportlab", reason='reportlab is needed to draw test PDFs (pip install "ransearch[test]")')

DOCUMENTS = dev_documents()
DEV2 = DOCUMENTS[0].parents[2] / "dev2" / "corpus" if DOCUMENTS else Path("/nonexistent")
FIELDS = ("title", "language", "country_code", "themes", "audience", "start_year", "last_update", "organisation_type")


def _same(got: Practice, ref: Practice) -> None:
    assert {f: getattr(got, f) for f in FIELDS} == {f: getattr(ref, f) for f in FIELDS}
    assert {k: " ".join(v.split()) for k, v in got.sections.items()} == \
        {k: " ".join(v.split()) for k, v in ref.sections.items()}


@pytest.fixture(scope="module")
def references() -> dict[str, Practice]:
    return {p.name: parse_file(p, p.parent) for p in DOCUMENTS}


@pytest.fixture()
def four(tmp_path: Path, references: dict[str, Practice]) -> tuple[Path, Practice]:
    """One practice as .txt, .pdf, .docx and .html in one folder."""
    folder = tmp_path / "four"
    folder.mkdir()
    source = DOCUMENTS[4]
    ref = references[source.name]
    shutil.copy(source, folder / "practice.txt")
    for fmt, render in RENDERERS.items():
        render(ref, folder / f"practice.{fmt}")
    return folder, ref


def test_copies_in_four_formats_keep_their_content_when_learning(four: tuple[Path, Practice]) -> None:
    folder, ref = four
    results = parse_files([(p, folder) for p in sorted(folder.iterdir())])
    assert len(results) == 4
    for got in results:
        assert isinstance(got, Practice), got
        assert got.title == ref.title and len(got.sections["description"].split()) >= 150
        _same(got, ref)


def test_copies_in_four_formats_are_one_practice_in_the_index(four: tuple[Path, Practice], tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               reindex_encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    from ransearch.cli import _register, app

    folder, ref = four
    _register()
    monkeypatch.setattr(ransearch.engine, "load_encoder", lambda name, **kwargs: reindex_encoder)
    index = tmp_path / "index"
    result = CliRunner().invoke(app, ["index", str(folder), "--index", str(index), "--encoder", "fake", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["practices"] == 1 and report["counts"]["added"] == 4
    [group] = report["duplicates"]
    kept = group["kept"]
    assert sorted([kept, *group["duplicates"]]) == sorted(p.name for p in folder.iterdir())
    [practice] = Engine.open(index, encoder=reindex_encoder).practices()
    assert practice.source == kept and practice.id == group["practice_id"]
    assert sorted(practice.duplicate_sources) == sorted(group["duplicates"])
    _same(practice, ref)
    # the human report names the group; a second run changes nothing and names it again
    again = CliRunner().invoke(app, ["index", str(folder), "--index", str(index), "--encoder", "fake"])
    assert again.exit_code == 0 and "index unchanged" in again.stdout
    assert f"duplicates: {kept} indexed as {practice.id}; same practice in " in again.stdout


def test_the_newest_version_is_kept(tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "versions"
    folder.mkdir()
    text = DOCUMENTS[5].read_text("utf-8")
    ref = parse_file(DOCUMENTS[5])
    assert ref.last_update is not None
    (folder / "a-old.txt").write_text(text, "utf-8")
    year = text.rindex(str(ref.last_update))  # the last update is the template's last field
    newer = text[:year] + str(ref.last_update + 1) + text[year + 4:]
    start = ref.sections["description"][:60]
    newer = newer.replace(start, start + " A paragraph added in the new version.", 1)
    (folder / "b-new.txt").write_text(newer, "utf-8")
    report = build_index([folder], tmp_path / "index", reindex_encoder)
    [practice] = Engine.open(tmp_path / "index", encoder=reindex_encoder).practices()
    assert practice.source == "b-new.txt" and practice.last_update == ref.last_update + 1
    assert practice.duplicate_sources == ("a-old.txt",)
    assert [(g.kept, g.duplicates) for g in report.duplicates] == [("b-new.txt", ("a-old.txt",))]
    # the new version goes away: the old one is indexed again, with its own content
    (folder / "b-new.txt").unlink()
    report = build_index([folder], tmp_path / "index", reindex_encoder)
    [practice] = Engine.open(tmp_path / "index", encoder=reindex_encoder).practices()
    assert practice.source == "a-old.txt" and practice.duplicate_sources == () and not report.duplicates
    _same(practice, ref)


def test_dev_set_plus_a_duplicate_of_each_document_gives_the_dev_records(  # type: ignore[no-untyped-def]
        tmp_path: Path, references: dict[str, Practice], reindex_encoder) -> None:
    alone, doubled = tmp_path / "alone", tmp_path / "doubled"
    alone.mkdir()
    doubled.mkdir()
    formats = itertools.cycle(RENDERERS)
    for path in DOCUMENTS:
        shutil.copy(path, alone / path.name)
        shutil.copy(path, doubled / path.name)
        fmt = next(formats)
        RENDERERS[fmt](references[path.name], doubled / f"copy-of-{path.stem}.{fmt}")
    build_index([alone], tmp_path / "i1", reindex_encoder)
    report = build_index([doubled], tmp_path / "i2", reindex_encoder)
    one = {p.id: p for p in Engine.open(tmp_path / "i1", encoder=reindex_encoder).practices()}
    two = {p.id: p for p in Engine.open(tmp_path / "i2", encoder=reindex_encoder).practices()}
    assert len(one) == len(DOCUMENTS) == 17 and report.practices == 17 and len(report.duplicates) == 17
    assert sorted(one) == sorted(two)  # the text files are kept: same ids
    for pid, practice in one.items():
        _same(two[pid], practice)
        assert len(two[pid].duplicate_sources) == 1 and two[pid].duplicate_sources[0].startswith("copy-of-")


def test_different_practices_never_merge_and_copies_always_do(references: dict[str, Practice],  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    """Every pair of dev and dev2 documents stays apart; every copy (three formats, an edited
    version) joins its original. The margin is measured, not assumed."""
    files = sorted({p.read_bytes(): p for p in [*DOCUMENTS, *sorted(DEV2.glob("*"))]}.values())
    docs: list[tuple[int, object]] = []
    for k, path in enumerate(files):
        docs.append((k, shingles(extract_file(path)[0])))
        ref = references.get(path.name)
        if ref is not None and path.parent == DOCUMENTS[0].parent:
            for fmt, render in RENDERERS.items():
                docs.append((k, shingles(extract_file(render(ref, tmp_path / f"{path.stem}.{fmt}"))[0])))
        # an edited version: its longest paragraph gone, a sentence added
        text = plain_text(extract_file(path)[0])
        paragraphs = text.split("\n\n")
        longest = max(paragraphs, key=len)
        docs.append((k, shingles(text.replace(longest, "") + "\n\nA sentence added in the new version.")))
    apart = max(similarity(a, b) for (i, a), (j, b) in itertools.combinations(docs, 2) if i != j)
    together = min(similarity(a, b) for (i, a), (j, b) in itertools.combinations(docs, 2) if i == j)
    assert apart < THRESHOLD - 0.1 < THRESHOLD + 0.05 < together, (apart, together)
    groups = duplicate_groups([s for _, s in docs])  # type: ignore[misc]
    assert sorted(sorted({docs[i][0] for i in g}) for g in groups) == [[k] for k in range(len(files))]


def test_two_practices_written_in_greek_or_cyrillic_letters_are_not_one() -> None:
    """Their words are compared in Latin letters: before, they had none, and every such practice
    was "the same text" as every other, so all but one were left out of the index."""
    from ransearch.ingest.shingling import shingles, similarity

    for first, second in (
            ("Το πρόγραμμα συνδέει νέους με μέντορες στη Θεσσαλονίκη για ένα ολόκληρο έτος από το 2017.",
             "Η ομάδα εκπαιδεύει δασκάλους στην Αθήνα να αναγνωρίζουν τη ριζοσπαστικοποίηση από το 2017."),
            ("Програмата свързва млади хора с обучени ментори в София през цялата 2017 година.",
             "Екипът обучава учители във Варна да разпознават радикализацията от 2017 година.")):
        assert similarity(shingles(first), shingles(second)) < 0.2
        assert similarity(shingles(first), shingles(first)) == 1.0
