"""A page's lines into template fields, by the headings that open them: what readers of pages
outside the template table share (a Collection page's sections, a page from another site).

:func:`split_sections` puts lines into the fields their headings open (template labels in any
wording, :func:`~ransearch.ingest.lines.heading_field`); other headings stay, as paragraphs of
their own, in the field that is open. Contact lines go to ``contacts`` wherever they stand, and
"label: value" facts fill the fields of short values when the value has their form.
"""

from __future__ import annotations


from ransearch.ingest.facets import DATE, YEAR
from ransearch.ingest.labels import reader
from ransearch.ingest.lines import Line, contact_line, heading_field, is_headingish, is_sentence
from ransearch.ingest.site import is_end
from ransearch.ingest.values import split_values
from ransearch.ingest.vocab import vocab_items
from ransearch.template import Catalogue, countries, vocabulary, yes_no
from ransearch.text import tokens

__all__ = ["split_sections", "lines_section", "typed_value", "in_vocabulary", "LIST_FIELDS",
           "SHORT_FIELDS", "TYPED"]

LIST_FIELDS = frozenset({"themes", "audience"})
SHORT_FIELDS = LIST_FIELDS | {"peer_reviewed", "start", "country", "last_update"}
"""Fields of short values, never of the page's prose. (Contacts are not among them: what follows a
contact heading is usually the end of the page, which ``contacts`` keeps out of search.)"""
TYPED = frozenset({"country", "last_update", "peer_reviewed"})
"""Fields whose values can be told by their form (:func:`typed_value`)."""
_INLINE_LABEL_WORDS = 4  # "Target audience: …", "Land of origin: …": a label, not a sentence's start
_FACT_WORDS = 8  # "Jugendliche, Eltern, Lehrkräfte": a fact's values, not a sentence


def split_sections(lines: list[Line], cat: Catalogue, start: str, raw: dict[str, list[str]],
                   tolerant: bool = False) -> None:
    """Put lines into the fields their headings open; other headings stay in the open field.

    A heading that names a list field (themes, target audience) over prose or a date ("Published"
    read as "Public cible", over "3 May 2022") puts them, with the heading, in the description: it
    describes or dates, it does not list. A field of short
    values (a list, a date, a country) ends at the next heading or label cell: one the template
    does not name ("What happened" after "Last updated: 10 January 2024") goes back to the field
    of prose open before it. ``tolerant``: a heading is also matched tolerantly and by similarity
    (a Collection page, whose headings are the template's labels in the page's language).
    """
    current = prose = resumed = start
    heading: Line | None = None
    buf: list[Line] = []
    contacts: list[str] = []

    def flush() -> None:
        if not buf:
            return
        if current in LIST_FIELDS and (_prose(buf) or all(DATE.match(x.text.strip()) for x in buf)):
            raw.setdefault("description", []).append(lines_section(([heading] if heading else []) + buf))
        elif current in LIST_FIELDS:
            raw.setdefault(current, []).extend(v for x in buf for v in split_values(x.text, current))
        else:  # a heading that resumes a field starts a paragraph of its own
            gap = "\n" if buf[0].kind == "h" and raw.get(current) else ""
            raw.setdefault(current, []).append(gap + lines_section(buf))
        buf.clear()

    for i, line in enumerate(lines):
        if is_end(line.text):
            break
        # a list item is not a heading: a menu's "Contact" or "Evaluation" link opens no field
        key = (heading_field(line.text, cat) or (_tolerant_heading(line, cat) if tolerant else None)
               if line.kind != "l" and is_headingish(line) and (line.gap or line.kind in {"h", "t"}) else None)
        if key and key != "name":
            flush()
            current, heading = key, Line(line.text, "h")
            if key == "contacts" and prose != "contacts":
                resumed = prose
            if key not in SHORT_FIELDS:
                prose = key
            continue
        if prose == "contacts" and line.kind == "h" and _content_after(lines, i, cat):
            flush()  # the page goes on after a contact heading in mid-page
            current = prose = resumed
            heading = None
        elif current in SHORT_FIELDS and line.kind in {"h", "t"}:
            flush()
            current, heading = prose, None
        if current != "contacts" and contact_line(line.text, cat):
            contacts.append(line.text)
            continue
        if current not in SHORT_FIELDS and (fact := _inline_fact(line, cat)):
            raw.setdefault(fact[0], []).extend(fact[1])  # "Zielgruppe: Jugendliche, Eltern"
            continue
        buf.append(line)
    flush()
    if contacts:
        raw.setdefault("contacts", []).append("\n".join(contacts))


