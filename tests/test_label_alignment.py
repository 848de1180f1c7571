"""Labels in a wording the catalogue lacks: anchors, then the template's order (issue 15, held-out
wordings). Each value carries a marker word, so a test can see which field it landed in.

* Unit: the monotone assignment is the best one (property, against brute force); enumerated
  instruction items are told from label cells.
* Documents: one reworded label among catalogued ones, numbered labels, a label and its value
  with no blank line between them, the first label reworded, and whole documents in reworded
  labels with fields left out and a section the template lacks, as rows, headings and plain
  label lines.
* Property: any mix of catalogued and reworded labels, fields left out and a section of the
  document's own loses no value, finds the title and misfiles one value at most.
"""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ransearch.ingest import parse_bytes, parse_text
from ransearch.ingest.label_alignment import _best_monotone, instruction_item
from ransearch.ingest.label_texts import unnumbered
from ransearch.template import catalogue

KEYS = catalogue().keys
LABELS = {f.key: f.labels["en"][0] for f in catalogue().fields}
VALUES = {
    "name": "Harbour Line MKNAME: mentoring for young people leaving extremist groups",
    "description": "The programme MKDESC pairs young people who want to leave violent extremist groups "
                   "with trained mentors, who help with housing, school and new friendships.",
    "peer_reviewed": "No. MKPEER",
    "themes": "Deradicalisation/disengagement/exit. MKTHEME",
    "audience": "Formers, youth workers. MKAUD",
    "geography": "The city of Cork and its surrounding county. MKGEO",
    "start": "The programme has been running since May 2017. MKSTART",
    "deliverables": "A mentor handbook and a two-day training course. MKDELIV",
    "evaluation": "An independent evaluation interviewed 35 participants and their mentors. MKEVAL",
    "sustainability": "Funded by the city until 2026; other cities can copy the mentor model. MKSUST",
    "ran_meeting": "Presented at the RAN EXIT working group meeting in Dublin. MKRAN",
    "eu_links": "Received a grant from the Internal Security Fund. MKEU",
    "organisation": "Harbour Line Trust, a youth charity. MKORG",
    "country": "Ireland MKCTRY",
    "contacts": "Sean Murphy, info@harbourline.example MKCONTACT",
    "last_update": "2023 MKUPD",
}
REWORDED = {  # wordings of no catalogue, as an author might write them
    "name": "Practice", "description": "Summary", "peer_reviewed": "Peer review status",
    "themes": "Main topics", "audience": "Who is it for", "geography": "Where", "start": "Since",
    "deliverables": "Outputs", "evaluation": "Results and evaluation", "sustainability": "Continuity",
    "ran_meeting": "RAN meetings", "eu_links": "EU funding", "organisation": "Who runs it",
    "country": "Country", "contacts": "Contact", "last_update": "Updated",
}


def _marker(key: str) -> str:
    return VALUES[key].split()[-1] if key != "name" else "MKNAME"


def _document(labels: dict[str, str], layout: str, keys: list[str] | None = None,
              extra: tuple[int, str, str] | None = None) -> str:
    """A practice with ``labels`` (field key → label), as ``rows`` (label TAB value), ``headings``
    (### label, then the value), ``plain`` (a label line, a blank line, the value) or ``noblank``
    (a label line, then the value's line)."""
    pairs = [(labels[key], VALUES[key]) for key in (keys or KEYS)]
    if extra:
        pairs.insert(extra[0], extra[1:])
    if layout == "rows":
        return "\n".join(f"{label}\t{value}" for label, value in pairs) + "\n"
    mark = "### " if layout == "headings" else ""
    gap = "\n" if layout == "noblank" else "\n\n"
    return "\n\n".join(f"{mark}{label}{gap}{value}" for label, value in pairs) + "\n"


def _misfiled(text: str) -> list[str]:
    """Fields whose value is not in its own field alone (absent, elsewhere, or in two)."""
    practice = parse_text(text, "doc.txt")
    wrong = []
    for key in KEYS:
        if _marker(key) not in text:
            continue
        sections = {**practice.sections, "contacts": practice.contacts}  # contacts are kept apart
        where = [k for k, section in sections.items() if _marker(key) in section]
        if where != [key]:
            wrong.append(f"{key}→{where}")
    return wrong


# --- the assignment ----------------------------------------------------------------------------

