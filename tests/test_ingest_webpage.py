"""Practice pages of the RAN Collection website (layout ``web_page``): saved HTML and copied text."""

from __future__ import annotations

from pathlib import Path

import pytest

from ransearch.ingest import parse_bytes, parse_file, parse_text, practice_slug
from ransearch.ingest.values import split_values
from ransearch.ingest.webpage import collection_url

DEV2 = Path(__file__).resolve().parents[2] / "shared/eval/dev2/corpus"
BASE = "https://home-affairs.ec.europa.eu/networks/radicalisation-awareness-network-ran/collection-inspiring-practices"

ORG_PROFILE = ("Stichting Brug is a foundation in Utrecht that has worked with families and schools since 1998. "
               "It runs neighbourhood projects and trains teachers and youth workers.")
ORG_PROFILE_2 = "The foundation has twelve staff and about forty volunteers, and it is funded by the city."
DESCRIPTION_NL = ("Brug naar Morgen begeleidt jongeren die vatbaar zijn voor extremistische propaganda. Mentoren "
                  "voeren wekelijkse gesprekken met de jongere en betrekken ouders en school bij de aanpak.")

COPIED_NL = f"""Skip to main content
Logo van de Europese Commissie
Migration and Home Affairs
18 April 2024

Brug naar Morgen: mentoring voor kwetsbare jongeren

Country
Netherlands
Target Audience
Youth/pupils/studentsFamiliesEducators/academics
key themes association
Family supportPolarisation
Peer Reviewed practice
Yes
Year
2022

Stichting Brug

{ORG_PROFILE}

{ORG_PROFILE_2}

Type of Organisation: NGO

Project description:

{DESCRIPTION_NL}

Mentoren krijgen een training van vijf dagen en supervisie door een psycholoog.

Deliverables

Een handboek voor mentoren en een lespakket voor scholen.

Contact details

Contact person: Anouk
Telephone: +00 000 000 000
Emails | Website brug@example.org

Read the full practice
(140.61 KB - PDF)

Contact the European Commission
Follow the European Commission on social media
Legal notice
"""

HYPHEN_PAGE = """Straßenfußball für Toleranz

- Country
- Germany
- Year
- 2021
- Target Audience
- Youth/pupils/students
- Youth workers
- key themes association
- Youth engagement
- Organisation
- Verein Anstoß e.V.

Verein Anstoß e.V. is a sports association in Leipzig that organises street football tournaments.

Type of Organisation: NGO

Project description

Teams of young people from different neighbourhoods play together under fair-play rules they set themselves.
After each match, trained youth workers lead a discussion about respect, prejudice and conflicts in the group.

Contact details
Contact person: Jonas
E-mail: anstoss@example.org
"""

BULLET_PAGE = """European Commission logo
Migration and Home Affairs

Voices of survivors in the classroom

Target Audience
  • Youth/pupils/students
  • Educators/academics
key themes association
  • Victims of terrorism

Association of Victims

The association supports people hurt by terrorist attacks and their families.

Type of Organisation: Other

Project description

Survivors of attacks visit secondary schools and tell pupils what violence did to their lives, then answer questions.
Teachers prepare the visit with a lesson pack and discuss it afterwards.

Share this page
"""


def _html(body: str, *, title: str = "", lang: str = "en", canonical: str | None = None) -> bytes:
    head = f"<title>{title}</title>" if title else ""
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
            f'<a href="#main">Zum Hauptinhalt springen</a><header><img alt="Logo der Europäischen Kommission">'
            f"<a>Migration and Home Affairs</a></header><main>{body}</main>"
            f"<footer><a>Legal notice</a><a>Cookies</a></footer></body></html>").encode("utf-8")


HTML_BODY_DE = """
<div class="facets"><div>Target Audience</div><ul><li>Families</li><li>Social workers</li></ul>
<div>key themes association</div><ul><li>Family support</li></ul></div>
<section><h2>Beratungsnetzwerk Nord</h2>
<p>Das Beratungsnetzwerk Nord ist ein Verein in Hamburg, der Familien von radikalisierten Jugendlichen berät.</p>
<p>Type of Organisation: NGO</p></section>
<section><h2>Project description</h2>
<p>Eltern, deren Kinder sich extremistischen Gruppen anschließen, erhalten vertrauliche Beratung. Die Beraterinnen
besuchen die Familien zu Hause und arbeiten mit Schulen und Jugendämtern zusammen.</p>
<h3>Evidence and evaluation</h3><p>Eine Universität hat die Beratung 2020 begleitend evaluiert.</p>
<h3>Contact details</h3><p>Contact person: Petra<br>E-mail: nord@example.org</p></section>
<p>Share this page</p><ul><li>Facebook</li><li>X</li></ul>
"""


