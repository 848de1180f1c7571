"""The language of a query, and whether the encoder was trained on it.

The default encoder (``use``, Universal Sentence Encoder multilingual v3) was trained on 16
languages; a query in another one (Swedish, Danish, Finnish, Czech, Greek, Hungarian, …) still
gets an answer — the lexical side, the words shared with the documents and the query's
word-by-word rendering into the corpus's covered languages (:mod:`ransearch.lexical.rendering`)
carry it — but a weaker one, and the answer says so in a note that names the way out: an index
built with a sentence-transformers model that covers the language (docs/evaluation.md, "Query
languages the encoder does not know").

An encoder states the languages it covers as a ``languages`` attribute (a set of ISO 639-1
codes, e.g. ``UseEncoder.languages``); an encoder without one (any ``st:`` model) is taken to
cover every language, and no note is given. Language names come from the template data
(:mod:`ransearch.languages`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ransearch.languages import LANGUAGES, language_name
from ransearch.lexical.analysis import stopwords_of
from ransearch.text import fold, words as text_words

__all__ = ["encoder_languages", "detect_query_language", "uncovered_language", "coverage_note", "SWITCH_HINT",
           "maybe_uncovered"]

MIN_CONFIDENCE = 0.8
"""A query is said to be in a language only when the identifier is at least this sure
(short queries of shared words, such as "ggz radicalisering consultatie", are not)."""

SWITCH_HINT = ("a sentence-transformers model that covers the language can replace the encoder "
               "(ransearch index --full --encoder st:<model name or path>); check it with ransearch eval first: "
               "multilingual-e5-small ranked such queries worse than the default on our test set "
               "(docs/evaluation.md)")


def encoder_languages(encoder: Any) -> frozenset[str] | None:
    """The languages ``encoder`` says it covers, or ``None`` when it does not say."""
    languages = getattr(encoder, "languages", None)
    return frozenset(languages) if languages is not None else None


def load_identifier() -> None:
    """Load the language identifier now (about 0.4 s) rather than at the first query that may be
    in a language the encoder lacks (what a server's warm-up does)."""
    _identifier()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


_FOREIGN_LETTERS = frozenset("åøæðþčřěůťďňľĺŕőűõāēīūļķņģėįųșță") | frozenset(chr(c) for c in range(0x370, 0x400))
"""Letters of European languages that ``use`` does not cover (and Greek)."""
_UNCOVERED_STOPWORDS = ("sv", "da", "no")
_URALIC = re.compile(r"(?:aa|uu|yy|ii)|(?:ssa|ssä|sta|stä|lla|llä|lle|lta|ltä|ksi|nen|ban|ben|nak|nek)$")
_COVERED_STOPWORDS = ("en", "fr", "de", "nl", "es", "it", "pt")


@lru_cache(maxsize=256)
def maybe_uncovered(text: str) -> bool:
    """A cheap test run before the language identifier (whose model takes about a second to
    load, too much for every cold query): letters of an uncovered language, more Nordic than
    covered-language stopwords, Finnish or Hungarian word shapes, or ä/ö without a German
    stopword (Finnish, Estonian, Swedish). A wrong "maybe" only costs the identifier's time.
    Remembered per text: a query's signals and its note both ask."""
    lower = text.lower()
    if _FOREIGN_LETTERS.intersection(lower):
        return True
    words = text_words(lower, shortest=1)
    folded = [fold(w) for w in words]
    nordic = sum(w in stopwords_of(_UNCOVERED_STOPWORDS) for w in folded)
    covered = sum(w in stopwords_of(_COVERED_STOPWORDS) for w in folded)
    if nordic > covered:
        return True
    # Finnish and Hungarian need no special letter: case endings and doubled vowels, no covered stopword
    uralic = sum(bool(_URALIC.search(w)) for w in words)
    if uralic >= 2 and not covered:
        return True
    return bool({"ä", "ö"} & set(lower)) and not any(w in stopwords_of(("de",)) for w in folded)


@lru_cache(maxsize=256)
def detect_query_language(text: str) -> str | None:
    """ISO 639-1 code of a query's language among the European ones, or ``None`` when the
    identifier is not sure enough."""
    if not text.strip():
        return None
    lang, confidence = _identifier().classify(text[:2000])
    return str(lang) if confidence >= MIN_CONFIDENCE else None


def uncovered_language(text: str, encoder: Any) -> str | None:
    """The language of ``text`` when it is one ``encoder`` does not cover, else ``None``."""
    covered = encoder_languages(encoder)
    if covered is None or not maybe_uncovered(text):
        return None
    lang = detect_query_language(text)
    return None if lang is None or lang in covered else lang


def coverage_note(text: str, encoder: Any) -> str | None:
    """A note for the answer when ``text`` is in a language ``encoder`` does not cover."""
    lang = uncovered_language(text, encoder)
    if lang is None:
        return None
    name = language_name(lang)
    return (f"the query looks {name} ({lang}), a language the encoder '{getattr(encoder, 'name', '?')}' was not "
            f"trained on: the ranking rests on the query's words and their word-by-word translations; {SWITCH_HINT}")
