"""Folding and tokens (``ransearch.text``) and HTML/bullet clean-up (``ransearch.ingest.markup``)."""

from __future__ import annotations

import pytest

from ransearch.ingest.markup import html_to_text, normalise_bullets, tidy
from ransearch.text import (
    clean_ocr,
    fold,
    split_query_sentences,
    split_sentences,
    tokens,
    without_shouting,
    word_spans,
    words,
)


@pytest.mark.parametrize("text, folded", [
    ("Éducation formelle/informelle", "education formelle informelle"),
    ("  Mixed   CASE\tand\nlines ", "mixed case and lines"),
    ("mise en œuvre", "mise en oeuvre"),
    ("mise en ceuvre", "mise en oeuvre"),            # OCR of "œuvre"
    ("rnodule de forrnation", "module de formation"),  # OCR "rn" for "m"
    ("I'objectif de |'organisation", "l objectif de l organisation"),
    ("statut |égal", "statut legal"),
    ("einschlieBlich", "einschliesslich"),           # OCR "B" for "ß"
    ("Straße", "strasse"),
    ("Østfold, Łódź, Ærø", "ostfold lodz aero"),    # letters without a decomposition
    ("« pratique » “quoted” l’Europe", "pratique quoted l europe"),
    ("Osterreich", "osterreich"),
    ("300 mots (max.)", "300 mots max"),
    ("", ""),
    ("— • …", ""),
    ("Όχι, Ελλάδα", "ochi ellada"),                   # Greek and Cyrillic in Latin letters, not dropped
    ("Организация", "organizatsiya"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_equates_ocr_damage_with_the_original() -> None:
    original = "Décrivez brièvement l'organisation à l'origine de cette pratique, notamment son statut légal"
    ocr = "Décrivez brievement |'organisation a I'origine de cette pratique, notamment son statut |égal"
    assert fold(original) == fold(ocr)


def test_fold_keeps_ordinary_capital_b() -> None:
    assert fold("GmbH BOJA Berlin") == "gmbh boja berlin"


def test_tokens() -> None:
    assert tokens("Type d'organisation : Autre") == ["type", "d", "organisation", "autre"]
    assert tokens("Helpline: +00 000 000 000") == ["helpline", "00", "000", "000", "000"]
    assert tokens("") == []
    out = tokens("a b")
    out.append("c")  # a fresh list each time, never the cached one
    assert tokens("a b") == ["a", "b"]


def test_words_are_what_search_matches_on_in_any_script() -> None:
    assert words("L'Éducation, 2019 à Αθήνα: I'objectif x") == ["éducation", "2019", "αθήνα", "objectif"]
    assert words("a de la", shortest=1) == ["a", "de", "la"] and words("a de la", shortest=3) == []


def test_word_spans_are_where_the_words_are() -> None:
    text = "Statut |égal, de l'État"
    assert [text[a:b] for a, b in word_spans(text)] == ["Statut", "|égal", "de", "État"]
    assert [clean_ocr(text[a:b]).lower() for a, b in word_spans(text)] == words(text)


@pytest.mark.parametrize("text, sentences", [
    ("Un. Deux! Trois? Quatre; Cinq: Six", ["Un.", "Deux!", "Trois?", "Quatre;", "Cinq:", "Six"]),
    ("art. 3 et e.g. the end; and more", ["art.", "3 et e.g. the end; and more"]),
    ("Fin. «Citation» puis (Note) et ¿Qué? ¡Sí!", ["Fin.", "«Citation» puis (Note) et ¿Qué?", "¡Sí!"]),
    ("Fin.\n- item", ["Fin.", "- item"]),
    ("", []),
])
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_a_greeting_or_thanks_is_no_sentence_of_its_own() -> None:
    assert split_query_sentences("Hello! What helps families of foreign fighters? Thank you.") == [
        "Hello! What helps families of foreign fighters? Thank you."]
    assert split_query_sentences("Bonjour ! Nous sommes une ville. La police a appelé. Merci.") == [
        "Bonjour ! Nous sommes une ville.", "La police a appelé. Merci."]
    assert split_query_sentences("Help! We are a town. What now?") == ["Help! We are a town. What now?"]
    assert split_query_sentences("Hi!") == ["Hi!"]


def test_a_query_typed_in_capitals_is_read_in_lower_case() -> None:
    assert without_shouting("SOUTIEN FAMILIAL. AIDE!") == "soutien familial. aide!"
    assert split_query_sentences("NOUS SOMMES UNE VILLE. LA POLICE A APPELÉ.") == [
        "NOUS SOMMES UNE VILLE.", "LA POLICE A APPELÉ."]
    for text in ("Soutien familial RAN", "soutien familial", "2019", ""):
        assert without_shouting(text) == text


def test_a_query_typed_without_capitals_is_still_cut_into_sentences() -> None:
    typed = "we are a town. the police called us! what now? e.g. this; and that"
    assert split_query_sentences(typed) == ["we are a town.", "the police called us!",
                                            "what now? e.g. this; and that"]
    assert split_sentences(typed) == [typed]
    assert split_query_sentences("We are a town. The police called. e.g. this") == split_sentences(
        "We are a town. The police called. e.g. this") == ["We are a town.", "The police called. e.g. this"]


@pytest.mark.parametrize("text, cleaned", [
    ("I'objectif", "l'objectif"),
    ("de |'organisation", "de l'organisation"),
    ("statut |égal", "statut légal"),
    ("uti|isé", "utilisé"),
    ("Yes | No", "Yes | No"),         # a separator between spaces stays
    ("Il y a", "Il y a"),             # a capital I that is a word stays
    ("INFO", "INFO"),
])
def test_clean_ocr(text: str, cleaned: str) -> None:
    assert clean_ocr(text) == cleaned


@pytest.mark.parametrize("fragment, text", [
    ("<p>Un</p> <p>Deux</p>", "Un\n\nDeux"),
    ("<h2>Soutien familial à Sarpsborg</h2>", "Soutien familial à Sarpsborg"),
    ("a &amp; b &lt;c&gt; &eacute;t&#233; &#x27;q&#x27;", "a & b <c> été 'q'"),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
    ('<ul style="list-style-type: none"> • Renforcer • Fournir</ul>', "- Renforcer\n- Fournir"),
    ("• a • b", "- a\n- b"),
    ("x<br>y<br/>z", "x\ny\nz"),
    ("<p><b>Label</b> <u>under</u> <a href=\"#\">Autre</a></p>", "Label under Autre"),
    ("keep <!-- a comment --> this", "keep this"),
    ("before <script type='x'>alert(1)</script> after <style>p {}</style>", "before after"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a\n\nb"),
    ("plain text, no tags", "plain text, no tags"),
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
    ("", ""),
])
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


@pytest.mark.parametrize("fragment", [
    "<p" * 1000, "<!--" * 1000, "<script>" * 1000, "<li" * 1000, "<" * 1000 + ">", "<!-- never closed <p>x</p>",
])
def test_html_to_text_never_leaves_a_tag(fragment: str) -> None:
    out = html_to_text(fragment)
    assert "<p>" not in out and "<li>" not in out and "<script>" not in out


@pytest.mark.parametrize("line, normalised", [
    ("O Localisez les parties prenantes", "- Localisez les parties prenantes"),  # bullet read as "O"
    ("(] Expliquez pourquoi", "- Expliquez pourquoi"),
    ("© Soyez aussi local", "- Soyez aussi local"),
    ("e Erstgespräch mit der Familie", "- Erstgespräch mit der Familie"),
    ("• Renforcer", "- Renforcer"),
    ("* item", "- item"),
    ("- o de ressources", "  - de ressources"),                                # sub-item "o"
    ("o dans la ville", "o dans la ville"),       # a word, not a bullet: no capital follows
    ("e mail", "e mail"),
    ("Oslo est une ville", "Oslo est une ville"),
    ("O", "O"),
    ("", ""),
])
def test_normalise_bullets(line: str, normalised: str) -> None:
    assert normalise_bullets(line) == normalised


def test_tidy() -> None:
    assert tidy("  a   b \n\n\n\n c\t\td\n") == "a b\n\nc d"
    assert tidy("- x\n\n- y") == "- x\n- y"   # list items stay together
    assert tidy("para\n\n- x") == "para\n\n- x"
    assert tidy("a\u00a0\u202fb") == "a b"
    assert tidy("\n\n") == ""