@pytest.mark.parametrize("url", [
    f"{BASE}/ran-practices/web-constables_en",
    "https://home-affairs.ec.europa.eu/networks/radicalisation-awareness-network-ran/ran-collection-search/web-constables_en",
    f"{BASE}/ran-practices/web-constables_nl",
    f"{BASE}/ran-practices/web-constables_hr/",
    f"{BASE}/ran-practices/web-constables_en?prefLang=ru#top",
    "web-constables_en.html",
    "Web-Constables_EN",
])
def test_every_address_of_a_practice_gives_one_slug(url: str) -> None:
    assert practice_slug(url) == "web-constables"


def test_slug_of_an_address_without_a_path_is_none() -> None:
    assert practice_slug("https://home-affairs.ec.europa.eu/") is None
    assert practice_slug(f"{BASE}/ran-practices/other-practice_en") != "web-constables"


def test_a_file_named_like_a_collection_slug_gets_the_collection_address() -> None:
    assert collection_url("pages/web-constables_en.html") == f"{BASE}/ran-practices/web-constables_en"
    assert collection_url("Web Constables - Migration and Home Affairs.html") is None
    assert collection_url("notes.txt") is None


def test_values_run_together_are_split_by_the_vocabulary() -> None:
    assert split_values("Youth/pupils/studentsEducators/academicsFamiliesLocal community organisations/NGOs",
                        "audience") == ["Youth/pupils/students", "Educators/academics", "Families",
                                        "Local community organisations/NGOs"]
    # a value no wording covers is kept as written, between known ones
    assert split_values("Prison / probationFamilies", "audience") == ["Prison / probation", "Families"]
    assert split_values("FormersVulnerable youth in P/CVE", "themes") == ["Formers", "Vulnerable youth in P/CVE"]
    assert split_values("Families", "audience") == ["Families"]


def test_copied_page_in_dutch_becomes_a_practice() -> None:
    p = parse_text(COPIED_NL, "brug-naar-morgen_nl.txt")
    assert p.layout == "web_page"
    assert p.title == "Brug naar Morgen: mentoring voor kwetsbare jongeren"
    assert p.country_code == "NL"
    assert p.audience == ("Youth/pupils/students", "Families", "Educators/academics")
    assert set(p.themes) == {"Family support", "Polarisation"}
    assert p.peer_reviewed is True
    assert p.last_update == 2022
    assert p.organisation_type == "NGO"
    assert p.sections["organisation"].startswith("Stichting Brug")
    assert ORG_PROFILE in p.sections["organisation"] and ORG_PROFILE_2 in p.sections["organisation"]
    description = p.sections["description"]
    assert description.startswith(DESCRIPTION_NL[:40]) and "supervisie" in description
    assert "handboek" in p.sections["deliverables"]
    assert ORG_PROFILE not in description and ORG_PROFILE_2 not in description
    for never in ("Anouk", "Read the full practice", "KB - PDF", "Legal notice",
                  "Logo van", "Skip to main content", "18 April 2024", "Type of Organisation"):
        assert all(never not in text for text in p.sections.values()), never
    assert "Anouk" in p.contacts and "brug@example.org" in p.contacts
    assert p.url == f"{BASE}/ran-practices/brug-naar-morgen_en"


def test_hyphen_list_page_without_site_text() -> None:
    p = parse_text(HYPHEN_PAGE, "strassenfussball.txt")
    assert p.layout == "web_page"
    assert p.title == "Straßenfußball für Toleranz"
    assert p.country_code == "DE" and p.last_update == 2021
    assert p.audience == ("Youth/pupils/students", "Youth workers")
    assert p.themes == ("Youth engagement",)
    assert "Leipzig" in p.sections["organisation"] and "Leipzig" not in p.sections["description"]
    assert "fair-play rules" in p.sections["description"]
    assert "Jonas" in p.contacts and "Jonas" not in p.sections["description"]
    assert p.url is None  # a file name that is no Collection slug gives no address


