"""The cross-language lexicon: a query word's translations in every language's lexicon.

Plain BM25 cannot match a German query to a French document; so each language index also keeps
a *lexicon*: its vocabulary's most frequent words, embedded with the index's own multilingual
encoder. A query word's nearest lexicon words in a language (cosine ≥ ``TRANSLATION_MIN``:
"Gefängnis" → "prison", "Familie" → "famille") count as the query word there, weighted by
their similarity; so do its cognates, words spelt alike (:mod:`ransearch.lexical.cognates`),
which serve the languages the encoder was not trained on.

The lexicon needs only what :class:`WordEncoder` names of an encoder, so this package imports
no encoder backend.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ransearch.errors import IndexCorrupt
from ransearch.lexical import cognates
from ransearch.lexical.analysis import analyse, query_words
from ransearch.lexical.cognates import CognateIndex
from ransearch.lexical.neighbours import NearWords
from ransearch.lexical.storage import LanguageIndex
from ransearch.text import fold

__all__ = ["WordEncoder", "Lexicons", "Translations", "Expansion", "ExpansionPlan", "choose_words", "embed_words",
           "TRANSLATION_MIN", "TRANSLATIONS", "MAX_LEXICON"]

TRANSLATION_MIN = 0.7
"""Cosine above which a lexicon word counts as a translation of a query word."""
TRANSLATIONS = 2
"""Nearest lexicon words considered per query word and language."""
MAX_LEXICON = 50_000
"""Most frequent words kept in a language's lexicon."""

Translations = tuple[tuple[str, str, float], ...]
"""A word's translations: (language, stem of a lexicon word, cosine), language by language,
nearest first."""
Expansion = dict[str, dict[str, list[tuple[str, float]]]]
"""language -> query word -> [(stem of a lexicon word, its cosine to the query word)]."""


class WordEncoder(Protocol):
    """What the lexicon needs of a text encoder (any :class:`ransearch.encoders.Encoder` is one)."""

    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings of ``texts``, shape (len(texts), dimension)."""
        ...


@dataclass(frozen=True)
class ExpansionPlan:
    """A query's distinct words, the translations remembered for some of them, and the words
    whose embedding :meth:`LexicalIndex.expand` needs (see :meth:`LexicalIndex.plan_expansion`)."""

    words: tuple[str, ...]
    remembered: dict[str, Translations]
    to_embed: list[str]


def choose_words(texts: Sequence[str], language: str, idf: Mapping[str, float]) -> tuple[list[str], list[str]]:
    """The most frequent content words of a language's texts (at most ``MAX_LEXICON``) whose
    stem is indexed, with their stems."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(query_words(text))
    words, stems = [], []
    for word, _ in counts.most_common():
        stem = next(iter(analyse(word, language)), None)
        if stem is not None and stem in idf:
            words.append(word)
            stems.append(stem)
            if len(words) >= MAX_LEXICON:
                break
    return words, stems


def embed_words(words: Sequence[str], encoder: WordEncoder, known: Mapping[str, np.ndarray]) -> np.ndarray:
    """float16 embeddings of ``words``, taken from ``known`` where possible."""
    out = np.zeros((len(words), encoder.dimension), np.float16)
    new = [i for i, w in enumerate(words) if w not in known]
    for i, w in enumerate(words):
        if w in known:
            out[i] = known[w]
    if new:
        out[new] = encoder.encode_queries([words[i] for i in new]).astype(np.float16)
    return out


