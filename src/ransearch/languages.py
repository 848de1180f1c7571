"""The languages a practice can be in: the ISO 639-1 codes the language detector tells apart.

A module of its own so that filters (``ransearch.filters``) can validate a language without
importing the ingestion package, which a search never needs.
"""

from __future__ import annotations

__all__ = ["LANGUAGES"]

LANGUAGES = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it",
             "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv", "no", "is", "tr", "uk")
