"""Text OCR'd from the two-column RAN PDF: labels and values interleaved page by page.

Each page (a line starting with one space opens a page) reads as the label column — field
labels and their instructions, wrapped to about 34 characters — followed by the value
column. The value paragraphs of a page belong, in order, to the fields labelled on that page,
possibly after an overflow of the field that was open at the end of the previous page; which
paragraph goes to which field is decided by :mod:`ransearch.ingest.ocr_alignment`. The last
page, where OCR merged label, instruction and value on one line, is read line by line.
"""

from __future__ import annotations

import re

from ransearch.ingest.boilerplate import TemplateText
from ransearch.ingest.labels import LabelReader, reader
from ransearch.ingest.markup import normalise_bullets
from ransearch.ingest.facets import YEAR
from ransearch.ingest.ocr_alignment import Paragraph, Scorer, align
from ransearch.ingest.wording import instructions_by_similarity, new_document
from ransearch.template import Catalogue
from ransearch.text import clean_ocr, tokens

__all__ = ["split_columns"]

_VOCAB_FIELDS = {"themes", "audience"}
_MAX_PAGE_PARAGRAPHS = 400
"""A PDF page holds a few dozen paragraphs. Beyond this (not a real page), neighbours are
merged before alignment, whose cost grows as paragraphs x fields²."""


def _pages(text: str) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith(" ") and not line.startswith("  ") and line.strip() and pages[-1]:
            pages.append([])
        pages[-1].append(line.strip())
    return pages


def _paragraphs(lines: list[str]) -> list[Paragraph]:
    paras: list[Paragraph] = []
    current: list[str] = []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            paras.append(Paragraph(tuple(current)))
            current = []
    return paras


