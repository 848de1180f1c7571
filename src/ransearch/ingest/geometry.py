"""Page geometry → template rows: pure functions on positioned characters and ruling lines.

Coordinates are PDF points with ``top`` growing downwards. A page's template table is found
from its ruling lines: the column split is the longest vertical line with text on both sides,
and the rows are the horizontal lines that cross it (cell borders drawn cell by cell are joined
first). Without ruling lines, the split is the widest vertical gutter that no line of text
crosses, and a row starts at each paragraph of the label column. A cell's characters become
lines (by vertical position), lines become paragraphs (by the gaps between them), and wrapped
lines are joined unless the next line's first word would have fitted on the line before (then
the line really ended there: a list, a short line).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ransearch.ingest.table import Row

__all__ = ["Char", "Page", "page_rows", "furniture"]

# bullets: the usual glyphs, and glyphs without Unicode (U+FFFD, private use: Symbol and
# Wingdings bullets) that start a line
_BULLET = re.compile("^[•▪●◦‣∙·■□➢►\\-–—*\ufffd\ue000-\uf8ff]\\s*")
_UNKNOWN = re.compile("[\ufffd\ue000-\uf8ff]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st", "\u00ad": ""})
_DIGITS = re.compile(r"\d+")
_EDGE_TOLERANCE = 2.5


@dataclass(frozen=True, slots=True)
class Char:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Page:
    """What a page holds: characters, horizontal edges (y, x0, x1), vertical edges (x, top, bottom)."""

    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    hedges: list[tuple[float, float, float]] = field(default_factory=list)
    vedges: list[tuple[float, float, float]] = field(default_factory=list)
    images: int = 0


@dataclass
class _Line:
    chars: list[Char]
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def _make_line(chars: list[Char]) -> _Line | None:
    chars.sort(key=lambda c: c.x0)
    parts: list[str] = []
    prev: Char | None = None
    kept: list[Char] = []
    for c in chars:
        if prev is not None:
            if c.text == prev.text and abs(c.x0 - prev.x0) < 0.5:
                continue  # the same glyph drawn twice (fake bold, shadows)
            gap = c.x0 - prev.x1
            if gap > 0.25 * min(c.size, prev.size) and not prev.text.isspace() and not c.text.isspace():
                parts.append(" ")
        parts.append(c.text)
        kept.append(c)
        prev = c
    text = " ".join("".join(parts).split())
    if not text:
        return None
    visible = [c for c in kept if not c.text.isspace()]
    return _Line(kept, text, visible[0].x0, visible[-1].x1, min(c.top for c in visible),
                 max(c.bottom for c in visible), statistics.median(c.size for c in visible))


def _lines(chars: list[Char]) -> list[_Line]:
    """Characters grouped into lines of text, top to bottom."""
    out: list[_Line] = []
    group: list[Char] = []
    anchor = 0.0
    for c in sorted(chars, key=lambda c: (c.mid, c.x0)):
        if group and c.mid - anchor > 0.45 * max(c.size, 1.0):
            line = _make_line(group)
            if line:
                out.append(line)
            group = []
        if not group:
            anchor = c.mid
        group.append(c)
    if group:
        line = _make_line(group)
        if line:
            out.append(line)
    return out


def _first_word_width(line: _Line) -> float:
    end = line.x0
    for c in line.chars:
        if c.text.isspace() and c.x0 > line.x0:
            break
        end = c.x1
    return end - line.x0


def _text(lines: list[_Line], right: float | None = None) -> str:
    """Paragraphs (blank-line separated) of re-joined lines; bullets become ``- ``.

    ``right`` is the right edge of the column the lines are in (default: their longest line).
    """
    if not lines:
        return ""
    right = max([line.x1 for line in lines] + ([right] if right is not None else []))
    height = statistics.median(line.bottom - line.top for line in lines) or 1.0
    paragraphs: list[list[str]] = [[]]
    current: list[str] = []
    for i, line in enumerate(lines):
        text = line.text
        item = _BULLET.match(text)
        if item and len(text) > item.end() and (item.group(0).strip() not in "-–—*" or text[item.end() - 1] == " "):
            text = "- " + text[item.end():]
        text = _UNKNOWN.sub("", text)
        if i and line.top - lines[i - 1].bottom > 0.6 * height:
            if current:
                paragraphs[-1].append(" ".join(current))
            paragraphs.append([])
            current = []
        elif i and (text.startswith("- ") or
                    right - lines[i - 1].x1 > _first_word_width(line) + 0.4 * line.size + 1.0):
            # the previous line ended early: the first word of this one would have fitted there
            paragraphs[-1].append(" ".join(current))
            current = []
        current.append(text)
    paragraphs[-1].append(" ".join(current))
    out = "\n\n".join("\n".join(p) for p in paragraphs if p)
    return unicodedata.normalize("NFC", out.translate(_LIGATURES)).strip()


def _intervals(spans: list[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _clusters(values: list[tuple[float, float, float]]) -> list[tuple[float, list[tuple[float, float]]]]:
    """Edges (position, start, end) grouped by position: (position, merged spans)."""
    out: list[tuple[float, list[tuple[float, float]]]] = []
    group: list[tuple[float, float, float]] = []
    for edge in sorted(values) + [(float("inf"), 0.0, 0.0)]:
        if group and edge[0] - group[-1][0] > _EDGE_TOLERANCE:
            pos = statistics.median(e[0] for e in group)
            out.append((pos, _intervals([(e[1], e[2]) for e in group], _EDGE_TOLERANCE + 1)))
            group = []
        group.append(edge)
    return out


def _ruled_split(page: Page, chars: list[Char], previous: float | None
                 ) -> tuple[float, list[tuple[float, float]]] | None:
    """(x of the column split, vertical extents of the tables) from ruling lines, if any.

    The split has text on both sides, or continues the split of the previous page's table (a
    page holding only the continuation of a long value has nothing in its label column).
    """
    best: tuple[float, float, list[tuple[float, float]]] | None = None
    candidates = [(sum(b - a for a, b in spans), x, spans) for x, spans in _clusters(page.vedges)]
    # the longest few only: a drawing can hold thousands of short vertical strokes
    for length, x, spans in sorted(candidates, key=lambda c: -c[0])[:24]:
        if length < 12:  # a one-line row is ~18 pt high
            break
        inside = [c for c in chars if any(a - 2 <= c.mid <= b + 2 for a, b in spans)]
        left = sum(1 for c in inside if c.x1 <= x + 1)
        right = sum(1 for c in inside if c.x0 >= x - 1)
        continues = previous is not None and abs(x - previous) <= _EDGE_TOLERANCE and left + right > 0
        if not continues and (left < max(3, 0.02 * len(inside)) or right < max(3, 0.02 * len(inside))):
            continue
        if best is None or length > best[0]:
            best = (length, x, spans)
    return (best[1], best[2]) if best else None


def _segments(chars: list[Char]) -> list[tuple[float, float]]:
    """Horizontal extents of the runs of text on each line (split where words are far apart)."""
    out: list[tuple[float, float]] = []
    for line in _lines(chars):
        visible = [c for c in line.chars if not c.text.isspace()]
        start, end = visible[0].x0, visible[0].x1
        for c in visible[1:]:
            if c.x0 - end > max(0.8 * c.size, 4.0):  # wider than a (justified) word space
                out.append((start, end))
                start = c.x0
            end = max(end, c.x1)
        out.append((start, end))
    return out


def _gutter(chars: list[Char], previous: float | None = None) -> float | None:
    """x of the widest vertical gap no line of text crosses, between a label and a value column.

    The previous page's split is kept when no text crosses it here (a page may hold little
    text in one of the columns, or none: a value running over the whole page).
    """
    visible = [c for c in chars if not c.text.isspace()]
    if previous is not None and visible and not any(c.x0 < previous - 2 and c.x1 > previous + 2 for c in visible):
        return previous
    if len(visible) < 20:
        return None
    segments = _segments(visible)
    lo, hi = min(a for a, _ in segments), max(b for _, b in segments)
    span = int(hi - lo) + 1
    if span < 150:
        return None
    diff = [0] * (span + 2)
    for a, b in segments:
        diff[max(0, int(a - lo))] += 1
        diff[min(span, int(b - lo) + 1)] -= 1
    cover, running = [0] * (span + 1), 0
    for x in range(span + 1):
        running += diff[x]
        cover[x] = running
    lo_x, hi_x = int(0.12 * span), int(0.7 * span)
    least = min(cover[lo_x:hi_x + 1])
    if least > max(1, len(segments) // 50):  # a heading may run across the gutter, not text
        return None
    best, run_start = (0, 0), None
    for x in range(lo_x, hi_x + 2):
        free = x <= hi_x and cover[x] == least
        if free and run_start is None:
            run_start = x
        if not free and run_start is not None:
            if x - run_start > best[1] - best[0]:
                best = (run_start, x)
            run_start = None
    if best[1] - best[0] < 6:
        return None
    split = lo + (best[0] + best[1]) / 2
    left = sum(1 for c in visible if c.x1 <= split)
    if left < 0.03 * len(visible) or len(visible) - left < 0.05 * len(visible):
        return None
    return split


def _horizontal_rules(page: Page, x: float) -> list[float]:
    """y of the horizontal lines that cross the split at ``x`` (cell borders joined first)."""
    ys = []
    for y, spans in _clusters(page.hedges):
        if any(a <= x - 3 and b >= x + 3 for a, b in spans):
            ys.append(y)
    return ys


def _ruled_rows(page: Page, chars: list[Char], split: float, tables: list[tuple[float, float]]
                ) -> tuple[list[tuple[float, Row]], list[Char]]:
    """Rows of the ruled tables, by top; and the characters outside them."""
    rules = _horizontal_rules(page, split)
    rows: list[tuple[float, Row]] = []
    taken: set[int] = set()
    edges = _column_edges(chars, split)
    for top, bottom in tables:
        bounds = sorted({top, bottom, *(y for y in rules if top - 3 <= y <= bottom + 3)})
        bands = [(a, b) for a, b in zip(bounds, bounds[1:]) if b - a > 1.0]
        for a, b in bands:
            band = [c for c in chars if a - 1 <= c.mid <= b + 1 and id(c) not in taken]
            taken.update(id(c) for c in band)
            if not any(not c.text.isspace() for c in band):
                continue
            left = [c for c in band if (c.x0 + c.x1) / 2 < split]
            right = [c for c in band if (c.x0 + c.x1) / 2 >= split]
            rows.append((a, Row(_text(_lines(left), edges[0]), _text(_lines(right), edges[1]))))
    outside = [c for c in chars if id(c) not in taken]
    return rows, outside


def _column_edges(chars: list[Char], split: float) -> tuple[float | None, float | None]:
    """Right edges of the text in the label and the value column of a page."""
    left = [c.x1 for c in chars if (c.x0 + c.x1) / 2 < split and not c.text.isspace()]
    right = [c.x1 for c in chars if (c.x0 + c.x1) / 2 >= split and not c.text.isspace()]
    return (max(left) if left else None), (max(right) if right else None)


def _gutter_rows(chars: list[Char], split: float) -> list[tuple[float, Row]]:
    """Rows of a borderless two-column page: one per paragraph of the label column."""
    edges = _column_edges(chars, split)
    left = _lines([c for c in chars if (c.x0 + c.x1) / 2 < split])
    right = _lines([c for c in chars if (c.x0 + c.x1) / 2 >= split])
    starts: list[float] = []
    for i, line in enumerate(left):
        height = line.bottom - line.top
        if i == 0 or line.top - left[i - 1].bottom > 0.6 * height:
            starts.append(line.top)
    groups_left: list[list[_Line]] = [[] for _ in starts]
    groups_right: list[list[_Line]] = [[] for _ in starts]
    before: list[_Line] = []
    for line in left:
        k = max((i for i, s in enumerate(starts) if s <= line.top + 0.5), default=0)
        groups_left[k].append(line)
    for line in right:
        k = max((i for i, s in enumerate(starts) if s <= line.top + 3), default=-1)
        (before if k < 0 else groups_right[k]).append(line)
    # a value paragraph running past the start of the next label-column paragraph (the label's
    # instructions) is not cut there: its lines follow on without a paragraph gap
    for k in range(1, len(starts)):
        previous = next((g for g in reversed(groups_right[:k]) if g), None)
        while previous is not None and groups_right[k]:
            line, last = groups_right[k][0], previous[-1]
            if line.top - last.bottom > 0.6 * (last.bottom - last.top):
                break
            previous.append(groups_right[k].pop(0))
    rows = [(right[0].top, Row("", _text(before, edges[1])))] if before else []
    rows += [(s, Row(_text(gl, edges[0]), _text(gr, edges[1]))) for s, gl, gr in zip(starts, groups_left, groups_right)]
    return rows


def _blocks(chars: list[Char]) -> list[tuple[float, Row]]:
    lines = _lines(chars)
    out: list[tuple[float, Row]] = []
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or lines[i].top - lines[i - 1].bottom > 0.6 * (lines[i - 1].bottom - lines[i - 1].top):
            text = _text(lines[start:i])
            if text:
                out.append((lines[start].top, Row(None, text)))
            start = i
    return out


def furniture(pages: list[Page]) -> set[tuple[int, int]]:
    """(page index, id) of characters in running headers and footers.

    A line in the top or bottom tenth of a page is page furniture when the same text (digits
    aside: page numbers) stands at the same height on at least two pages and half of them.
    """
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[str, int]] = Counter()
    lines_by_page: list[list[tuple[tuple[str, int], _Line]]] = []
    for page in pages:
        margin = [c for c in page.chars if c.bottom < 0.1 * page.height or c.top > 0.9 * page.height]
        found = []
        for line in _lines(margin):
            key = (_DIGITS.sub("#", line.text), round(line.top / 4))
            found.append((key, line))
        lines_by_page.append(found)
        seen.update({key for key, _ in found})
    need = max(2, len(pages) // 2)
    out: set[tuple[int, int]] = set()
    for index, found in enumerate(lines_by_page):
        for key, line in found:
            near = sum(seen[(key[0], key[1] + d)] for d in (-1, 0, 1))
            if near >= need:
                out.update((index, id(c)) for c in line.chars)
    return out


def page_rows(page: Page, chars: list[Char], previous: float | None = None
              ) -> tuple[list[Row], str, float | None]:
    """The rows of one page, top to bottom; how they were found (table, columns, text); and the
    table's column split (pass it as ``previous`` for the next page)."""
    ruled = _ruled_split(page, chars, previous)
    split: float | None = None
    if ruled:
        split, tables = ruled
        placed, outside = _ruled_rows(page, chars, split, tables)
        placed += _blocks(outside)
        how = "table"
    else:
        split_x = _gutter(chars, previous)
        if split_x is not None:
            placed, how, split = _gutter_rows(chars, split_x), "columns", split_x
        else:
            placed, how = _blocks(chars), "text"
    placed.sort(key=lambda item: item[0])
    return [row for _, row in placed], how, split
