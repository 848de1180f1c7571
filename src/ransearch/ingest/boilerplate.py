"""Recognising the template's own text (labels, instructions, titles) inside documents.

Every RAN document repeats the template's instruction text, wrapped, split across pages,
OCR-damaged or wrapped in HTML. Text is compared as folded word trigrams: a line whose words
are mostly covered by trigrams of the template is template text, whatever its layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ransearch.ingest.label_texts import PAREN
from ransearch.template import Catalogue, catalogue
from ransearch.text import tokens

__all__ = ["TemplateText", "template_text", "Template", "default_template"]

_EXAMPLE_WORDS = 8  # an example an instruction lists is a name, not a sentence
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _ngrams(toks: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return (tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def _examples(text: str) -> Iterable[tuple[str, ...]]:
    """The names an instruction lists after a colon, to the end of that sentence ("Examples:
    Erasmus+, Internal Security Fund (ISF), Horizon 2020, etc."): answers the template suggests,
    so a value that is one of them is a value, not instruction text left behind. An item is a
    name when it starts with a capital; "etc." and the parts of an ordinary sentence ("Indicate:
    the date, the place and the topic") are not."""
    _, colon, listed = text.rpartition(":")
    items = _SENTENCE_END.split(listed, maxsplit=1)[0].split(",")
    if not colon or len(items) < 3:
        return ()
    names = [item.strip() for item in items if item.strip()[:1].isupper()]
    # each name as listed, and without its abbreviation ("Internal Security Fund")
    forms = [form for name in names for form in (name, PAREN.sub(" ", name))]
    return (toks for form in forms if 0 < len(toks := tuple(tokens(form))) <= _EXAMPLE_WORDS)


class TemplateText:
    """Folded n-grams of every label, instruction and title of the template, and the examples
    its instructions give (``examples``)."""

    def __init__(self, texts: Iterable[str], extra_ngrams: Iterable[tuple[str, ...]] = ()) -> None:
        self.trigrams: set[tuple[str, ...]] = set()
        self.bigrams: set[tuple[str, ...]] = set()
        self.phrases: set[tuple[str, ...]] = set()
        self.examples: set[tuple[str, ...]] = set()
        for text in texts:
            self.add(tokens(text))
            self.examples.update(_examples(text))
            # parenthetical label suffixes such as "(max. 300 words)" or "(année)" stand alone
            for part in text.split("("):
                if ")" in part:
                    self.phrases.add(tuple(tokens(part.split(")")[0])))
        for gram in extra_ngrams:
            self.trigrams.add(gram)
            self.bigrams.update(_ngrams(list(gram), 2))

    def extended(self, texts: Iterable[str]) -> TemplateText:
        """A copy that also knows ``texts`` (template text learned from a corpus)."""
        out = TemplateText(())
        out.trigrams, out.bigrams, out.phrases = set(self.trigrams), set(self.bigrams), set(self.phrases)
        out.examples = set(self.examples)
        for text in texts:
            out.add(tokens(text))
        return out

    def add(self, toks: list[str]) -> None:
        self.trigrams.update(_ngrams(toks, 3))
        self.bigrams.update(_ngrams(toks, 2))
        if 0 < len(toks) <= 6:
            self.phrases.add(tuple(toks))

    def coverage(self, toks: list[str]) -> float:
        """Share of ``toks`` that lies inside a run of template text."""
        n = len(toks)
        if n == 0:
            return 0.0
        if tuple(toks) in self.phrases:
            return 1.0
        if n < 3:
            return 1.0 if n == 2 and tuple(toks) in self.bigrams else 0.0
        covered = [False] * n
        for i in range(n - 2):
            if (toks[i], toks[i + 1], toks[i + 2]) in self.trigrams:
                covered[i] = covered[i + 1] = covered[i + 2] = True
        return sum(covered) / n

    def is_template(self, text: str, threshold: float = 0.6) -> bool:
        return self.coverage(tokens(text)) >= threshold

    def prefix_words(self, words: list[str]) -> int:
        """How many leading whitespace-separated ``words`` are template text (a chain of trigrams)."""
        toks: list[str] = []
        best = 0
        for k, word in enumerate(words, 1):
            start = len(toks)
            toks.extend(tokens(word))
            if len(toks) < 2:
                continue
            if tuple(toks) in self.phrases:
                best = k
                continue
            if len(toks) == 2:
                ok = tuple(toks) in self.bigrams
            else:
                ok = all(tuple(toks[j - 2:j + 1]) in self.trigrams
                         for j in range(max(2, start), len(toks)))
            if not ok:
                break
            best = k
        return best


@lru_cache(maxsize=8)
def template_text(drop_languages: frozenset[str] = frozenset()) -> TemplateText:
    """The template text of every catalogued language."""
    cat: Catalogue = catalogue(drop_languages)
    return TemplateText(t for texts in cat.template_texts().values() for t in texts)


@dataclass(frozen=True)
class Template:
    """Everything parsing knows of the template: the catalogue (fields, labels) and its text.

    ``learned`` lists what was learned from a corpus on top of the catalogue, one line each
    (see :func:`ransearch.ingest.learning.learn_template`); empty for the catalogue alone.
    ``fingerprint`` names what was learned (a digest of the learned text and labels; empty for
    the catalogue alone): two templates with the same fingerprint parse every document alike.
    """

    catalogue: Catalogue
    text: TemplateText
    learned: tuple[str, ...] = ()
    fingerprint: str = ""


@lru_cache(maxsize=8)
def default_template(drop_languages: frozenset[str] = frozenset()) -> Template:
    """The template as catalogued (optionally without some languages)."""
    return Template(catalogue(drop_languages), template_text(drop_languages))
