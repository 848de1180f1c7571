"""Page geometry → template rows (``ransearch.ingest.geometry``), on small pages made here.

Characters are placed one by one in PDF points (``top`` grows downwards), as pdfminer gives
them; ruling lines are the page's horizontal ``(y, x0, x1)`` and vertical ``(x, top, bottom)``
edges.
"""

from __future__ import annotations

from ransearch.ingest.geometry import Char, Page, furniture, page_rows
from ransearch.ingest.table import Row

SIZE = 10.0
WIDTH = 0.5 * SIZE  # every glyph is this wide; a space is a glyph too


def word_chars(text: str, x: float, top: float, size: float = SIZE) -> list[Char]:
    """The characters of ``text`` on one line, starting at ``x``."""
    out = []
    for i, ch in enumerate(text):
        x0 = x + i * 0.5 * size
        out.append(Char(ch, x0, x0 + 0.5 * size, top, top + size, size))
    return out


def lines(texts: list[str], x: float, top: float, leading: float = 12.0) -> list[Char]:
    """Lines of text one under the other (``leading`` apart: no paragraph gap between them)."""
    return [c for k, t in enumerate(texts) for c in word_chars(t, x, top + k * leading)]


def page_of(chars: list[Char], number: int = 1, *, hedges: list[tuple[float, float, float]] | None = None,
            vedges: list[tuple[float, float, float]] | None = None) -> Page:
    return Page(number, 600.0, 800.0, chars=chars, hedges=hedges or [], vedges=vedges or [])


def ruled_table(rows: list[tuple[str, str]], top: float = 100.0, height: float = 40.0,
                left: float = 50.0, split: float = 200.0, right: float = 550.0) -> Page:
    """A two-column table: each cell's border drawn, one row per (label, value)."""
    chars: list[Char] = []
    hedges = []
    for k, (label, value) in enumerate(rows):
        y = top + k * height
        chars += word_chars(label, left + 5, y + 5) + word_chars(value, split + 5, y + 5)
        hedges.append((y, left, right))
    hedges.append((top + len(rows) * height, left, right))
    bottom = top + len(rows) * height
    vedges = [(left, top, bottom), (split, top, bottom), (right, top, bottom)]
    return page_of(chars, hedges=hedges, vedges=vedges)


def test_ruled_table_gives_one_row_per_band() -> None:
    page = ruled_table([("Name", "Family support"), ("Country", "Belgium"), ("Themes", "Families and schools")])
    rows, how, split = page_rows(page, page.chars)
    assert how == "table"
    assert split == 200.0
    assert rows == [Row("Name", "Family support"), Row("Country", "Belgium"), Row("Themes", "Families and schools")]


def test_text_outside_the_table_is_a_block_in_reading_order() -> None:
    page = ruled_table([("Name", "Family support"), ("Country", "Belgium")], top=200.0)
    page.chars += word_chars("RAN Practice template", 50, 150)
    rows, how, _ = page_rows(page, page.chars)
    assert how == "table"
    assert rows[0] == Row(None, "RAN Practice template")
    assert rows[1:] == [Row("Name", "Family support"), Row("Country", "Belgium")]


def test_cell_borders_drawn_cell_by_cell_are_joined() -> None:
    page = ruled_table([("Name", "Family support"), ("Country", "Belgium")])
    # the split line drawn as one short stroke per row, and the row rules per cell
    page.vedges = [(50.0, 100.0, 180.0), (200.0, 100.0, 140.0), (200.5, 140.0, 180.0), (550.0, 100.0, 180.0)]
    page.hedges = [(y, a, b) for y in (100.0, 140.0, 180.0) for a, b in ((50.0, 200.0), (200.0, 550.0))]
    rows, how, split = page_rows(page, page.chars)
    assert how == "table"
    assert split is not None and abs(split - 200.25) < 1
    assert rows == [Row("Name", "Family support"), Row("Country", "Belgium")]


def test_a_value_continued_on_the_next_page_keeps_the_previous_split() -> None:
    # the next page holds only the rest of a long value: nothing in the label column
    chars = word_chars("the rest of the description", 205, 105)
    page = page_of(chars, 2, hedges=[(100.0, 50.0, 550.0), (140.0, 50.0, 550.0)],
                   vedges=[(50.0, 100.0, 140.0), (200.0, 100.0, 140.0), (550.0, 100.0, 140.0)])
    rows, how, split = page_rows(page, chars, previous=200.0)
    assert (how, split) == ("table", 200.0)
    assert rows == [Row("", "the rest of the description")]
    # without the previous page's split, a line with text on one side only is not a column split
    assert page_rows(page, chars)[1] != "table"


