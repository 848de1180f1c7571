"""Language of a document's content, with py3langid restricted to European languages."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ransearch.languages import LANGUAGES  # the list lives there: filters validate against it

__all__ = ["detect_language", "LANGUAGES"]


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
    lang, _ = _identifier().classify(text[:5000])
    return str(lang)
