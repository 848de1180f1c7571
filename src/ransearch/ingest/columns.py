"""Text OCR'd from the two-column RAN PDF: labels and values interleaved page by page.

Each page (a line starting with one space opens a page) reads as the label column — field
labels and their instructions, wrapped to about 34 characters — followed by the value
column. The value paragraphs of a page belong, in order, to the fields labelled on that page,
possibly after an overflow of the field that was open at the end of the previous page. Which
paragraph goes to which field is decided by a small dynamic programme that scores each
(field, paragraph) pair by what the field's values look like: a yes/no word for peer review,
vocabulary items for themes and audiences, a country name, a year, typical words. The last
page, where OCR merged label, instruction and value on one line, is read line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ransearch.ingest.boilerplate import TemplateText
from ransearch.ingest.facets import organisation_type_line
from ransearch.ingest.labels import LabelReader, new_document, reader, similarity_allowed
from ransearch.ingest.markup import normalise_bullets
from ransearch.ingest.vocab import vocab_items
from ransearch.template import Catalogue, countries, vocabulary, yes_no
from ransearch.text import clean_ocr, fold, tokens

__all__ = ["split_columns"]

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,\u202f ]*\d(?!\w)|\b\d\b")
_VOCAB_FIELDS = {"themes", "audience"}
_VOCAB_LINES = 30
_SKIP_PENALTY = 2.0
_MAX_PAGE_PARAGRAPHS = 400
"""A PDF page holds a few dozen paragraphs. Beyond this (not a real page), neighbours are
merged before alignment, whose cost grows as paragraphs x fields²."""


@dataclass(frozen=True)
class _Paragraph:
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class _Features:
    """What a value paragraph looks like, computed once per paragraph."""

    text: str
    n_tokens: int
    folded: str
    is_yes_no: bool
    themes: float
    audience: float
    is_country: bool
    years: int
    numbers: int
    is_org_type: bool


def _pages(text: str) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith(" ") and not line.startswith("  ") and line.strip() and pages[-1]:
            pages.append([])
        pages[-1].append(line.strip())
    return pages


def _paragraphs(lines: list[str]) -> list[_Paragraph]:
    paras: list[_Paragraph] = []
    current: list[str] = []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            paras.append(_Paragraph(tuple(current)))
            current = []
    return paras


class _Scorer:
    """How well a paragraph fits as (part of) the value of a field."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.vocab = vocabulary()
        self.yes_no = yes_no()
        self.countries = countries()
        self.cues = {f.key: [fold(c) for cues in f.cues.values() for c in cues] for f in cat.fields}
        self.org_prefixes = [tuple(tokens(p)) for ps in cat.organisation_type_prefixes.values() for p in ps]
        self._features: dict[_Paragraph, _Features] = {}

    def vocab_share(self, para: _Paragraph, name: str) -> float:
        toks = sum((len(tokens(line)) for line in para.lines), 0)
        if not toks:
            return 0.0
        matched = 0.0
        for line in para.lines:
            # tolerant lookups only for new wordings, on lists of list length
            tolerant = similarity_allowed() and len(para.lines) <= _VOCAB_LINES
            runs = self.vocab[name].runs(line)
            if not tolerant:
                matched += sum(len(run.split()) for label, run in runs if label)
                continue
            # a catalogued wording counts fully, one found tolerantly a little less: a line
            # such as "Giovani/alunni/studenti" is close to a theme too, but is an audience
            exact = {run for label, run in runs if label}
            matched += sum(len(run.split()) * (1.0 if run in exact else 0.8)
                           for label, run in vocab_items(self.vocab[name], line) if label)
        return matched / toks

    def is_org_type(self, para: _Paragraph) -> bool:
        toks = tokens(para.lines[0])
        if any(tuple(toks[: len(p)]) == p for p in self.org_prefixes):
            return True
        return len(para.lines) == 1 and organisation_type_line(para.lines[0], self.org_prefixes) is not None

    def features(self, para: _Paragraph) -> _Features:
        cached = self._features.get(para)
        if cached is None:
            cached = self._features[para] = self._compute_features(para)
        return cached

    def _compute_features(self, para: _Paragraph) -> _Features:
        text = para.text
        toks = tokens(text)
        years = _YEAR.findall(text)
        return _Features(
            text=text,
            n_tokens=len(toks),
            folded=" " + " ".join(toks) + " ",
            is_yes_no=len(toks) == 1 and toks[0] in self.yes_no,
            themes=self.vocab_share(para, "themes"),
            audience=self.vocab_share(para, "audience"),
            is_country=self.countries.code(text) is not None,
            years=len(years),
            numbers=len(_NUMBER.findall(text)),
            is_org_type=self.is_org_type(para),
        )

    def score(self, key: str, paras: list[_Paragraph], index: int) -> float:
        f = self.features(paras[index])
        text, folded, is_yes_no = f.text, f.folded, f.is_yes_no
        themes, audience, is_country, years = f.themes, f.audience, f.is_country, f.years
        is_year = years > 0 and f.n_tokens <= 2
        if key == "name":
            return 5.0 if index == 0 else -10.0
        if key == "peer_reviewed":
            return 5.0 if is_yes_no else -5.0
        if key == "themes":
            return 3.0 * themes if themes >= 0.6 and themes >= audience else -3.0
        if key == "audience":
            return 3.0 * audience if audience >= 0.6 and audience > themes else -3.0
        if key == "country":
            return 4.0 if is_country else -2.0
        if key == "last_update":
            return 4.0 if is_year else -2.0
        if key == "contacts":
            return 1.0 if "@" in text else 0.0
        # free-text fields: penalise values that plainly belong to a typed field
        score = 0.0
        if is_yes_no or max(themes, audience) >= 0.8 or (is_country and f.n_tokens <= 3):
            score -= 3.0
        if key == "organisation" and f.is_org_type:
            score += 4.0
        elif f.is_org_type:
            score -= 4.0
        elif key == "organisation" and index + 1 < len(paras) and self.features(paras[index + 1]).is_org_type:
            score += 1.5  # the organisation's description comes right before its type
        if key == "start":
            score += 0.5 if years else -0.5
        if key == "evaluation" and f.numbers - years >= 2:
            score += 1.0  # counts and statistics are the usual evidence
        if text.strip() == "-" and key in {"ran_meeting", "eu_links", "deliverables"}:
            score += 1.0
        hits = sum(1 for cue in self.cues.get(key, ()) if f" {cue}" in folded)
        return score + 0.5 * min(hits, 4)


