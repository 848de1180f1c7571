"""Cognates found by spelling alone, for query words the encoder cannot translate."""

from __future__ import annotations

from ransearch.lexical.cognates import CognateIndex, skeleton


def test_skeleton_merges_spelling_conventions() -> None:
    assert skeleton("Psychiatrie") == skeleton("psykiatrie")
    assert skeleton("radicalisation")[:8] == skeleton("radikalisering")[:8]
    assert skeleton("Extrémisme") == "ekstremisme"


def test_finds_cognates_across_languages_and_ignores_short_words() -> None:
    words = ["radicalisation", "radicalización", "prison", "psychiatric", "family", "extremism", "bus"]
    index = CognateIndex(words)
    found = [words[i] for i, _ in index.search("radikalisering")]
    assert found[:2] and set(found) <= {"radicalisation", "radicalización"}
    assert [words[i] for i, _ in index.search("psykiatriska")] == ["psychiatric"]
    assert [words[i] for i, _ in index.search("extremismen")] == ["extremism"]
    assert index.search("bussen") == [] and index.search("bus") == []
    dice = [d for _, d in index.search("extremism")]
    assert dice == [1.0]
