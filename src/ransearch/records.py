"""Typed records that flow through the pipeline: practices, chunks and search results.

All records are frozen dataclasses; ``to_dict`` gives the JSON shape used by the CLI and APIs
(the one serialisation: the HTTP and MCP schemas in ``ransearch.server.schemas`` document it
and are checked against it).

Ranked answers share one base, :class:`RankedPractice` (what every answer says of a practice
at a rank), extended by what made it rank:

    RankedPractice
    ├── PracticeHit      + sections (SectionHit): the answers of ``ask`` and ``similar``
    └── Recommendation   + covers (Cover): the answer of ``match`` (which section covers which need)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

__all__ = ["Practice", "PracticeHead", "Chunk", "SectionHit", "RankedPractice", "PracticeHit", "AskResult", "Need", "Cover",
           "Recommendation", "MatchResult", "SimilarResult", "FacetValue", "Facets"]


class PracticeHead(NamedTuple):
    """What an answer shows of a practice: everything but its texts."""

    id: str
    title: str
    source: str
    language: str
    country_code: str | None
    themes: tuple[str, ...]
    url: str | None = None


@dataclass(frozen=True)
class Practice:
    """One RAN practice, parsed from one document.

    ``sections`` holds the text of every template field (by stable key) except contacts,
    which are kept apart in ``contacts``: they are never embedded or searched. ``format`` is
    the file format read (txt, md, pdf, docx, html) and ``layout`` how the template was laid
    out in it (``md_rows``, ``html_rows``, ``ocr_columns``, ``md_blocks``, ``pdf_table``, ``docx_table``, …).
    ``url`` is the canonical address of the page a practice was read from (``None`` for files
    that are not web pages); ``duplicate_sources`` the other files of the corpus that hold the same
    practice (a PDF and the Word file it came from, an older version), kept out of the index.
    """

    id: str
    source: str
    layout: str
    language: str
    title: str
    sections: dict[str, str]
    format: str = "txt"
    peer_reviewed: bool | None = None
    themes: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    country: str = ""
    country_code: str | None = None
    start_year: int | None = None
    last_update: int | None = None
    organisation_type: str | None = None
    contacts: str = ""
    warnings: tuple[str, ...] = ()
    content_hash: str = ""
    url: str | None = None
    duplicate_sources: tuple[str, ...] = ()

    def head(self) -> PracticeHead:
        return PracticeHead(self.id, self.title, self.source, self.language, self.country_code, self.themes,
                            self.url)

    def to_dict(self, contacts: bool = True) -> dict[str, Any]:
        d = asdict(self)
        d["themes"] = list(self.themes)
        d["audience"] = list(self.audience)
        d["warnings"] = list(self.warnings)
        d["duplicate_sources"] = list(self.duplicate_sources)
        if not contacts:
            d.pop("contacts")
        return d


@dataclass(frozen=True)
class Chunk:
    """A piece of one practice section, sized for the encoder."""

    practice_id: str
    section: str
    ordinal: int
    language: str
    text: str
    content_hash: str


@dataclass(frozen=True)
class SectionHit:
    """A practice section that matched a query, with a snippet to show."""

    section: str
    label: str
    snippet: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RankedPractice:
    """A practice at some rank of an answer: what every kind of answer says about it."""

    rank: int
    practice_id: str
    title: str
    source: str
    score: float
    country_code: str | None
    language: str
    themes: tuple[str, ...]
    url: str | None = None
    """The official page of the practice (None for practices read from files: see ``source``)."""
    relevance: int | None = None
    """0–100, the same meaning for every query (``ransearch.search.relevance``); ``score`` only orders one answer."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "practice_id": self.practice_id,
            "title": self.title,
            "source": self.source,
            "score": round(self.score, 6),
            "relevance": self.relevance,
            "country_code": self.country_code,
            "language": self.language,
            "themes": list(self.themes),
            "url": self.url,
        }


@dataclass(frozen=True)
class PracticeHit(RankedPractice):
    """One practice in a ranked answer, with the sections that made it match."""

    sections: tuple[SectionHit, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"sections": [s.to_dict() for s in self.sections]}


@dataclass(frozen=True)
class AskResult:
    """The answer to ``ask``: the query and its ranked practices; ``notes`` say what a reader
    should know about the answer (e.g. the query's language is one the encoder does not cover)."""

    query: str
    results: tuple[PracticeHit, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "results": [r.to_dict() for r in self.results], "notes": list(self.notes)}


@dataclass(frozen=True)
class Need:
    """One need found in a situation description."""

    id: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True)
class Cover:
    """Why a recommended practice covers a need: the section and snippet that answer it."""

    need: str
    section: str
    label: str
    snippet: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"score": round(self.score, 6)}


@dataclass(frozen=True)
class Recommendation(RankedPractice):
    """A practice recommended for a situation, with the needs it covers."""

    covers: tuple[Cover, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"covers": [c.to_dict() for c in self.covers]}


@dataclass(frozen=True)
class MatchResult:
    """The answer to ``match``: needs found, recommendations, needs nothing covers well."""

    situation: str
    needs: tuple[Need, ...]
    results: tuple[Recommendation, ...]
    uncovered: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"situation": self.situation, "needs": [n.to_dict() for n in self.needs],
                "results": [r.to_dict() for r in self.results], "uncovered": list(self.uncovered),
                "notes": list(self.notes)}


@dataclass(frozen=True)
class SimilarResult:
    """The answer to ``similar``: practices alike to one practice."""

    practice_id: str
    results: tuple[PracticeHit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"practice_id": self.practice_id, "results": [r.to_dict() for r in self.results]}


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet in an index: the canonical value filters accept (ISO code,
    canonical English label), its label in the language asked for, and how many practices have it."""

    value: str
    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "count": self.count}


@dataclass(frozen=True)
class Facets:
    """Every value of every facet a search can be filtered on, most frequent first (``Engine.facets``)."""

    country: tuple[FacetValue, ...] = ()
    theme: tuple[FacetValue, ...] = ()
    audience: tuple[FacetValue, ...] = ()
    language: tuple[FacetValue, ...] = ()

    def items(self) -> list[tuple[str, tuple[FacetValue, ...]]]:
        """(facet name, values) pairs, in the order of the fields."""
        return [(name, getattr(self, name)) for name in ("country", "theme", "audience", "language")]

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {name: [v.to_dict() for v in values] for name, values in self.items()}