def _brute_force(scores: np.ndarray) -> float:
    rows, cols = scores.shape
    return max(sum(scores[i, j] for i, j in enumerate(chosen))
               for chosen in itertools.combinations(range(cols), rows))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 4).flatmap(lambda rows: st.integers(rows, 6).flatmap(
    lambda cols: arrays(np.float64, (rows, cols), elements=st.floats(-1, 1)))))
def test_the_monotone_assignment_is_the_best_one(scores: np.ndarray) -> None:
    pairs = _best_monotone(scores)
    assert sorted(pairs) == list(range(scores.shape[0]))           # every row matched
    columns = [pairs[i] for i in sorted(pairs)]
    assert columns == sorted(set(columns))                          # in order, each column once
    assert sum(scores[i, j] for i, j in pairs.items()) == pytest.approx(_brute_force(scores))


@pytest.mark.parametrize(("cell", "item"), [
    ("2. evaluation and feedback, including surveys", True), ("- 1. qualitative feedback", True),
    ("- qualitative feedback and data", True), ("3. Target audience", False), ("Target audience", False),
    ("peer reviewed", False), ("16. Updated:", False),
])
def test_items_of_instructions_are_told_from_label_cells(cell: str, item: bool) -> None:
    assert instruction_item(cell) is item


def test_a_numbered_label_loses_its_number() -> None:
    assert [unnumbered(t) for t in ("16. Last update", "3.2 Deliverables", "IV. Country", "b) Since",
                                    "2023 was", "Deliverables")] == [
        "Last update", "Deliverables", "Country", "Since", "2023 was", "Deliverables"]


# --- documents ---------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["rows", "headings", "plain"])
def test_one_label_the_catalogue_lacks_takes_its_field_by_order(layout: str) -> None:
    """Every other label catalogued, so the document reads as catalogued and similarity is off:
    the order alone says "Since" labels the start of the practice."""
    text = _document({**LABELS, "start": "Since"}, layout)
    assert _misfiled(text) == []
    assert parse_text(text, "doc.txt").start_year == 2017


@pytest.mark.parametrize("layout", ["rows", "plain"])
def test_numbered_reworded_labels_find_their_fields(layout: str) -> None:
    labels = {key: f"{k + 1}. {REWORDED[key]}:" for k, key in enumerate(KEYS)}
    text = _document(labels, layout)
    assert _misfiled(text) == []
    practice = parse_text(text, "doc.txt")
    assert (practice.start_year, practice.last_update, practice.country_code) == (2017, 2023, "IE")


def test_a_label_and_its_value_without_a_blank_line_between_them() -> None:
    assert _misfiled(_document(LABELS, "noblank")) == []
    # no label catalogued: the layout says which lines are labels, the order which field each opens
    reworded = _document(REWORDED, "noblank")
    assert _misfiled(reworded) == []
    assert parse_text(reworded, "doc.txt").title == VALUES["name"]


@pytest.mark.parametrize("layout", ["headings", "plain"])
def test_text_before_the_first_catalogued_label_is_not_lost(layout: str) -> None:
    text = _document({**LABELS, "name": "Practice"}, layout)
    assert _misfiled(text) == []
    assert parse_text(text, "doc.txt").title == VALUES["name"]


@pytest.mark.parametrize("layout", ["rows", "headings", "plain", "noblank"])
@pytest.mark.parametrize("variant", ["two fields left out", "a section the template lacks", "both"])
def test_reworded_labels_land_in_their_fields(layout: str, variant: str) -> None:
    """No label catalogued: similarity, bounded by the order, says which field each label takes."""
    keys = list(KEYS) if variant == "a section the template lacks" else [
        k for k in KEYS if k not in ("peer_reviewed", "ran_meeting")]
    extra = None if variant == "two fields left out" else (
        2, "Background", "The idea came after incidents in local schools.")
    wrong = _misfiled(_document(REWORDED, layout, keys, extra))
    assert wrong == []


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(layout=st.sampled_from(["rows", "headings", "plain", "noblank"]),
       reworded=st.sets(st.sampled_from(KEYS)),
       dropped=st.sets(st.sampled_from(KEYS[2:]), max_size=3),
       extra_at=st.one_of(st.none(), st.integers(2, 12)))
