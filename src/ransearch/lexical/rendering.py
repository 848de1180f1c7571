"""Pseudo-translation: a text in a language the encoder was not trained on, rendered word by
word in the languages it was trained on, so that the encoder can embed what it says.

An encoder maps text in a language it does not know into one region of its space, whatever the
text says (docs/evaluation.md, "Dense evidence the ranking does not trust"). Its *words* fare
better: a Swedish word's nearest word in the lexicons of the covered languages is often its
translation or its cognate (konflikten → conflicten, identitet → identiteit, antisemitism →
antisémitisme). :class:`Renderer` replaces each content word of a text by its best such word —
its nearest lexicon word by embedding when the cosine reaches ``TRANSLATION_MIN``, or its
closest cognate (:mod:`ransearch.lexical.cognates`), whichever is nearer — and leaves out the
text's stopwords. The rendering ("conflicten extreme identiteit religion …") is what the
encoder embeds: the chunks and titles of practices in such a language at index time
(:func:`ransearch.embedding.render_uncovered`), a query in such a language at search time
(:class:`ransearch.search.signals.SignalReader`).

A word with no translation is kept in a document's rendering (names, places and compounds still
say something to a covered-language query) and left out of a query's: a query is short, and
its words the encoder does not know would carry it back to the region of its language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ransearch.lexical.analysis import is_stopword
from ransearch.lexical.lexicon import TRANSLATION_MIN, Lexicons, WordEncoder
from ransearch.text import words as text_words

__all__ = ["Renderer", "RENDER_MEMO", "RENDERED_SHARE_MIN"]

RENDER_MEMO = 50_000
"""Words whose rendering a renderer remembers; when full, it starts again empty."""
RENDERED_SHARE_MIN = 1 / 3
"""A language's practices are embedded from their rendering only when at least this share of
their content words has a translation. Below it, the rendering is mostly the language's own
words (a language with few cognates and words the encoder cannot place: Finnish, Hungarian,
Greek), whose embedding lands in the region of the language whatever it says, and search leaves
those practices' dense evidence out instead (docs/evaluation.md). Not tuned: Swedish practices
translate half their words (0.50 and 0.54 on dev2), a Finnish query a quarter."""


class Renderer:
    """Renders texts word by word into the lexicon words of the ``languages`` an encoder covers."""

    def __init__(self, lexicons: Lexicons, languages: frozenset[str], encoder: WordEncoder) -> None:
        self._lexicons = lexicons
        self._rows = lexicons.rows_of(languages)
        self._encoder = encoder
        self._words = lexicons.words()
        self._memo: dict[str, str | None] = {}

    def translate(self, words: Sequence[str]) -> dict[str, str | None]:
        """Each word's best covered-language word (``None``: none is near enough).

        A word's embedding is its lexicon's stored one, else the encoder's (one call for all
        the words no lexicon holds)."""
        todo = [w for w in dict.fromkeys(words) if w not in self._memo]
        if todo:
            stored = [self._lexicons.vector(w) for w in todo]
            missing = [w for w, v in zip(todo, stored) if v is None]
            encoded = iter(np.asarray(self._encoder.encode_queries(missing), dtype=np.float32) if missing else ())
            vectors = np.stack([np.asarray(v, dtype=np.float32) if v is not None else next(encoded) for v in stored])
            if len(self._memo) + len(todo) > RENDER_MEMO:
                self._memo.clear()
            for word, (row, cosine) in zip(todo, self._lexicons.nearest(vectors, self._rows)):
                self._memo[word] = self._best(word, row, cosine)
        return {w: self._memo[w] for w in words}

    def _best(self, word: str, row: int, cosine: float) -> str | None:
        """The nearer of the embedding's translation (if ≥ ``TRANSLATION_MIN``) and the closest cognate."""
        choices = [(cosine, row)] if row >= 0 and cosine >= TRANSLATION_MIN else []
        cognate_row, dice = self._lexicons.nearest_cognate(word, self._rows)
        if cognate_row >= 0:
            choices.append((dice, cognate_row))
        return self._words[max(choices)[1]] if choices else None

    def translated_share(self, texts: Sequence[str], language: str) -> float:
        """The share of the content words of ``texts`` (in ``language``) that have a
        translation (1.0 for texts without content words)."""
        words = [w for text in texts for w in self._content_words(text, language)]
        found = self.translate(words)
        return sum(found[w] is not None for w in words) / len(words) if words else 1.0

    @staticmethod
    def _content_words(text: str, language: str) -> list[str]:
        return [w for w in text_words(text, shortest=3) if not w.isdigit() and not is_stopword(w, language)]

    def render(self, text: str, language: str, keep_unknown: bool = True) -> str:
        """``text`` (in ``language``) as its content words' covered-language words, in order.

        Args:
            keep_unknown: keep a word without translation as it is (documents), else leave it
                out (queries).
        """
        words = self._content_words(text, language)
        found = self.translate(words)
        rendered = (found[w] or (w if keep_unknown else None) for w in words)
        return " ".join(w for w in rendered if w)
