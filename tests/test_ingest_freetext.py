"""Practices that do not follow the template are kept (layout ``free_text``), unless strict mode refuses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ransearch.errors import ParseError
from ransearch.ingest import parse_bytes, parse_file, parse_files, parse_text

# Ten practice pages from elsewhere than the template: an NGO's project page, a city's page, a
# catalogue entry, a news item; English, French, German and Dutch; HTML and text.
PAGES: dict[str, tuple[str, str, str]] = {
    # file name: (content, expected title, a phrase of its description)
    "ngo-project.html": ("""<!DOCTYPE html><html lang="en"><head><title>Bridges - Youth Action Network</title></head>
<body><nav><a>Home</a><a>Donate</a></nav><main><h1>Bridges: peer mentoring against online hate</h1>
<p>Young volunteers aged 18 to 25 mentor teenagers who spend their evenings in extremist chat groups. Each pair meets
every week for six months, online and in person.</p>
<h2>How it works</h2><ul><li>Referral by schools and youth clubs</li><li>Training of mentors over three weekends</li></ul>
<h2>Contact</h2><p>Contact person: Sam<br>Email: bridges@example.org</p></main>
<footer>© Youth Action Network</footer></body></html>""", "Bridges: peer mentoring against online hate",
                         "mentor teenagers"),
    "city-page.html": ("""<!DOCTYPE html><html lang="fr"><head><title>Ville de Lune - Prévention</title></head><body>
<header><a>Accueil</a></header><main><h1>Cellule municipale de prévention de la radicalisation</h1>
<p>La ville réunit chaque mois la police locale, les écoles, le CPAS et les éducateurs de rue pour examiner, de façon
confidentielle, la situation de jeunes qui inquiètent leurs proches.</p>
<h2>Évaluation</h2><p>Une évaluation menée en 2021 montre que les partenaires se connaissent mieux.</p></main>
</body></html>""", "Cellule municipale de prévention de la radicalisation", "police locale"),
    "catalogue-entry.html": ("""<!DOCTYPE html><html lang="de"><head><title>Praxisdatenbank: Eltern stärken</title></head>
<body><main><table><tr><th>Projekt</th><td>Eltern stärken</td></tr>
<tr><th>Träger</th><td>Familienzentrum Süd</td></tr>
<tr><th>Kurzbeschreibung</th><td>Eltern, die sich um die Radikalisierung ihres Kindes sorgen, treffen sich in
moderierten Gesprächsgruppen und erhalten Einzelberatung.</td></tr></table></main></body></html>""",
                             "Praxisdatenbank: Eltern stärken", "Gesprächsgruppen"),
    "news-item.html": ("""<!DOCTYPE html><html lang="nl"><head><title>Nieuws</title></head><body><main><article>
<h1>Buurtvaders gaan in gesprek met jongeren</h1><p>12 maart 2023</p>
<p>In de wijk Oost lopen vaders uit de buurt 's avonds rondes en spreken zij jongeren aan die zich laten meeslepen
door haatdragende filmpjes. De gemeente betaalt de training van de vrijwilligers.</p></article></main></body></html>""",
                       "Buurtvaders gaan in gesprek met jongeren", "haatdragende filmpjes"),
    "exit-programme.html": ("""<html><body><h2>Exit programme for former right-wing extremists</h2>
<p>Former members of violent groups are supported by a case manager for up to two years: housing, work, and
distance from the old scene.</p></body></html>""", "Exit programme for former right-wing extremists",
                            "case manager"),
    "ngo-project-fr.txt": ("""Théâtre-forum contre les discours de haine

Une compagnie de théâtre joue dans les collèges une courte pièce sur le harcèlement en ligne, puis les élèves
remplacent les acteurs pour essayer d'autres réactions.

Public : élèves de 12 à 15 ans, enseignants.
Contact : theatre@example.org
""", "Théâtre-forum contre les discours de haine", "harcèlement en ligne"),
    "stadt-seite.txt": ("""# Kommunale Koordinierungsstelle gegen Extremismus

Die Stadt hat eine Koordinierungsstelle eingerichtet, die Fachkräfte aus Schule, Jugendhilfe und Polizei berät,
wenn sie sich um einen jungen Menschen sorgen.

## Angebote

- Fortbildungen für Lehrkräfte
- Fallberatung innerhalb von drei Tagen
""", "Kommunale Koordinierungsstelle gegen Extremismus", "Jugendhilfe"),
    "catalogus.txt": ("""Weerbare scholen

Scholen krijgen ondersteuning bij gesprekken over polarisatie in de klas. Een trainer bereidt samen met docenten
lessen voor en komt terug na incidenten.

Doelgroep: docenten en leerlingen in het voortgezet onderwijs
Organisatie: Stichting Weerbaar
Telefoon: +00 000 000 000
""", "Weerbare scholen", "polarisatie in de klas"),
    "news-en.txt": ("""Local football clubs train coaches to spot radicalisation

Twenty coaches from amateur clubs took part in a two-day course on recognising early signs of radicalisation among
players and on where to turn for advice. The league plans to offer the course every season.
""", "Local football clubs train coaches to spot radicalisation", "amateur clubs"),
    "a_long_file_name-without-title.txt": ("""Parents, teachers and social workers meet once a month in the library to \