def _align(paras: list[_Paragraph], fields: list[str], carry: str | None, scorer: _Scorer) -> list[str]:
    """Field key of each value paragraph: a monotone assignment maximising the fit score."""
    cands = ([carry] if carry else []) + fields
    n, m = len(paras), len(cands)
    first_real = 1 if carry else 0

    # skip[lo + 1][hi]: penalty for the page's fields strictly between candidates lo and hi
    # left empty; a table, as the loop below asks for it n * m * m times
    skip = [[_SKIP_PENALTY * sum(1 for j in range(lo + 1, hi) if j >= first_real) for hi in range(m + 1)]
            for lo in range(-1, m)]

    neg = float("-inf")
    best = [[neg] * m for _ in range(n)]
    back = [[0] * m for _ in range(n)]
    def fit(j: int, i: int) -> float:
        # only the long description often runs over a page; other fields rarely do
        overflow = 1.0 if carry and j == 0 and carry != "description" else 0.0
        return scorer.score(cands[j], paras, i) - overflow

    for j in range(m):
        best[0][j] = fit(j, 0) - skip[0][j]
    for i in range(1, n):
        # a paragraph that ends with a colon introduces the next one: same field
        glued = paras[i - 1].lines[-1].rstrip().endswith(":")
        for j in range(m):
            choice, value = j, best[i - 1][j]
            for k in range(j if not glued else 0):
                # on a tie, move to the next field as late as possible (>=): a field's
                # extra paragraphs usually continue it rather than open the next one
                v = best[i - 1][k] - skip[k + 1][j]
                if v >= value:
                    choice, value = k, v
            best[i][j] = value + fit(j, i)
            back[i][j] = choice
    end = max(range(m), key=lambda j: (best[n - 1][j] - skip[j + 1][m], -j))
    out = [""] * n
    j = end
    for i in range(n - 1, -1, -1):
        out[i] = cands[j]
        j = back[i][j]
    return out


def _bundle(paras: list[_Paragraph], limit: int) -> list[_Paragraph]:
    """At most ``limit`` paragraphs, merging runs of neighbours when there are more."""
    if len(paras) <= limit:
        return paras
    size = -(-len(paras) // limit)
    return [_Paragraph(tuple(line for para in paras[i:i + size] for line in para.lines))
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
    dated = [line for line in filled[-2:] if _YEAR.search(line)]
    for k, line in enumerate(filled[:1] + dated[-1:]):
        if k == 1 and not (len(line.split()) <= 8 and _YEAR.search(line)):
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
_NARROW = 0.75
"""A paragraph whose lines are all narrower than this share of the page's widest lines is in
the label column (labels and instructions wrap at about 34 characters, values at about 60)."""


def _label_at(paras: list[_Paragraph], i: int, r: LabelReader, current: int) -> str | None:
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


def _is_instruction(paras: list[_Paragraph], i: int, r: LabelReader, tt: TemplateText,
                    current: int, narrow: int, threshold: float) -> bool:
    """Whether paragraph ``i`` of a page belongs to the label column as instruction text."""
    toks = tokens(paras[i].text)
    if r.cat.is_template_title(toks) or tt.coverage(toks) >= 0.5:
        return True
    if similarity_allowed() and len(paras[i].lines) >= 2 and max(map(len, paras[i].lines)) <= narrow:
        return True
    if current < 0 and r.is_title(paras[i].text):
        return True
    if r.instruction_score(paras[i].text, [current] if current >= 0 else None) >= threshold:
        return True
    # the end of an instruction carried over a page break: "the year it stopped."
    text = paras[i].text.strip()
    return (i == 0 and text[:1].islower() and any(
        r.match(p.text, current) for p in paras[1:3]))


def _render(key: str, paras: list[_Paragraph]) -> str:
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
    scorer = _Scorer(cat)
    r = reader(cat)
    widths = sorted(len(line) for line in text.splitlines() if line.strip())
    threshold = _INSTRUCTION
    if similarity_allowed():
        paragraphs = [p.text for lines in _pages(text) for p in _paragraphs(lines)]
        r.prefetch(paragraphs)
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
            elif _is_instruction(paras, i, r, tt, current, narrow, threshold):
                continue
            else:
                start = i
                break
        values = [p for p in paras[start:] if scorer.is_org_type(p) or tt.coverage(tokens(p.text)) < 0.8]
        if not values:
            continue
        if not page_fields and carry is None:
            continue
        values = _bundle(values, _MAX_PAGE_PARAGRAPHS)
        keys = _align(values, page_fields, carry, scorer)
        grouped: dict[str, list[_Paragraph]] = {}
        for key, para in zip(keys, values):
            grouped.setdefault(key, []).append(para)
        for key, group in grouped.items():
            fields.setdefault(key, []).append(_render(key, group))
        carry = keys[-1]
    return fields
