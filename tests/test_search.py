"""The search core through the public facade, on an index of the three seed documents."""

from __future__ import annotations

import pytest

from ransearch import Engine, Filters
from ransearch.errors import PracticeNotFound, QueryError
from ransearch.search import MAX_QUERY_CHARS



def test_ask_ranks_practices_with_sections(engine: Engine) -> None:
    result = engine.ask("soutien familial combattants étrangers", k=3)
    assert [r.rank for r in result.results] == [1, 2, 3]
    top = result.results[0]
    assert top.practice_id == "004_c92d1ef0c5228cd4"
    assert top.source == "004_c92d1ef0c5228cd4.txt"
    assert 1 <= len(top.sections) <= 3
    assert len({s.section for s in top.sections}) == len(top.sections)
    assert all(s.snippet and s.label for s in top.sections)
    assert [r.score for r in result.results] == sorted((r.score for r in result.results), reverse=True)


def test_json_contract(engine: Engine) -> None:
    d = engine.ask("réseau local", k=2).to_dict()
    assert set(d) == {"query", "results", "notes"}
    assert set(d["results"][0]) == {"rank", "practice_id", "title", "source", "score", "relevance", "country_code",
                                    "language", "themes", "url", "sections"}
    assert set(d["results"][0]["sections"][0]) == {"section", "label", "snippet", "score"}


@pytest.mark.parametrize("query", [
    "Unterstützung von Familien zurückkehrender ausländischer Kämpfer",   # German → French document
    "family support for relatives of foreign fighters",                   # English → French document
    "gezinsondersteuning voor families van buitenlandse strijders",       # Dutch → French document
])
def test_cross_lingual_queries_find_the_family_support_practice(engine: Engine, query: str) -> None:
    assert engine.ask(query, k=1).results[0].practice_id == "004_c92d1ef0c5228cd4"


@pytest.mark.parametrize("typed, read_as", [
    ("SOUTIEN FAMILIAL AUX FAMILLES DE COMBATTANTS ÉTRANGERS",
     "soutien familial aux familles de combattants étrangers"),  # all in capitals: read in lower case
    ("soutien familial aux familles de combattants etrangers",
     "soutien familial aux familles de combattants étrangers"),  # accents given back from the corpus
])
def test_a_query_typed_in_capitals_or_without_accents_is_read_as_written(engine: Engine, typed: str,
                                                                          read_as: str) -> None:
    def ranking(query: str) -> list[tuple[str, float]]:
        return [(r.practice_id, r.score) for r in engine.ask(query, k=3).results]

    assert ranking(typed) == ranking(read_as)


def test_every_mode_answers(engine: Engine) -> None:
    for mode in ("hybrid", "dense", "lexical"):
        result = engine.ask("questionnaires absentéisme écoles", k=3, mode=mode)
        assert result.results[0].practice_id == "000_e99056891810f22c"
        assert result.results[0].sections


def test_filters_accept_any_language(engine: Engine) -> None:
    for theme in ("Family support", "Soutien de la famille", "Familienunterstützung", "gezinsondersteuning"):
        ids = [r.practice_id for r in engine.ask("prévention", k=5, filters=Filters(theme=theme)).results]
        assert ids == ["004_c92d1ef0c5228cd4"]
    assert {r.country_code for r in engine.ask("prévention", k=5, filters=Filters(country="Belgique")).results} == {"BE"}
    assert {r.country_code for r in engine.ask("prévention", k=5, filters=Filters(country="be")).results} == {"BE"}
    assert engine.ask("prévention", k=5, filters=Filters(language="de")).results == ()