talk about what worries them in young people's online lives, with a psychologist who answers their questions. The \
meetings are free and anonymous.
""", "A long file name without title", "psychologist"),
}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "pages"
    corpus.mkdir()
    for name, (content, _, _) in PAGES.items():
        (corpus / name).write_text(content, "utf-8")
    return corpus


def test_ten_pages_outside_the_template_are_all_kept(folder: Path) -> None:
    paths = sorted(folder.iterdir())
    results = parse_files(paths)
    assert not [r for r in results if isinstance(r, ParseError)]
    by_name = {Path(r.source).name: r for r in results if not isinstance(r, ParseError)}
    languages = set()
    for name, (_, title, phrase) in PAGES.items():
        p = by_name[name]
        assert p.layout in {"free_text", "free_text_partial"}, name
        assert p.title == title, name
        assert phrase in p.sections["description"], name
        assert any("not laid out as the RAN practice template" in w for w in p.warnings), name
        languages.add(p.language)
    assert {"en", "fr", "de", "nl"} <= languages


def test_free_text_keeps_contacts_and_site_furniture_out(folder: Path) -> None:
    p = parse_file(folder / "ngo-project.html")
    assert "Sam" in p.contacts and "Sam" not in p.sections["description"]
    assert "Donate" not in p.sections["description"] and "©" not in p.sections["description"]
    # the page's own headings stay in its text, on lines of their own
    assert "\n\nHow it works\n\n" in p.sections["description"]
    assert "- Training of mentors" in p.sections["description"]
    city = parse_file(folder / "city-page.html")
    assert city.layout == "free_text_partial"  # its "Évaluation" heading is a template field
    assert "2021" in city.sections["evaluation"] and "2021" not in city.sections["description"]
    assert city.language == "fr"


def test_strict_template_refuses_them(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        with pytest.raises(ParseError, match="not a RAN practice description"):
            parse_file(path, strict_template=True)
    results = parse_files(sorted(folder.iterdir()), strict_template=True)
    assert all(isinstance(r, ParseError) for r in results)


def test_only_text_without_words_is_refused() -> None:
    with pytest.raises(ParseError, match="no readable text"):
        parse_text("*** --- ***\n\n• •", "x.txt")
    assert parse_text("Hello", "hello.txt").title == "Hello"


def test_index_keeps_them_and_strict_index_refuses_them(folder: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    from ransearch.engine import Engine
    from ransearch.errors import RansearchError
    from ransearch.indexing import build_index

    report = build_index([folder], tmp_path / "index", reindex_encoder)
    assert report.practices == len(PAGES) and not report.failed
    engine = Engine.open(tmp_path / "index", encoder=reindex_encoder)
    assert {p.title for p in engine.practices()} == {title for _, title, _ in PAGES.values()}
    with pytest.raises(RansearchError, match="no document could be indexed"):
        build_index([folder], tmp_path / "strict", reindex_encoder, strict_template=True)


def test_cli_strict_template(folder: Path) -> None:
    from typer.testing import CliRunner

    from ransearch.cli import _register, app

    _register()
    runner = CliRunner()
    kept = runner.invoke(app, ["parse", "--json", str(folder / "news-en.txt")])
    assert kept.exit_code == 0 and '"layout": "free_text"' in kept.stdout
    refused = runner.invoke(app, ["parse", "--strict-template", str(folder / "news-en.txt")])
    assert refused.exit_code == 1 and "not a RAN practice description" in refused.output


def test_word_and_pdf_files_outside_the_template_fall_back_too(tmp_path: Path) -> None:
    import docx
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    text = ("A youth centre invites former extremists to talk with groups of teenagers about how they were "
            "recruited and how they left.")
    document = docx.Document()
    document.add_heading("Formers in the youth centre", level=1)
    document.add_paragraph(text)
    document.add_heading("Evaluation", level=2)
    document.add_paragraph("Pupils filled in a questionnaire before and after each visit.")
    document.save(str(tmp_path / "formers.docx"))
    pdf = canvas.Canvas(str(tmp_path / "formers.pdf"), pagesize=A4)
    pdf.drawString(56, 780, "Formers in the youth centre")
    pdf.drawString(56, 740, text[:90])
    pdf.drawString(56, 726, text[90:])
    pdf.save()
    for name in ("formers.docx", "formers.pdf"):
        p = parse_file(tmp_path / name)
        assert p.layout in {"free_text", "free_text_partial"}, name
        assert p.title == "Formers in the youth centre", name
        assert "former extremists" in p.sections["description"], name
        with pytest.raises(ParseError, match="not a RAN practice description"):
            parse_file(tmp_path / name, strict_template=True)
    assert "questionnaire" in parse_file(tmp_path / "formers.docx").sections["evaluation"]


# A city's page built from <div>s: its menu, breadcrumb and related links are lists of links
# (one of them "Kontakt"), its cookie banner a dialog, its header and footer ARIA roles.
DIV_SITE = """<!DOCTYPE html><html lang="de"><head><title>Hayat - Stadt Beispielstadt</title></head><body>
<div role="dialog">Diese Website verwendet Cookies. <a href="#">Akzeptieren</a></div>
<div role="banner"><a href="/"><img alt="">Stadt Beispielstadt</a></div>
<div id="menu"><ul><li><a href="/">Startseite</a></li><li><a href="/buerger">Bürgerservice</a></li>
<li><a href="/politik">Politik</a><ul><li><a href="/rat">Stadtrat</a></li></ul></li><li><a href="/kontakt">Kontakt</a></li></ul></div>
<ol class="breadcrumb"><li><a href="/">Startseite</a></li><li><a href="/soziales">Soziales</a></li></ol>
<div class="content"><h1>Hayat: Beratung für Angehörige radikalisierter Menschen</h1>
<p>Die Beratungsstelle unterstützt seit 2012 Eltern, Geschwister und Freunde von Menschen, die sich dem gewaltbereiten
Salafismus zuwenden.</p>
<ul><li>Erstberatung am Telefon</li><li>Hausbesuche, siehe <a href="/faq">Fragen</a></li></ul>
<ul><li><a href="mailto:hayat@example.org">hayat@example.org</a></li><li><a href="tel:+49301234">030 1234</a></li></ul>
</div>
<div class="related"><ul><li><a href="/a">Stadtfest am Wochenende</a></li><li><a href="/b">Neue Öffnungszeiten</a></li></ul></div>
<div role="contentinfo">© 2024 Stadt Beispielstadt · Impressum</div>
</body></html>"""


def test_a_page_built_from_divs_keeps_its_menus_and_banners_out(tmp_path: Path) -> None:
    path = tmp_path / "hayat.html"
    path.write_text(DIV_SITE, "utf-8")
    p = parse_file(path)
    description = p.sections["description"]
    assert p.title == "Hayat: Beratung für Angehörige radikalisierter Menschen"
    assert "gewaltbereiten" in description
    # lists with text of their own, and lists of e-mail addresses and phone numbers, stay
    assert "- Erstberatung am Telefon" in description and "Fragen" in description
    assert "hayat@example.org" in p.contacts + description
    for furniture in ("Cookies", "Bürgerservice", "Stadtrat", "Kontakt\n", "Soziales", "Stadtfest", "Impressum",
                      "Stadt Beispielstadt"):
        assert furniture not in description + p.contacts, furniture


def test_a_list_of_links_inside_main_is_the_pages_own() -> None:
    page = ("<html><body><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul><main>"
            "<h1>Peer mentors online</h1><p>Young volunteers mentor teenagers in extremist chat groups.</p>"
            "<ul><li><a href='/t/youth'>Youth</a></li><li><a href='/t/families'>Families</a></li></ul></main></body></html>")
    description = parse_bytes(page.encode(), "mentors.html").sections["description"]
    assert "- Youth\n- Families" in description and "News" not in description


def test_a_list_item_naming_a_field_opens_no_field() -> None:
    """In a page's text a list item "Contact" or "Evaluation" is a point, not a heading."""
    page = ("<html><body><h1>Peer mentors online</h1><ul><li>Home</li><li>Contact</li></ul>"
            "<p>Young volunteers mentor teenagers in extremist chat groups.</p></body></html>")
    p = parse_bytes(page.encode(), "mentors.html")
    assert "Young volunteers mentor" in p.sections["description"] and not p.contacts


