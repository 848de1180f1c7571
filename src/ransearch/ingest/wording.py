"""Per-document state of label reading: is the document worded as the catalogue is?

The layout readers call :func:`new_document` before they match labels. When the catalogue's
exact labels already name nearly every field, similarity is not used (parsing stays fast on
the usual documents); a label matched tolerantly or by similarity marks the wording as new,
and instructions are then looked for by similarity too. So are the instructions of a document
whose labels are in a language the catalogue knows by its labels alone
(:func:`instructions_by_similarity`); :func:`labels_language` tells the encoders which language
they are to read. The state is per thread.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

from ransearch.ingest.label_texts import unnumbered
from ransearch.template import Catalogue
from ransearch.text import tokens

__all__ = ["new_document", "similarity_allowed", "instructions_by_similarity", "note_inexact", "new_wording",
           "labels_language", "MARKUP"]

MARKUP = re.compile(r"<[^<>]+>|^#+", re.M)
"""Tags and Markdown heading marks, left out when a line is matched against the labels."""
_KNOWN_SLACK = 3
"""A document whose exact catalogued labels name all fields but this many reads as catalogued."""

_state = threading.local()


def new_document(cat: Catalogue | None = None, lines: Iterable[str] = ()) -> None:
    """Start reading a document (called by the layout readers before they match labels).

    With ``cat`` and the document's label ``lines`` (label cells, or every line): when the
    catalogue's exact labels already name nearly every field, the wording is the catalogue's
    and similarity is not used (parsing stays fast on the usual documents), unless the name or
    the description is among the fields it misses.
    """
    _state.inexact = 0
    _state.similar = True
    _state.language = ""
    _state.unwritten = False
    if cat is not None:
        seen = set()
        languages: Counter[str] = Counter()
        for line in lines:
            match = cat.label_at_start(tokens(unnumbered(MARKUP.sub(" ", line))))
            if match:
                seen.add(match.key)
                languages[match.language] += 1
        # the language more than half of them are in (none in a mixture: a glossary, an index)
        top = languages.most_common(1)
        _state.language = top[0][0] if top and 2 * top[0][1] > sum(languages.values()) else ""
        # the name and the description matter most: never left to a missing exact label
        _state.similar = len(seen) < len(cat.keys) - _KNOWN_SLACK or not {
            "name", "description"} <= seen
        _state.unwritten = bool(_state.language) and _state.language not in cat.instructions_known


def labels_language() -> str:
    """The language most of the document's catalogued labels are in ("" when none is)."""
    return str(getattr(_state, "language", ""))


def similarity_allowed() -> bool:
    """Whether the document being read may have its labels matched by similarity."""
    return getattr(_state, "similar", True)


def instructions_by_similarity() -> bool:
    """Whether the document's instructions are looked for by similarity: its labels are, or they
    are in a language whose instructions neither the catalogue holds nor the corpus taught (its
    labels are matched as written)."""
    return similarity_allowed() or bool(getattr(_state, "unwritten", False))


def note_inexact() -> None:
    """Record that a label of the document being read was not the catalogue's, word for word."""
    _state.inexact = getattr(_state, "inexact", 0) + 1


def new_wording() -> bool:
    """Whether the document being read had labels the catalogue does not hold word for word.

    Its instructions are then likely in a new wording too, and are looked for by similarity.
    """
    return getattr(_state, "inexact", 0) > 0
