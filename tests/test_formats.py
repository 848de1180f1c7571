"""PDF, DOCX and HTML practices: each file parses to the same record as its text source.

Every development-set document is parsed from its text, rendered as a PDF (the RAN's two-column
table over several pages, a value running over a page break), a Word file (a table, the
description over two rows with merged label cells) and a web page (the template as a table amid
navigation, scripts and styles), and parsed back. Sections (whitespace aside) and every facet
must be equal. Also: scanned and encrypted PDFs, content sniffing, and ``ransearch parse`` /
``ransearch index`` on a folder mixing every format.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_formats_fixtures import (
    RENDERERS,
    dev_documents,
    render_docx,
    render_html,
    render_markdown_table,
    render_pdf,
    render_text,
)
from typer.testing import CliRunner

import ransearch.engine
from ransearch.errors import ParseError
from ransearch.ingest import DOCUMENT_SUFFIXES, FORMATS, parse_file, parse_files
from ransearch.ingest.pdf import NO_TEXT_LAYER
from ransearch.records import Practice

pytest.importorskip("reportlab", reason='reportlab is needed to draw test PDFs (pip install "ransearch[test]")')

DOCUMENTS = dev_documents()
FACETS = ("title", "language", "peer_reviewed", "themes", "audience", "country", "country_code", "start_year",
          "last_update", "organisation_type", "contacts")


def norm(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def assert_same_record(got: Practice, ref: Practice) -> None:
    assert {k: norm(v) for k, v in got.sections.items()} == {k: norm(v) for k, v in ref.sections.items()}
    assert {f: norm(getattr(got, f)) for f in FACETS} == {f: norm(getattr(ref, f)) for f in FACETS}
    assert [w for w in got.warnings if not w.startswith("empty fields")] == \
        [w for w in ref.warnings if not w.startswith("empty fields")]


@pytest.fixture(scope="module")
def references() -> dict[str, Practice]:
    return {p.name: parse_file(p, p.parent) for p in DOCUMENTS}


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
@pytest.mark.parametrize("name", [p.name for p in DOCUMENTS])
def test_rendered_file_parses_to_the_text_record(tmp_path: Path, references: dict[str, Practice], name: str,
                                                 fmt: str) -> None:
    ref = references[name]
    path = RENDERERS[fmt](ref, tmp_path / f"{Path(name).stem}.{fmt}")
    got = parse_file(path, tmp_path)
    assert (got.format, got.layout) == (fmt, f"{fmt}_table")
    assert got.id == ref.id and got.source == path.name
    assert_same_record(got, ref)


@pytest.mark.parametrize("labels", ["headings", "bold", "plain"])
def test_text_written_field_after_field_parses_to_the_text_record(tmp_path: Path, references: dict[str, Practice],
                                                                  labels: str) -> None:
    """A practice typed into a text editor: each label on a line of its own, then the value (no
    table rows, no OCR'd columns), in every language of the development set."""
    for name, ref in references.items():
        suffix = ".txt" if labels == "plain" else ".md"
        got = parse_file(render_text(ref, tmp_path / f"{Path(name).stem}{suffix}", labels=labels), tmp_path)
        assert got.layout == f"{suffix[1:]}_blocks", name
        assert_same_record(got, ref)


def test_markdown_table_parses_to_the_text_record(tmp_path: Path, references: dict[str, Practice]) -> None:
    """The template as a Markdown table (``| label | value |`` rows) reads as the row layouts do."""
    for name, ref in references.items():
        got = parse_file(render_markdown_table(ref, tmp_path / f"{Path(name).stem}.md"), tmp_path)
        assert got.layout == "md_rows", name
        assert_same_record(got, ref)


@pytest.mark.parametrize("variant", ["borderless", "short pages", "borderless short pages"])
def test_pdf_variants_parse_to_the_text_record(tmp_path: Path, references: dict[str, Practice], variant: str) -> None:
    """Without ruling lines the columns are found by their gutter; short pages cut values often."""
    kwargs = {"ruled": "borderless" not in variant, "page_height": 400.0 if "short" in variant else None}
    for name, ref in references.items():
        got = parse_file(render_pdf(ref, tmp_path / f"{name}.pdf", **kwargs), tmp_path)  # type: ignore[arg-type]
        assert got.layout == ("pdf_columns" if "borderless" in variant else "pdf_table"), name
        assert_same_record(got, ref)


def test_nested_layout_table_and_unmerged_rows(tmp_path: Path, references: dict[str, Practice]) -> None:
    ref = references[DOCUMENTS[0].name]
    assert_same_record(parse_file(render_html(ref, tmp_path / "a.html", layout_table=True)), ref)
    assert_same_record(parse_file(render_docx(ref, tmp_path / "a.docx", split_description=False)), ref)


def test_page_furniture_and_scripts_stay_out(tmp_path: Path, references: dict[str, Practice]) -> None:
    ref = references[DOCUMENTS[0].name]
    for fmt, render in RENDERERS.items():
        got = parse_file(render(ref, tmp_path / f"p.{fmt}"))
        text = json.dumps(got.to_dict(), ensure_ascii=False)
        for junk in ("Page 2", "RAN Practices", "intranet", "Cookie", "menu", "All rights reserved", "Home"):
            assert junk not in text, (fmt, junk)


# -- PDFs without a usable text layer ----------------------------------------------------------

def _image_only_pdf(path: Path, shapes: bool = False) -> Path:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for _ in range(2):
        if shapes:  # text turned into outlines: only vector shapes
            c.rect(50, 700, 200, 40, fill=1)
            c.bezier(50, 600, 100, 650, 150, 550, 200, 600)
        else:
            c.drawImage(ImageReader(Image.new("L", (200, 100), 255)), 50, 600, 200, 100)
        c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("shapes", [False, True], ids=["scanned image", "vector shapes"])
def test_pdf_without_text_layer_is_refused_clearly(tmp_path: Path, shapes: bool) -> None:
    path = _image_only_pdf(tmp_path / "scan.pdf", shapes)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.reason == NO_TEXT_LAYER == "no text layer (scanned PDF?): OCR it first"
    assert info.value.path == str(path)


def test_a_scanned_page_among_text_pages_is_a_warning(tmp_path: Path, references: dict[str, Practice]) -> None:
    ref = references[DOCUMENTS[0].name]
    got = parse_file(render_pdf(ref, tmp_path / "a.pdf", scanned_annex=True))
    assert {k: norm(v) for k, v in got.sections.items()} == {k: norm(v) for k, v in ref.sections.items()}
    assert any(w.endswith("has no text layer (scanned?): its content is missing") for w in got.warnings)


def test_encrypted_pdf_is_refused(tmp_path: Path, references: dict[str, Practice]) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "locked.pdf"), encrypt="secret")
    c.drawString(100, 700, "Name of the practice")
    c.save()
    with pytest.raises(ParseError, match="encrypted PDF"):
        parse_file(tmp_path / "locked.pdf")