def test_a_date_field_ends_at_the_pages_next_heading() -> None:
    """"Last updated" opens a field of one date; the page's own sections after it are its prose."""
    page = b"""<html lang="en"><body><main><h1>Digital Resilience Champions</h1>
<dl><dt>Last updated</dt><dd>10 January 2024</dd></dl>
<h2>What happened</h2><p>The council trained pupils aged 14 to 16 to help classmates question extremist content.</p>
<h2>Outcomes</h2><p>96 pupils have been trained as champions since 2021.</p></main></body></html>"""
    p = parse_bytes(page, "champions.html")
    assert "96 pupils" in p.sections["description"] and "trained pupils" in p.sections["description"]
    assert "pupils" not in p.sections["last_update"]
    assert "\n\nOutcomes\n\n" in p.sections["description"]


def test_a_content_blocks_own_header_is_content_the_pages_header_is_not() -> None:
    """TYPO3 writes each content element as <div class="frame"><header><h2>…</h2></header>…: that
    header holds only its heading. The page's header holds a logo link and a menu."""
    page = """<html lang="de"><body>
<header id="page-header"><a href="/"><img alt="Logo"> Marktgemeinde Steinbach</a>
<nav><ul><li><a href="/a">Amtstafel</a></li><li><a href="/f">Formulare</a></li></ul></nav></header>
<div id="c1" class="frame"><header><h1>Kompass – Präventionsstelle gegen Extremismus</h1></header></div>
<div id="c2" class="frame"><header><h2>Worum geht es?</h2></header>
<p>Die Stelle berät Familien, Schulen und Vereine, wenn junge Menschen sich extremistischen Gruppen zuwenden.</p></div>
<div id="c3" class="frame"><header><h2>Unser Angebot</h2></header>
<p>Vertrauliche Beratung innerhalb von drei Tagen, Workshops für Lehrkräfte und Elternabende.</p></div>
</body></html>""".encode()
    p = parse_bytes(page, "kompass.html")
    assert p.title == "Kompass – Präventionsstelle gegen Extremismus"
    description = p.sections["description"]
    assert "\n\nUnser Angebot\n\n" in description and "Worum geht es?" in description
    assert "Workshops für Lehrkräfte" in description
    assert "Marktgemeinde" not in description and "Amtstafel" not in description