@pytest.mark.parametrize("kwargs,message", [
    ({"filters": Filters(theme="astrophysics")}, "unknown theme"),
    ({"filters": Filters(country="Atlantis")}, "unknown country"),
    ({"filters": Filters(language="french")}, "unknown language"),
    ({"mode": "magic"}, "unknown mode"),
])
def test_unknown_filter_values_are_query_errors(engine: Engine, kwargs: dict, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        engine.ask("prévention", **kwargs)


@pytest.mark.parametrize("query", ["", "   \n\t", "x" * (MAX_QUERY_CHARS + 1)])
def test_bad_queries(engine: Engine, query: str) -> None:
    with pytest.raises(QueryError):
        engine.ask(query)


def test_practice_lookup(engine: Engine) -> None:
    p = engine.practice("003_54bd44b4e51d05d2")
    assert p.country_code == "BE" and p.layout == "ocr_columns"
    with pytest.raises(PracticeNotFound):
        engine.practice("nope")
    assert len(engine.practices()) == 3


def test_contacts_are_never_searched(engine: Engine) -> None:
    import pyarrow.parquet as pq

    texts = pq.read_table(engine.generation_dir / "chunks.parquet", columns=["text"]).column("text").to_pylist()
    assert not any("@" in text and "vilvoorde.be" in text.lower() for text in texts)
    assert not any("sarpsborg.com" in text for text in texts)


def test_translations_are_searched_once_and_new_words_embedded_once(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A word's translations depend on its embedding alone: a lexicon word's is stored, a new
    word is embedded once; either way its translations are searched once per open index."""
    from ransearch.lexical import LexicalIndex
    from ransearch.lexical.lexicon import Lexicons

    lexical = LexicalIndex.load(engine.generation_dir / "lexical")
    lexical._translation_memo.clear()  # whatever other tests asked
    words = ["famille", "combattants", "zzqxjunknownword"]
    assert lexical.plan_expansion(words).to_embed == ["zzqxjunknownword"]
    with pytest.raises(KeyError):
        lexical.expand(words)  # the new word's embedding is needed
    new = dict(zip(["zzqxjunknownword"], engine.encoder.encode_queries(["zzqxjunknownword"])))
    first = lexical.expand(words, new)
    assert set(first) == set(lexical._languages)
    assert ("famill", 1.0) in [(stem, round(sim, 3)) for stem, sim in first["fr"]["famille"]]  # itself
    searched: list[int] = []
    real = Lexicons.translations

    def counting(self, vectors):  # type: ignore[no-untyped-def]
        searched.append(len(vectors))
        return real(self, vectors)

    monkeypatch.setattr(Lexicons, "translations", counting)
    plan = lexical.plan_expansion(words)
    assert plan.to_embed == [] and set(plan.remembered) == set(words)  # ... nothing to embed again,
    assert lexical.expand(words) == first  # ... the same answer,
    assert searched == []  # ... and nothing searched again
    assert lexical.expand(["famille", "prison"])["fr"]["famille"] == first["fr"]["famille"]
    assert searched == [1]  # only the word never seen


def test_a_plan_keeps_its_translations_when_another_query_empties_the_memo(engine: Engine) -> None:
    from ransearch.lexical import LexicalIndex

    lexical = LexicalIndex.load(engine.generation_dir / "lexical")
    first = lexical.expand(["famille", "zzqxjunknownword"],
                           dict(zip(["zzqxjunknownword"], engine.encoder.encode_queries(["zzqxjunknownword"]))))
    plan = lexical.plan_expansion(["famille", "zzqxjunknownword"])
    assert plan.to_embed == []
    lexical._translation_memo.clear()  # what a query filling the memo does
    assert lexical.expand(plan) == first


def test_translation_memo_starts_again_when_full(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import ransearch.lexical.index as lexical_module

    lexical = lexical_module.LexicalIndex.load(engine.generation_dir / "lexical")
    monkeypatch.setattr(lexical_module, "TRANSLATION_MEMO", 2)
    lexical._translation_memo.clear()
    first = lexical.expand(["famille", "prison"])
    assert len(lexical._translation_memo) == 2
    radicalisation = lexical.expand(["radicalisation"])  # would make three: the memo starts again
    assert radicalisation["fr"]["radicalisation"] and list(lexical._translation_memo) == ["radicalisation"]
    assert lexical.expand(["famille", "prison"]) == first


def test_a_language_without_lexicon_words_translates_nothing() -> None:
    from conftest import FakeEncoder

    from ransearch.lexical import LexicalIndex

    fake_encoder = FakeEncoder()
    lexical = LexicalIndex.build(["la famille et la prison", ""], ["fr", "de"], fake_encoder)
    expansion = lexical.expand(["famille", "gefängnis"],
                               dict(zip(["gefängnis"], fake_encoder.encode_queries(["gefängnis"]))))
    assert expansion["de"] == {"famille": [], "gefängnis": []}
    assert [stem for stem, _ in expansion["fr"]["famille"]] == ["famill"]


def test_count_and_limited_listing_make_no_more_records_than_asked(engine: Engine) -> None:
    everything = engine.practices()
    assert engine.count() == len(everything)
    belgian = Filters(country="BE")
    assert engine.count(belgian) == len([p for p in everything if p.country_code == "BE"]) >= 1
    assert engine.practices(limit=1) == everything[:1]
    assert engine.practices(belgian, limit=0) == []
