"""From raw field texts to a clean practice record: boilerplate out, typed facets in."""

from __future__ import annotations

import re
from typing import Any

from ransearch.ingest.boilerplate import TemplateText
from ransearch.ingest.markup import normalise_bullets, tidy
from ransearch.ingest.vocab import vocab_items
from ransearch.template import Catalogue, countries, vocabulary, yes_no
from ransearch.text import clean_ocr, tokens

__all__ = ["clean_sections", "extract_facets", "organisation_type_line", "YEAR", "DATE"]

_VOCAB_LINES = 60
YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
"""A year a practice can name (1950–2099)."""
DATE = re.compile(r"^(?:\d{1,2}\.?\s+\S+\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4}"
                  r"|\S+\s+\d{1,2},?\s+\d{4})$")
"""A line that is a date alone ("3 May 2022", "2024-01-10", "January 10, 2024")."""
# (?<![*_]): a trailing run is tried from its first mark only (else quadratic on long runs)
_TITLE_MARKUP = re.compile(r"^[#\s*_]+|(?<![*_])[*_]+$")


def _is_template_line(line: str, tt: TemplateText, keep: list[tuple[str, ...]]) -> bool:
    """A line of instruction text left among values (values rarely repeat it this closely)."""
    toks = tokens(line)
    if not toks or tuple(toks) in tt.examples or tt.coverage(toks) < (0.85 if len(toks) >= 6 else 1.0):
        return False
    if any(tuple(toks[: len(p)]) == p for p in keep):
        return False
    # "Type of organisation: NGO" is read as a facet, even where many documents share it
    return organisation_type_line(line, keep) is None


def _org_type_prefixes(cat: Catalogue) -> list[tuple[str, ...]]:
    return [tuple(tokens(p)) for ps in cat.organisation_type_prefixes.values() for p in ps]


def clean_sections(raw: dict[str, list[str]], cat: Catalogue, tt: TemplateText) -> dict[str, str]:
    """Join each field's pieces, drop template lines, tidy whitespace and bullets."""
    keep = _org_type_prefixes(cat)
    out: dict[str, str] = {}
    for key, pieces in raw.items():
        lines = []
        for line in "\n".join(pieces).splitlines():
            line = line.strip()
            if line and _is_template_line(line, tt, keep):
                continue
            lines.append(normalise_bullets(clean_ocr(line)) if line else "")
        text = tidy("\n".join(lines))
        if re.fullmatch(r"[-–—\s.]*", text):
            text = ""
        out[key] = text
    return out


def _vocab_list(text: str, name: str, warnings: list[str]) -> tuple[str, ...]:
    vocab = vocabulary()[name]
    found: list[str] = []
    lines = text.splitlines()
    tolerant = len(lines) <= _VOCAB_LINES  # a list, not a page of text filed under the field
    for line in lines:
        if not line.strip():
            continue
        items = vocab_items(vocab, line) if tolerant else vocab.runs(line)
        for (label, _), run in zip(items, _as_written(line, items)):
            if label is None:
                # a value no wording matched: kept as written (the whole line when it is all)
                raw = line.strip() if len(items) == 1 else run
                warnings.append(f"{name}: unrecognised value {raw!r} kept as written")
                label = raw
            if label not in found:
                found.append(label)
    return tuple(found)


def _as_written(line: str, items: list[tuple[str | None, str]]) -> list[str]:
    """The words of ``line`` each item (a run of folded tokens, in order) stands for, as the line
    writes them: a value no wording matched is kept in its own letters, not folded ("Mládež",
    not "mladez"; Greek in Greek letters)."""
    words = line.split()
    owner = [k for k, word in enumerate(words) for _ in tokens(word)]
    counts = [len(run.split()) for _, run in items]
    if sum(counts) != len(owner):  # folding the whole line cut it otherwise: keep the folded runs
        return [run for _, run in items]
    out, start = [], 0
    for count in counts:
        span = owner[start:start + count]
        start += count
        out.append(" ".join(words[span[0]:span[-1] + 1]).strip(" ,;.:") if span else "")
    return out


def organisation_type_line(line: str, prefixes: list[tuple[str, ...]]) -> str | None:
    """The organisation type a "Type of organisation: …" line gives, or None for another line.

    The line starts with a catalogued wording of "Type of organisation" and a colon; or, in a
    language the catalogue lacks, it is a few words, a colon and a known organisation type.
    """
    if ":" not in line:
        return None
    head, value = line.split(":", 1)
    value = value.strip().strip(".")
    canonical = vocabulary()["organisation_type"].canonical(value)
    toks = tokens(line)
    if any(tuple(toks[: len(p)]) == p for p in prefixes):
        return canonical or value or None
    if canonical and 0 < len(tokens(head)) <= 4:
        return canonical
    return None


def _organisation_type(text: str, cat: Catalogue) -> tuple[str, str | None]:
    prefixes = _org_type_prefixes(cat)
    kept, org_type = [], None
    for line in text.splitlines():
        found = organisation_type_line(line, prefixes)
        if found:
            org_type = found
            continue
        kept.append(line)
    return tidy("\n".join(kept)), org_type


def extract_facets(sections: dict[str, str], cat: Catalogue,
                   address: str | None = None) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """Typed facets from the section texts; returns (sections, facets, warnings). A practice that
    names no country takes its page's (``address``: its country domain), else its contacts'."""
    warnings: list[str] = []
    sections = dict(sections)
    facets: dict[str, Any] = {}

    name = sections.get("name", "")
    title = _TITLE_MARKUP.sub("", name.split("\n\n")[0].replace("\n", " ")).strip()
    facets["title"] = title
    if not title:
        warnings.append("no practice name found")

    answer = tokens(sections.get("peer_reviewed", ""))
    facets["peer_reviewed"] = yes_no().get(answer[0]) if answer else None
    if answer and facets["peer_reviewed"] is None:
        warnings.append(f"peer review answer {sections['peer_reviewed']!r} is neither yes nor no")

    facets["themes"] = _vocab_list(sections.get("themes", ""), "themes", warnings)
    facets["audience"] = _vocab_list(sections.get("audience", ""), "audience", warnings)

    country = sections.get("country", "").strip()
    facets["country"] = country
    code = countries().code(country) if country else None
    if code is None and country:
        code = countries().find(country)
    if code is None:
        code = countries().find(sections.get("geography", ""))
        if code:
            warnings.append(f"country code {code} taken from the geographical scope")
    if code is None and address and (code := countries().of_address(address)):
        warnings.append(f"country code {code} taken from the page's address")
    if code is None and (code := countries().of_contacts(sections.get("contacts", ""))):
        warnings.append(f"country code {code} taken from the contacts' addresses and phone numbers")
    facets["country_code"] = code
    if code is None:
        warnings.append(f"no country code for {country!r}" if country else "no country of origin found")

    years = [int(y) for y in YEAR.findall(sections.get("start", ""))]
    facets["start_year"] = min(years) if years else None
    updates = [int(y) for y in YEAR.findall(sections.get("last_update", ""))]
    facets["last_update"] = max(updates) if updates else None

    sections["organisation"], facets["organisation_type"] = _organisation_type(
        sections.get("organisation", ""), cat)

    facets["contacts"] = sections.pop("contacts", "")
    for key in ("name", "description"):
        if not sections.get(key):
            warnings.append(f"no {key} found")
    return sections, facets, warnings
