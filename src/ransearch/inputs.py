"""Text files a user hands a command (query sets for ``eval``, a situation for ``match --file``),
read as the corpus reader reads documents: UTF-8, UTF-16 or UTF-8 with a byte-order mark (the
mark dropped), else cp1252; a binary, empty or oversized file is refused in one line.
"""

from __future__ import annotations

from pathlib import Path

from ransearch.errors import ParseError, QueryError

__all__ = ["read_text_file"]


def read_text_file(path: Path | str) -> str:
    """The text of a file a user gave (decoded as :func:`ransearch.ingest.source.decode` does).

    Raises:
        QueryError: a missing, unreadable, empty, oversized or binary file (one line: the
            file and why).
    """
    from ransearch.ingest.source import read_text  # the parsing package: only a file's reader pays for it

    try:
        return read_text(Path(path))
    except ParseError as exc:
        hint = "; save it as UTF-8 text" if "binary" in exc.reason else ""
        raise QueryError(f"{path}: {exc.reason}{hint}") from None