def test_short_strokes_are_not_a_column_split() -> None:
    chars = lines(["a paragraph of text that runs", "over two lines of the page"], 50, 100)
    page = page_of(chars, vedges=[(200.0, 100.0, 108.0)])  # shorter than one row
    rows, how, split = page_rows(page, chars)
    assert (how, split) == ("text", None)
    assert rows == [Row(None, "a paragraph of text that runs over two lines of the page")]


def test_borderless_columns_are_split_at_the_gutter() -> None:
    label_lines = ["Name of the practice", "", "", "", "Country"]
    value_lines = ["Family support for returning", "fighters and their relatives", "", "", "Belgium"]
    chars: list[Char] = []
    for k, (label, value) in enumerate(zip(label_lines, value_lines)):
        chars += word_chars(label, 50, 100 + 12 * k) + word_chars(value, 250, 100 + 12 * k)
    rows, how, split = page_rows(page_of(chars), chars)
    assert how == "columns"
    assert split is not None and 150 < split < 250
    assert rows == [Row("Name of the practice", "Family support for returning fighters and their relatives"),
                    Row("Country", "Belgium")]


def test_lines_join_and_break_where_the_text_did() -> None:
    # a wrapped line is joined; after a short line (the next word would have fitted), a new line;
    # a larger gap between lines is a new paragraph; a bullet glyph becomes "- "
    chars = lines(["one two three four five six", "seven eight", "nine ten"], 50, 100)
    chars += lines(["• first item", "• second item"], 50, 160)
    rows, how, _ = page_rows(page_of(chars), chars)
    assert how == "text"
    assert rows == [Row(None, "one two three four five six seven eight\nnine ten"),
                    Row(None, "- first item\n- second item")]


def test_text_is_normalised() -> None:
    # ligatures are spelled out, soft hyphens dropped, glyphs drawn twice (fake bold) kept once
    chars = word_chars("e\ufb03cient co\u00adoperation", 50, 100)
    chars += [Char(c.text, c.x0, c.x1, c.top, c.bottom, c.size) for c in word_chars("bold", 50, 130)]
    chars += word_chars("bold", 50, 130)
    rows, _, _ = page_rows(page_of(chars), chars)
    assert [r.value for r in rows] == ["efficient cooperation", "bold"]


def test_words_far_apart_get_a_space_but_letters_do_not() -> None:
    chars = word_chars("abc", 50, 100) + word_chars("def", 50 + 3 * WIDTH + 4, 100)
    assert page_rows(page_of(chars), chars)[0] == [Row(None, "abc def")]
    chars = word_chars("abc", 50, 100) + word_chars("def", 50 + 3 * WIDTH + 0.5, 100)
    assert page_rows(page_of(chars), chars)[0] == [Row(None, "abcdef")]


def test_furniture_repeated_at_the_same_height_is_found() -> None:
    pages = []
    for n in range(1, 4):
        header = word_chars("RAN Practices", 50, 20)
        footer = word_chars(f"Page {n}", 500, 780)
        body = word_chars(f"body text {n}", 50, 400)
        pages.append(page_of(header + footer + body, n))
    drop = furniture(pages)
    for index, page in enumerate(pages):
        kept = "".join(c.text for c in page.chars if (index, id(c)) not in drop)
        assert kept == f"body text {index + 1}"


def test_furniture_needs_two_pages_and_the_margins() -> None:
    single = page_of(word_chars("RAN Practices", 50, 20))
    assert furniture([single]) == set()
    # the same line in the middle of each page is content, not furniture
    pages = [page_of(word_chars("Repeated line", 50, 400), n) for n in (1, 2)]
    assert furniture(pages) == set()


def test_an_open_table_is_read_by_its_rules() -> None:
    # only the column split and the row rules are drawn (no outer border): still a ruled table.
    # (pdfplumber's table finder needs closed cells and reads this page by its gutter instead:
    # one reason the ruling lines are read here)
    page = ruled_table([("Name", "Family support"), ("Country", "Belgium"), ("Themes", "Families and schools")])
    page.vedges = [v for v in page.vedges if v[0] == 200.0]
    rows, how, split = page_rows(page, page.chars)
    assert (how, split) == ("table", 200.0)
    assert rows == [Row("Name", "Family support"), Row("Country", "Belgium"), Row("Themes", "Families and schools")]


def test_a_dense_grid_stays_fast() -> None:
    # graph paper, a form's background: 140 x 150 ruling lines. Only the longest vertical lines
    # are tried as the split, so the cost stays linear (a finder that builds every cell of
    # the grid takes seconds per page, outside the PDF reader's time limit)
    import time

    page = page_of(lines([f"line {k} of the text" for k in range(40)], 30, 30))
    page.vedges = [(20 + i * 4.0, 20.0, 780.0) for i in range(140)]
    page.hedges = [(20 + j * 5.0, 20.0, 580.0) for j in range(150)]
    start = time.process_time()
    page_rows(page, page.chars)
    assert time.process_time() - start < 1.0