def test_bullet_values_and_no_skip_link() -> None:
    p = parse_text(BULLET_PAGE, "voices.txt")
    assert p.layout == "web_page"
    assert p.title == "Voices of survivors in the classroom"
    assert p.audience == ("Youth/pupils/students", "Educators/academics")
    assert p.themes == ("Victims of terrorism",)
    assert p.organisation_type == "Other"
    assert "secondary schools" in p.sections["description"]
    assert "Share this page" not in p.sections["description"]


def test_saved_page_in_german_without_h1_takes_its_title_from_the_head() -> None:
    canonical = f"{BASE}/ran-practices/beratungsnetzwerk-nord_de"
    data = _html(HTML_BODY_DE, title="Beratungsnetzwerk Nord: Familienberatung - Migration and Home Affairs",
                 lang="de", canonical=canonical)
    p = parse_bytes(data, "saved.html")
    assert p.layout == "web_page" and p.format == "html"
    assert p.title == "Beratungsnetzwerk Nord: Familienberatung"
    assert p.language == "de"
    assert p.url == canonical
    assert p.audience == ("Families", "Social workers") and p.themes == ("Family support",)
    assert p.organisation_type == "NGO"
    assert "vertrauliche Beratung" in p.sections["description"]
    assert "Verein in Hamburg" in p.sections["organisation"]
    assert "evaluiert" in p.sections["evaluation"]
    assert "Petra" in p.contacts
    for never in ("Facebook", "Share this page", "Legal notice", "Hauptinhalt", "Petra"):
        assert never not in p.sections["description"], never


def test_saved_page_without_any_title_takes_it_from_its_address() -> None:
    canonical = f"{BASE}/ran-practices/family-counselling-north_en"
    p = parse_bytes(_html(HTML_BODY_DE, canonical=canonical), "page.html")
    assert p.layout == "web_page"
    assert p.title.lower() == "family counselling north"
    assert any("title taken from the page's address" in w for w in p.warnings)


@pytest.mark.skipif(not DEV2.is_dir(), reason="needs ../shared/eval/dev2")
@pytest.mark.parametrize("name, title, code, org_type", [
    ("301_33f6c7b09922be7c.html", "KOMPASS: exit and deradicalisation support by the probation organisation NEUSTART",
     "AT", "NGO"),
    ("312_bf09db8c0f2c1cd3.html", "Web Constables", "EE", "Governmental institution"),
    ("306_3e361045d4002155.txt", "Extreme Dialogue", "GB", "Other"),
])
def test_dev2_collection_pages(name: str, title: str, code: str, org_type: str) -> None:
    p = parse_file(DEV2 / name)
    assert p.layout == "web_page" and p.language == "en"
    assert p.title == title and p.country_code == code and p.organisation_type == org_type
    assert len(p.sections["description"].split()) >= 150
    assert p.contacts and "example.org" not in p.sections["description"]
    # the organisation's profile is not the practice's description
    first_org_paragraph = p.sections["organisation"].split("\n\n")[1]
    assert first_org_paragraph not in p.sections["description"]
    for never in ("Share this page", "Skip to main content", "Migration and Home Affairs", "Legal notice"):
        assert all(never not in text for text in p.sections.values()), never
    if name.endswith(".html"):
        assert p.url is not None and practice_slug(p.url) and p.url.startswith(BASE)


CROATIAN_NO_TITLE = """Logotip Europske komisije
Migration and Home Affairs
3 ožujka 2023

Country
Croatia
Target Audience
Youth/pupils/studentsFamilies
Organisation
Udruga Most

Udruga Most je nevladina organizacija iz Splita koja radi s mladima.

Type of Organisation: NGO

Project description

Program mentorstva za mlade u riziku od radikalizacije. Mentori se sastaju s mladima svaki tjedan.

Contact details
Contact person: Ana
"""