# -- formats from content, odd files -----------------------------------------------------------

def test_format_comes_from_the_content(tmp_path: Path, references: dict[str, Practice]) -> None:
    ref = references[DOCUMENTS[0].name]
    pdf = render_pdf(ref, tmp_path / "a.pdf")
    shutil.copy(pdf, tmp_path / "misnamed.txt")
    html = render_html(ref, tmp_path / "b.html")
    shutil.copy(html, tmp_path / "page.txt")
    assert parse_file(tmp_path / "misnamed.txt").format == "pdf"
    assert parse_file(tmp_path / "page.txt").format == "html"
    assert parse_file(DOCUMENTS[0]).format == "txt"


def test_legacy_word_file_gets_a_clear_reason(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ParseError, match=r"\.doc.*save it as \.docx"):
        parse_file(path)


def test_suffixes_cover_every_format() -> None:
    assert set(FORMATS) == {"txt", "md", "pdf", "docx", "html"}
    assert {".txt", ".md", ".pdf", ".docx", ".html", ".htm"} <= DOCUMENT_SUFFIXES


# -- commands on a folder mixing every format --------------------------------------------------

@pytest.fixture()
def mixed(tmp_path: Path, references: dict[str, Practice]) -> Path:
    """A corpus folder with a text, a Markdown, a PDF, a DOCX and an HTML practice (and a scan)."""
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    docs = list(references.values())
    shutil.copy(DOCUMENTS[0], folder / "plain.txt")
    shutil.copy(DOCUMENTS[1], folder / "notes.md")
    render_pdf(docs[2], folder / "sub" / "ran.pdf")
    render_docx(docs[3], folder / "word.docx")
    render_html(docs[4], folder / "page.html")
    return folder


