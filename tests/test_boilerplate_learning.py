"""Template text learned from the corpus: a language missing from the catalogue is still handled.

With Dutch (or German, or both) removed from the catalogue, its labels and instructions are
learned from the development set itself: every document still parses, to the same record as
with the full catalogue, and no instruction sentence of the full catalogue leaks into a field.
Learning must not eat values: duplicates of a document count once, and what learning adds to
a complete catalogue changes no record.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_formats_fixtures import DEV, dev_documents, render_docx, render_html

from ransearch.errors import ParseError
from ransearch.ingest import default_template, learn_files, learn_template, parse_file, parse_files
from ransearch.ingest.formats import extract_file
from ransearch.records import Practice
from ransearch.template import catalogue
from ransearch.text import fold

pytestmark = pytest.mark.skipif(not DEV.is_dir(), reason=f"development set not found at {DEV}")

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
FACETS = ("title", "language", "peer_reviewed", "themes", "audience", "country", "country_code", "start_year",
          "last_update", "organisation_type", "contacts", "layout", "format")


def instruction_sentences() -> set[str]:
    """Every instruction sentence of the full catalogue, folded (three words or more)."""
    out: set[str] = set()
    for f in catalogue().fields:
        for texts in f.instructions.values():
            for text in texts:
                out.update(fold(s) for s in _SENTENCE.split(text) if len(fold(s).split()) >= 3)
    return out


def leaks(p: Practice, sentences: set[str]) -> list[tuple[str, str]]:
    fields = {**p.sections, "title": p.title, "contacts": p.contacts}
    return [(key, s) for key, value in fields.items() for s in sentences if f" {s} " in f" {fold(value)} "]


def norm(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def same(got: Practice, ref: Practice) -> bool:
    return ({k: norm(v) for k, v in got.sections.items()} == {k: norm(v) for k, v in ref.sections.items()}
            and all(norm(getattr(got, f)) == norm(getattr(ref, f)) for f in FACETS))


@pytest.fixture(scope="module")
def references() -> dict[str, Practice]:
    return {p.name: parse_file(p, p.parent) for p in dev_documents()}


@pytest.mark.parametrize("dropped", [{"nl"}, {"de"}, {"nl", "de"}, {"en"}, {"fr"}], ids=lambda d: "+".join(sorted(d)))
def test_dropped_language_is_learned_from_the_corpus(references: dict[str, Practice], dropped: set[str]) -> None:
    paths = dev_documents()
    base = default_template(frozenset(dropped))
    # without learning, the documents in the dropped languages are still recognised: their
    # labels are found by tolerant matching and similarity (issue 14, part 2)
    unrecognised = []
    for path in paths:
        try:
            parse_file(path, path.parent, template=base, strict_template=True)
        except ParseError:
            unrecognised.append(references[path.name].language)
    assert not unrecognised
    learned = learn_files(paths, base)
    assert any("labels of the 16 fields learned" in note for note in learned.learned)
    sentences = instruction_sentences()
    assert len(sentences) > 100
    for path in paths:
        got = parse_file(path, path.parent, template=learned)
        assert not leaks(got, sentences), path.name
        assert same(got, references[path.name]), path.name


def test_learning_adds_nothing_harmful_to_a_complete_catalogue(references: dict[str, Practice]) -> None:
    results = parse_files([(p, p.parent) for p in dev_documents()])
    for result in results:
        assert isinstance(result, Practice)
        assert same(result, references[result.source])


def test_a_language_from_table_files_is_learned(tmp_path: Path, references: dict[str, Practice]) -> None:
    """Label cells of Word and HTML files teach the labels as well as the text layouts do."""
    dutch = [p for p in dev_documents() if references[p.name].language == "nl"]
    files = [render_docx(references[dutch[0].name], tmp_path / "a.docx"),
             render_html(references[dutch[1].name], tmp_path / "b.html")]
    learned = learn_files(files, default_template(frozenset({"nl"})))
    for path, source in zip(files, dutch):
        got = parse_file(path, tmp_path, template=learned)
        assert {k: " ".join(v.split()) for k, v in got.sections.items()} == \
            {k: " ".join(v.split()) for k, v in references[source.name].sections.items()}


def test_duplicates_count_once(tmp_path: Path, references: dict[str, Practice]) -> None:
    """The same practice saved three times is not template text of its language."""
    dutch = [p for p in dev_documents() if references[p.name].language == "nl"]
    for i in range(3):
        shutil.copy(dutch[0], tmp_path / f"copy{i}.txt")
    shutil.copy(dutch[1], tmp_path / "other.txt")
    learned = learn_files(sorted(tmp_path.glob("*.txt")))
    got = parse_file(tmp_path / "copy0.txt", template=learned)
    assert same(got, references[dutch[0].name])


def test_learning_is_deterministic() -> None:
    texts = [extract_file(p)[0] for p in dev_documents()]
    base = default_template(frozenset({"nl"}))
    one, two = learn_template(texts, base), learn_template(texts, base)
    assert one.text.trigrams == two.text.trigrams and one.learned == two.learned
    assert one.catalogue.fields == two.catalogue.fields
    reverse = learn_template(list(reversed(texts)), base)
    assert reverse.text.trigrams == one.text.trigrams


def test_a_single_document_shares_nothing() -> None:
    """Alone, a document teaches no shared text (only its label cells, template by their place)."""
    path = dev_documents()[0]
    learned = learn_files([path], default_template())
    assert learned.learned == ()
    assert parse_file(path, path.parent, template=learned) == parse_file(path, path.parent)
