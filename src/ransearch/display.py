"""Text made safe to show on a terminal or in a log line: :func:`visible`.

File names and practice text come from whoever wrote the corpus. Printed raw, an escape
sequence (``\\x1b]...``) can rewrite the terminal's title, hide or fake earlier lines, or plant
a hyperlink; a newline or carriage return in a file name forges a line of a log that monitoring
reads. Every human-readable output (the command line's renderings, reports and status, error
lines, server log lines) passes such text through :func:`visible`, which shows these characters
as their escapes (``\\x1b``, ``\\n``, ``\\u202e``) instead of obeying them. JSON output needs no
such care: the JSON encoder escapes control characters itself.
"""

from __future__ import annotations

import re

__all__ = ["visible"]

# C0 controls (tab aside), DEL, C1 controls (0x9b is a one-byte CSI on some terminals), the line
# and paragraph separators, and the bidirectional overrides and isolates ("Trojan Source"):
# text shown in one order, stored in another
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[\n{_UNSAFE}]")
_LINES = re.compile(f"[{_UNSAFE}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, newlines: bool = False) -> str:
    """``text`` with every character that would act on a terminal or split a log line shown as
    its escape (``\\x1b``, ``\\r``, ``\\n``, ``\\u202e``); tabs stay.

    Args:
        text: what to show (not a string: its ``str``).
        newlines: keep line breaks (a practice's section text has paragraphs); else they are
            shown as ``\\n`` and the result is one line.
    """
    text = text if isinstance(text, str) else str(text)
    return (_LINES if newlines else _ONE_LINE).sub(_escape, text)
