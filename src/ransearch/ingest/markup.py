"""HTML fragments and list markers in template cells, turned into readable plain text.

Paragraphs are separated by one blank line, list items start with ``- ``. No tags or
entities survive.
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_text", "normalise_bullets", "tidy"]

# Tag patterns stop at the next "<" ([^<>], not [^>]): on text with many unclosed "<p" a
# pattern that may run to the end of the text from every "<" takes quadratic time.
_SKIP_OPEN = re.compile(r"<(script|style)\b[^<>]*>", re.I)
_SKIP_CLOSE = {name: re.compile(rf"</{name}\s*>", re.I) for name in ("script", "style")}
_PARA = re.compile(r"</?(?:p|div|h[1-6]|ul|ol|table|tr|section|article|blockquote)\b[^<>]*>", re.I)
_BREAK = re.compile(r"<br\s*/?>|</?(?:td|th)\b[^<>]*>", re.I)
_ITEM = re.compile(r"<li\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# A bullet and the spaces around it. (?<!\s) tries the leading \s* only at the start of a
# run of spaces, not at each space of it (quadratic on long runs); the second branch takes a
# bullet whose leading spaces the previous match consumed ("• •").
_INLINE_BULLET = re.compile(r"(?<!\s)\s*[•▪●■◦]\s*|(?<=\s)[•▪●■◦]\s*")
_LINE_BULLET = re.compile(r"^(?:[-*•▪●◦·]|O|o|\(\]|\[\]|©|®|e)\s+(?=\S)")
_SUB_BULLET = re.compile(r"^- o\s+(?=\S)")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs, list items, no tags, entities decoded."""
    s = _drop_comments(_drop_scripts(fragment))
    s = _ITEM.sub("\n- ", s)
    s = _PARA.sub("\n\n", s)
    s = _BREAK.sub("\n", s)
    s = _TAG.sub("", s)
    s = html.unescape(s)
    s = _INLINE_BULLET.sub("\n- ", s)
    return tidy(s)


def _drop_scripts(s: str) -> str:
    """Remove ``<script>``/``<style>`` elements; an unclosed one is left to the tag stripper."""
    out: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # no closing tag after some point: none after any later opening
    while True:
        m = _SKIP_OPEN.search(s, pos)
        if m is None:
            break
        name = m.group(1).lower()
        close = None if name in unclosed else _SKIP_CLOSE[name].search(s, m.end())
        if close is None:
            unclosed.add(name)
            out.append(s[pos:m.end()])
            pos = m.end()
            continue
        out.append(s[pos:m.start()] + " ")
        pos = close.end()
    out.append(s[pos:])
    return "".join(out)


def _drop_comments(s: str) -> str:
    """Remove ``<!-- ... -->`` comments in linear time (an unclosed one is kept as text)."""
    out: list[str] = []
    pos = 0
    while (start := s.find("<!--", pos)) >= 0:
        end = s.find("-->", start + 4)
        if end < 0:
            break
        out.append(s[pos:start])
        pos = end + 3
    out.append(s[pos:])
    return "".join(out)


def normalise_bullets(line: str) -> str:
    """Turn the bullet glyphs OCR produces (``O``, ``(]``, ``©``, ``e``) into ``- ``."""
    line = _SUB_BULLET.sub("  - ", line)
    m = _LINE_BULLET.match(line)
    if m and (m.group(0).strip() not in {"O", "o", "e"} or _looks_like_item(line[m.end():])):
        return "- " + line[m.end():]
    return line


def _looks_like_item(rest: str) -> bool:
    # "O Soyez", "e Erstgespräch": a bullet read as a letter is followed by a capital
    return bool(rest) and rest[0].isupper()


def tidy(text: str) -> str:
    """Strip lines, collapse spaces, and keep at most one blank line between paragraphs."""
    out: list[str] = []
    for raw in text.splitlines():
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        if line.startswith("- ") and out and out[-1] == "" and len(out) > 1 and out[-2].startswith("- "):
            out.pop()  # keep list items together
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