def test_a_sites_default_language_gives_way_to_the_pages_own() -> None:
    """WordPress declares lang="en-US" over pages written in Dutch; a page that declares Danish and
    reads much like Norwegian keeps its declaration."""
    dutch = """<html lang="en-US"><body><main><h1>Sterke Ouders</h1><p>Ouders van jongeren die radicaliseren
krijgen steun van een vaste begeleider. Zij leren signalen herkennen, praten met hun kind en vinden hulp
bij de gemeente, de school en het jongerenwerk in hun eigen wijk.</p></main></body></html>"""
    assert parse_bytes(dutch.encode(), "ouders.html").language == "nl"
    danish = """<html lang="da"><body><main><h1>Stærke forældre</h1><p>Forældre til unge, der bliver
radikaliseret, får støtte fra en fast mentor. De lærer at genkende tegn, tale med deres barn og finde
hjælp hos kommunen, skolen og ungdomsklubben i deres eget kvarter.</p></main></body></html>"""
    assert parse_bytes(danish.encode(), "foraeldre.html").language == "da"


def test_a_menu_of_links_in_a_div_is_navigation_outside_main() -> None:
    """A site built of <div>s: a paragraph of two links or more and no other text, outside <main>,
    is a menu; inside <main> it is the page's own (links to its documents)."""
    page = """<html lang="sv"><body>
<div class="main-menu"><a href="/omsorg">Omsorg och stöd</a> <a href="/skola">Förskola och skola</a></div>
<section><h1>Tidiga insatser mot våldsbejakande extremism</h1>
<p>Kommunen samordnar skolan, socialtjänsten och polisen när en ung person visar tecken på radikalisering.</p>
<div class="links">Läs mer: <a href="/rapport.pdf">Utvärdering 2022</a> och <a href="/handbok.pdf">Handbok</a></div>
</section></body></html>"""
    p = parse_bytes(page.encode(), "tidiga.html")
    assert "Omsorg och stöd" not in p.sections["description"]
    assert "samordnar skolan" in p.sections["description"]
    assert "Utvärdering 2022" in p.sections["description"]  # not all its words are links
    inside = page.replace("<section>", "<main>").replace("</section>", "</main>").replace(
        "Läs mer: ", "").replace(" och ", " | ")
    assert "Utvärdering 2022" in parse_bytes(inside.encode(), "tidiga.html").sections["description"]


FURNISHED_POST = """<html lang="en"><body><main class="site-main"><article class="post">
<h1>Peer mentors online</h1>
<div class="entry-content"><p>Young volunteers mentor teenagers they meet in extremist chat groups.</p>
<p>Each mentor is trained for six weeks and supervised by a youth worker of the city.</p></div>
<div class="sharedaddy sd-social"><h3>Share this:</h3><a href="/s/fb">Facebook</a> <a href="/s/x">X</a></div>
<div id="jp-relatedposts"><h3>Related</h3><p><a href="/p/1">Summer festival in the park</a></p></div>
<nav class="navigation post-navigation"><a href="/prev">Previous post</a></nav>
<div class="gem-c-breadcrumbs"><span>Home</span> › <span>Youth</span></div>
<div id="comments" class="comments-area"><p>Anna wrote: great initiative, our school sees the same.</p></div>
<div class="cookieNotice">We use cookies to improve this site.</div>
</article></main></body></html>"""


def test_furniture_named_by_its_class_is_dropped_inside_main() -> None:
    """Share buttons, related posts, breadcrumbs, comments and a cookie notice inside <main> are
    every site's parts, not the practice's: their class or id says so (in English, whatever the
    page's language, as CMS themes name them)."""
    p = parse_bytes(FURNISHED_POST.encode(), "mentors.html")
    text = p.sections["description"] + p.contacts
    assert "trained for six weeks" in text and "extremist chat groups" in text
    for furniture in ("Share this", "Facebook", "Summer festival", "Related", "Youth", "Anna wrote", "cookies"):
        assert furniture not in text, furniture


def test_a_wrapper_named_like_furniture_is_the_page() -> None:
    """A class names what an element is about as well as what it is: a wrapper holding the page's
    <main> or <h1>, or most of its text, is content whatever its name."""
    wrapped = FURNISHED_POST.replace('<main class="site-main">', '<div class="layout has-sidebar"><main>').replace(
        "</main>", "</main></div>")
    assert "trained for six weeks" in parse_bytes(wrapped.encode(), "mentors.html").sections["description"]
    tagged = """<html lang="en"><body><div class="menu-bar">Menu</div>
<div class="post tag-social-cohesion category-youth"><h2>Peer mentors online</h2>
<p>Young volunteers mentor teenagers they meet in extremist chat groups.</p>
<p>Each mentor is trained for six weeks and supervised by a youth worker of the city.</p></div></body></html>"""
    assert "trained for six weeks" in parse_bytes(tagged.encode(), "mentors.html").sections["description"]


def test_furniture_inside_a_menu_or_a_table_loses_nothing_else() -> None:
    """Rows dropped as a menu before the page ends leave the furniture after them in place to be
    dropped, and the content after both stays."""
    page = """<html lang="en"><body><ul><li><a href="/">Home</a></li><li><a href="/n">News</a>
<span class="share"><a href="/s">Share</a></span></li></ul>
<main><h1>Peer mentors online</h1><table><tr><td>Young volunteers mentor teenagers in extremist chat groups.
<div class="social-links"><a href="/fb">Facebook</a></div></td></tr></table>
<p class="byline">By the editors</p><p>Each mentor is trained for six weeks by a youth worker.</p></main></body></html>"""
    p = parse_bytes(page.encode(), "mentors.html")
    description = p.sections["description"]
    assert "Young volunteers mentor" in description and "trained for six weeks" in description
    assert "By the editors" not in description and "News" not in description


