"""Text folding and tokenisation used to compare text, never to store it.

Folding makes two spellings of the same words compare equal: case, accents, typographic
quotes, ligatures, and the confusions OCR makes on the RAN PDFs (``I'`` and ``|`` for ``l``,
``rn`` for ``m``, ``ceuvre`` for ``œuvre``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "tokens", "clean_ocr"]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "’": "'", "‘": "'",
                            "´": "'", "`": "'", "«": " ", "»": " ", "„": " ", "“": " ", "”": " "})
_OCR_L = re.compile(r"(?<![A-Za-z])[I|](?=['’][A-Za-zÀ-ÿ])|\|(?=[A-Za-zÀ-ÿ])|(?<=[a-zà-ÿ ])\|(?=[ a-zà-ÿ])")
_WORD = re.compile(r"[a-z0-9]+")


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
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case, accent-free, OCR-tolerant form of ``text`` for comparisons."""
    text = _strip_accents(clean_ocr(text).translate(_LIGATURES)).lower()
    return " ".join(_fold_word(w) for w in _WORD.findall(text))


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


def tokens(text: str) -> list[str]:
    """Folded word tokens of ``text``."""
    return list(_tokens(text))