def _bundle(paras: list[Paragraph], limit: int) -> list[Paragraph]:
    """At most ``limit`` paragraphs, merging runs of neighbours when there are more."""
    if len(paras) <= limit:
        return paras
    size = -(-len(paras) // limit)
    return [Paragraph(tuple(line for para in paras[i:i + size] for line in para.lines))
            for i in range(0, len(paras), size)]


def _label_words(line: str, n_tokens: int) -> int:
    """Number of whitespace words of ``line`` that make up its first ``n_tokens`` tokens."""
    count = 0
    for k, word in enumerate(line.split(), 1):
        count += len(tokens(word))
        if count >= n_tokens:
            return k
    return len(line.split())


def _merged_page(lines: list[str], r: LabelReader, tt: TemplateText, current: int,
                 fields: dict[str, list[str]]) -> int:
    """A page where label, instruction and value share lines: strip the template prefix of each."""
    cat = r.cat
    for line in lines:
        if not line:
            continue
        words = line.split()
        found = r.label_prefix(line, current)
        if found:
            current = cat.index(found[0])
            words = words[found[1]:]
        words = words[tt.prefix_words(words):]
        rest = " ".join(words)
        if rest and current >= 0 and tt.coverage(tokens(rest)) < 0.6:
            fields.setdefault(cat.keys[current], []).append(rest)
    return current


def _is_merged(lines: list[str], r: LabelReader, tt: TemplateText, current: int) -> bool:
    """Whether OCR merged labels with values on this page: its first (or, for the last page's
    "Last update 2024", its last) line is a label followed by text that is not template text."""
    filled = [line for line in lines if line]
    dated = [line for line in filled[-2:] if YEAR.search(line)]
    for k, line in enumerate(filled[:1] + dated[-1:]):
        if k == 1 and not (len(line.split()) <= 8 and YEAR.search(line)):
            break  # only a short dated line ("Last update 2024 (year)") counts at the end
        if k == 0 and (len(line.split()) < 2 or r.match(line, current) is not None):
            return False  # a label alone on its first line: an ordinary page
        found = r.label_prefix(line, current)
        if found:
            rest = line.split()[found[1]:]
            if rest and tt.coverage(tokens(" ".join(rest))) < 0.6:
                return True
    return False


_INSTRUCTION = 0.5
"""Similarity to the catalogue's instructions above which a paragraph of the label column is
instruction text in a new wording."""


_LABEL_WORDS = 10
_PAREN = re.compile(r"\([^()]*\)")
_PAREN_ONLY = re.compile(r"^\s*\([^()]*\)\s*$")
_NARROW = 0.75
"""A paragraph whose lines are all narrower than this share of the page's widest lines is in
the label column (labels and instructions wrap at about 34 characters, values at about 60)."""


def _label_at(paras: list[Paragraph], i: int, r: LabelReader, current: int) -> str | None:
    """Field key when paragraph ``i`` is a label: catalogued, else a short paragraph whose text
    with the next paragraph (its instructions) reads like a label cell, or like a label alone."""
    para = paras[i]
    match = r.cat.label_at_start(tokens(para.text), current)
    if match:
        return match.key
    bare = _PAREN.sub(" ", para.text).strip()
    # a label is a few words without a full stop; an instruction is a sentence
    if len(para.lines) > 3 or len(bare.split()) > _LABEL_WORDS or bare.endswith((".", "?", "!")):
        return None
    if i + 1 < len(paras):
        match = r.match(f"{para.text} {paras[i + 1].text}", current, cell=True, exact=False)
        if match:
            return match.key
    match = r.match(para.text, current)
    return match.key if match else None


def _label_column_shaped(para: Paragraph, narrow: int) -> bool:
    """The label column's width (several lines, none wider than ``narrow``), or a word limit in
    parentheses alone."""
    return (len(para.lines) >= 2 and max(map(len, para.lines)) <= narrow) or bool(_PAREN_ONLY.match(para.text))


def _is_instruction(paras: list[Paragraph], i: int, r: LabelReader, tt: TemplateText,
                    current: int, narrow: int, threshold: float, labelled: bool) -> bool:
    """Whether paragraph ``i`` of a page belongs to the label column as instruction text
    (``labelled``: a label stands above it on the page)."""
    toks = tokens(paras[i].text)
    if r.cat.is_template_title(toks) or tt.coverage(toks) >= 0.5:
        return True
    if instructions_by_similarity() and _label_column_shaped(paras[i], narrow) and (
            labelled or any(_label_at(paras, j, r, current) for j in range(i + 1, min(i + 3, len(paras))))):
        # under a label, or over one (the end of an instruction carried over a page break); a
        # continuation page's first paragraph, with no label near, is its value column's
        return True
    if current < 0 and r.is_title(paras[i].text):
        return True
    if r.instruction_score(paras[i].text, [current] if current >= 0 else None) >= threshold:
        return True
    # the end of an instruction carried over a page break: "the year it stopped."
    text = paras[i].text.strip()
    return (i == 0 and text[:1].islower() and any(
        r.match(p.text, current) for p in paras[1:3]))


def _render(key: str, paras: list[Paragraph]) -> str:
    blocks = []
    for para in paras:
        if key in _VOCAB_FIELDS:
            blocks.append("\n".join(para.lines))
            continue
        # pieces of each output line, joined once: += on a growing line is quadratic
        out: list[list[str]] = []
        width = max(len(line) for line in para.lines)
        previous = ""
        for line in para.lines:
            line = normalise_bullets(clean_ocr(line))
            # a short line followed by a capital ends an item or a heading, not a wrapped line
            ragged = len(previous) < 0.66 * width and line[:1].isupper()
            previous = line
            if not out or line.startswith("- ") or ragged:
                out.append([line])
            elif out[-1][-1].endswith("-") and line[:1].islower():
                out[-1].append(line)
            else:
                out[-1].append(" " + line)
        blocks.append("\n".join("".join(pieces) for pieces in out))
    return "\n\n".join(blocks)


def split_columns(text: str, cat: Catalogue, tt: TemplateText) -> dict[str, list[str]]:
    """Raw text per field key for an OCR'd two-column document."""
    new_document(cat, text.splitlines())
    scorer = Scorer(cat)
    r = reader(cat)
    widths = sorted(len(line) for line in text.splitlines() if line.strip())
    threshold = _INSTRUCTION
    if instructions_by_similarity():
        paragraphs = [p.text for lines in _pages(text) for p in _paragraphs(lines)]
        threshold = r.instruction_threshold(paragraphs, _INSTRUCTION)
    narrow = int(_NARROW * widths[int(0.95 * (len(widths) - 1))]) if widths else 0
    fields: dict[str, list[str]] = {}
    current = -1          # index of the last field labelled so far
    carry: str | None = None  # field that received the last value paragraph
    for lines in _pages(text):
        if _is_merged(lines, r, tt, current):
            current = _merged_page(lines, r, tt, current, fields)
            carry = cat.keys[current] if current >= 0 else carry
            continue
        paras = _paragraphs(lines)
        page_fields: list[str] = []
        start = len(paras)
        for i, para in enumerate(paras):
            key = _label_at(paras, i, r, current)
            if key:
                current = cat.index(key)
                page_fields.append(key)
            elif current < 0 or _is_instruction(paras, i, r, tt, current, narrow, threshold, bool(page_fields)):
                continue  # before the first label no field is open: a title, a header, instructions
            else:
                start = i
                break
        values = [p for p in paras[start:] if scorer.is_org_type(p) or tt.coverage(tokens(p.text)) < 0.8]
        if not values:
            continue
        if not page_fields and carry is None:
            continue
        values = _bundle(values, _MAX_PAGE_PARAGRAPHS)
        keys = align(values, page_fields, carry, scorer)
        grouped: dict[str, list[Paragraph]] = {}
        for key, para in zip(keys, values):
            grouped.setdefault(key, []).append(para)
        for key, group in grouped.items():
            fields.setdefault(key, []).append(_render(key, group))
        carry = keys[-1]
    return fields
