"""The sentence splitter of queries and snippets: a query of several sentences is also read
sentence by sentence, and a snippet is cut at sentence ends."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_SENTENCE = re.compile(r"(?<=[.!?;])\s+")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after ``.!?;`` and whitespace), blank ones left out."""
    return [x for x in _SENTENCE.split(text) if x.strip()]