def test_a_page_that_names_no_country_takes_its_sites() -> None:
    """A municipality's page rarely says which country it is in; its address does (".at"). A
    page on a domain of no country (".eu", ".org") stays without one."""
    page = ("<html lang='de'><head><link rel='canonical' href='https://www.steinbach.gv.at/kompass'></head><body><main>"
            "<h1>Kompass</h1><p>Die Stelle berät Familien, wenn junge Menschen sich extremistischen Gruppen zuwenden.</p>"
            "</main></body></html>")
    p = parse_bytes(page.encode(), "kompass.html")
    assert p.country_code == "AT" and "country code AT taken from the page's address" in p.warnings
    assert not any(w.startswith("no country") for w in p.warnings)
    eu = parse_bytes(page.replace("www.steinbach.gv.at", "example.eu").encode(), "kompass.html")
    assert eu.country_code is None
    named = parse_bytes(page.replace("</p>", "</p><h2>Country of origin</h2><p>Germany</p>").encode(), "kompass.html")
    assert named.country_code == "DE"  # what the page says comes first


def test_a_heading_of_another_language_opens_a_field_only_if_catalogued_word_for_word() -> None:
    """The catalogue knows labels in every EU language; those of a language known by its labels
    alone are matched word for word, not by their stems: "Partners" is not the Slovak
    "Partnerské preskúmanie" (peer review). A footer or navigation <div> is the site's."""
    page = """<html lang="en"><body><div class="site-nav"><div><a href="/">Home</a></div>
<div><a href="/partners">Partners</a></div></div>
<div class="page"><h2>Youth Workers Online</h2><p>A blended course for youth workers who meet young people in online games.</p>
<h3>Partners</h3><p>Six organisations from Belgium, Greece and Finland developed the course together.</p></div>
<div id="SITE_FOOTER" class="wixui-footer"><p>Project number: 2021-2-BE05-KA220-YOU-000000000</p></div></body></html>"""
    p = parse_bytes(page.encode(), "course.html")
    assert not p.sections["peer_reviewed"] and p.peer_reviewed is None
    assert "Six organisations" in p.sections["description"]
    assert "Project number" not in p.sections["description"] + p.contacts
    assert "Home" not in p.sections["description"]


OLD_TABLE_SITE = """<html lang="it"><head><title>Progetto Ponti: mediazione culturale nelle carceri</title></head><body>
<table id="main_table"><tr><td colspan="2">Associazione Ponti - dal 1998 accanto alle persone detenute</td></tr>
<tr><td colspan="2"><a href="/">Home</a> | <a href="/progetti">Progetti</a> | <a href="/contatti">Contatti</a></td></tr>
<tr><td><table class="moduletable"><tr><th>Menu</th></tr><tr><td><ul class="menu">
<li><a href="/notizie">Notizie</a></li><li><a href="/dona">Dona il 5x1000</a></li></ul></td></tr></table></td>
<td><table><tr><td class="contentheading">Progetto Ponti: mediazione culturale nelle carceri</td></tr>
<tr><td><p>Mediatori culturali incontrano ogni settimana le persone detenute per prevenire la radicalizzazione violenta.</p>
<p>Dal 2017 dodici mediatori affiancano gli educatori penitenziari nei colloqui con i giovani adulti.</p></td></tr>
</table></td></tr></table></body></html>"""


def test_a_layout_tables_menus_and_header_are_not_the_practice() -> None:
    """A site laid out in a table (Joomla 1.5 and its age): a cell of links is a menu, and what
    stands before the page's title (a tagline, a menu's "Contatti") is the site's header, which
    opens no field."""
    p = parse_bytes(OLD_TABLE_SITE.encode(), "ponti.html")
    assert p.title == "Progetto Ponti: mediazione culturale nelle carceri"
    description = p.sections["description"]
    assert "Mediatori culturali" in description and "Dal 2017 dodici mediatori" in description
    assert not p.contacts
    for furniture in ("Home", "Contatti", "Notizie", "Dona il", "dal 1998", "Menu", "Progetto Ponti:"):
        assert furniture not in description, furniture
    downloads = OLD_TABLE_SITE.replace("</table></td></tr></table>", "</table></td></tr><tr><td colspan='2'>"
                                       "<a href='/manuale.pdf'>Manuale per i mediatori</a><br>"
                                       "<a href='/valutazione.pdf'>Rapporto di valutazione</a></td></tr></table>")
    assert "Manuale per i mediatori" in parse_bytes(downloads.encode(), "ponti.html").sections["description"]


def test_a_cell_of_links_under_a_label_is_its_value() -> None:
    """A template table's value may be links ("EU links": the programmes' pages); only a cell of
    links that no label heads is a menu."""
    page = """<html lang="en"><body><table>
<tr><td>Name of the practice</td><td>Peer mentors online</td></tr>
<tr><td>Description</td><td>Young volunteers mentor teenagers they meet in extremist chat groups.</td></tr>
<tr><td>Linkages to other EU initiatives or EU funding</td><td><a href="/yn">Youth Peer Network</a>,
<a href="/ss">Safe Schools Alliance</a></td></tr></table></body></html>"""
    p = parse_bytes(page.encode(), "mentors.html")
    assert "Youth Peer Network" in p.sections["eu_links"] and "Safe Schools Alliance" in p.sections["eu_links"]


