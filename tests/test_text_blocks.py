"""Text written one field after another, read as blocks (``ransearch.ingest.text_blocks``), and
Markdown tables read as the row layouts' rows (``ransearch.ingest.rows.pipe_rows``)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ransearch.ingest import parse_text
from ransearch.ingest.rows import pipe_rows
from ransearch.ingest.table import Row
from ransearch.ingest.text_blocks import count_blocks, text_blocks


def values(text: str) -> list[str]:
    rows = text_blocks(text)
    assert all(isinstance(r, Row) and r.label is None for r in rows)
    return [r.value for r in rows]


def test_headings_and_strong_lines_are_blocks_of_their_own() -> None:
    text = "# Template\n### Key themes\nFamily support\n\n**Target audience**\nFamilies\n__Country__:\nBelgium\n"
    assert values(text) == ["Template", "Key themes", "Family support", "Target audience", "Families", "Country",
                            "Belgium"]


def test_a_leading_strong_label_is_split_from_its_value() -> None:
    assert values("**Peer reviewed**: No\n**Start of the practice** 2017") == [
        "Peer reviewed", "No", "Start of the practice", "2017"]


def test_paragraphs_keep_their_lines_lists_and_emphasis_text() -> None:
    text = "The city **trains** teachers.\nThey meet monthly.\n\n- one\n- two\n\n<p>An <b>HTML</b> part</p>"
    assert values(text) == ["The city trains teachers.\nThey meet monthly.", "- one\n- two", "An HTML part"]


def test_count_blocks_is_cheap_and_close() -> None:
    text = "# A\nB\n\nC\n**D**\nE\n\n\n   \nF"
    assert len(text_blocks(text)) == 6 and count_blocks(text) == 6


_PIECES = st.sampled_from(["#", "## ", "**", "__", ":", "-", " ", "\n", "\n\n", "word", "Wort", "mot", "Éa"])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_no_letter_is_lost_or_added(text: str) -> None:
    """Markup goes, the words stay, in their order."""
    def letters(s: str) -> str:
        return "".join(re.findall(r"[^\W\d_]", s))

    assert letters(" ".join(values(text))) == letters(text)


def test_a_markdown_practice_in_a_catalogued_language_is_read_field_by_field() -> None:
    text = """# Modèle de pratique de la Collection RAN

## Nom de la pratique

## Écoute familiale à Liège

### Description

(maximum 300 mots)

La ville de Liège propose une écoute aux familles de jeunes en voie de radicalisation.

### Examiné par les pairs

Non

### Principaux thèmes

Soutien familial

### Public cible

Familles

### Pays d'origine

Belgique
"""
    p = parse_text(text, "liege.md")
    assert (p.format, p.layout) == ("md", "md_blocks")
    assert p.title == "Écoute familiale à Liège" and p.country_code == "BE" and p.peer_reviewed is False
    assert p.sections["description"].startswith("La ville de Liège propose")
    assert p.themes == ("Family support",) and p.audience == ("Families",)


def test_markdown_table_rows_become_tab_rows() -> None:
    text = "# Title\n\n| Label | Value |\n|:---|---:|\n| **Country** | Belgium \\| Flanders |\n| Peer reviewed | No |\nAfter"
    assert pipe_rows(text) == "# Title\n\nLabel\tValue\n**Country**\tBelgium | Flanders\nPeer reviewed\tNo\nAfter"


@given(st.lists(st.sampled_from(["| a | b |", "a | b", "---", "| --- |", "text", "", "|x|"]), max_size=12)
       .map("\n".join))
def test_a_text_without_a_table_rule_under_a_row_is_left_as_it_is(text: str) -> None:
    lines = text.splitlines()
    has_table = any(prev.startswith("|") and prev.endswith("|") and line == "| --- |"
                    for prev, line in zip(lines, lines[1:]))
    assert (pipe_rows(text) == text) or has_table
