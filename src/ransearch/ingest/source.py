"""Reading document files into text: size limits, binary detection, encodings."""

from __future__ import annotations

import re
from pathlib import Path

from ransearch.errors import ParseError

__all__ = ["read_text", "read_bytes", "decode", "decode_html", "MAX_BYTES"]

_MB = 1024 * 1024
MAX_BYTES = 20 * _MB
"""Largest document accepted; RAN practice descriptions are a few dozen kilobytes."""

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)
# every byte but the control characters that never occur in text (tab, newlines, form feed do)
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of a document file, decoded as UTF-8, or cp1252 when it is not UTF-8.

    Raises:
        ParseError: missing, unreadable, empty, too large or binary files.
    """
    return decode(read_bytes(path, max_bytes), str(path))


def read_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a document file, at most ``max_bytes`` of them.

    Raises:
        ParseError: missing, unreadable, empty or too large files.
    """
    limit = f"limit {max_bytes / _MB:.0f} MB"
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(str(path), f"file too large ({size / _MB:.1f} MB, {limit})")
        # read at most one byte past the limit: a pipe or a growing file has no true size
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ParseError(str(path), f"file too large ({limit})")
    if not data.strip():
        raise ParseError(str(path), "empty file")
    return data


def decode(data: bytes, name: str) -> str:
    """Text of a text file's bytes (UTF-16 with a byte-order mark, UTF-8, cp1252, latin-1).

    Raises:
        ParseError: empty or binary data.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Windows editors save "Unicode" text as UTF-16 with a byte-order mark
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(name, "binary file, not a text document") from None
    if not data.strip():
        raise ParseError(name, "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sample = data[:65536]
    controls = len(sample.translate(None, _NOT_CONTROL))  # C speed: a Python loop per byte is slow
    if b"\x00" in sample or controls > len(sample) // 100:
        raise ParseError(name, "binary file, not a text document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows editors save cp1252; latin-1 never fails and differs only in rare symbols
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def decode_html(data: bytes) -> str:
    """The text of an HTML file: byte-order mark, then ``<meta charset>``, then UTF-8, then cp1252."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data, "<html>")
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, "<html>")
