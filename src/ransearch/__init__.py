"""ransearch: search the RAN Collection of practices against radicalisation, in any EU language."""

from ransearch.errors import (
    ConfigError,
    EncoderNotAllowed,
    EncoderUnavailable,
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
    MatchResult,
    Need,
    Practice,
    PracticeHit,
    RankedPractice,
    Recommendation,
    SectionHit,
    SimilarResult,
)

__version__ = "0.1.0"

__all__ = [
    "AskResult",
    "Chunk",
    "ConfigError",
    "Cover",
    "EncoderNotAllowed",
    "EncoderUnavailable",
    "IndexCorrupt",
    "IndexLocked",
    "IndexMismatch",
    "IndexNotFound",
    "IndexWriteError",
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
    "SimilarResult",
    "__version__",
]
