"""Integration: every document of the public development set parses cleanly.

Reads ``../shared/eval/dev`` (or ``$RANSEARCH_DEV_SET``) and skips when it is absent. The
expected language, country and layout of each document come from the set's README table.

Template text must not leak into any field. Two checks:

(a) every instruction sentence of the catalogue (all languages) is absent from every field;
(b) a check that needs no catalogue: sentences and lines that occur in the raw text of three or
    more documents of the same language are boilerplate, and none may appear in a field.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ransearch.ingest import parse_file
from ransearch.ingest.markup import html_to_text
from ransearch.records import Practice
from ransearch.template import catalogue
from ransearch.text import fold

DEV = Path(os.environ.get("RANSEARCH_DEV_SET", Path(__file__).resolve().parents[2] / "shared/eval/dev"))

pytestmark = pytest.mark.skipif(not (DEV / "README.md").is_file() or not (DEV / "corpus").is_dir(),
                                reason=f"development set not found at {DEV}")

LAYOUTS = {"A": "md_rows", "B": "ocr_columns", "C": "html_rows"}
COUNTRY_CODES = {
    "Austria": "AT", "Belgium": "BE", "Denmark": "DK", "Finland": "FI", "France": "FR", "Germany": "DE",
    "Italy": "IT", "Netherlands": "NL", "Norway": "NO", "Slovakia": "SK", "Spain": "ES", "Sweden": "SE",
}
_TABLE_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<practice>.+?) \| (?P<country>[^|]+) \| "
                        r"(?P<language>[a-z]{2}) \| (?P<layout>[ABC]) \|$", re.M)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
_MIN_WORDS = 5       # shorter repeats are ordinary values ("The practice is ongoing.", "+00 000 000 000")
_MIN_DOCUMENTS = 3


def readme_table() -> dict[str, dict[str, str]]:
    rows = {m["file"]: m.groupdict() for m in _TABLE_ROW.finditer((DEV / "README.md").read_text("utf-8"))}
    for row in rows.values():
        country = row["country"].split("(")[0].strip()  # "Belgium (Flanders)"
        row["country_code"] = COUNTRY_CODES[country]
    return rows


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, str]]:
    return readme_table()


@pytest.fixture(scope="module")
def records() -> dict[str, Practice]:
    corpus = DEV / "corpus"
    return {p.name: parse_file(p, corpus) for p in sorted(corpus.glob("*.txt"))}


def all_fields(p: Practice) -> dict[str, str]:
    return {**p.sections, "title": p.title, "contacts": p.contacts}


def units(text: str) -> set[str]:
    """Folded lines and sentences of a raw document (tags out, paragraphs re-joined)."""
    plain = html_to_text(text.replace("\t", "\n"))
    out = {fold(line) for line in plain.splitlines()}
    for paragraph in re.split(r"\n\s*\n", plain):
        out.update(fold(s) for s in _SENTENCE.split(" ".join(paragraph.split())))
    return {u for u in out if len(u.split()) >= _MIN_WORDS}


def boilerplate(texts_by_language: dict[str, list[str]]) -> dict[str, set[str]]:
    """Units found in the raw text of at least three documents of the same language."""
    out = {}
    for language, texts in texts_by_language.items():
        counts = Counter(u for text in texts for u in units(text))
        out[language] = {u for u, n in counts.items() if n >= _MIN_DOCUMENTS}
    return out


def leaks(value: str, phrases: set[str]) -> list[str]:
    folded = f" {fold(value)} "
    return [p for p in phrases if f" {p} " in folded]


def test_table_lists_the_whole_corpus(table: dict[str, dict[str, str]]) -> None:
    assert len(table) == 17
    assert sorted(table) == sorted(p.name for p in (DEV / "corpus").glob("*.txt"))


def test_all_documents_parse(table: dict[str, dict[str, str]], records: dict[str, Practice]) -> None:
    found = {name: (p.language, p.country_code, p.layout) for name, p in records.items()}
    expected = {name: (row["language"], row["country_code"], LAYOUTS[row["layout"]]) for name, row in table.items()}
    assert found == expected


@pytest.mark.parametrize("name", sorted(readme_table()) if (DEV / "README.md").is_file() else [])
def test_document_has_title_and_description(records: dict[str, Practice], name: str) -> None:
    p = records[name]
    assert p.title and len(p.title) < 200
    assert len(p.sections["description"].split()) >= 150
    assert p.peer_reviewed is not None
    assert p.themes and p.audience
    assert p.start_year and p.last_update and p.start_year <= p.last_update
    assert not [w for w in p.warnings if not w.startswith("empty fields: ")], p.warnings


def test_no_catalogued_instruction_in_any_field(records: dict[str, Practice]) -> None:
    sentences: set[str] = set()
    for f in catalogue().fields:
        for texts in f.instructions.values():
            for text in texts:
                sentences.update(fold(s) for s in _SENTENCE.split(text) if len(fold(s).split()) >= 3)
    assert len(sentences) > 50
    found = {(name, key, s) for name, p in records.items() for key, value in all_fields(p).items()
             for s in leaks(value, sentences)}
    assert not found


def test_no_repeated_boilerplate_in_any_field(records: dict[str, Practice]) -> None:
    texts: dict[str, list[str]] = defaultdict(list)
    for name, p in records.items():
        texts[p.language].append((DEV / "corpus" / name).read_text("utf-8"))
    repeated = boilerplate(texts)
    # the languages with three or more documents yield plenty of boilerplate to look for
    assert len(repeated["fr"]) > 40 and len(repeated["en"]) > 20
    found = {(name, key, u) for name, p in records.items() for key, value in all_fields(p).items()
             for u in leaks(value, repeated[p.language])}
    assert not found


def test_boilerplate_check_finds_a_leak() -> None:
    docs = ["Intro line here.\nPlease select the two key themes that best fit the practice.\nValue %d" % i
            for i in range(3)]
    repeated = boilerplate({"en": docs})
    assert "please select the two key themes that best fit the practice" in repeated["en"]
    assert leaks("Youth work. Please select the two key themes that best fit the practice.", repeated["en"])
    assert not leaks("Youth work.", repeated["en"])


def test_contacts_only_in_contacts(records: dict[str, Practice]) -> None:
    for name, p in records.items():
        # the new documents use "...@example.org", the seeds real addresses
        emails = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", (DEV / "corpus" / name).read_text("utf-8"))
        assert emails, name
        for email in emails:
            assert email in p.contacts, name
        for key, value in all_fields(p).items():
            if key != "contacts":
                assert "@" not in value, (name, key)
                assert "+00 000 000 000" not in value, (name, key)
