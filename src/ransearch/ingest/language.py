"""Language of a document's content, with py3langid restricted to European languages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ransearch.languages import LANGUAGES  # the list lives there: filters validate against it

__all__ = ["detect_language", "content_language", "LANGUAGES"]

_JUDGED_CHARS = 5000
"""The start of a text the detector reads (enough to judge, and bounded)."""


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    ident.set_languages(list(LANGUAGES))
    return ident


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language ("und" when there is no text to judge)."""
    if not text.strip():
        return "und"
    lang, _ = _identifier().classify(text[:_JUDGED_CHARS])
    return str(lang)


_JUDGED_WORDS = 20
"""A text this long is judged by its words rather than by the language its page declares."""


def content_language(text: str, declared: str | None) -> str:
    """The language of ``text``, whose page declares ``declared`` (an ``<html lang>``, or None).

    The declaration is kept unless the text, long enough to judge, is clearly in another
    language: the declared one is not even the detector's second choice. A site's template often
    declares its default ("en-US") over pages written in another language.
    """
    if not declared:
        return detect_language(text)
    if len(text.split()) < _JUDGED_WORDS:
        return declared
    ranked = [lang for lang, _ in _identifier().rank(text[:_JUDGED_CHARS])[:2]]
    return declared if declared in ranked else str(ranked[0])
