"""Exact expectations on the three seed documents in ``corpus/`` (one per layout).

The expected values were read off the documents themselves: the template rows for peer
review, themes, audiences, country and last update, the first year named in the "start"
field, and the practice name under the template's "name" heading.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ransearch.ingest import parse_file
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, catalogue
from ransearch.text import fold

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"

SEEDS = {
    "000_e99056891810f22c.txt": dict(
        layout="md_rows",
        language="fr",
        title="Favoriser la coopération entre les autorités locales et les établissements scolaires "
              "à l'aide de la technique des miroirs",
        country="Belgique",
        country_code="BE",
        # "Éducation formelle/informelle Stratégies locales/villes"
        themes=("Formal/informal education", "Local strategies/cities"),
        # "Jeunes / élèves / étudiants Corps enseignant / milieu universitaire
        #  Organisations de la communauté locale / ONG"
        audience=("Youth/pupils/students", "Educators/academics", "Local community organisations/NGOs"),
        start_year=2010,   # "... lancé les programmes ... en 2010."
        last_update=2016,
        peer_reviewed=False,
        organisation_type="Other",  # "Type d'organisation : Autre"
    ),
    "003_54bd44b4e51d05d2.txt": dict(
        layout="ocr_columns",
        language="fr",
        title="Mise en place d'un réseau local",
        country="Belgique",
        country_code="BE",
        # "Stratégies locales/villes", "Coopération interinstitutionnelle"
        themes=("Local strategies/cities", "Multi-agency cooperation"),
        # "Pouvoirs publics", "Organisations communautaires locales/ONG", "Grand public"
        audience=("Government (municipalities)", "Local community organisations/NGOs", "General public"),
        start_year=2013,   # "Fin 2013"
        last_update=2018,  # "Derniére mise a jour 2018" (merged OCR line)
        peer_reviewed=False,
        organisation_type="Other",
    ),
    "004_c92d1ef0c5228cd4.txt": dict(
        layout="html_rows",
        language="fr",
        title="Soutien familial à Sarpsborg",
        country="Norvège",
        country_code="NO",
        # "Stratégies locales/villes Soutien de la famille"
        themes=("Local strategies/cities", "Family support"),
        # "Familles Premiers intervenants ou praticiens Extrémistes violents"
        audience=("Families", "First responders or practitioners", "Violent extremists"),
        start_year=2011,   # "... le 22 juillet 2011." (later years follow in the same field)
        last_update=2016,
        peer_reviewed=False,
        organisation_type="Other",
    ),
}

# contact details that must stay in ``contacts`` and out of every section
CONTACT_MARKS = {
    "000_e99056891810f22c.txt": ("Luc.Claessens@stad.antwerpen.be", "+32 3 338 33 81"),
    "003_54bd44b4e51d05d2.txt": ("Jessika.soors@vilvoorde.be", "+32 499518622"),
    "004_c92d1ef0c5228cd4.txt": ("tsfa@sarpsborg.com", "0047 98217686"),
}

_SENTENCE = re.compile(r"(?<=[.!?:])\s+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ENTITY = re.compile(r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);")


@pytest.fixture(scope="module")
def seeds() -> dict[str, Practice]:
    return {name: parse_file(CORPUS / name, CORPUS) for name in SEEDS}


def instruction_sentences() -> set[str]:
    """Every instruction sentence of the catalogue, in every language, folded."""
    out: set[str] = set()
    for f in catalogue().fields:
        for texts in f.instructions.values():
            for text in texts:
                for sentence in _SENTENCE.split(text):
                    folded = fold(sentence)
                    if len(folded.split()) >= 3:
                        out.add(folded)
    return out


def all_fields(p: Practice) -> dict[str, str]:
    return {**p.sections, "title": p.title, "contacts": p.contacts}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_facets(seeds: dict[str, Practice], name: str) -> None:
    p = seeds[name]
    expected = SEEDS[name]
    found = {key: getattr(p, key) for key in expected}
    assert found == expected
    assert p.id == name.removesuffix(".txt")
    assert p.source == name


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_sections_complete(seeds: dict[str, Practice], name: str) -> None:
    p = seeds[name]
    assert set(p.sections) == set(SECTION_KEYS)
    assert p.sections["name"] == p.title
    assert len(p.sections["description"].split()) >= 150
    for key in ("peer_reviewed", "themes", "audience", "geography", "start", "organisation", "country",
                "last_update"):
        assert p.sections[key], key


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_no_instruction_text_in_any_field(seeds: dict[str, Practice], name: str) -> None:
    sentences = instruction_sentences()
    assert len(sentences) > 50  # the check is only as good as the catalogue it reads
    for key, value in all_fields(seeds[name]).items():
        folded = f" {fold(value)} "
        leaked = [s for s in sentences if f" {s} " in folded]
        assert not leaked, (key, leaked)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_contacts_kept_apart(seeds: dict[str, Practice], name: str) -> None:
    p = seeds[name]
    assert "contacts" not in p.sections
    for mark in CONTACT_MARKS[name]:
        assert mark in p.contacts
        for key, value in all_fields(p).items():
            if key != "contacts":
                assert mark not in value, key
    assert "@" not in "".join(p.sections.values())


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_values_are_plain_text(seeds: dict[str, Practice], name: str) -> None:
    for key, value in all_fields(seeds[name]).items():
        assert not _TAG.search(value), (key, _TAG.search(value))
        assert not _ENTITY.search(value), (key, _ENTITY.search(value))
        assert "•" not in value, key
        assert "\t" not in value, key
        assert value == value.strip(), key
        assert "\n\n\n" not in value, key


def test_ocr_bullets_become_dashes(seeds: dict[str, Practice]) -> None:
    description = seeds["003_54bd44b4e51d05d2.txt"].sections["description"]
    lines = description.splitlines()
    # "O Localisez ...", "(] Expliquez ...", " O Rechercher ..." in the OCR text
    assert "- Localisez les parties prenantes concernées au sein de votre municipalité/ville." in lines
    assert any(line.startswith("- Expliquez pourquoi ces participants") for line in lines)
    assert any(line.startswith("- Rechercher des personnalités") for line in lines)
    assert not [line for line in lines if re.match(r"(?:O|\(\]|©) ", line)]
    # OCR "I'" for "l'" is undone in displayed text
    assert "l'extrémisme violent (CEV)" in seeds["003_54bd44b4e51d05d2.txt"].sections["deliverables"]


def test_html_lists_become_dashes(seeds: dict[str, Practice]) -> None:
    p = seeds["004_c92d1ef0c5228cd4.txt"]
    lines = p.sections["deliverables"].splitlines()
    assert lines[0] == "Manuel de formation et consigne pour le travail en cours."
    assert any(line.startswith("- Formation sur les entretiens motivationnels.") for line in lines)
    # "- o de ressources ..." (a sub-list in the source) is one flat item
    assert "- de ressources consacrées à aider les enfants" in p.sections["description"].splitlines()


def test_overflowing_description_is_joined(seeds: dict[str, Practice]) -> None:
    # 003: the description runs over into page 2, after the labels of the next fields
    description = seeds["003_54bd44b4e51d05d2.txt"].sections["description"]
    assert description.startswith("Cette pratique est un guide progressif")
    assert "- Continuez a travailler sur différents niveaux." in description
    # 004: the description cell breaks off and continues as plain text and a continuation row
    description = seeds["004_c92d1ef0c5228cd4.txt"].sections["description"]
    assert "Le Groupe de coordination opérationnelle" in description
    assert "Plan d'action (manuel)" in description
    # 004's evaluation field also continues after plain-text lines
    evaluation = seeds["004_c92d1ef0c5228cd4.txt"].sections["evaluation"]
    assert evaluation.startswith("La municipalité de Sarpsborg, ainsi que quatre autres municipalités")
    assert "Des commentaires positifs sur les pratiques" in evaluation
