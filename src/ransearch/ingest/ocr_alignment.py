"""Which value paragraph of an OCR'd page goes to which field: a scored, monotone alignment.

The value paragraphs of a page belong, in order, to the fields labelled on that page, possibly
after an overflow of the field that was open at the end of the previous page. A small dynamic
programme (:func:`align`) scores each (field, paragraph) pair by what the field's values look
like (:class:`Scorer`): a yes/no word for peer review, vocabulary items for themes and
audiences, a country name, a year, typical words. Used by :mod:`ransearch.ingest.ocr_columns`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ransearch.ingest.facets import YEAR, organisation_type_line
from ransearch.ingest.vocab import vocab_items
from ransearch.ingest.wording import similarity_allowed
from ransearch.template import Catalogue, countries, vocabulary, yes_no
from ransearch.text import fold, tokens

__all__ = ["Paragraph", "Scorer", "align"]

_NUMBER = re.compile(r"(?<![\w.,])\d[\d.,\u202f ]*\d(?!\w)|\b\d\b")
_VOCAB_LINES = 30
_SKIP_PENALTY = 2.0


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of OCR'd text: its lines."""

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


class Scorer:
    """How well a paragraph fits as (part of) the value of a field."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self.vocab = vocabulary()
        self.yes_no = yes_no()
        self.countries = countries()
        self.cues = {f.key: [fold(c) for cues in f.cues.values() for c in cues] for f in cat.fields}
        self.org_prefixes = [tuple(tokens(p)) for ps in cat.organisation_type_prefixes.values() for p in ps]
        self._features: dict[Paragraph, _Features] = {}

    def vocab_share(self, para: Paragraph, name: str) -> float:
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

    def is_org_type(self, para: Paragraph) -> bool:
        toks = tokens(para.lines[0])
        if any(tuple(toks[: len(p)]) == p for p in self.org_prefixes):
            return True
        return len(para.lines) == 1 and organisation_type_line(para.lines[0], self.org_prefixes) is not None

    def features(self, para: Paragraph) -> _Features:
        cached = self._features.get(para)
        if cached is None:
            cached = self._features[para] = self._compute_features(para)
        return cached

    def _compute_features(self, para: Paragraph) -> _Features:
        text = para.text
        toks = tokens(text)
        years = YEAR.findall(text)
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

    def score(self, key: str, paras: list[Paragraph], index: int) -> float:
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


def align(paras: list[Paragraph], fields: list[str], carry: str | None, scorer: Scorer) -> list[str]:
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
