"""Test fixtures: practice records rendered as the files municipalities and the RAN keep.

``render_pdf``, ``render_docx`` and ``render_html`` draw the RAN template (label and
instructions on the left, the value on the right) from a *parsed* practice record: its
sections and facets, with labels and instructions from the catalogue in the record's language.
Parsing the file back must give the same record. Files are written to a test's ``tmp_path``;
none is committed. The tests in this module check the fixtures themselves (a PDF that really
runs over several pages, with a value cut by a page break, and so on).

Other test modules import the renderers (``from test_formats_fixtures import render_pdf``).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from ransearch.ingest import parse_file
from ransearch.records import Practice
from ransearch.template import FIELD_KEYS, catalogue, vocabulary

ROOT = Path(__file__).resolve().parents[1]
DEV = Path(os.environ.get("RANSEARCH_DEV_SET", ROOT.parent / "shared/eval/dev")) / "corpus"
SEEDS = ROOT / "tests" / "data" / "seeds"
FORMATS = ("pdf", "docx", "html")


@dataclass(frozen=True)
class TemplateRow:
    key: str
    label: str
    instructions: str
    value: str


def template_rows(p: Practice) -> list[TemplateRow]:
    """The template's rows for a parsed practice, in its language (English if not catalogued)."""
    cat = catalogue()
    lang = p.language if p.language in cat.languages else "en"
    prefix = cat.organisation_type_prefixes[lang][0]
    rows = []
    for key in FIELD_KEYS:
        field = cat.field(key)
        if key == "contacts":
            value = p.contacts
        else:
            value = p.sections.get(key, "")
        if key == "organisation" and p.organisation_type:
            wording = vocabulary()["organisation_type"].label_in(p.organisation_type, lang)
            value = f"{value}\n\n{prefix}: {wording}".strip()  # its own paragraph, as in the template
        instructions = (field.instructions.get(lang) or ("",))[0]
        rows.append(TemplateRow(key, field.label(lang), instructions, value))
    return rows


def template_title(p: Practice) -> str:
    cat = catalogue()
    return cat.template_titles.get(p.language, cat.template_titles["en"])[0]


def dev_documents() -> list[Path]:
    """The development set's documents (else the seeds)."""
    folder = DEV if DEV.is_dir() else SEEDS
    return sorted(folder.glob("*.txt"))


# -- PDF ---------------------------------------------------------------------------------------

_FONT, _BOLD, _SIZE, _LEADING, _GAP, _PAD = "Helvetica", "Helvetica-Bold", 9, 11.0, 5.0, 4.0


def _wrap(text: str, font: str, width: float) -> list[tuple[str, float, float]]:
    """(line, x offset, space before) of ``text`` wrapped to ``width``, each source line apart.

    A list item's first line starts with "• " (drawn as a bullet); its other lines are indented.
    """
    from reportlab.lib.utils import simpleSplit

    out: list[tuple[str, float, float]] = []
    gap = 0.0
    for line in text.splitlines():
        if not line.strip():
            gap = _GAP
            continue
        item = line.startswith("- ")
        body = line[2:] if item else line
        for i, piece in enumerate(simpleSplit(body, font, _SIZE, width - (10 if item else 0)) or [""]):
            if item:
                out.append(("• " + piece if i == 0 else piece, 0.0 if i == 0 else 10.0, gap if i == 0 else 0.0))
            else:
                out.append((piece, 0.0, gap if i == 0 else 0.0))
        gap = 0.0
    return out


