"""The JSON contract of the HTTP API and the MCP tools, as pydantic models.

One serialisation: a response is the record's own ``to_dict()`` (``ransearch.records``, the JSON
of ``ransearch ask --json``); the response models here document it for OpenAPI and the MCP
tools' output schemas. :data:`RECORD_SCHEMAS` pairs each record type with its model, and
``tests/test_schemas.py`` checks every pair: the record's JSON has exactly the model's fields and
passes through the model unchanged. Requests mirror the CLI's options. Needs pydantic only,
which both the ``server`` and the ``mcp`` extras bring.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ransearch import (
    MAX_QUERY_CHARS,
    MODES,
    AskResult,
    Cover,
    Facets,
    FacetValue,
    Filters,
    MatchResult,
    Need,
    Practice,
    PracticeHit,
    Recommendation,
    SectionHit,
    SimilarResult,
)

__all__ = [
    "MAX_K", "MAX_QUERY_CHARS", "MAX_FILTER_VALUES", "MAX_FILTER_CHARS",
    "AskRequest", "MatchRequest", "FilterSet",
    "SectionOut", "PracticeHitOut", "AskOut", "NeedOut", "CoverOut", "MatchHitOut", "MatchOut",
    "SimilarOut", "FacetValueOut", "FacetsOut", "PracticeOut", "PracticeListOut", "HealthOut", "ErrorOut",
    "RECORD_SCHEMAS",
]

MAX_K = 100
"""Most practices one request may ask for (the CLI's ``-k`` has the same bound)."""
MAX_FILTER_VALUES = 20
"""Most values one filter may list."""
MAX_FILTER_CHARS = 200
"""Longest filter value."""


def _valid_unicode(text: str) -> str:
    # JSON may carry lone surrogates ("\ud800"): no encoder or response can encode them
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (lone surrogate)") from None
    return text


Text = Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS), AfterValidator(_valid_unicode)]
FilterText = Annotated[str, Field(max_length=MAX_FILTER_CHARS), AfterValidator(_valid_unicode)]
FilterValue = FilterText | Annotated[list[FilterText], Field(max_length=MAX_FILTER_VALUES)] | None
# strict: "3" and true are refused, not read as 3 and 1 (a JSON number is what the contract says)
K = Annotated[int, Field(ge=1, le=MAX_K, strict=True, description=f"Number of practices to return (1–{MAX_K}).")]
Mode = Literal[MODES]  # type: ignore[valid-type]

_FILTER_HELP = {
    "country": "Only practices from this country: ISO code (BE) or name in any language (Belgique).",
    "theme": "Only practices with this RAN theme (label in any catalogued language).",
    "audience": "Only practices for this target audience (label in any catalogued language).",
    "language": "Only practices written in this language (ISO 639-1 code: fr, en, de, nl…).",
}


class FilterSet(BaseModel):
    """Facet filters: a practice passes when it matches one value of every given facet.
    A value may also list several values separated by commas."""

    model_config = ConfigDict(extra="forbid")

    country: FilterValue = Field(None, description=_FILTER_HELP["country"])
    theme: FilterValue = Field(None, description=_FILTER_HELP["theme"])
    audience: FilterValue = Field(None, description=_FILTER_HELP["audience"])
    language: FilterValue = Field(None, description=_FILTER_HELP["language"])

    def filters(self) -> Filters:
        """The engine's filter value (resolved by the engine)."""
        return Filters.of(self.country, self.theme, self.audience, self.language)


class AskRequest(FilterSet):
    """``POST /ask``: the options of ``ransearch ask``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"query": "soutien aux familles de combattants étrangers", "k": 3, "country": "BE"}]})

    query: Text = Field(description="What you are looking for, in any EU language.")
    k: K = 5
    mode: Mode | None = Field(None, description="Ranking: hybrid (default), dense or lexical.")


class MatchRequest(FilterSet):
    """``POST /match``: a situation described in a few sentences."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"situation": "Our town has young people returning from Syria; their families are "
                                   "isolated and schools do not know how to react.", "k": 5}]})

    situation: Text = Field(description="The situation, in a few sentences, in any EU language.")
    k: K = 5


class _Out(BaseModel):
    # extra fields the engine may add later pass through rather than fail the response
    model_config = ConfigDict(extra="allow")


