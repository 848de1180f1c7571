"""ransearch: search the RAN Collection of practices against radicalisation, in any EU language."""

from ransearch.errors import (
    EncoderUnavailable,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ParseError,
    PracticeNotFound,
    QueryError,
    RansearchError,
)
from ransearch.records import AskResult, Chunk, Practice, PracticeHit, SectionHit

__version__ = "0.1.0"

__all__ = [
    "AskResult",
    "Chunk",
    "EncoderUnavailable",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotFound",
    "ParseError",
    "Practice",
    "PracticeHit",
    "PracticeNotFound",
    "QueryError",
    "RansearchError",
    "SectionHit",
    "__version__",
]
