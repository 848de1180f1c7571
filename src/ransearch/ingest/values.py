"""Facet values written one after another with no separator, split against the vocabularies.

Text copied from a web page loses the list markup: ``Prison / probationFamiliesEducators/academics``.
The text is cut where a lower-case letter meets an upper-case one (``probation|Families``), and
the pieces are joined back by longest match wherever several of them spell one wording of the
vocabulary (in any catalogued language, folded), so that a wording with an inner capital is
never cut. Pieces no wording covers are kept as written.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files

from ransearch.text import tokens

__all__ = ["split_values"]

# lower-case or closing bracket then upper-case; or an acronym then a capitalised word ("P/CVEFormers")
_JOINT = re.compile(r"(?<=[a-zà-ÿ0-9)])(?=[A-ZÀ-Þ])|(?<=[A-ZÀ-Þ]{2})(?=[A-ZÀ-Þ][a-zà-ÿ]{2})")
_MAX_PIECES = 6


@lru_cache(maxsize=4)
def _wordings(name: str) -> frozenset[str]:
    """Every wording of vocabulary ``name`` as its folded letters without spaces or punctuation."""
    data = json.loads(files("ransearch.template").joinpath("vocabulary.json").read_text(encoding="utf-8"))
    out = set()
    for entry in data.get(name, []):
        for k, v in entry.items():
            for wording in ([v] if k == "label" else v):
                key = "".join(tokens(wording))
                if key:
                    out.add(key)
    return frozenset(out)


def split_values(text: str, vocabulary: str) -> list[str]:
    """The values in ``text`` (one line of a facet block) for vocabulary ``themes`` or ``audience``."""
    pieces = [p for p in _JOINT.split(text.strip()) if p.strip()]
    if len(pieces) <= 1:
        return [text.strip()] if text.strip() else []
    known = _wordings(vocabulary)
    keys = ["".join(tokens(p)) for p in pieces]
    out: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + _MAX_PIECES), i, -1):
            if "".join(keys[i:j]) in known:
                out.append("".join(pieces[i:j]).strip())
                i = j
                break
        else:
            out.append(pieces[i].strip())
            i += 1
    return [v for v in out if v]
