"""The languages ransearch knows, read from the template data (``template/languages.json``).

Every per-language fact lives in that file — the language's English name, whether the language
detector tells it apart, its Snowball stemmer and its bm25s stopword list — and this module is
its one reader: adding a language is an edit of the JSON file, not of code. (Which languages an
*encoder* covers is a fact about the encoder, kept with it: ``UseEncoder.languages``.)

A module of its own, light (json only), so that filters (``ransearch.filters``) can validate a
language without importing the ingestion package, which a search never needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

__all__ = ["Language", "LANGUAGES", "language", "language_name", "known_languages"]


@dataclass(frozen=True)
class Language:
    """One entry of ``template/languages.json``.

    Attributes:
        code: ISO 639-1 code.
        name: English name.
        detected: documents and queries can be found to be in it (the detector's languages).
        stemmer: PyStemmer's name of its Snowball stemmer (None: Porter's English stemmer).
        stopwords: name of its stopword list in ``bm25s.stopwords`` (None: no stopwords).
    """

    code: str
    name: str
    detected: bool = False
    stemmer: str | None = None
    stopwords: str | None = None


@lru_cache(maxsize=1)
def known_languages() -> Mapping[str, Language]:
    """Every language of the template data, by code, in the file's order."""
    data = json.loads(files("ransearch.template").joinpath("languages.json").read_text("utf-8"))
    return {code: Language(code, **entry) for code, entry in data["languages"].items()}


def language(code: str) -> Language | None:
    """The template data of language ``code`` (None when it has none)."""
    return known_languages().get(code)


def language_name(code: str) -> str:
    """The English name of language ``code`` (the code itself when the data has no name)."""
    entry = known_languages().get(code)
    return entry.name if entry else code


LANGUAGES: tuple[str, ...] = tuple(code for code, entry in known_languages().items() if entry.detected)
"""The ISO 639-1 codes the language detector tells apart: the languages a practice can be in."""