def test_parse_reports_format_and_layout_per_file(mixed: Path) -> None:
    from ransearch.cli import _register, app

    _register()
    _image_only_pdf(mixed / "scan.pdf")
    result = CliRunner().invoke(app, ["parse", "--json", str(mixed)])
    assert result.exit_code == 1  # the scan failed, the others parsed
    records = {r["source"]: (r["format"], r["layout"]) for r in map(json.loads, result.stdout.splitlines())}
    assert records == {"notes.md": ("md", "ocr_columns"), "page.html": ("html", "html_table"),
                       "plain.txt": ("txt", "md_rows"), "sub/ran.pdf": ("pdf", "pdf_table"),
                       "word.docx": ("docx", "docx_table")}
    assert f"scan.pdf: {NO_TEXT_LAYER}" in result.stderr
    readable = CliRunner().invoke(app, ["parse", str(mixed / "sub" / "ran.pdf")])
    assert readable.exit_code == 0 and "pdf · pdf_table" in readable.stdout


def test_index_accepts_a_folder_mixing_formats(mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    from ransearch.cli import _register, app
    from ransearch.store import open_generation
    from ransearch.parquet_tables import read_practices

    _register()
    monkeypatch.setattr(ransearch.engine, "load_encoder", lambda name, **kwargs: reindex_encoder)
    index = tmp_path / "index"
    result = CliRunner().invoke(app, ["index", str(mixed), "--index", str(index), "--encoder", "fake"])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.stdout
    practices = read_practices(open_generation(index).path / "practices.parquet")
    assert sorted(p.format for p in practices) == sorted(FORMATS)
    # the report says per file which format and layout was recognised
    assert "sub/ran.pdf (pdf, pdf_table)" in result.stdout and "word.docx (docx, docx_table)" in result.stdout
    assert "formats: docx/docx_table 1, html/html_table 1, md/ocr_columns 1, pdf/pdf_table 1, txt/md_rows 1" \
        in result.stdout
    again = CliRunner().invoke(app, ["index", str(mixed), "--index", str(index), "--encoder", "fake", "--full",
                                     "--json"])
    report = json.loads(again.stdout)
    assert {d["source"]: (d["format"], d["layout"]) for d in report["parsed"]} == {
        "notes.md": ("md", "ocr_columns"), "page.html": ("html", "html_table"), "plain.txt": ("txt", "md_rows"),
        "sub/ran.pdf": ("pdf", "pdf_table"), "word.docx": ("docx", "docx_table")}
    assert sum(report["formats"].values()) == report["counts"]["practices"] == 5


def test_parse_files_keeps_order_and_failures(mixed: Path) -> None:
    (mixed / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    paths = [mixed / "plain.txt", mixed / "broken.pdf", mixed / "page.html"]
    results = parse_files(paths)
    assert isinstance(results[0], Practice) and isinstance(results[2], Practice)
    assert isinstance(results[1], ParseError) and results[1].path == str(mixed / "broken.pdf")
