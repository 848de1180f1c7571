"""ransearch: search the RAN Collection of practices against radicalisation, in any EU language.

The public API is this package's top level (``__all__``)::

    from ransearch import Engine, Filters, Settings

    engine = Engine.open("index")
    engine.ask("soutien aux familles", k=5, filters=Filters(country="Belgique"))

``Engine`` (the facade), ``Filters`` (one filter value for every operation) and ``Settings``
are loaded on first use: ``import ransearch`` stays light (no numpy, faiss or pyarrow) for
code that only needs the records and errors. Front ends (CLI, HTTP, MCP) import from here.
"""

import typing

from ransearch.errors import (
    ConfigError,
    EncoderNotAllowed,
    EncoderUnavailable,
    FetchError,
    IndexCorrupt,
    IndexLocked,
    IndexMismatch,
    IndexNotFound,
    IndexWriteError,
    ParseError,
    PracticeNotFound,
    QueryError,
    RansearchError,
)
from ransearch.records import (
    AskResult,
    Chunk,
    Cover,
    Facets,
    FacetValue,
    MatchResult,
    Need,
    Practice,
    PracticeHit,
    RankedPractice,
    Recommendation,
    SectionHit,
    SimilarResult,
)

if typing.TYPE_CHECKING:
    from ransearch.config import Settings
    from ransearch.engine import MAX_QUERY_CHARS, MODES, Engine, IndexSizes
    from ransearch.filters import Filters, label_language

__version__ = "0.1.3"

_LAZY = {  # public name -> the module that defines it, imported on first access
    "Engine": "ransearch.engine",
    "IndexSizes": "ransearch.engine",
    "MODES": "ransearch.engine",
    "MAX_QUERY_CHARS": "ransearch.engine",
    "label_language": "ransearch.filters",
    "Filters": "ransearch.filters",
    "Settings": "ransearch.config",
}

__all__ = [
    "AskResult",
    "Chunk",
    "ConfigError",
    "Cover",
    "EncoderNotAllowed",
    "EncoderUnavailable",
    "Engine",
    "FetchError",
    "FacetValue",
    "Facets",
    "Filters",
    "IndexCorrupt",
    "IndexLocked",
    "IndexMismatch",
    "IndexNotFound",
    "IndexSizes",
    "IndexWriteError",
    "MAX_QUERY_CHARS",
    "MODES",
    "MatchResult",
    "Need",
    "ParseError",
    "Practice",
    "PracticeHit",
    "PracticeNotFound",
    "QueryError",
    "RankedPractice",
    "RansearchError",
    "Recommendation",
    "SectionHit",
    "Settings",
    "SimilarResult",
    "__version__",
    "label_language",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ransearch' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
