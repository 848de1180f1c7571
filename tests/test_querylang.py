"""Query language and encoder coverage: the note an answer carries for an uncovered language."""

from __future__ import annotations

from types import SimpleNamespace

from ransearch.encoders.use import UseEncoder
from ransearch.querylang import coverage_note, encoder_languages, uncovered_language

USE_LANGUAGES = UseEncoder.languages


def test_detects_clear_queries_and_abstains_on_short_ambiguous_ones() -> None:
    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    assert uncovered_language("Hur tar en kommun fram en handlingsplan mot våldsbejakande extremism?", use_like) == "sv"
    assert uncovered_language("Vi arbejder i familieafdelingen i en kommune på Sjælland og mangler en metode.",
                              use_like) == "da"
    assert uncovered_language("ggz radicalisering consultatie", use_like) is None  # words shared by several languages
    assert uncovered_language("exit programme in Århus for young people", use_like) is None  # a Danish name only
    assert uncovered_language("   ", use_like) is None


def test_a_query_split_between_uncovered_neighbours_is_uncovered() -> None:
    """Short queries the identifier shares between related languages the encoder lacks (none of
    them 0.8 sure alone) are in an uncovered language all the same: the likeliest is named."""
    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    assert uncovered_language("støtte til foreldre", use_like) == "no"                  # no 0.61, da 0.38
    assert uncovered_language("exitprogram for højreekstremister", use_like) == "da"    # da 0.65, no 0.27
    assert uncovered_language("подкрепа за семействата", use_like) == "bg"              # bg 0.69, ru 0.18, uk 0.13


def test_note_only_for_a_language_the_encoder_says_it_lacks() -> None:
    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    note = coverage_note("Millaista tukea voidaan tarjota terrorismirikoksesta tuomitulle nuorelle?", use_like)
    assert note and "Finnish (fi)" in note and "query_bridge = true" in note and "--encoder st:" in note
    # an index with a companion encoder that covers the language: the note says it serves
    e5_like = SimpleNamespace(name="e5")  # states no languages: covers them all
    with_companion = coverage_note("Millaista tukea voidaan tarjota terrorismirikoksesta tuomitulle nuorelle?",
                                   use_like, e5_like)
    assert with_companion and "companion encoder 'e5'" in with_companion and "pip install" not in with_companion
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


def test_cheap_gate_knows_letters_no_covered_language_writes() -> None:
    """š, ž, đ, ġ, ħ and Greek or Cyrillic script send a query to the identifier; Polish and
    Turkish letters (languages `use` covers) do not, and a Russian query is not called Bulgarian."""
    from ransearch.querylang import maybe_uncovered, uncovered_language

    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    croatian = "podrška obiteljima stranih boraca i prevencija radikalizacije u školama"  # š, no č
    bulgarian = "подкрепа за семейства на чуждестранни бойци и превенция на радикализацията в училищата"
    maltese = "appoġġ għall-familji tal-ġellieda barranin u l-prevenzjoni tar-radikalizzazzjoni"
    for text, lang in ((croatian, "hr"), (bulgarian, "bg"), (maltese, "mt")):
        assert maybe_uncovered(text) and uncovered_language(text, use_like) == lang
    assert not maybe_uncovered("wsparcie dla rodzin zagranicznych bojowników i zapobieganie radykalizacji w szkołach")
    assert uncovered_language("Yabancı savaşçıların ailelerine destek ve okullarda radikalleşmenin önlenmesi",
                              use_like) is None
    russian = "поддержка семей иностранных боевиков и профилактика радикализации в школах"
    assert maybe_uncovered(russian) and uncovered_language(russian, use_like) is None


def test_cheap_gate_knows_irish_estonian_and_hungarian_without_special_letters() -> None:
    """Irish writes lenited and eclipsed consonants (bhfuil, gcoinne), Estonian õ where Portuguese
    does not (-ões), Hungarian sz/zs; a Finnish or Estonian "ja" does not hide the word shapes."""
    from ransearch.querylang import maybe_uncovered, uncovered_language

    use_like = SimpleNamespace(name="use", languages=USE_LANGUAGES)
    for text, lang in (("Cén chaoi ar féidir leis an bpobal áitiúil cabhrú le daoine óga atá i mbaol radacaithe?", "ga"),
                       ("clár oideachais sna scoileanna i gcoinne fuatha ar líne", "ga"),
                       ("veebipõhine vihakõne vastane programm noortele", "et"),
                       ("szociális munkások és rendőrség együttműködése", "hu")):
        assert maybe_uncovered(text) and uncovered_language(text, use_like) == lang, text
    assert not maybe_uncovered("Como as instituições podem apoiar as famílias? Ações e intervenções")
    assert uncovered_language("maatschappelijke opvang voor jongeren op straat", use_like) is None
    assert not maybe_uncovered("Familienberatung Radikalisierung Jugendhilfe Kinderschutz")  # d+h of a compound
