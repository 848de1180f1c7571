"""The text toolkit: folding, the word tokeniser and the sentence splitter, used to compare
and cut text, never to store it.

Folding makes two spellings of the same words compare equal: case, accents, typographic
quotes, ligatures, and the confusions OCR makes on the RAN PDFs (``I'`` and ``|`` for ``l``,
``rn`` for ``m``, ``ceuvre`` for ``œuvre``, ``B`` for ``ß`` inside a word).

Two word forms, one tokeniser:

- :func:`words` — the words search matches on (the lexical index, query words, highlighting):
  runs of letters or digits of any script, lower-case, OCR confusions undone;
- :func:`tokens` — folded words (Latin letters and digits only; Greek and Cyrillic words are
  written in Latin letters first, as anyascii spells them), to compare labels and wordings.

One sentence splitter, :func:`split_sentences`, cuts chunks, situations and snippets (a query typed
without capitals, by :func:`split_query_sentences`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["fold", "tokens", "clean_ocr", "words", "word_spans", "split_sentences", "split_query_sentences",
           "without_shouting"]

# letters that Unicode does not decompose into a base letter and an accent
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "ø": "o", "Ø": "O",
                            "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ð": "d", "Ð": "D",
                            "þ": "th", "Þ": "Th", "’": "'", "‘": "'",
                            "´": "'", "`": "'", "«": " ", "»": " ", "„": " ", "“": " ", "”": " "})
# "I'"/"|'" for "l'", "|" for "l" next to a letter; a "|" between two spaces is a separator
_OCR_L = re.compile(r"(?<![A-Za-z])[I|](?=['’][A-Za-zÀ-ÿ])|\|(?=[A-Za-zÀ-ÿ])|(?<=[a-zà-ÿ])\|(?=[ a-zà-ÿ])")
_WORD = re.compile(r"[a-z0-9]+")
# the combining marks of the blocks that accents on Latin letters come from
_COMBINING = re.compile("[" + "".join(
    chr(c) for lo, hi in ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
    for c in range(lo, hi + 1) if unicodedata.combining(chr(c))) + "]")
# the scripts of the EU's languages that are not written in Latin letters (Greek, Bulgarian) and
# of the neighbours' (Ukrainian, Serbian, Russian): folded into Latin letters, not dropped, so that
# a Greek label, yes or country compares, and two Greek practices are not the same empty text
_GREEK_CYRILLIC = re.compile("[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f]+")
_OCR_SZ = re.compile(r"(?<=[a-zäöü])B(?=[a-zäöü])")  # "einschlieBlich": ß read as B


def clean_ocr(text: str) -> str:
    """Undo the OCR confusions that are safe to undo in displayed text (``I'`` → ``l'``, ``|`` → ``l``)."""
    return _OCR_L.sub("l", text)


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    word = word.replace("rn", "m").replace("ceuvre", "oeuvre")
    return word


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    # a regex for the usual accents (a Python loop per character is slow), the loop for the rest
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if text.isascii():
        return text
    return "".join(c for c in text if not unicodedata.combining(c))


_CACHED = 4096
"""Longest text whose folding is cached: lines and labels repeat, a huge text would only stay in memory."""


def _fold(text: str) -> str:
    text = _strip_accents(_OCR_SZ.sub("ss", clean_ocr(text)).translate(_LIGATURES)).lower()
    if not text.isascii():
        text = _GREEK_CYRILLIC.sub(_in_latin_letters, text)
    return " ".join(_fold_word(w) for w in _WORD.findall(text))


def _in_latin_letters(match: re.Match[str]) -> str:
    from anyascii import anyascii

    return anyascii(match.group()).lower()


_fold_cached = lru_cache(maxsize=1 << 16)(_fold)


def fold(text: str) -> str:
    """Lower-case, accent-free, OCR-tolerant form of ``text`` for comparisons."""
    return _fold_cached(text) if len(text) <= _CACHED else _fold(text)


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


def tokens(text: str) -> list[str]:
    """Folded word tokens of ``text``."""
    return list(_tokens(text)) if len(text) <= _CACHED else fold(text).split()


@lru_cache(maxsize=4)
def _word_pattern(shortest: int) -> re.Pattern[str]:
    return re.compile(r"\w{%d,}" % max(shortest, 1))


def words(text: str, shortest: int = 2) -> list[str]:
    """The words of ``text`` as search matches them: runs of letters or digits (any script) of at
    least ``shortest`` characters, lower-case, with the OCR confusions of :func:`clean_ocr` undone."""
    return _word_pattern(shortest).findall(clean_ocr(text).lower())


def word_spans(text: str, shortest: int = 2) -> Iterator[tuple[int, int]]:
    """Where the :func:`words` of ``text`` are in ``text``, as (start, end) (to mark them)."""
    # clean_ocr replaces one character by one: positions in its output are positions in ``text``
    return (m.span() for m in _word_pattern(shortest).finditer(clean_ocr(text)))


# a sentence ends at . ! ? ; or : before a space and what starts a sentence: a capital, a digit,
# a dash, an opening quote or bracket, or Spanish ¿ ¡ (so "art. 3", "e.g. the" and "; and" do not cut)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=[\"«(\[]?[A-ZÀ-ÖØ-Þ0-9¿¡-])")


# in a query typed without capitals (a chat message), a sentence ends at . ! or ? before a space
_QUERY_SENTENCE_LOWER = re.compile(r"(?<=[.!?])\s+(?=\S)")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (empty ones left out)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


_SENTENCE_WORDS = 3
"""Fewest words of a query sentence of its own: a shorter one ("Hello!", "Thank you.", "Help!")
says no need, and joins the next sentence (the last, the one before). Every sentence of the
development sets' queries has at least three content words."""


def split_query_sentences(text: str) -> list[str]:
    """The sentences of a query: those of :func:`split_sentences`, but a query typed in one case
    (no capital letter, or no small one) is cut at ``.``, ``!`` and ``?`` before a space, whatever
    follows, so that a situation typed all in lower case or in capitals is still read sentence
    by sentence; and a sentence of fewer than ``_SENTENCE_WORDS`` words joins its neighbour, so
    that a greeting or a thank-you is not ranked as a part of the situation."""
    if _one_case(text):
        sentences = [s for s in _QUERY_SENTENCE_LOWER.split(text) if s.strip()]
    else:
        sentences = split_sentences(text)
    joined: list[str] = []
    pending = ""  # short sentences waiting for the next one
    for sentence in sentences:
        sentence = f"{pending} {sentence}" if pending else sentence
        if len(words(sentence)) < _SENTENCE_WORDS:
            pending = sentence
            continue
        joined.append(sentence)
        pending = ""
    if pending:
        if joined:
            joined[-1] = f"{joined[-1]} {pending}"
        else:
            joined.append(pending)
    return joined


def without_shouting(text: str) -> str:
    """``text`` in lower case when it is typed all in capitals ("SOUTIEN FAMILIAL"), which the
    encoder reads as other words; any other text as it is (acronyms in a sentence stay)."""
    return text.lower() if _one_case(text) and any(c.isupper() for c in text) else text


def _one_case(text: str) -> bool:
    """Whether ``text`` has no capital letter, or no small one."""
    return not any(c.isupper() for c in text) or not any(c.islower() for c in text)