class Lexicons:
    """Every language's lexicon, one after the other, searched for a word's translations.

    The stacked float32 matrix, the word lookup and the cognate index are made on first use.
    """

    def __init__(self, languages: Mapping[str, LanguageIndex], cognate_index: CognateIndex | None = None,
                 near_file: Path | None = None) -> None:
        self._languages = languages
        self._rows: dict[str, tuple[LanguageIndex, int]] | None = None
        self._stacked: tuple[np.ndarray, list[str], list[str]] | None = None
        self._matrix: np.ndarray | None = None
        self._cognates = cognate_index
        self._near_file = near_file  # the saved inverted file of the near words, if any
        self._near: NearWords | None = None
        self._accented: dict[str, str] | None = None

    def vector(self, word: str) -> np.ndarray | None:
        """The stored embedding of a lexicon word (None if no lexicon holds it).

        A lexicon word was embedded alone with the index's encoder, as a query word is; its
        stored vector is that embedding rounded to float16.
        """
        if self._rows is None:
            self._rows = {w: (index, j) for index in self._languages.values() for j, w in enumerate(index.words)}
        found = self._rows.get(word)
        return None if found is None else found[0].vectors[found[1]]

    def word_vectors(self) -> dict[str, np.ndarray]:
        """Every lexicon word and its stored embedding."""
        return {w: v for index in self._languages.values() for w, v in zip(index.words, index.vectors)}

    def _languages_with_words(self) -> list[tuple[str, LanguageIndex]]:
        return [(lang, index) for lang, index in self._languages.items() if index.words]

    def _stack(self) -> tuple[np.ndarray, list[str], list[str]]:
        """The rows of the stacked lexicons, every language's words one after the other: (per
        row the position of its language in the names, the languages' names, per row the
        word's stem)."""
        if self._stacked is None:
            languages = self._languages_with_words()
            self._stacked = (
                np.repeat(np.arange(len(languages)), [len(index.words) for _, index in languages]),
                [lang for lang, _ in languages],
                [stem for _, index in languages for stem in index.stems])
        return self._stacked

    def _dimension(self) -> int:
        """The dimension of the lexicons' embeddings (0 without any word)."""
        languages = self._languages_with_words()
        return int(np.shape(languages[0][1].vectors)[1]) if languages else 0

    def _vectors(self) -> np.ndarray:
        """The float32 embeddings of the stacked lexicons' rows, converted once for BLAS (made
        when first needed: an exact search of near words, a rendering, an inverted file's
        build; 200 MB for 100,000 words, which a lexicon searched through its inverted file
        never needs to answer a query)."""
        if self._matrix is None:
            vectors = [np.asarray(index.vectors, dtype=np.float32) for _, index in self._languages_with_words()]
            self._matrix = np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return self._matrix

    def translations(self, vectors: np.ndarray) -> list[Translations]:
        """Per word (one embedding per row): the stems of its nearest lexicon words in each
        language (at most ``TRANSLATIONS`` per language) with cosine ≥ ``TRANSLATION_MIN``,
        as (language, stem, cosine), language by language, nearest first."""
        found: list[list[tuple[str, str, float]]] = [[] for _ in range(len(vectors))]
        language, names, stems = self._stack()
        rows, cols, values = self.near_words().within(vectors, TRANSLATION_MIN)  # a few per word
        if len(rows):
            langs = language[cols]
            order = np.lexsort((cols, -values, langs, rows))
            taken: Counter[tuple[int, int]] = Counter()
            for i, lang, j, value in zip(rows[order].tolist(), langs[order].tolist(), cols[order].tolist(),
                                         values[order].tolist()):
                taken[i, lang] += 1
                if taken[i, lang] <= TRANSLATIONS:
                    found[i].append((names[lang], stems[j], value))
        return [tuple(f) for f in found]

    def accented(self) -> dict[str, str]:
        """Each lexicon word that has accents (or a letter such as ß, œ), by its folded form
        (``etrangers`` → ``étrangers``): the most frequent of a language wins, the first language
        on a tie; a folded form that is itself a lexicon word is left out."""
        if self._accented is None:
            plain = {w for index in self._languages.values() for w in index.words if w.isascii()}
            found: dict[str, tuple[int, str]] = {}
            for index in self._languages.values():
                for rank, word in enumerate(index.words):
                    if word.isascii():
                        continue
                    folded = fold(word)
                    if not folded or folded in plain or " " in folded:
                        continue
                    if folded not in found or rank < found[folded][0]:
                        found[folded] = (rank, word)
            self._accented = {folded: word for folded, (_, word) in found.items()}
        return self._accented

    def words(self) -> list[str]:
        """Every lexicon word, language after language (the rows of the stacked lexicon)."""
        return [w for index in self._languages.values() if index.words for w in index.words]

    def rows_of(self, languages: frozenset[str]) -> np.ndarray:
        """A boolean mask of the stacked lexicon's rows: the words of ``languages``."""
        language, names, _ = self._stack()
        return np.isin(language, [i for i, name in enumerate(names) if name in languages])

    def nearest(self, vectors: np.ndarray, rows: np.ndarray) -> list[tuple[int, float]]:
        """Per embedding (one per row of ``vectors``): the nearest lexicon word among ``rows``
        (a mask, see :meth:`rows_of`), as (row, cosine); (-1, 0.0) when ``rows`` is empty."""
        stacked = self._vectors()
        if not len(vectors) or not rows.any():
            return [(-1, 0.0)] * len(vectors)
        sims = np.asarray(vectors, dtype=np.float32) @ stacked.T  # the whole lexicon: no copy of its rows
        sims[:, ~rows] = -np.inf
        best = sims.argmax(axis=1)
        return [(int(b), float(sims[i, b])) for i, b in enumerate(best)]

    def nearest_cognate(self, word: str, rows: np.ndarray) -> tuple[int, float]:
        """The closest cognate of ``word`` among ``rows`` (a mask), as (row, Dice coefficient
        times ``COGNATE_WEIGHT``); (-1, 0.0) when it has none."""
        for row, dice in self.cognate_index().search(word, cognates.COGNATE_MIN):
            if rows[row]:
                return row, cognates.COGNATE_WEIGHT * dice
        return -1, 0.0

    def warm_up(self) -> None:
        """Stack the lexicons, open the search of near words, load the cognate index and make
        the accented words' lookup now rather than at the first query."""
        self._stack()
        self.near_words()
        self.cognate_index()
        self.accented()

    def near_words(self) -> NearWords:
        """The search of the lexicon words near a word: with the inverted file saved with the
        index, else exact (:mod:`ransearch.lexical.neighbours`).

        Raises:
            IndexCorrupt: the saved inverted file is not of these lexicons.
        """
        if self._near is None:
            if self._near_file is None:
                self._near = NearWords.exact(self._vectors())
            else:
                try:
                    self._near = NearWords.load(self._near_file, len(self._stack()[0]), self._dimension())
                except (ValueError, RuntimeError) as exc:  # faiss raises RuntimeError on a damaged file
                    raise IndexCorrupt(str(self._near_file), f"the lexicon's inverted file: {exc}") from exc
        return self._near

    def build_near_words(self) -> NearWords:
        """Make the search of near words for these lexicons now (an inverted file when they are
        large), to be saved with them."""
        self._near = NearWords.build(self._vectors())
        return self._near

    def cognate_index(self) -> CognateIndex:
        """The cognate index of :meth:`words`: the one saved with the index, else made now."""
        if self._cognates is None:
            self._cognates = CognateIndex.of_words(self.words())
        return self._cognates

    def cognates(self, word: str) -> Translations:
        """The stems of ``word``'s cognates (spelt alike) in each language's lexicon, at most
        ``TRANSLATIONS`` per language, as (language, stem, Dice coefficient); encoder-free."""
        language, names, stems = self._stack()
        taken: Counter[int] = Counter()
        out = []
        for row, dice in self.cognate_index().search(word, cognates.COGNATE_MIN):
            lang = int(language[row])
            taken[lang] += 1
            if taken[lang] <= TRANSLATIONS:
                out.append((names[lang], stems[row], cognates.COGNATE_WEIGHT * dice))
        return tuple(out)