def test_content_before_the_title_stays_and_a_logo_heading_is_not_the_title() -> None:
    """Only short lines before the title are a site's header; a paragraph there is the page's.
    An <h1> that the <title> names as the site ("… | SAFE-NET") is a logo: the heading the
    <title> opens with is the practice's."""
    lead = ("<html lang='en'><body><p>Young volunteers mentor teenagers they meet in extremist chat groups, "
            "online and in the youth centres of the city.</p><h2>Peer mentors online</h2>"
            "<p>Each mentor is trained for six weeks.</p></body></html>")
    assert "Young volunteers mentor" in parse_bytes(lead.encode(), "mentors.html").sections["description"]
    repeated = ("<html lang='en'><head><title>Peer mentors online</title></head><body><p>Young volunteers</p>"
                "<ul><li>Referral by schools</li><li>Training over three weekends</li></ul>"
                "<p>The city youth service pays for the training of the volunteers and for their supervision.</p>"
                "<h3>Peer mentors online</h3><p>More in the yearly report.</p></body></html>")
    kept = parse_bytes(repeated.encode(), "mentors.html").sections["description"]
    assert "Young volunteers" in kept and "Referral by schools" in kept  # a sentence above: no site header
    logo = """<html lang="en"><head><title>Youth Workers Online | SAFE-NET Erasmus+ project</title></head><body>
<div class="site-header"><h1><a href="/">SAFE-NET</a></h1><p>Strengthening frameworks in neighbourhoods</p></div>
<div class="page"><h2>Youth Workers Online: digital youth work against polarisation</h2>
<p>A blended training course for youth workers who want to reach young people in online games.</p></div></body></html>"""
    p = parse_bytes(logo.encode(), "course.html")
    assert p.title == "Youth Workers Online: digital youth work against polarisation"
    assert "Strengthening" not in p.sections["description"] and "blended training" in p.sections["description"]


def test_the_page_goes_on_after_a_contact_heading_in_mid_page() -> None:
    """"Contact" in mid-page opens the contacts; a later heading over sentences is the page's
    content again. A footer's short lines after the contacts stay out of the text."""
    page = b"""<html lang="en"><body><main><h1>Digital Resilience Champions</h1>
<p>The council trained pupils aged 14 to 16 to help classmates question extremist content online.</p>
<h2>Contact</h2><p>Prevent team, Kirkdale Borough Council</p>
<h2>Outcomes</h2><p>96 pupils have been trained as champions since 2021 and they delivered 140 sessions.</p>
</main></body></html>"""
    p = parse_bytes(page, "champions.html")
    assert "\n\nOutcomes\n\n96 pupils" in p.sections["description"]
    assert "Prevent team" in p.contacts and "96 pupils" not in p.contacts
    footer = page.replace(b"<h2>Outcomes</h2>", b"<h3>Opening hours</h3><p>Monday to Friday: 8:00 to 12:00</p><h2>Outcomes</h2>")
    hours = parse_bytes(footer, "champions.html")  # a part of short lines after the contacts is theirs
    assert "Monday to Friday" in hours.contacts and "Monday" not in hours.sections["description"]
    assert "96 pupils" in hours.sections["description"]


@pytest.mark.parametrize("contacts, code", [
    ("Kompass, Hauptplatz 3\nTelefon: +43 7252 000 00\nE-Mail: kompass@steinbach.example.at", "AT"),
    ("Per informazioni: ponti@associazioneponti.example.it – tel. 011 000 0000", "IT"),
    ("Tel. +32 (0)2 123 45 67", "BE"),
    ("www.hayat.de, info@hayat.de, +43 1 234 5678", None),  # two countries: none
    ("info@safe-net.eu, https://www.safe-net.org", None),  # domains of no country
])
def test_a_practice_that_names_no_country_takes_its_contacts(contacts: str, code: str | None) -> None:
    """Contact details tell the country a page does not name: the country domains of e-mail and
    web addresses, and phones' international codes, when they agree on one."""
    page = (f"<html lang='en'><body><main><h1>Peer mentors online</h1><p>Young volunteers mentor teenagers "
            f"they meet in extremist chat groups.</p><h2>Contact</h2><p>{contacts}</p></main></body></html>")
    p = parse_bytes(page.encode(), "mentors.html")
    assert p.country_code == code
    assert ("country code" in " ".join(p.warnings)) == (code is not None)


def test_a_few_words_before_an_e_mail_address_are_contacts_in_any_language() -> None:
    """"Per informazioni: ponti@…" is a contact line wherever it stands; "Organisation: … (info@…)"
    names a field, and stays the page's text."""
    page = ("<html lang='it'><body><main><h1>Progetto Ponti</h1><p>Mediatori culturali incontrano le persone "
            "detenute.</p><p>Per informazioni: ponti@associazioneponti.example.it</p>"
            "<p>Organisation: Associazione Ponti (info@ponti.example.it)</p></main></body></html>")
    p = parse_bytes(page.encode(), "ponti.html")
    assert "ponti@associazioneponti" in p.contacts and "Per informazioni" not in p.sections["description"]
    assert "Organisation: Associazione Ponti" in p.sections["description"] and "Organisation" not in p.contacts