def test_a_mix_of_wordings_loses_nothing(layout: str, reworded: set[str], dropped: set[str],
                                         extra_at: int | None) -> None:
    """Catalogued and reworded labels mixed, fields left out, a section of the document's own:
    every value is kept, the title is found, and at most one value lands in a neighbour's field
    (the own section's heading may take a left-out field's place)."""
    labels = {key: REWORDED[key] if key in reworded else LABELS[key] for key in KEYS}
    keys = [key for key in KEYS if key not in dropped]
    extra = None if extra_at is None else (extra_at, "Background", "The idea came after incidents in local schools.")
    text = _document(labels, layout, keys, extra)
    wrong = _misfiled(text)
    assert not [w for w in wrong if w.endswith("[]")], wrong
    assert len(wrong) <= 1, wrong
    assert parse_text(text, "doc.txt").title == VALUES["name"]


def test_a_sites_own_record_card_keeps_its_title_and_text() -> None:
    """A table of the site's own labels, out of the template's order, under a page heading that
    reads like a label: the heading labels nothing (the table's cells are the labels), and rows
    the template lacks add nothing to the title."""
    page = """<html lang="es"><body><main><h1>Ficha de buena práctica</h1><table>
<tr><th>Denominación</th><td>Aulas Abiertas: diálogo intercultural frente al odio</td></tr>
<tr><th>Entidad promotora</th><td>Fundación Convive Mediterráneo</td></tr>
<tr><th>Año de inicio</th><td>2019</td></tr>
<tr><th>Personas destinatarias</th><td>Alumnado de ESO, profesorado y familias</td></tr>
<tr><th>Descripción de la actuación</th><td>Aulas Abiertas es un programa educativo que trabaja en los
institutos la prevención de la polarización y de los discursos de odio.</td></tr>
<tr><th>Evaluación</th><td>La Universitat de València evaluó el programa con cuestionarios en 22 grupos.</td></tr>
<tr><th>Transferibilidad</th><td>Una guía didáctica permite adaptarlo a otras comunidades.</td></tr>
<tr><th>Financiación</th><td>Conselleria de Educación y fondos europeos del programa CERV.</td></tr>
<tr><th>Contacto</th><td>Lucía Ferrer, aulasabiertas@convive.example.es</td></tr>
</table></main></body></html>"""
    practice = parse_bytes(page.encode(), "aulas.html")
    assert practice.title == "Aulas Abiertas: diálogo intercultural frente al odio"
    text = " ".join(practice.sections.values())
    for phrase in ("Fundación Convive", "Alumnado de ESO", "prevención de la polarización", "22 grupos"):
        assert phrase in text


def test_a_short_value_paragraph_before_a_catalogued_label_is_no_label() -> None:
    """Values one per paragraph, and the next field's label left out: "Youth workers" sits where
    a label of the left-out field would, but no value follows it before the next catalogued label."""
    keys = [k for k in KEYS if k != "geography"]
    text = _document(LABELS, "plain", keys).replace(VALUES["audience"], "Formers MKAUD\n\nYouth workers")
    practice = parse_text(text, "doc.txt")
    assert "Youth workers" in practice.sections["audience"]
    assert practice.sections["geography"] == ""
    assert _misfiled(text) == []


def test_a_text_wrapped_at_a_fixed_width_is_no_label_over_value_layout() -> None:
    """Each paragraph of a text wrapped at 60 characters opens with a short line, as a label over
    its value does; but its first lines are as long as the others, and lower-case lines continue
    them: they are no labels, and every paragraph stays in the description."""
    paragraphs = [
        "Mentors meet the young person every week for six months and involve the parents from the start.",
        "Volunteers from the district are trained by the city's youth service over three weekends.",
        "In 2016 several young people from the district left for Syria, and their families asked for help.",
        "Schools, youth clubs, the local police and two mosques take part in the case meetings.",
        "The city pays the mentors' training and a national fund pays the coordinator's salary.",
        "Eighty young people have been mentored so far and three out of four finished the programme.",
        "Mentors need supervision, and parents must be involved from the first meeting onwards.",
        "Two neighbouring municipalities will start the scheme next year with four experienced mentors.",
        "The scheme was presented to the city council and to the regional prevention network in 2023.",
    ]
    wrapped = "\n\n".join(textwrap.fill(text, 60) for text in paragraphs)
    text = (f"{LABELS['name']}\nYouth Bridges mentoring scheme\n\n{LABELS['description']}\n{wrapped}\n\n"
            f"{LABELS['audience']}\nYouth/pupils/students, Families\n\n{LABELS['country']}\nBelgium\n")
    description = " ".join(parse_text(text, "doc.txt").sections["description"].split())
    for paragraph in paragraphs:
        assert paragraph in description


