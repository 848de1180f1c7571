"""Search filters: user values in any language → canonical facet values → practice masks.

A loaded index describes its practices' facets once, as arrays (:class:`FacetTable`): a
boolean membership matrix per facet (practice row × facet value). Applying ``Filters`` is
then a few numpy operations over practice rows, and chunk rows get their mask through the
chunk table's ``practice_row`` (``mask[practice_row]``): no Python loop per practice or per
chunk at query time, whatever the size of the index.

A :class:`Filters` value is what every front end builds from what its user gave (country
names in any language, labels in any catalogued language, comma-separated lists) and passes to
every engine operation; the engine resolves it to canonical values once
(:meth:`Filters.resolve`). :meth:`Filters.resolve` and :func:`label_language` are the one
validation of user filter values: the CLI, the HTTP API, the page and the MCP tools all refuse
an unknown value with the same ``QueryError`` (exit 2, status 422, a tool error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.errors import QueryError
from ransearch.languages import LANGUAGES
from ransearch.records import Facets, FacetValue, Practice
from ransearch.template import countries, vocabulary

__all__ = ["Filters", "FacetColumn", "FacetTable", "FACETS", "resolve_filters", "facet_counts", "label_language",
           "known_languages"]

FACETS = ("country", "theme", "audience", "language")
"""Facets a search can be filtered on (the fields of :class:`Filters`)."""


def _facet_values(p: Practice, facet: str) -> tuple[str, ...]:
    if facet == "country":
        return (p.country_code,) if p.country_code else ()
    if facet == "theme":
        return p.themes
    if facet == "audience":
        return p.audience
    return (p.language,)


@dataclass(frozen=True)
class FacetColumn:
    """One facet over practice rows: its values and which rows have each of them."""

    values: tuple[str, ...]
    members: np.ndarray
    """Boolean (rows, len(values)): row r has value values[j]."""

    def any_of(self, wanted: Iterable[str]) -> np.ndarray:
        """Rows having at least one of ``wanted``."""
        wanted = set(wanted)
        cols = [j for j, v in enumerate(self.values) if v in wanted]
        if not cols:
            return np.zeros(len(self.members), dtype=bool)
        return np.asarray(self.members[:, cols].any(axis=1))

    def counts(self) -> dict[str, int]:
        """Rows per value."""
        return dict(zip(self.values, self.members.sum(axis=0).tolist()))


@dataclass(frozen=True)
class FacetTable:
    """The facets of every practice row as arrays, built once when an index is opened."""

    rows: int
    columns: dict[str, FacetColumn]

    @classmethod
    def from_practices(cls, practices: Sequence[Practice]) -> FacetTable:
        return cls.from_values({facet: [_facet_values(p, facet) for p in practices] for facet in FACETS},
                               len(practices))

    @classmethod
    def from_values(cls, values: Mapping[str, Sequence[Sequence[str]]], rows: int) -> FacetTable:
        """From every row's values of each facet (as ``PracticeRows.facet_values`` gives them)."""
        columns = {}
        for facet in FACETS:
            # one pass over the rows: (row, value) pairs, then codes for values, in numpy
            index: dict[str, int] = {}
            at: list[int] = []
            codes: list[int] = []
            for r, row_values in enumerate(values[facet]):
                for v in row_values:
                    at.append(r)
                    codes.append(index.setdefault(v, len(index)))
            members = np.zeros((rows, len(index)), dtype=bool)
            members[np.asarray(at, dtype=np.int64), np.asarray(codes, dtype=np.int64)] = True
            columns[facet] = FacetColumn(tuple(index), members)
        return cls(rows, columns)

    def __len__(self) -> int:
        return self.rows


