"""Situation matching, similar practices and canonical facets."""

from __future__ import annotations

import pytest

from ransearch.engine import Engine
from ransearch.filters import resolve_filters
from ransearch.search import split_needs



@pytest.mark.parametrize("text,needs,context", [
    ("We are a town of 30,000 people. Families of radicalised young people feel isolated. "
     "We need a way to support them, and our schools do not know how to react.",
     ["We need a way to support them, and our schools do not know how to react."],
     ["We are a town of 30,000 people.", "Families of radicalised young people feel isolated."]),
    ("Nous sommes une commune de 20 000 habitants. Nous cherchons un dispositif pour accompagner les familles. "
     "Il n'y a aucune coopération avec la police.",
     ["Nous cherchons un dispositif pour accompagner les familles.", "Il n'y a aucune coopération avec la police."],
     ["Nous sommes une commune de 20 000 habitants."]),
    ("Wir sind eine kleine Stadt. Wir brauchen Beratung für Eltern. Es fehlt eine Zusammenarbeit mit den Schulen.",
     ["Wir brauchen Beratung für Eltern.", "Es fehlt eine Zusammenarbeit mit den Schulen."],
     ["Wir sind eine kleine Stadt."]),
    ("Wij zijn een middelgrote gemeente. Scholen weten niet hoe ze moeten reageren, maar we hebben geen netwerk.",
     ["Scholen weten niet hoe ze moeten reageren", "we hebben geen netwerk."],
     ["Wij zijn een middelgrote gemeente."]),
])
def test_needs_are_split_in_every_language(text: str, needs: list[str], context: list[str]) -> None:
    found, ctx = split_needs(text)
    assert [n.text for n in found] == needs
    assert ctx == context
    assert [n.id for n in found] == [f"n{i + 1}" for i in range(len(needs))]


def test_each_item_of_a_list_is_a_need_of_its_own() -> None:
    """A situation typed as a list: items without full stops are not run together."""
    needs, context = split_needs("Nous sommes une commune de 40 000 habitants.\n"
                                 "- Des familles de jeunes partis en Syrie sont isolées\n"
                                 "- Nous n'avons personne de formé pour les recevoir\n"
                                 "* Nous cherchons un accompagnement des familles\n"
                                 "2) Il nous manque une équipe vers qui orienter les familles")
    assert [n.text for n in needs] == ["Nous n'avons personne de formé pour les recevoir",
                                       "Nous cherchons un accompagnement des familles",
                                       "Il nous manque une équipe vers qui orienter les familles"]
    assert context == ["Nous sommes une commune de 40 000 habitants.",
                       "Des familles de jeunes partis en Syrie sont isolées"]


def test_text_without_cues_is_split_into_sentence_needs() -> None:
    needs, context = split_needs("Our town is small. Families feel isolated. Schools see worrying signs.")
    assert [n.text for n in needs] == ["Families feel isolated.", "Schools see worrying signs."]
    assert context == ["Our town is small."]


def test_match_explains_with_sections_of_the_practice_itself(engine: Engine) -> None:
    result = engine.match(
        "Nous sommes une commune de 50 000 habitants. Des familles de combattants étrangers revenus de Syrie "
        "sont isolées et stigmatisées. Nous cherchons un soutien familial coordonné par la municipalité. "
        "Nous voulons aussi créer un réseau local avec la mosquée et les clubs de sport.", k=3)
    assert result.results and result.results[0].rank == 1
    by_id = {p.id: p for p in engine.practices()}
    covered = set()
    for r in result.results:
        practice = by_id[r.practice_id]
        for c in r.covers:
            covered.add(c.need)
            text = " ".join(practice.sections.get(c.section, "").split()) if c.section != "profile" else practice.title
            assert c.snippet.strip("… ").split(" …")[0][:40] in text  # the snippet is that practice's own text
    assert {"n1", "n2"} <= covered | set(result.uncovered)
    d = result.to_dict()
    assert set(d) == {"situation", "needs", "results", "uncovered", "notes"}
    assert set(d["results"][0]) >= {"rank", "practice_id", "title", "source", "score", "country_code", "covers"}


def test_off_topic_need_is_reported_uncovered(engine: Engine) -> None:
    result = engine.match("Des familles de jeunes radicalisés sont isolées et nous cherchons un soutien familial. "
                          "Nous voulons aussi une nouvelle piscine olympique pour l'été.")
    pool = next(n for n in result.needs if "piscine" in n.text)
    assert pool.id in result.uncovered
    assert all(c.need != pool.id for r in result.results for c in r.covers)


def test_similar_excludes_itself_and_explains(engine: Engine) -> None:
    result = engine.similar("004_c92d1ef0c5228cd4", k=5)
    ids = [r.practice_id for r in result.results]
    assert "004_c92d1ef0c5228cd4" not in ids and len(ids) == 2
    for r in result.results:
        assert r.sections and {s.section for s in r.sections} <= {"description", "deliverables", "evaluation",
                                                                   "sustainability"}


def test_facets_both_ways(engine: Engine) -> None:
    facets = engine.facets("fr").to_dict()
    themes = {f["value"]: f for f in facets["theme"]}
    assert themes["Family support"]["label"] == "Soutien de la famille" and themes["Family support"]["count"] == 1
    assert themes["Local strategies/cities"]["count"] == 3
    countries = {f["value"]: f for f in facets["country"]}
    assert countries["BE"] == {"value": "BE", "label": "Belgique", "count": 2}
    for label in ("Familles", "Families", "Familien", "gezinnen"):
        assert resolve_filters(audience=label).audience == ("Families",)
    for label in ("Norvège", "Norway", "Norwegen", "Noorwegen", "NO"):
        assert resolve_filters(country=label).country == ("NO",)
    assert engine.facets("de").theme[0].label == "Lokale Strategien/Städte"
