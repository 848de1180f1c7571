"""The one place library errors become HTTP status codes (the JSON API and the search page)."""

from __future__ import annotations

from ransearch import (
    EncoderUnavailable,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    PracticeNotFound,
    QueryError,
    RansearchError,
)

__all__ = ["status_for"]


def status_for(exc: RansearchError) -> int:
    """The HTTP status of a library error."""
    if isinstance(exc, QueryError):
        return 422
    if isinstance(exc, PracticeNotFound):
        return 404
    if isinstance(exc, (IndexNotFound, IndexCorrupt, IndexMismatch, EncoderUnavailable)):
        return 503
    return 500