def test_a_date_under_a_heading_like_a_list_fields_is_no_value_of_it() -> None:
    """GOV.UK's "Published" reads like "Public cible" (target audience) by its stem; a date is
    never an audience: the heading and its date stay the page's text."""
    page = b"""<html lang="en"><body><main><h1>Digital Resilience Champions</h1>
<dl><dt>Published</dt><dd>3 May 2022</dd><dt>Last updated</dt><dd>10 January 2024</dd></dl>
<h2>What happened</h2><p>The council trained pupils aged 14 to 16 to help classmates question extremist content.</p>
</main></body></html>"""
    p = parse_bytes(page, "champions.html")
    assert p.audience == () and not p.sections["audience"]
    assert "3 May 2022" in p.sections["description"] and p.last_update == 2024


def test_collapsed_accordion_panels_are_the_pages_content() -> None:
    """A page saved with its accordion closed keeps each section's text in a hidden panel, under
    a heading whose text is the toggle's <button>: the panel is content when its toggle names
    it (aria-controls) or its class says it is a panel (ECL, GOV.UK, Bootstrap, jQuery UI); any
    other hidden element (a dialog, a template) is not."""
    page = b"""<html lang="en"><body><main><h1>Peer mentors online</h1>
<p>Young volunteers mentor teenagers they meet in extremist chat groups in the city.</p>
<h3 class="ecl-accordion__title"><button class="ecl-accordion__toggle">Evidence and evaluation</button></h3>
<div class="ecl-accordion__content" hidden><p>An independent evaluation interviewed 35 participants.</p></div>
<h3><button aria-controls="s2" aria-expanded="false">Sustainability and transferability</button></h3>
<div id="s2" style="display: none"><p>Two other cities have taken the mentor model over.</p></div>
<div id="newsletter-dialog" hidden><p>Subscribe to our newsletter for monthly news from the city.</p></div>
<button aria-controls="share-box">Share</button><div id="share-box" style="display:none"><p>Send this page on.</p></div>
<div class="login-panel" hidden><p>Members sign in here to see internal documents.</p></div>
<table><tr><th><h3>Print</h3></th><td><button>Print this page</button></td></tr></table>
</main></body></html>"""
    p = parse_bytes(page, "mentors.html")
    assert "35 participants" in p.sections["evaluation"]
    assert "Two other cities" in p.sections["sustainability"]
    text = " ".join(p.sections.values())
    for hidden in ("newsletter", "Send this page", "Members sign in", "Print this page"):
        assert hidden not in text, hidden


def test_a_definition_lists_terms_are_labels() -> None:
    """A page's facts as a definition list: each <dt> labels the <dd> after it, as a table's label
    cell does, so a list field it opens ("Zielgruppe") ends at the next term."""
    page = """<html lang="de"><body><main><h1>Wegweiser Jugend</h1>
<dl><dt>Träger</dt><dd>Landesjugendring Sachsen-Anhalt e.V.</dd><dt>Zielgruppe</dt><dd>Jugendliche, Lehrkräfte</dd>
<dt>Laufzeit</dt><dd>seit 2017</dd><dt>Bundesland</dt><dd>Sachsen-Anhalt</dd></dl>
<h2>Projektbeschreibung</h2><p>Wegweiser Jugend berät junge Menschen, die sich rechtsextremen Gruppen annähern.</p>
</main></body></html>"""
    p = parse_bytes(page.encode(), "wegweiser.html")
    assert p.audience == ("Youth/pupils/students", "Educators/academics")
    assert "Sachsen-Anhalt" in p.sections["description"] and "seit 2017" in p.sections["description"]


def test_facts_written_label_colon_value_fill_their_fields_when_the_value_fits() -> None:
    """Pages outside the template write facts as "label: value" lines; a label of a field of short
    values opens it for that value, if the value has that field's form."""
    page = """<html lang="de"><body><main><h1>Wegweiser Jugend</h1>
<p>Zielgruppe: Jugendliche, Eltern, Lehrkräfte</p><p>Land: Österreich</p><p>Beginn: 2017</p>
<p>Published: 3 May 2022</p><p>Ziel: Jugendliche sollen Alternativen zu extremistischen Gruppen finden.</p>
<p>Wegweiser Jugend berät junge Menschen, die sich rechtsextremen Gruppen annähern, und ihre Familien.</p>
</main></body></html>"""
    p = parse_bytes(page.encode(), "wegweiser.html")
    assert p.audience == ("Youth/pupils/students", "Families", "Educators/academics")
    assert (p.country_code, p.start_year) == ("AT", 2017)
    description = p.sections["description"]
    assert "Published: 3 May 2022" in description and "Ziel: Jugendliche sollen" in description
    assert "Zielgruppe" not in description and "Beginn" not in description
    sentences = """<html lang="en"><body><main><h1>Peer mentors online</h1>
<p>Country: The project started in Germany and was later adapted by partners in Austria.</p>
<p>Start: In 2019 the first twelve mentors were trained over three weekends.</p>
<p>Note: teachers who want to refer a pupil can write to refer@mentors.example.org and a mentor calls back.</p>
</main></body></html>"""
    q = parse_bytes(sentences.encode(), "mentors.html")
    assert (q.country_code, q.start_year, q.contacts) == (None, None, "")
    assert all(s in q.sections["description"] for s in ("started in Germany", "first twelve", "refer a pupil"))


