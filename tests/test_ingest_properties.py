"""Properties of ``parse_text`` on arbitrary and damaged input (hypothesis).

Whatever the text, ``parse_text`` returns a well-formed :class:`Practice` or raises
:class:`ParseError`, nothing else, and it stays fast on adversarial input. Time bounds use CPU
time (``time.process_time``) so that a busy machine does not make them flaky; they are
generous: a 1 MB document takes 0.05 to 0.5 s, the worst shape found (hundreds of thousands
of one-word paragraphs on one OCR page) about 2 s.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ransearch.errors import ParseError
from ransearch.ingest import parse_text
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, catalogue

ROOT = Path(__file__).resolve().parents[1]
DEV = Path(os.environ.get("RANSEARCH_DEV_SET", ROOT.parent / "shared/eval/dev")) / "corpus"
DOCUMENTS = {p.name: p.read_text("utf-8") for folder in (ROOT / "tests" / "data" / "seeds", DEV) if folder.is_dir()
             for p in sorted(folder.glob("*.txt"))}
MD_SEED = DOCUMENTS["000_e99056891810f22c.txt"]
OCR_SEED = DOCUMENTS["003_54bd44b4e51d05d2.txt"]
HTML_SEED = DOCUMENTS["004_c92d1ef0c5228cd4.txt"]

LABELS = sorted({label for f in catalogue().fields for labels in f.labels.values() for label in labels})
INSTRUCTIONS = sorted({t for f in catalogue().fields for texts in f.instructions.values() for t in texts})
MARKUP = ["<p>", "</p>", "<b>", "</b>", "<h2>", "<ul>", "<li>", "<br>", "<u>", "<!--", "-->", "<script>",
          "&amp;", "&#0;", "&#x110000;", "&nbsp;", "•", "O ", "(] ", "© ", "- o ", "#", "## ", "\t", "\n",
          "\n ", "\r\n", "\x0b", "\x0c", "\u2028", "\ufeff", "\x00", "(", ")", ":", "|", "I'"]
TYPED_VALUES = ["Oui", "Non", "Yes", "No", "Nein", "Nee", "2015", "1899", "20999", "Belgique", "Norway",
                "Stratégies locales/villes", "Families", "Type d'organisation : Autre", "Art der Organisation: NRO",
                "-", "x@example.org"]

EXAMPLE_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# CPU seconds allowed per call on hypothesis-sized inputs (at most a few hundred kB)
EXAMPLE_BOUND = 2.0


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """Load the language identifier once, so that no timed call pays for it."""
    parse_text(MD_SEED, "warm-up.txt")


def parse_or_reject(text: str) -> Practice | None:
    """Parse ``text``; None when it is rejected with ParseError. Any other exception fails."""
    try:
        practice = parse_text(text, "doc.txt")
    except ParseError as exc:
        assert exc.path == "doc.txt" and exc.reason
        return None
    check_well_formed(practice)
    return practice


def check_well_formed(p: Practice) -> None:
    assert p.layout in {"md_rows", "html_rows", "ocr_columns", "txt_blocks", "md_blocks", "web_page", "free_text",
                        "free_text_partial"}
    assert tuple(p.sections) == SECTION_KEYS
    assert all(isinstance(v, str) for v in p.sections.values())
    assert isinstance(p.title, str) and "\n" not in p.title
    assert all(isinstance(t, str) and t for t in p.themes + p.audience)
    for year in (p.start_year, p.last_update):
        assert year is None or 1950 <= year <= 2099
    assert p.peer_reviewed in (True, False, None)
    assert p.country_code is None or len(p.country_code) == 2
    json.dumps(p.to_dict())  # what ``ransearch parse --json`` prints
    for value in [*p.sections.values(), p.title, p.contacts, p.country]:
        value.encode("utf-8")  # storable in Parquet, printable


def timed_parse(text: str) -> tuple[Practice | None, float]:
    start = time.process_time()
    practice = parse_or_reject(text)
    return practice, time.process_time() - start


# -- arbitrary text ------------------------------------------------------------------------

pieces = st.one_of(
    st.text(max_size=80),
    st.sampled_from(LABELS),
    st.sampled_from(LABELS).map(lambda label: f"<b>{label}</b> "),
    st.sampled_from(LABELS).map(lambda label: f"<p>{label}</p>\t"),
    st.sampled_from(LABELS).map(lambda label: f"\n{label}\n\n"),
    st.sampled_from(INSTRUCTIONS),
    st.sampled_from(MARKUP),
    st.sampled_from(TYPED_VALUES),
    st.integers(1, 3000).map(lambda n: "a" * n),  # long words and lines
)
documents_like = st.lists(pieces, max_size=120).map("".join)


@EXAMPLE_SETTINGS
@given(st.text())
def test_any_text_parses_or_is_rejected(text: str) -> None:
    parse_or_reject(text)


@EXAMPLE_SETTINGS
@given(documents_like)
def test_template_like_text_parses_or_is_rejected(text: str) -> None:
    _, took = timed_parse(text)
    assert took < EXAMPLE_BOUND


# -- damaged documents ---------------------------------------------------------------------

@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A dev or seed document with lines deleted, duplicated, shuffled, cut, or noise inserted."""
    lines = DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))].splitlines()
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "shuffle", "truncate", "cut line", "noise", "insert"]))
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i:i + draw(st.integers(1, 20))]
        elif op == "duplicate":
            lines[i:i] = lines[i:i + draw(st.integers(1, 20))] * draw(st.integers(1, 5))
        elif op == "shuffle":
            block = lines[i:i + draw(st.integers(2, 40))]
            random.Random(draw(st.integers(0, 2**32))).shuffle(block)
            lines[i:i + len(block)] = block
        elif op == "truncate":
            lines = lines[:i]
        elif op == "cut line":
            lines[i] = lines[i][:draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "noise":
            data = draw(st.binary(min_size=1, max_size=300))
            encoding = draw(st.sampled_from(["utf-8", "latin-1", "cp1252", "surrogateescape"]))
            if encoding == "surrogateescape":  # lone surrogates, as os.fsdecode may produce
                noise = data.decode("utf-8", "surrogateescape")
            else:
                noise = data.decode(encoding, "replace")
            lines.insert(i, noise)
        else:
            lines.insert(i, draw(pieces))
    return "\n".join(lines)


@EXAMPLE_SETTINGS
@given(damaged())
def test_damaged_documents_parse_or_are_rejected(text: str) -> None:
    _, took = timed_parse(text)
    assert took < EXAMPLE_BOUND


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_undamaged_documents_parse(name: str) -> None:
    practice, took = timed_parse(DOCUMENTS[name])
    assert practice is not None and practice.title
    assert took < 0.5


def test_lone_surrogates_are_replaced() -> None:
    practice = parse_or_reject(MD_SEED.replace("Belgique", "Belg\udcffique"))
    assert practice is not None
    assert practice.country == "Belg\ufffdique"  # one replacement character per surrogate


# -- adversarial shapes --------------------------------------------------------------------

MB = 1_000_000


def _labels(n: int, fmt: str) -> str:
    return "\n".join(fmt.format(LABELS[i % len(LABELS)]) for i in range(n))


ADVERSARIAL = {
    "1 MB single line": lambda: "mot " * (MB // 4),
    "1 MB single line of labels": lambda: " ".join(LABELS) * (MB // len(" ".join(LABELS))),
    "5,000 lines each a label": lambda: _labels(5000, "{}"),
    "5,000 label rows": lambda: _labels(5000, "<p>{}</p>\tvalue"),
    "5,000 markdown label headings": lambda: _labels(5000, "## {}"),
    "5,000 OCR pages": lambda: _labels(5000, " {}\n\nvalue text\n"),
    "deeply nested tags": lambda: "<b>" * (MB // 8) + "Nom de la pratique" + "</b>" * (MB // 8),
    "unclosed tags in a row": lambda: MD_SEED.replace("\tNon", "\tNon " + "<p" * (MB // 2)),
    "unclosed comments in a row": lambda: MD_SEED.replace("\tNon", "\tNon " + "<!--" * (MB // 4)),
    "unclosed scripts in a cell": lambda: HTML_SEED.replace("<p>Norvège</p>", "<p>Norvège" + "<script>" * (MB // 8)),
    "repeated list items in a cell": lambda: HTML_SEED.replace("<p>Norvège</p>", "<p>Norvège" + "<li>•" * (MB // 5)),
    "1 MB run of spaces in a row": lambda: MD_SEED.replace("\tNon", "\tNon" + " " * MB + "x"),
    "open parentheses after a label": lambda: MD_SEED.replace(
        "<p><b>Pays d'origine</b></p>", "<p><b>Pays d'origine</b>" + "(" * (MB // 2) + "</p>"),
    "1 MB title of emphasis marks": lambda: MD_SEED.replace("## Favoriser", "## Favoriser" + "*" * MB + "x"),
    "1 MB paragraph of short lines": lambda: OCR_SEED.replace("Fin 2013", "Fin 2013\n" + "mot\n" * (MB // 4)),
    "one OCR page of 300,000 paragraphs": lambda: (
        " RAN Collection Practice Template\n\n" + "\n\n".join(f.labels["en"][0] for f in catalogue().fields)
        + "\n\n" + "x\n\n" * (MB // 3)),
    "1 MB value paragraph": lambda: OCR_SEED.replace("Fin 2013", "Fin 2013\n\n" + "mot " * (MB // 4)),
    "document repeated 30 times": lambda: OCR_SEED * 30,
}


@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_adversarial_input_stays_fast(shape: str) -> None:
    text = ADVERSARIAL[shape]()
    assert len(text) < 2.5 * MB
    _, took = timed_parse(text)
    # about 1 MB each; measured at 0.01 to 2 s of CPU time on the development machine (3.0 s once
    # on a CI machine that was also running a benchmark); a blow-up worse than linear takes minutes
    assert took < 6.0, f"{shape}: {took:.2f} s"


# -- long runs -----------------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.data_too_large])
@given(st.one_of(damaged(), documents_like))
def test_many_damaged_documents(text: str) -> None:
    _, took = timed_parse(text)
    assert took < EXAMPLE_BOUND


# --- site furniture named by class (ransearch.ingest.html) ----------------------------------------

_WORDS = st.sampled_from(["young", "people", "mentor", "school", "city", "families", "police", "training",
                          "online", "groups", "workers", "parents", "council", "support", "youth"])
_SENTENCE = st.lists(_WORDS, min_size=6, max_size=14).map(lambda ws: " ".join(ws).capitalize() + ".")
_FURNITURE_CLASS = st.sampled_from(["share-bar", "jp-relatedposts", "comments-area", "gem-c-breadcrumbs",
                                    "cookieNotice", "site-footer", "post-navigation", "sidebar widget-area"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SENTENCE, min_size=3, max_size=8), st.lists(_SENTENCE, min_size=1, max_size=2),
       _FURNITURE_CLASS, st.integers(min_value=0, max_value=8), st.booleans())
def test_furniture_named_by_class_takes_nothing_else(content: list[str], furniture: list[str], name: str,
                                                    at: int, inside_main: bool) -> None:
    """Wherever an element named as furniture stands, every paragraph outside it stays; its own
    text goes when it is the lesser part of the page, and stays when it is the most of it."""
    from ransearch.ingest import parse_bytes

    marked = [f"Zq{i}x {text}" for i, text in enumerate(furniture)]
    block = f'<div class="{name}">' + "".join(f"<p>{text}</p>" for text in marked) + "</div>"
    paragraphs = [f"<p>{text}</p>" for text in content]
    paragraphs.insert(min(at, len(paragraphs)), block)
    body = "<h1>Peer mentors online</h1>" + "".join(paragraphs)
    page = f"<html lang='en'><body>{'<main>' + body + '</main>' if inside_main else body}</body></html>"
    practice = parse_bytes(page.encode(), "page.html")
    text = " ".join(" ".join(practice.sections.values()).split()) + " " + " ".join(practice.contacts.split())
    for sentence in content:
        assert sentence in text
    share = sum(len(t) for t in marked) / sum(len(t) for t in marked + content)
    if share < 0.4:
        assert not any(t.split()[0] in text for t in marked)


# --- menus of a layout table (ransearch.ingest.html) ----------------------------------------------

_LINK_TEXT = st.lists(_WORDS, min_size=1, max_size=3).map(lambda ws: " ".join(ws).title())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SENTENCE, min_size=2, max_size=6), st.lists(_LINK_TEXT, min_size=2, max_size=6),
       st.sampled_from(["before", "after", "row"]), st.sampled_from([" | ", " ", "<br>"]), st.booleans())
def test_a_layout_tables_menu_cell_takes_nothing_else(content: list[str], links: list[str], where: str,
                                                      separator: str, as_list: bool) -> None:
    """A cell of two links or more and no other words is a menu wherever it stands in a layout
    table (beside the content or in a row of its own): it goes, and every sentence stays. Under a
    label, the same links are the label's value."""
    from ransearch.ingest import parse_bytes

    marked = [f"Zq{i}x {text}" for i, text in enumerate(links)]
    anchors = [f'<a href="/p{i}">{text}</a>' for i, text in enumerate(marked)]
    menu = ("<ul>" + "".join(f"<li>{a}</li>" for a in anchors) + "</ul>") if as_list else separator.join(anchors)
    body = "<h2>Peer mentors online</h2>" + "".join(f"<p>{text}</p>" for text in content)
    rows = {"before": f"<tr><td>{menu}</td><td>{body}</td></tr>",
            "after": f"<tr><td>{body}</td><td>{menu}</td></tr>",
            "row": f"<tr><td>{menu}</td></tr><tr><td>{body}</td></tr>"}[where]
    practice = parse_bytes(f"<html lang='en'><body><table>{rows}</table></body></html>".encode(), "page.html")
    text = " ".join(" ".join(practice.sections.values()).split()) + " " + " ".join(practice.contacts.split())
    for sentence in content:
        assert sentence in text
    assert practice.title == "Peer mentors online"
    assert not any(t.split()[0] in text for t in marked)
    labelled = (f"<table><tr><td>Name of the practice</td><td>Peer mentors online</td></tr>"
                f"<tr><td>Description</td><td>{content[0]}</td></tr>"
                f"<tr><td>Organisation</td><td>{menu}</td></tr></table>")
    kept = parse_bytes(f"<html lang='en'><body>{labelled}</body></html>".encode(), "page.html")
    assert all(t.split()[0] in kept.sections["organisation"] for t in marked)