def test_page_without_title_or_skip_link_in_croatian_takes_its_title_from_the_file_slug() -> None:
    p = parse_text(CROATIAN_NO_TITLE, "udruga-most-mentoring_hr.txt")
    assert p.layout == "web_page"
    assert p.title == "Udruga most mentoring"
    assert p.country_code == "HR" and p.audience == ("Youth/pupils/students", "Families")
    assert p.url == f"{BASE}/ran-practices/udruga-most-mentoring_en"
    assert p.sections["organisation"].startswith("Udruga Most")
    assert "Splita" not in p.sections["description"] and "mentorstva" in p.sections["description"]
    assert "ožujka" not in " ".join(p.sections.values())
    assert "Ana" in p.contacts


def test_a_collection_page_with_its_headings_in_another_language_fills_their_fields() -> None:
    """The Commission's site serves a page in the reader's language: its headings are the
    template's labels in other words than the catalogue's ("Preuves et évaluation", not
    "Éléments probants et évaluation"), found tolerantly and by similarity."""
    body = (HTML_BODY_DE.replace("Evidence and evaluation", "Preuves et évaluation")
            .replace("<h3>Contact details</h3>", "<h3>Durabilité et transférabilité</h3><p>Le Land finance "
                     "les postes jusqu'en 2027 ; la méthode est reprise par deux autres villes.</p>"
                     "<h3>Pays d'origine</h3><p>Allemagne</p><h3>Contact details</h3>"))
    p = parse_bytes(_html(body, lang="fr", canonical=f"{BASE}/ran-practices/beratungsnetzwerk-nord_fr"), "nord.html")
    assert p.layout == "web_page"
    assert "evaluiert" in p.sections["evaluation"] and "evaluiert" not in p.sections["description"]
    assert "deux autres villes" in p.sections["sustainability"]
    assert p.country_code == "DE"


@pytest.mark.parametrize("audience_label, themes_label, audience", [
    ("Public visé", "association de thèmes clés", ("Familles", "Travailleurs sociaux")),
    ("Zielpublikum", "Verknüpfung der Schlüsselthemen", ("Angehörige", "Communauté en ligne")),
])
def test_facet_labels_the_site_translated_are_told_by_their_values(audience_label: str, themes_label: str,
                                                                   audience: tuple[str, str]) -> None:
    """The site translates its facet labels too: a label no catalogue names is the facet its
    values belong to, or, for a list whose values the vocabulary does not know either, the
    site's next list facet (audience, then themes). None of it is the organisation."""
    body = "<h1>Beratungsnetzwerk Nord</h1>" + (
        HTML_BODY_DE.replace("<div>Target Audience</div>", f"<div>{audience_label}</div>")
            .replace("<div>key themes association</div>", f"<div>{themes_label}</div>")
            .replace("<li>Families</li><li>Social workers</li>", "".join(f"<li>{v}</li>" for v in audience))
            .replace("<li>Family support</li>", "<li>Soutien aux familles</li><li>Radicalisation en ligne</li>"))
    p = parse_bytes(_html(body, lang="fr", canonical=f"{BASE}/ran-practices/beratungsnetzwerk-nord_fr"), "nord.html")
    assert p.layout == "web_page" and p.title == "Beratungsnetzwerk Nord"
    assert "Families" in p.audience and "Family support" in p.themes
    assert "Radicalisation en ligne" in p.sections["themes"]
    assert audience_label not in p.sections["organisation"] and "Soutien" not in p.sections["organisation"]
    assert p.sections["organisation"].startswith("Beratungsnetzwerk Nord")


def test_the_organisations_own_list_is_no_facet() -> None:
    """Only a label line over a list among the facets can be a facet the site translated; the
    organisation's heading over a list of its work is the organisation."""
    body = """<h1>Beratungsnetzwerk Nord</h1><div class="facets"><div>Country</div><ul><li>Germany</li></ul></div>
<section><h2>Verein Beratungsnetzwerk Nord</h2><ul><li>Gegründet 2005 in Hamburg</li><li>Zwölf Beraterinnen</li></ul>
<p>Type of Organisation: NGO</p></section><section><h2>Project description</h2>
<p>Eltern, deren Kinder sich extremistischen Gruppen anschließen, erhalten vertrauliche Beratung.</p></section>"""
    p = parse_bytes(_html(body, canonical=f"{BASE}/ran-practices/beratungsnetzwerk-nord_de"), "nord.html")
    assert p.audience == () and p.themes == ()
    assert "Gegründet 2005" in p.sections["organisation"]