def lines_section(lines: list[Line]) -> str:
    """Lines as section text: paragraphs apart, list items as ``- `` lines, headings alone."""
    out: list[str] = []
    for line in lines:
        text = f"- {line.text}" if line.kind == "l" else line.text
        if out and (line.gap or line.kind == "h") and not (line.kind == "l" and out[-1].startswith("- ")):
            out.append("")
        out.append(text)
        if line.kind == "h":
            out.append("")
    return "\n".join(out)


def _prose(lines: list[Line]) -> bool:
    return any(len(x.text.split()) > 12 or x.text.rstrip().endswith(".") for x in lines)


def _content_after(lines: list[Line], at: int, cat: Catalogue) -> bool:
    """Whether the heading at ``at`` opens a part of the page's content: a sentence (more
    words than a heading has, ending as a sentence does) before the next heading. After a
    contact heading in mid-page ("Contact", then "Outcomes" and what they were), the page goes
    on; a site's footer after the contacts is short lines (opening hours, an address, links)."""
    for line in lines[at + 1:]:
        if line.kind == "h" or is_end(line.text):
            return False
        if is_sentence(line.text) and not contact_line(line.text, cat):
            return True
    return False


def _tolerant_heading(line: Line, cat: Catalogue) -> str | None:
    """The field a Collection page's heading (or label cell) names in another wording: the page
    in another language than the catalogue's ("Preuves et évaluation"), tolerantly or by
    similarity (:meth:`~ransearch.ingest.labels.LabelReader.match`)."""
    if line.kind not in {"h", "t"}:
        return None
    found = reader(cat).match(line.text, -1)
    return found.key if found is not None else None


def _inline_fact(line: Line, cat: Catalogue) -> tuple[str, list[str]] | None:
    """A line "label: value" giving a field of short values, as pages outside the template write
    their facts ("Zielgruppe: Jugendliche, Eltern", "Land: Österreich", "Start: 2019"), and the
    values; only when the value has the field's form (a year, a country, a yes or no, entries
    of the vocabulary), so that "Published: 3 May 2022" is no target audience."""
    head, colon, value = line.text.partition(":")
    value = value.strip()
    if not colon or not 0 < len(value.split()) <= _FACT_WORDS or not 0 < len(head.split()) <= _INLINE_LABEL_WORDS:
        return None
    key = heading_field(head, cat, SHORT_FIELDS)
    if key is None:
        return None
    if key in LIST_FIELDS:
        values = split_values(value, key)
        return (key, values) if any(in_vocabulary(v, key) for v in values) and not DATE.match(value) else None
    return (key, [value]) if typed_value(key, value) else None


def typed_value(key: str, text: str) -> bool:
    """A value of the facet ``key`` can be told by its form: a country, a year (a start, an
    update), a yes or no."""
    if key == "country":
        return bool(countries().code(text) or countries().find(text))
    if key in {"start", "last_update"}:
        return bool(YEAR.search(text))
    toks = tokens(text)
    return bool(toks) and yes_no().get(toks[0]) is not None


def in_vocabulary(value: str, key: str) -> bool:
    """Whether every word of ``value`` is an entry of the vocabulary of ``key`` (themes, audience)."""
    items = vocab_items(vocabulary()[key], value)
    return bool(items) and all(label for label, _ in items)