class SectionOut(_Out):
    section: str = Field(description="Stable key of the template field.")
    label: str = Field(description="The field's label in the practice's language (cite this).")
    snippet: str = Field(description="The passage that matched.")
    score: float


class PracticeHitOut(_Out):
    rank: int
    practice_id: str
    title: str
    source: str = Field(description="The document the practice was read from.")
    url: str | None = Field(None, description="The practice's official web page (null for practices read from files).")
    score: float = Field(description="Ranking score: orders this answer only (may be negative).")
    relevance: int | None = Field(None, description="Relevance 0–100, the same meaning for every query "
                                                     "(estimated chance a practitioner finds it clearly useful).")
    country_code: str | None
    language: str
    themes: list[str]
    sections: list[SectionOut]


class AskOut(_Out):
    query: str
    results: list[PracticeHitOut]
    notes: list[str] = Field(default_factory=list, description="What a reader should know about this answer "
                                                                "(e.g. a query language the encoder does not cover).")


class NeedOut(_Out):
    id: str
    text: str


class CoverOut(_Out):
    need: str = Field(description="Id of the need this section covers.")
    section: str
    label: str
    snippet: str
    score: float


class MatchHitOut(_Out):
    rank: int
    practice_id: str
    title: str
    source: str
    url: str | None = Field(None, description="The practice's official web page (null for practices read from files).")
    score: float = Field(description="Ranking score: orders this answer only.")
    relevance: int | None = Field(None, description="Relevance 0–100, the same meaning for every situation.")
    country_code: str | None
    language: str | None = None
    themes: list[str] = Field(default_factory=list)
    covers: list[CoverOut] = Field(description="Which section of the practice covers which need.")


class MatchOut(_Out):
    situation: str
    needs: list[NeedOut]
    results: list[MatchHitOut]
    uncovered: list[str] = Field(description="Ids of the needs no returned practice covers.")
    notes: list[str] = Field(default_factory=list, description="What a reader should know about this answer.")


class SimilarOut(_Out):
    practice_id: str
    results: list[PracticeHitOut]


class FacetValueOut(_Out):
    value: str
    label: str
    count: int


class FacetsOut(_Out):
    country: list[FacetValueOut]
    theme: list[FacetValueOut]
    audience: list[FacetValueOut]
    language: list[FacetValueOut]


class PracticeOut(_Out):
    id: str
    source: str
    layout: str
    language: str
    title: str
    sections: dict[str, str] | None = Field(description="Text of every template field, by key "
                                                        "(null in lists).")
    peer_reviewed: bool | None
    themes: list[str]
    audience: list[str]
    country: str
    country_code: str | None
    start_year: int | None
    last_update: int | None
    organisation_type: str | None
    contacts: str | None = Field(None, description="Contact details; absent when the server leaves them out.")
    warnings: list[str]
    content_hash: str
    url: str | None = Field(None, description="Canonical address of the web page the practice was read from.")
    duplicate_sources: list[str] = Field(default_factory=list,
                                         description="Other corpus files that hold the same practice.")


class PracticeListOut(_Out):
    practices: list[PracticeOut]


class HealthOut(_Out):
    status: Literal["ok"]
    generation: str
    encoder: str
    dimension: int
    practices: int
    chunks: int
    built_at: str
    package_version: str
    capabilities: list[str] = Field(description="The optional operations this server offers.")


class ErrorOut(BaseModel):
    error: str = Field(description="Kind of error: QueryError, PracticeNotFound, ValidationError, "
                                   "Unauthorized, PayloadTooLarge, IndexNotFound…")
    detail: str = Field(description="One line saying what went wrong and how to fix it.")
    errors: list[dict[str, Any]] | None = Field(None, description="Per-field problems (validation errors).")


RECORD_SCHEMAS: dict[type, type[BaseModel]] = {
    AskResult: AskOut,
    PracticeHit: PracticeHitOut,
    SectionHit: SectionOut,
    MatchResult: MatchOut,
    Recommendation: MatchHitOut,
    Cover: CoverOut,
    Need: NeedOut,
    SimilarResult: SimilarOut,
    Facets: FacetsOut,
    FacetValue: FacetValueOut,
    Practice: PracticeOut,
}
"""The response model documenting each record's ``to_dict()`` (checked pair by pair in tests)."""