def render_pdf(p: Practice, path: Path, *, ruled: bool = True, page_height: float | None = None,
               scanned_annex: bool = False) -> Path:
    """The practice as the RAN's two-column PDF: a table, running header and footer.

    ``ruled=False`` draws no lines (the columns are then found by their gutter). A small
    ``page_height`` forces more page breaks inside values. ``scanned_annex`` adds a last page
    holding only an image (a scanned annex).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    width, height = A4[0], page_height or A4[1]
    left, top_margin, bottom_margin = 56.0, 70.0, 70.0
    label_w, value_w = 160.0, width - 2 * left - 160.0
    c = canvas.Canvas(str(path), pagesize=(width, height))
    page = [1]

    def furniture() -> None:
        c.setFont(_FONT, 8)
        c.drawString(left, height - 30, "Radicalisation Awareness Network - RAN Practices")
        c.drawRightString(width - left, 30, f"Page {page[0]}")

    furniture()
    c.setFont(_BOLD, 13)
    c.drawString(left, height - top_margin + 20, template_title(p))
    y = height - top_margin

    def draw(lines: list[tuple[str, float, float]], x: float, font: str, top: float) -> None:
        cursor = top - _PAD
        for text, offset, before in lines:
            cursor -= before + _LEADING
            c.setFont(font, _SIZE)
            if text.startswith("• "):
                c.drawString(x + _PAD, cursor + 2, "•")
                c.drawString(x + _PAD + 10, cursor + 2, text[2:])
            else:
                c.drawString(x + _PAD + offset, cursor + 2, text)

    def height_of(lines: list[tuple[str, float, float]]) -> float:
        return sum(_LEADING + before for _, _, before in lines) + 2 * _PAD

    for row in template_rows(p):
        label_lines = _wrap(row.label, _BOLD, label_w - 2 * _PAD)
        instr = _wrap(row.instructions, _FONT, label_w - 2 * _PAD)
        if instr:
            instr[0] = (instr[0][0], instr[0][1], _GAP)
        left_lines = [(t, i, b, _BOLD) for t, i, b in label_lines] + [(t, i, b, _FONT) for t, i, b in instr]
        right_lines = _wrap(row.value, _FONT, value_w - 2 * _PAD)
        while True:
            room = y - bottom_margin
            fit_left, fit_right = _fit(left_lines, room), _fit([(t, i, b) for t, i, b in right_lines], room)
            whole = fit_left == len(left_lines) and fit_right == len(right_lines)
            if not whole and (fit_right < 2 and right_lines) and y < height - top_margin - 1:
                c.showPage()  # too little room for a useful part: start the row on a new page
                page[0] += 1
                furniture()
                y = height - top_margin
                continue
            part_left, part_right = left_lines[:fit_left], right_lines[:fit_right]
            row_h = max(height_of([(t, i, b) for t, i, b, _ in part_left]), height_of(part_right), 2 * _PAD + _LEADING)
            if ruled:
                c.rect(left, y - row_h, label_w, row_h)
                c.rect(left + label_w, y - row_h, value_w, row_h)
            cursor_lines = part_left
            cursor = y - _PAD
            for text, _, before, font in cursor_lines:
                cursor -= before + _LEADING
                c.setFont(font, _SIZE)
                c.drawString(left + _PAD, cursor + 2, text)
            draw(part_right, left + label_w, _FONT, y)
            y -= row_h
            left_lines, right_lines = left_lines[fit_left:], right_lines[fit_right:]
            if not left_lines and not right_lines:
                break
            c.showPage()  # the value runs over the page break: a continuation row follows
            page[0] += 1
            furniture()
            y = height - top_margin
            if right_lines and right_lines[0][2]:
                right_lines[0] = (right_lines[0][0], right_lines[0][1], 0.0)
    if scanned_annex:
        from PIL import Image
        from reportlab.lib.utils import ImageReader

        c.showPage()
        c.drawImage(ImageReader(Image.new("L", (300, 400), 200)), left, 200, 300, 400)
    c.save()
    return path


def _fit(lines: list, room: float) -> int:
    used, n = 2 * _PAD, 0
    for line in lines:
        used += _LEADING + line[2]
        if used > room:
            break
        n += 1
    return n


# -- DOCX --------------------------------------------------------------------------------------

def render_docx(p: Practice, path: Path, *, split_description: bool = True) -> Path:
    """The practice as a Word file: a two-column table, the description over two rows whose
    label cells are merged (Word's continuation), a page header and footer."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Municipality intranet - prevention practices"
    section.footer.paragraphs[0].text = "Page 1"
    document.add_heading(template_title(p), level=1)
    rows = template_rows(p)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for row in rows:
        paragraphs = _paragraphs(row.value)
        halves = [paragraphs]
        if split_description and row.key == "description" and len(paragraphs) > 1:
            cut = len(paragraphs) // 2
            halves = [paragraphs[:cut], paragraphs[cut:]]
        first = None
        for n, half in enumerate(halves):
            cells = table.add_row().cells
            if n == 0:
                first = cells[0]
                label = cells[0].paragraphs[0].add_run(row.label)
                label.bold = True
                if row.instructions:
                    cells[0].add_paragraph(row.instructions)
            else:
                first.merge(cells[0])  # type: ignore[union-attr]
            value_cell = cells[1]
            for i, line in enumerate(half):
                para = value_cell.paragraphs[0] if i == 0 else value_cell.add_paragraph()
                if line.startswith("- "):
                    para.style = document.styles["List Bullet"]
                    para.add_run(line[2:])
                else:
                    para.add_run(line)
    document.add_paragraph("Printed from the intranet.")
    document.save(str(path))
    return path


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- HTML --------------------------------------------------------------------------------------

def _html_cell(text: str) -> str:
    out: list[str] = []
    items: list[str] = []
    for line in _paragraphs(text):
        if line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        out.append(f"<p>{html.escape(line)}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def render_html(p: Practice, path: Path, *, layout_table: bool = False) -> Path:
    """The practice as a web page: the template as a table, amid navigation, scripts and styles.

    ``layout_table=True`` wraps the page in an old-style layout table (nested tables).
    """
    rows = "\n".join(
        f"<tr><td><p><strong>{html.escape(r.label)}</strong></p>"
        f"{'<p>' + html.escape(r.instructions) + '</p>' if r.instructions else ''}</td>"
        f"<td>{_html_cell(r.value)}</td></tr>"
        for r in template_rows(p))
    body = (f"<main><h1>{html.escape(template_title(p))}</h1>\n<table class='practice'>\n{rows}\n</table></main>")
    if layout_table:
        body = f"<table><tr><td>{body}</td></tr></table>"
    page = f"""<!DOCTYPE html>
<html lang="{p.language}"><head><meta charset="utf-8"><title>{html.escape(p.title)} | Practices</title>
<style>td {{ vertical-align: top }} .practice p {{ margin: 0 }}</style>
<script>var menu = "<td>Home</td>"; function go() {{ return 1 < 2; }}</script></head>
<body><nav><a href="/">Home</a> <a href="/practices">Practices</a> <a href="/contact">Contact</a></nav>
<header><p>City of Example - Prevention of radicalisation</p></header>
{body}
<div style="display:none">Cookie settings</div>
<footer><p>© City of Example. All rights reserved.</p></footer></body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path


# -- Markdown and plain text, one field after another --------------------------------------------

def render_text(p: Practice, path: Path, *, labels: str = "headings") -> Path:
    """The practice written field after field, as someone types the template into a text editor:
    each label on a line of its own (``labels``: ``headings``, ``### Label``; ``bold``,
    ``**Label**``; ``plain``, the label alone), its instructions, then the value."""
    mark = {"headings": "### {}", "bold": "**{}**", "plain": "{}"}[labels]
    out = [mark.replace("###", "#").format(template_title(p))]
    for r in template_rows(p):
        out.append(mark.format(r.label))
        if r.instructions:
            out.append(r.instructions)
        if r.value:
            out.append(r.value)
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return path


def render_markdown_table(p: Practice, path: Path) -> Path:
    """The practice as a Markdown table: ``| **label** instructions | value |`` rows under the
    template's title, the value's paragraphs and list items joined by ``<br>``, pipes escaped."""
    def cell(text: str) -> str:
        return "<br>".join(text.replace("|", "\\|").splitlines())

    rows = [f"| **{r.label}** {cell(r.instructions)} | {cell(r.value)} |" for r in template_rows(p)]
    text = f"# {template_title(p)}\n\n| | |\n|---|---|\n" + "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


RENDERERS = {"pdf": render_pdf, "docx": render_docx, "html": render_html}


# -- tests of the fixtures ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def practice() -> Practice:
    path = dev_documents()[0]
    return parse_file(path, path.parent)


def test_pdf_fixture_runs_over_pages_with_a_continuation_row(tmp_path: Path, practice: Practice) -> None:
    pytest.importorskip("reportlab")
    from pdfminer.high_level import extract_text

    path = render_pdf(practice, tmp_path / "p.pdf")
    pages = extract_text(str(path)).split("\f")
    assert len([p for p in pages if p.strip()]) >= 3
    # the description runs over the page break (its last words are on another page than its first)
    first_words = " ".join(practice.sections["description"].split()[:4])
    last_words = " ".join(practice.sections["description"].split()[-3:])
    where = [i for i, page in enumerate(pages) if first_words in " ".join(page.split())]
    where_last = [i for i, page in enumerate(pages) if last_words in " ".join(page.split())]
    assert where and where_last and where_last[0] > where[0]


def test_docx_fixture_has_a_merged_label_cell(tmp_path: Path, practice: Practice) -> None:
    path = render_docx(practice, tmp_path / "p.docx")
    import docx

    table = docx.Document(str(path)).tables[0]
    xml = table._tbl.xml
    assert "w:vMerge" in xml and len(table.rows) == len(FIELD_KEYS) + 1


def test_html_fixture_holds_furniture(tmp_path: Path, practice: Practice) -> None:
    text = render_html(practice, tmp_path / "p.html").read_text("utf-8")
    assert "<nav>" in text and "<script>" in text and "<footer>" in text
