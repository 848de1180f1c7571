"""A file holding several practices one after another gives one record per practice, each equal
to the parse of that practice alone, with an id of the file plus the title's slug."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_formats_fixtures import dev_documents, render_html, render_pdf

from ransearch.engine import Engine
from ransearch.indexing import build_index
from ransearch.ingest import parse_file
from ransearch.ingest.collection import UNSURE, parse_document, split_practices
from ransearch.ingest.table import Row
from ransearch.records import Practice
from ransearch.template import catalogue

pytest.importorskip("reportlab", reason='reportlab is needed to draw test PDFs (pip install "ransearch[test]")')

FIELDS = ("title", "language", "country_code", "themes", "audience", "start_year", "last_update",
          "organisation_type", "peer_reviewed", "contacts")


@pytest.fixture(scope="module")
def five() -> list[Practice]:
    return [parse_file(p, p.parent) for p in dev_documents()[5:10]]


def _chapter_html(practices: list[Practice], folder: Path) -> Path:
    mains = [re.search(r"<main>.*</main>", render_html(p, folder / f"part{i}.html").read_text("utf-8"), re.S)[0]
             for i, p in enumerate(practices)]
    for i in range(len(practices)):
        (folder / f"part{i}.html").unlink()
    page = render_html(practices[0], folder / "chapter.html").read_text("utf-8")
    page = re.sub(r"<main>.*</main>", lambda _: "\n".join(mains), page, flags=re.S)
    (folder / "chapter.html").write_text(page, "utf-8")
    return folder / "chapter.html"


def _chapter_pdf(practices: list[Practice], folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One PDF drawn by the test renderer for each practice in turn, on one canvas."""
    from reportlab.pdfgen import canvas

    real = canvas.Canvas
    shared: list[object] = []

    class Shared:
        def __init__(self, path: str, **kwargs: object) -> None:
            if not shared:
                shared.append(real(str(folder / "chapter.pdf"), **kwargs))  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(shared[0], name)

        def save(self) -> None:
            shared[0].showPage()  # type: ignore[attr-defined]  # the next practice starts on a new page

    monkeypatch.setattr(canvas, "Canvas", Shared)
    for i, p in enumerate(practices):
        render_pdf(p, folder / f"unused{i}.pdf")
    monkeypatch.undo()
    shared[0].save()  # type: ignore[attr-defined]
    return folder / "chapter.pdf"


def _norm(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def _same(got: Practice, ref: Practice) -> None:
    assert {f: _norm(getattr(got, f)) for f in FIELDS} == {f: _norm(getattr(ref, f)) for f in FIELDS}
    assert {k: " ".join(v.split()) for k, v in got.sections.items()} == \
        {k: " ".join(v.split()) for k, v in ref.sections.items()}


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_file_of_five_practices_gives_five_records(tmp_path: Path, five: list[Practice], fmt: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = _chapter_html(five, tmp_path) if fmt == "html" else _chapter_pdf(five, tmp_path, monkeypatch)
    got = parse_document(path, tmp_path)
    assert len(got) == 5
    for record, ref in zip(got, five):
        _same(record, ref)
        assert record.source == path.name and record.id.startswith("chapter--") and UNSURE not in record.warnings
    assert len({r.id for r in got}) == 5
    assert [r.id for r in parse_document(path, tmp_path)] == [r.id for r in got]  # stable


def test_the_index_holds_each_practice_of_the_file(tmp_path: Path, five: list[Practice], reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "corpus"
    folder.mkdir()
    _chapter_html(five, folder)
    report = build_index([folder], tmp_path / "index", reindex_encoder)
    assert report.practices == 5 and report.added == ("chapter.html",)
    titles = {p.title for p in Engine.open(tmp_path / "index", encoder=reindex_encoder).practices()}
    assert titles == {p.title for p in five}
    again = build_index([folder], tmp_path / "index", reindex_encoder)
    assert again.outcome == "unchanged" and again.practices == 5


def test_a_restart_without_the_name_label_is_cut_and_flagged() -> None:
    cat = catalogue()
    labels = [cat.field(k).label("en") for k in cat.keys]
    one = [Row(label, f"value {i}") for i, label in enumerate(labels)]
    rows = tuple(one + one[1:])  # the second practice lacks its name row
    parts = split_practices(rows, cat)
    assert [(len(r), unsure) for r, unsure in parts] == [(len(one), False), (len(one) - 1, True)]
    assert split_practices(tuple(one), cat) == [(tuple(one), False)]