ORDER_2019 = ["name", "description", "audience", "deliverables", "evaluation", "sustainability", "geography",
              "start", "ran_meeting", "eu_links", "organisation", "country", "contacts", "last_update"]
"""The fields in the order of the Collection's 2019 edition: the scope and the start after the
sustainability, and no peer review or key themes."""


@pytest.mark.parametrize("layout", ["rows", "headings", "plain", "noblank"])
@pytest.mark.parametrize("order", ["2019", "facts first"])
def test_a_version_of_the_template_with_its_fields_in_another_order(layout: str, order: str) -> None:
    """The catalogue's labels in another order: each still opens its own field, and no value is
    left in the field read before it."""
    keys = ORDER_2019 if order == "2019" else [
        "name", "organisation", "country", "audience", "description", "themes", "start", "evaluation", "contacts"]
    text = _document(LABELS, layout, keys)
    assert _misfiled(text) == []
    practice = parse_text(text, "doc.txt")
    assert (practice.start_year, practice.country_code) == (2017, "IE")


def test_a_label_going_back_takes_no_field_another_label_has() -> None:
    """"Target audience" twice: the second, out of order, opens no second target audience."""
    text = _document(LABELS, "plain", ["name", "description", "audience", "deliverables"]) + (
        f"\n{LABELS['audience']}\n\nSecond mention MKAGAIN\n")
    practice = parse_text(text, "doc.txt")
    assert practice.sections["audience"] == VALUES["audience"]
    assert "MKAGAIN" in " ".join(practice.sections.values())


@pytest.mark.parametrize("layout", ["rows", "headings", "plain", "noblank"])
def test_a_heading_above_the_labels_names_the_practice_when_no_label_does(layout: str) -> None:
    title = "Harbour Line: mentoring for young people leaving extremist groups"
    mark = "# " if layout == "headings" else ""
    text = f"{mark}RAN Collection Practice Template\n\n{mark}{title}\n\n" \
        + _document(LABELS, layout, [k for k in KEYS if k != "name"])
    assert parse_text(text, "doc.txt").title == title


def test_only_a_whole_catalogued_label_in_the_documents_language_goes_back() -> None:
    """"Description of the evaluation" and "Name of the practice coordinator" start with a label
    but are none, "Peer review" is a label in another language only: none goes back to the
    description, the peer review or the name (they take fields of their gap, by similarity),
    and the reworded "Summary" keeps the description."""
    rows = [("Name of the practice", VALUES["name"]), ("Summary", VALUES["description"]),
            ("Target audience", VALUES["audience"]), ("Evidence and evaluation", VALUES["evaluation"]),
            ("Description of the evaluation", "Thirty-five interviews MKSUB"),
            ("Peer review", "The report was reviewed by two universities MKPEERREV"),
            ("Organisation", VALUES["organisation"]), ("Name of the practice coordinator", "Sean Murphy MKCOORD")]
    practice = parse_text("\n".join(f"{label}\t{value}" for label, value in rows) + "\n", "doc.txt")
    assert practice.title == VALUES["name"]
    assert "MKDESC" in practice.sections["description"]
    assert "MKSUB" not in practice.sections["description"] and not practice.sections["peer_reviewed"]
    assert "MKCOORD" not in practice.sections["name"]
    assert all(marker in " ".join(practice.sections.values()) for marker in ("MKSUB", "MKPEERREV", "MKCOORD"))


@pytest.mark.parametrize("above", ["Cork Youth Network", "12 March 2021", "Page 1 of 3", "[Back](index.md)"])
def test_the_name_above_the_labels_is_the_line_nearest_them_that_can_name_a_practice(above: str) -> None:
    title = "Harbour Line: mentoring for young people leaving extremist groups"
    rows = "\n".join(f"{LABELS[key]}\t{VALUES[key]}" for key in KEYS if key != "name")
    assert parse_text(f"{above}\n{title}\n{rows}\n", "doc.txt").title == title
    assert parse_text(f"{title}\n{above}\n{rows}\n", "doc.txt").title == (title if above != "Cork Youth Network"
                                                                         else above)
