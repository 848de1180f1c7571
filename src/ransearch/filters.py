"""Search filters: user values in any language → canonical facet values → practice masks."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.errors import QueryError
from ransearch.records import Practice
from ransearch.template import countries, vocabulary

__all__ = ["Filters", "resolve_filters", "facet_counts"]

_LANG = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Filters:
    """Canonical filter values; a practice passes when it matches one value of every given facet."""

    country: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    language: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.country or self.theme or self.audience or self.language)

    def accepts(self, p: Practice) -> bool:
        return ((not self.country or p.country_code in self.country)
                and (not self.theme or any(t in self.theme for t in p.themes))
                and (not self.audience or any(a in self.audience for a in p.audience))
                and (not self.language or p.language in self.language))

    def mask(self, practices: Sequence[Practice]) -> np.ndarray:
        """Boolean array over practice rows."""
        return np.fromiter((self.accepts(p) for p in practices), dtype=bool, count=len(practices))

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items() if v}


def _values(raw: str | Iterable[str] | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in item.split(",") if v.strip()]


def _vocab_values(name: str, raw: str | Iterable[str] | None) -> tuple[str, ...]:
    vocab = vocabulary()[name]
    out = []
    for value in _values(raw):
        canonical = vocab.canonical(value)
        if canonical is None:
            raise QueryError(f"unknown {name.rstrip('s')} {value!r}; known values: " + "; ".join(vocab.labels))
        out.append(canonical)
    return tuple(out)


def resolve_filters(country: str | Iterable[str] | None = None, theme: str | Iterable[str] | None = None,
                    audience: str | Iterable[str] | None = None,
                    language: str | Iterable[str] | None = None) -> Filters:
    """Filters from user values: country codes or names, theme and audience labels in any
    catalogued language, ISO 639-1 language codes. Several values may be comma-separated.

    Raises:
        QueryError: a value that names nothing known.
    """
    codes = []
    for value in _values(country):
        code = countries().code(value)
        if code is None:
            raise QueryError(f"unknown country {value!r}: give an ISO code (BE) or a name (Belgium, Belgique)")
        codes.append(code)
    langs = []
    for value in _values(language):
        if not _LANG.match(value.lower()):
            raise QueryError(f"unknown language {value!r}: give an ISO 639-1 code such as fr, en, de, nl")
        langs.append(value.lower())
    return Filters(tuple(codes), _vocab_values("themes", theme), _vocab_values("audience", audience), tuple(langs))


def facet_counts(practices: Sequence[Practice], language: str = "en") -> dict[str, list[dict[str, object]]]:
    """Counts of every facet value, most frequent first, with a label in ``language``.

    ``value`` is the canonical value filters accept (ISO code, canonical English label);
    ``label`` is its name in ``language`` when the vocabulary has one.
    """
    from collections import Counter

    voc = vocabulary()
    counters = {
        "country": Counter(p.country_code for p in practices if p.country_code),
        "theme": Counter(t for p in practices for t in p.themes),
        "audience": Counter(a for p in practices for a in p.audience),
        "language": Counter(p.language for p in practices),
    }
    labels = {
        "country": lambda v: countries().name(v, language),
        "theme": lambda v: voc["themes"].label_in(v, language),
        "audience": lambda v: voc["audience"].label_in(v, language),
        "language": lambda v: v,
    }
    return {name: [{"value": v, "label": labels[name](v), "count": n}
                   for v, n in sorted(c.items(), key=lambda x: (-x[1], x[0]))]
            for name, c in counters.items()}