@dataclass(frozen=True)
class Filters:
    """Facet filters: a practice passes when it matches one value of every given facet.

    Values may be given as a user writes them: a country's ISO code or name in any language, a
    theme or audience label in any catalogued language, an ISO 639-1 language code; a string
    may list several values separated by commas (``Filters(country="Belgique, DE")``). Engine
    operations resolve them to canonical values (:meth:`resolve`) before use.
    """

    country: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    language: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for facet in FACETS:  # a bare string is one value or several (commas), never its characters
            object.__setattr__(self, facet, tuple(_values(getattr(self, facet))))

    @classmethod
    def of(cls, country: str | Iterable[str] | None = None, theme: str | Iterable[str] | None = None,
           audience: str | Iterable[str] | None = None, language: str | Iterable[str] | None = None) -> Filters:
        """Filters from a front end's optional values: ``None``, one string (commas separate
        values) or several strings. Nothing is validated yet (see :meth:`resolve`)."""
        return cls(tuple(_values(country)), tuple(_values(theme)), tuple(_values(audience)),
                   tuple(_values(language)))

    def resolve(self) -> Filters:
        """The same filters with canonical values: ISO country codes, canonical English theme and
        audience labels, lower-case language codes. Canonical values resolve to themselves.

        Raises:
            QueryError: a value that names nothing known.
        """
        if not self:
            return self
        codes = []
        for value in self.country:
            code = countries().code(value)
            if code is None:
                raise QueryError(f"unknown country {value!r}: give an ISO code (BE) or a name (Belgium, Belgique)")
            codes.append(code)
        langs = [_language(value, "language") for value in self.language]
        return Filters(tuple(codes), _vocab_values("themes", self.theme), _vocab_values("audience", self.audience),
                       tuple(langs))

    def __bool__(self) -> bool:
        return bool(self.country or self.theme or self.audience or self.language)

    def accepts(self, p: Practice) -> bool:
        return ((not self.country or p.country_code in self.country)
                and (not self.theme or any(t in self.theme for t in p.themes))
                and (not self.audience or any(a in self.audience for a in p.audience))
                and (not self.language or p.language in self.language))

    def mask(self, practices: FacetTable | Sequence[Practice]) -> np.ndarray:
        """Boolean array over practice rows (give the index's ``FacetTable`` to skip building one)."""
        table = practices if isinstance(practices, FacetTable) else FacetTable.from_practices(practices)
        out = np.ones(len(table), dtype=bool)
        for facet in FACETS:
            wanted = getattr(self, facet)
            if wanted:
                out &= table.columns[facet].any_of(wanted)
        return out

    def chunk_mask(self, practices: FacetTable | Sequence[Practice], practice_row: np.ndarray) -> np.ndarray:
        """Boolean array over chunk rows: chunks of the practices that pass."""
        return self.mask(practices)[np.asarray(practice_row, dtype=np.int64)]

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items() if v}


def _values(raw: str | Iterable[str] | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in item.split(",") if v.strip()]


def _vocab_values(name: str, values: Sequence[str]) -> tuple[str, ...]:
    vocab = vocabulary()[name]
    out = []
    for value in values:
        canonical = vocab.canonical(value)
        if canonical is None:
            raise QueryError(f"unknown {name.rstrip('s')} {value!r}; known values: " + "; ".join(vocab.labels))
        out.append(canonical)
    return tuple(out)


def known_languages() -> tuple[str, ...]:
    """The languages a practice can be in: those the language detector tells apart (ISO 639-1)."""
    return tuple(sorted(LANGUAGES))


def _language(value: str, what: str) -> str:
    code = value.strip().lower()
    if code not in LANGUAGES:
        raise QueryError(f"unknown {what} {value!r}: give an ISO 639-1 code of a European language ("
                         + ", ".join(known_languages()) + ")")
    return code


def label_language(value: str) -> str:
    """The canonical code of a label language (``facets --lang``, ``GET /facets?lang=``).

    Raises:
        QueryError: not the code of a language the index can hold.
    """
    return _language(value, "label language")


def resolve_filters(country: str | Iterable[str] | None = None, theme: str | Iterable[str] | None = None,
                    audience: str | Iterable[str] | None = None,
                    language: str | Iterable[str] | None = None) -> Filters:
    """Canonical filters from user values (``Filters.of(...).resolve()``).

    Raises:
        QueryError: a value that names nothing known.
    """
    return Filters.of(country, theme, audience, language).resolve()


def facet_counts(practices: FacetTable | Sequence[Practice], language: str = "en") -> Facets:
    """Counts of every facet value, most frequent first, with a label in ``language``.

    ``value`` is the canonical value filters accept (ISO code, canonical English label);
    ``label`` is its name in ``language`` when the vocabulary has one.

    Raises:
        QueryError: ``language`` is not a known language code (see :func:`label_language`).
    """
    language = label_language(language)
    table = practices if isinstance(practices, FacetTable) else FacetTable.from_practices(practices)
    voc = vocabulary()
    counters = {facet: {v: n for v, n in table.columns[facet].counts().items() if n} for facet in FACETS}
    labels = {
        "country": lambda v: countries().name(v, language),
        "theme": lambda v: voc["themes"].label_in(v, language),
        "audience": lambda v: voc["audience"].label_in(v, language),
        "language": lambda v: v,
    }
    return Facets(**{name: tuple(FacetValue(v, labels[name](v), n)
                                 for v, n in sorted(c.items(), key=lambda x: (-x[1], x[0])))
                     for name, c in counters.items()})
