"""Reading document files into text: size limits, binary detection, encodings."""

from __future__ import annotations

from pathlib import Path

from ransearch.errors import ParseError

__all__ = ["read_text", "MAX_BYTES"]

MAX_BYTES = 20 * 1024 * 1024
"""Largest document accepted; RAN practice descriptions are a few dozen kilobytes."""


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of a document file, decoded as UTF-8, or cp1252 when it is not UTF-8.

    Raises:
        ParseError: missing, unreadable, empty, too large or binary files.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(str(path), f"file too large ({size / 1e6:.1f} MB, limit {max_bytes / 1e6:.0f} MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file ({exc.strerror or exc})") from None
    return decode(data, str(path))


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise ParseError(name, "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sample = data[:65536]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 100:
        raise ParseError(name, "binary file, not a text document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows editors save cp1252; latin-1 never fails and differs only in rare symbols
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
