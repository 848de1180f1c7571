"""Text → BM25 terms: the search's words (:func:`ransearch.text.words`), stopwords left out,
stemmed with the language's Snowball stemmer (PyStemmer) and folded (accents ignored).

A language's stemmer and stopword list are named in the template data
(``template/languages.json``, read by :mod:`ransearch.languages`); the stopword lists
themselves are bm25s's (``bm25s.stopwords``).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from ransearch.languages import known_languages, language
from ransearch.text import fold, words

__all__ = ["analyse", "query_words", "is_stopword", "stopwords_of", "word_stems"]


@lru_cache(maxsize=32)
def _stemmer(code: str) -> Any:
    import Stemmer

    entry = language(code)
    return Stemmer.Stemmer(entry.stemmer if entry and entry.stemmer else "porter")


@lru_cache(maxsize=1)
def _bm25s_stopwords() -> ModuleType:
    """bm25s's stopword lists (the public module ``bm25s.stopwords``, a file of tuples), loaded
    by path: ``import bm25s.stopwords`` would run ``bm25s/__init__``, which imports scipy
    (~300 ms measured, three times ``import numpy, faiss``) that a query process does not need."""
    spec = importlib.util.find_spec("bm25s")  # finds the package without importing it
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    path = Path(folder) / "stopwords.py" if folder else None
    if path is None or not path.is_file():  # pragma: no cover - another bm25s layout
        import bm25s.stopwords

        return bm25s.stopwords
    module_spec = importlib.util.spec_from_file_location("_ransearch_bm25s_stopwords", path)
    module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
    module_spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@lru_cache(maxsize=32)
def _stopwords(code: str) -> frozenset[str]:
    entry = language(code)
    if entry is None or not entry.stopwords:
        return frozenset()
    return frozenset(fold(w) for w in getattr(_bm25s_stopwords(), entry.stopwords))


@lru_cache(maxsize=1)
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(code) for code in known_languages()))


@lru_cache(maxsize=8)
def stopwords_of(languages: tuple[str, ...]) -> frozenset[str]:
    """The stopwords of all ``languages``, folded (accents off): test ``fold(word) in`` it."""
    return frozenset().union(*(_stopwords(code) for code in languages))


def is_stopword(word: str, language: str) -> bool:
    """Whether a lower-case word is a stopword of ``language`` (bm25s's lists; False for a
    language without one)."""
    return fold(word) in _stopwords(language)


@lru_cache(maxsize=1 << 18)
def _term(word: str, language: str) -> str | None:
    """The term of one lower-case word (None for a stopword or a number other than a year)."""
    if word.isdigit() and len(word) != 4:
        return None
    if fold(word) in _stopwords(language):
        return None
    stem = _stemmer(language).stemWord(word)
    return fold(stem) or stem


def analyse(text: str, language: str) -> list[str]:
    """Stemmed, accent-free terms of ``text`` in ``language``, stopwords removed.

    Each distinct word is analysed once per process (texts share most of their words).
    """
    terms = (_term(w, language) for w in words(text))
    return [t for t in terms if t is not None]


@lru_cache(maxsize=65_536)
def word_stems(word: str, language: str) -> tuple[str, ...]:
    """The terms of one word (usually one; none for a stopword), remembered."""
    return tuple(analyse(word, language))


def query_words(text: str) -> list[str]:
    """Distinct content words of a query (any language's stopwords removed), to be translated."""
    stops = _all_stopwords()
    content = (w for w in words(text, shortest=3) if not w.isdigit())
    return list(dict.fromkeys(w for w in content if fold(w) not in stops))
