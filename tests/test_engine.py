"""The facade: ``from ransearch import Engine, Filters, Settings``, one ``Filters`` value taken by
every operation and resolved once by the engine, typed facets, sizes instead of the searcher."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conftest import FakeEncoder
from ransearch import Engine, FacetValue, Facets, Filters, QueryError, Settings

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"
SITUATION = "Young people return from Syria. Their families are isolated. Schools need training."


@pytest.fixture(scope="module")
def fake_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    index = tmp_path_factory.mktemp("engine") / "index"
    encoder = FakeEncoder()
    Engine.index([CORPUS], index, encoder=encoder)
    return Engine.open(index, encoder=encoder)


def test_the_facade_names() -> None:
    import ransearch

    assert {"Engine", "Filters", "Settings", "Facets", "FacetValue", "IndexSizes"} <= set(ransearch.__all__)
    assert Engine.__module__ == "ransearch.engine" and Settings.__module__ == "ransearch.config"
    assert not hasattr(Engine, "searcher")  # the searcher is the engine's own business


def test_filters_take_values_as_users_write_them() -> None:
    assert Filters(country="Belgique, DE") == Filters(country=("Belgique", "DE"))  # type: ignore[arg-type]
    assert Filters.of(["BE", " FR ,"], None, "", "fr") == Filters(country=("BE", "FR"), language=("fr",))
    assert not Filters() and not Filters.of() and Filters(theme=("x",))
    resolved = Filters.of(country="Belgique", theme="Soutien de la famille", audience="Familles",
                          language="FR").resolve()
    assert resolved == Filters(("BE",), ("Family support",), ("Families",), ("fr",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.country = ()  # type: ignore[misc]


def test_canonical_values_resolve_to_themselves() -> None:
    from ransearch.filters import known_languages
    from ransearch.template import countries, vocabulary

    canonical = Filters(country=tuple(sorted({code for code in (countries().code(n) for n in ("BE", "FR", "NO", "DE"))
                                              if code})),
                        theme=vocabulary()["themes"].labels, audience=vocabulary()["audience"].labels,
                        language=known_languages())
    assert canonical.resolve() == canonical
    assert canonical.resolve().resolve() == canonical.resolve()


def test_every_operation_takes_one_filters_value(fake_engine: Engine) -> None:
    belgian = [p.id for p in fake_engine.practices() if p.country_code == "BE"]
    assert belgian
    for given in (Filters(country="Belgique"), Filters(country="be"), Filters(country=("BE",))):
        assert {h.practice_id for h in fake_engine.ask("family support", k=10, filters=given).results} <= set(belgian)
        assert {h.practice_id for h in fake_engine.match(SITUATION, k=10, filters=given).results} <= set(belgian)
        other = fake_engine.practices()[0].id
        assert {h.practice_id for h in fake_engine.similar(other, k=10, filters=given).results} <= set(belgian)
        assert [p.id for p in fake_engine.practices(given)] == belgian
        assert fake_engine.count(given) == len(belgian)
    plain = fake_engine.ask("family support", k=5)
    assert fake_engine.ask("family support", k=5, filters=Filters()) == plain
    assert fake_engine.ask("family support", k=5, filters=None) == plain


@pytest.mark.parametrize("operation", ["ask", "match", "similar", "practices", "count"])
def test_an_unknown_filter_value_is_a_query_error_in_every_operation(fake_engine: Engine, operation: str) -> None:
    bad = Filters(country="Atlantis")
    calls = {
        "ask": lambda: fake_engine.ask("family", filters=bad),
        "match": lambda: fake_engine.match(SITUATION, filters=bad),
        "similar": lambda: fake_engine.similar(fake_engine.practices()[0].id, filters=bad),
        "practices": lambda: fake_engine.practices(bad),
        "count": lambda: fake_engine.count(bad),
    }
    with pytest.raises(QueryError, match="unknown country"):
        calls[operation]()


def test_facets_are_typed(fake_engine: Engine) -> None:
    facets = fake_engine.facets("fr")
    assert isinstance(facets, Facets)
    assert [name for name, _ in facets.items()] == ["country", "theme", "audience", "language"]
    for _, values in facets.items():
        assert values and all(isinstance(v, FacetValue) for v in values)
        assert [v.count for v in values] == sorted((v.count for v in values), reverse=True)
    be = next(v for v in facets.country if v.value == "BE")
    assert be.label == "Belgique" and be.count == fake_engine.count(Filters(country="BE"))
    data = facets.to_dict()
    assert set(data) == {"country", "theme", "audience", "language"}
    assert data["country"][0] == {"value": facets.country[0].value, "label": facets.country[0].label,
                                  "count": facets.country[0].count}
    with pytest.raises(QueryError):
        fake_engine.facets("french")


def test_sizes_say_what_the_generation_holds(fake_engine: Engine) -> None:
    sizes = fake_engine.sizes()
    assert sizes.practices == len(fake_engine.practices()) == sizes.lexical_practices
    assert sizes.chunks == sizes.vectors == fake_engine.manifest.counts["chunks"]
    assert sizes.vector_kind


def test_warm_up_loads_what_first_queries_would(tmp_path: Path) -> None:
    """A server's warm-up leaves nothing for its first queries to load: the stacked lexicons, the
    search of their near words, the cognate index and, for an encoder that states its languages,
    the language identifier."""
    from ransearch import querylang

    class StatingEncoder(FakeEncoder):
        languages = frozenset({"en", "fr", "de", "nl"})

    encoder = StatingEncoder()
    Engine.index([CORPUS], tmp_path / "index", encoder=encoder)
    engine = Engine.open(tmp_path / "index", encoder=encoder)
    querylang._identifier.cache_clear()
    lexicons = engine._searcher.lexical._lexicons
    assert lexicons._stacked is None
    engine.warm_up()
    assert lexicons._stacked is not None and lexicons._near is not None and lexicons._cognates is not None
    assert querylang._identifier.cache_info().currsize == 1
