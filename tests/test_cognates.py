"""Cognates found by spelling alone, for query words the encoder cannot translate."""

from __future__ import annotations

from ransearch.lexical.cognates import CognateIndex, skeleton


def test_skeleton_merges_spelling_conventions() -> None:
    assert skeleton("Psychiatrie") == skeleton("psykiatrie")
    assert skeleton("radicalisation")[:8] == skeleton("radikalisering")[:8]
    assert skeleton("Extrémisme") == "ekstremisme"


def test_greek_and_cyrillic_words_find_their_latin_cognates() -> None:
    """Transliterated first (anyascii), then reduced like any other word."""
    assert skeleton("εξτρεμισμού") == "ekstremismoi" and skeleton("радикализация") == "radikalisatsia"
    words = ["radicalisation", "extremism", "islamophobia", "prison", "family"]
    index = CognateIndex.of_words(words)
    assert [words[i] for i, _ in index.search("εξτρεμισμού")] == ["extremism"]
    assert [words[i] for i, _ in index.search("ισλαμοφοβία")] == ["islamophobia"]
    assert [words[i] for i, _ in index.search("радикализацията")] == ["radicalisation"]
    # and a lexicon in those scripts is found from Latin spelling too
    assert CognateIndex.of_words(["екстремизъм"]).search("extremism")


def test_finds_cognates_across_languages_and_ignores_short_words() -> None:
    words = ["radicalisation", "radicalización", "prison", "psychiatric", "family", "extremism", "bus"]
    index = CognateIndex.of_words(words)
    found = [words[i] for i, _ in index.search("radikalisering")]
    assert found[:2] and set(found) <= {"radicalisation", "radicalización"}
    assert [words[i] for i, _ in index.search("psykiatriska")] == ["psychiatric"]
    assert [words[i] for i, _ in index.search("extremismen")] == ["extremism"]
    assert index.search("bussen") == [] and index.search("bus") == []
    dice = [d for _, d in index.search("extremism")]
    assert dice == [1.0]


def test_a_saved_cognate_index_finds_the_same_cognates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    words = ["radicalisation", "radicalización", "prison", "psychiatric", "family", "extremism", "bus"]
    index = CognateIndex.of_words(words)
    index.save(tmp_path / "cognates.npz")
    loaded = CognateIndex.load(tmp_path / "cognates.npz")
    assert len(loaded) == len(words)
    for word in ("radikalisering", "psykiatriska", "extremismen", "bussen", "familie"):
        assert loaded.search(word) == index.search(word)


def test_an_index_written_without_a_cognate_file_makes_it_when_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from ransearch.lexical import LexicalIndex
    from ransearch.lexical.index import COGNATE_FILE

    class Words:
        name, dimension = "fake", 4

        def encode_queries(self, texts):  # type: ignore[no-untyped-def]
            return np.ones((len(texts), 4), dtype=np.float32)

    built = LexicalIndex.build(["la radicalisation en prison", "Radikalisierung im Gefängnis"], ["fr", "de"], Words())
    built.save(tmp_path / "lexical")
    with_file = LexicalIndex.load(tmp_path / "lexical")
    (tmp_path / "lexical" / COGNATE_FILE).unlink()  # as generations written before the file existed
    without = LexicalIndex.load(tmp_path / "lexical")
    assert with_file._lexicons.cognates("radikalisering") == without._lexicons.cognates("radikalisering")
    assert with_file._lexicons.cognates("radikalisering")  # found something
