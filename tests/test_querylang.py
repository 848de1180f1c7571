"""Query language and encoder coverage: the note an answer carries for an uncovered language."""

from __future__ import annotations

from types import SimpleNamespace

from ransearch.encoders.use import UseEncoder
from ransearch.querylang import coverage_note, detect_query_language, encoder_languages

USE_LANGUAGES = UseEncoder.languages


def test_detects_clear_queries_and_abstains_on_short_ambiguous_ones() -> None:
    assert detect_query_language("Hur tar en kommun fram en handlingsplan mot våldsbejakande extremism?") == "sv"
    assert detect_query_language("Vi arbejder i familieafdelingen i en kommune på Sjælland og mangler en metode.") == "da"
    assert detect_query_language("ggz radicalisering consultatie") is None  # words shared by several languages
    assert detect_query_language("   ") is None


def test_note_only_for_a_language_the_encoder_says_it_lacks() -> None:
    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    note = coverage_note("Millaista tukea voidaan tarjota terrorismirikoksesta tuomitulle nuorelle?", use_like)
    assert note and "Finnish (fi)" in note and "--encoder st:" in note
    assert coverage_note("Quels dispositifs accompagnent une personne qui veut quitter l'extrémisme ?", use_like) is None
    # an encoder that does not state its languages (any st: model) is taken to cover them all
    assert encoder_languages(SimpleNamespace(name="st:x")) is None
    assert coverage_note("Hur tar en kommun fram en handlingsplan mot extremism?", SimpleNamespace(name="st:x")) is None
    assert {"sv", "da", "fi", "cs", "el", "hu"}.isdisjoint(USE_LANGUAGES) and len(USE_LANGUAGES) == 15


def test_cheap_gate_spares_covered_queries_the_identifier() -> None:
    from ransearch.querylang import maybe_uncovered

    assert maybe_uncovered("divadelní představení pro žáky o radikalizaci")            # Czech letters
    assert maybe_uncovered("psykiatriskt stöd handledning avhopparverksamhet")          # ö, no German word
    assert maybe_uncovered("Vi arbejder i en kommune og mangler en metode")             # Danish stopwords
    assert not maybe_uncovered("deradicalisation programme for prisoners with risk assessment")
    assert not maybe_uncovered("Polizei in sozialen Netzwerken ansprechbar für Jugendliche")
    assert not maybe_uncovered("formation des enseignants à la prévention de l'extrémisme")