_TEASER_PAGE = """<html lang="de"><body><main>{before}<article><h1>Kommunales Netzwerk Vielfalt statt Gewalt</h1>
<p>Das Netzwerk bündelt seit 2018 die Präventionsarbeit der Stadt gegen Rechtsextremismus und Islamismus.</p>
<h2>Angebote</h2><p>Fallberatung für Fachkräfte, die sich um einen jungen Menschen sorgen, innerhalb von fünf Tagen.</p>
<p>Fortbildungen zu Verschwörungserzählungen und Hass im Netz für Lehrkräfte, Trainerinnen und Trainer in Vereinen.</p>
<p>Ein Elterntelefon berät in Deutsch, Türkisch und Arabisch, wenn Eltern sich um ihre Kinder sorgen.</p>
<h2>Wirkung</h2><p>Eine wissenschaftliche Begleitung der Hochschule hat gezeigt, dass die Fallberatung vor allem
Fachkräften in Schulen Sicherheit gibt; 2021 wurde in 47 Fällen beraten.</p>
{inside}</article>{after}</main></body></html>"""
_TEASERS = """<div class="block-views-verwandte-inhalte"><h2>Das könnte Sie auch interessieren</h2>
<div class="views-row"><h3><a href="/seniorenbeirat">Seniorenbeirat wählt neuen Vorstand</a></h3>
<p>Der Seniorenbeirat der Stadt hat in seiner Sitzung am 14. März einen neuen Vorstand gewählt.</p><a href="/seniorenbeirat">Weiterlesen</a></div>
<div class="views-row"><h3><a href="/sperrmuell">Sperrmüll online anmelden</a></h3>
<p>Ab sofort können Sie Sperrmülltermine bequem über das Serviceportal buchen.</p></div></div>"""


@pytest.mark.parametrize(("where", "dropped"), [("after", True), ("before", True), ("inside", False)])
def test_teasers_of_other_pages_beside_the_article_are_not_the_practice(where: str, dropped: bool) -> None:
    """Cards whose heading links to another page, outside the page's <article>, are the site's
    other pages (with the heading over them); inside the article they may be the practice's own."""
    page = _TEASER_PAGE.format(**{"before": "", "inside": "", "after": "", where: _TEASERS})
    p = parse_bytes(page.encode(), "netzwerk.html")
    assert "Fallberatung für Fachkräfte" in p.sections["description"]
    for teaser in ("Das könnte Sie auch", "Seniorenbeirat", "Sperrmülltermine", "Weiterlesen"):
        assert (teaser not in p.sections["description"]) is dropped, teaser


def test_one_heading_written_as_a_link_or_a_page_without_an_article_keeps_its_cards() -> None:
    """A page title linked to itself is one card, no list; a page without <article> does not say
    where its practice's text is."""
    one = _TEASER_PAGE.format(before="", inside="", after=_TEASERS.split('<div class="views-row">')[0]
                              + _TEASERS.split('<div class="views-row">')[1] + "</div>")
    assert "Seniorenbeirat" in parse_bytes(one.encode(), "netzwerk.html").sections["description"]
    no_article = _TEASER_PAGE.format(before="", inside="", after=_TEASERS).replace("article>", "section>")
    assert "Seniorenbeirat" in parse_bytes(no_article.encode(), "netzwerk.html").sections["description"]


def test_a_teasers_card_ends_at_the_next_section_and_same_page_links_open_none() -> None:
    """A card ends at the next heading of its level or above ("Wirkung" after the cards stays),
    a heading linking to a place on the page is an accordion's toggle, not a card, and teasers
    that are <article> elements of their own are outside the article that holds the <h1>."""
    flat = _TEASER_PAGE.format(before="", inside="", after=_TEASERS.replace(
        '<div class="block-views-verwandte-inhalte">', "").replace("</div></div>", "</div>")
        + "<h2>Kontakt</h2><p>Koordinierungsstelle Prävention, praevention@neuhausen.example.de</p>")
    p = parse_bytes(flat.encode(), "netzwerk.html")
    assert "Sperrmüll" not in p.sections["description"]
    assert "praevention@neuhausen.example.de" in p.contacts
    toggles = _TEASER_PAGE.format(before="", inside="", after=_TEASERS.replace('href="/', 'href="#'))
    assert "Seniorenbeirat" in parse_bytes(toggles.encode(), "netzwerk.html").sections["description"]
    nested = _TEASER_PAGE.format(before="", inside="", after=_TEASERS.replace(
        '<div class="views-row">', "<article>").replace("</div>\n<article>", "</article>\n<article>"))
    assert "Seniorenbeirat" not in parse_bytes(nested.encode(), "netzwerk.html").sections["description"]


def test_a_page_whose_h1_is_in_no_article_keeps_its_linked_headings() -> None:
    """The page's only <article> is a news item in a sidebar: it says nothing of where the
    practice is, so headings linked to other pages stay."""
    page = _TEASER_PAGE.format(before="", inside="", after=_TEASERS).replace("<article><h1>", "<div><h1>").replace(
        "</article>", "</div><article><p>12 May 2023: the network wins a civic award.</p></article>")
    assert "Seniorenbeirat" in parse_bytes(page.encode(), "netzwerk.html").sections["description"]
