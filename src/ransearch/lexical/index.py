"""The lexical index: BM25 over whole practices, one index per document language, with the
query words' translations (:mod:`ransearch.lexical.lexicon`) scored as the words themselves.

Scores are normalised by the best score the query's words could reach (the sum of their IDFs
times the BM25 saturation limit, a word with no match counting as the rarest), so a practice's
lexical score reads as "how much of the query it matches", from 0 to about 1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ransearch.errors import IndexCorrupt
from ransearch.lexical.analysis import analyse, query_words, word_stems
from ransearch.lexical.cognates import CognateIndex
from ransearch.lexical.lexicon import (
    Expansion,
    ExpansionPlan,
    Lexicons,
    Translations,
    WordEncoder,
    choose_words,
    embed_words,
)
from ransearch.lexical.rendering import Renderer
from ransearch.lexical.storage import K1, LanguageIndex, TermScores, corpus_idf

__all__ = ["LexicalIndex", "WordScores", "TRANSLATION_MEMO", "COGNATE_FILE", "NEAR_WORDS_FILE"]

COGNATE_FILE = "cognates.npz"
NEAR_WORDS_FILE = "near_words.ivf"
"""The inverted file of a large lexicon's words (``ransearch.lexical.neighbours``)."""

_ASCII_WORD = re.compile(r"\b[A-Za-z]{3,}\b")

TRANSLATION_MEMO = 50_000
"""Query words whose translations an open index remembers (about 10 MB at most); when full,
it starts again empty."""

WordScores = dict[tuple[str, str], tuple["np.ndarray | None", float]]
"""(language, query word) -> (its BM25 score per document of that language, or None if it
matches nothing there; its share of the score ceiling)."""


def _word_score(index: LanguageIndex, language: str, word: str,
                translations: Sequence[tuple[str, float]]) -> tuple[np.ndarray | None, float]:
    """A query word's score per document of one language: the best of its own stems and its
    translations (weighted by similarity); and the most it can add (its ceiling)."""
    candidates = {stem: 1.0 for stem in word_stems(word, language) if stem in index.idf}
    for stem, similarity in translations:
        candidates[stem] = max(candidates.get(stem, 0.0), similarity)
    if not candidates:
        return None, index.max_idf * (K1 + 1)
    best = max(candidates, key=lambda t: candidates[t] * index.idf[t])
    score = np.zeros(len(index.rows), dtype=np.float32)
    for stem, weight in candidates.items():
        np.maximum(score, weight * index.term_scores(stem), out=score)
    return score, index.idf[best] * (K1 + 1)


class LexicalIndex:
    """BM25 per language over practice texts; scores for every practice row."""

    def __init__(self, n_practices: int, languages: dict[str, LanguageIndex],
                 cognate_index: CognateIndex | None = None, near_file: Path | None = None) -> None:
        self.n_practices = n_practices
        self._languages = languages
        self._lexicons = Lexicons(languages, cognate_index, near_file)
        # query word -> its translations: (language, stem of a lexicon word, cosine), in
        # language order then nearest first
        self._translation_memo: dict[str, Translations] = {}
        #: also translate query words through their spelling (``ransearch.lexical.cognates``)
        self.cognates = True
        self._renderers: dict[frozenset[str], Renderer] = {}

    def plan_expansion(self, words: Sequence[str]) -> ExpansionPlan:
        """What translating ``words`` needs: the translations remembered for some of them (kept
        here, as another query may empty the memo meanwhile), and the words whose embedding
        the encoder must give, those that no lexicon holds and that are not remembered."""
        memo = self._translation_memo
        distinct = tuple(dict.fromkeys(words))
        remembered: dict[str, Translations] = {}
        to_embed: list[str] = []
        for word in distinct:
            found = memo.get(word)
            if found is not None:
                remembered[word] = found
            elif self._lexicons.vector(word) is None:
                to_embed.append(word)
        return ExpansionPlan(distinct, remembered, to_embed)

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str], encoder: WordEncoder,
              known: Mapping[str, np.ndarray] | None = None) -> LexicalIndex:
        """Index ``texts`` (practice row i = text i) in their ``languages``.

        Args:
            known: embeddings of lexicon words from an earlier build with the same encoder
                (see :meth:`word_vectors`); only the other words are embedded.
        """
        by_lang: dict[str, list[int]] = {}
        for row, lang in enumerate(languages):
            by_lang.setdefault(lang, []).append(row)
        built: dict[str, LanguageIndex] = {}
        for lang, rows in sorted(by_lang.items()):
            corpus = [analyse(texts[r], lang) or ["∅"] for r in rows]
            idf, max_idf = corpus_idf(corpus)
            words, stems = choose_words([texts[r] for r in rows], lang, idf)
            vectors = embed_words(words, encoder, known or {})
            built[lang] = LanguageIndex(np.asarray(rows, dtype=np.int64), TermScores.build(corpus), idf, max_idf,
                                        words, stems, vectors)
        return cls(len(texts), built)

    def renderer(self, languages: frozenset[str], encoder: WordEncoder) -> Renderer:
        """The :class:`Renderer` of texts into the lexicons of ``languages`` (made once per set
        of languages; ``encoder`` embeds the words no lexicon holds)."""
        found = self._renderers.get(languages)
        if found is None:
            found = self._renderers[languages] = Renderer(self._lexicons, languages, encoder)
        return found

    def with_accents(self, text: str) -> str:
        """``text`` with the words typed without their accents given them back from the corpus's
        vocabulary ("combattants etrangers" → "combattants étrangers"): a word without accents
        that no lexicon holds, whose accented form one does (:meth:`Lexicons.accented`). No
        other word changes, so a text typed with its accents stays as it is."""
        lexicons = self._lexicons
        unknown = {m.group(0).lower() for m in _ASCII_WORD.finditer(text)}
        unknown = {w for w in unknown if lexicons.vector(w) is None}
        restored = {w: found for w in unknown if (found := lexicons.accented().get(w))} if unknown else {}
        if not restored:
            return text

        def restore(match: re.Match[str]) -> str:
            word = match.group(0)
            found = restored.get(word.lower())
            if found is None:
                return word
            return found[:1].upper() + found[1:] if word[:1].isupper() else found

        return _ASCII_WORD.sub(restore, text)

    def warm_up(self) -> None:
        """Make now what translating a query's words reads (the stacked lexicons, the cognate
        index), rather than at the first query."""
        self._lexicons.warm_up()

    def word_vectors(self) -> dict[str, np.ndarray]:
        """Every lexicon word and its stored embedding, for the next build to reuse."""
        return self._lexicons.word_vectors()

    def save(self, folder: Path) -> None:
        """Write a built index in ``folder``: ``lexical.json``, one folder per language, the
        cognate index of the lexicons (``cognates.npz``) and, for large lexicons, the inverted
        file of their words (``near_words.ivf``)."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"n_practices": self.n_practices, "languages": sorted(self._languages)}
        for lang, index in self._languages.items():
            index.save(folder / lang)
        self._lexicons.cognate_index().save(folder / COGNATE_FILE)
        self._lexicons.build_near_words().save(folder / NEAR_WORDS_FILE)
        (folder / "lexical.json").write_text(json.dumps(meta), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        meta = json.loads((folder / "lexical.json").read_text("utf-8"))
        languages = {lang: LanguageIndex.load(folder / lang) for lang in meta["languages"]}
        # generations written before the cognate index was saved make it on first use
        saved = folder / COGNATE_FILE
        cognate_index = CognateIndex.load(saved) if saved.exists() else None
        if cognate_index is not None and len(cognate_index) != sum(len(i.words) for i in languages.values()):
            raise IndexCorrupt(str(saved), "the cognate index does not match the lexicons")
        near_file = folder / NEAR_WORDS_FILE  # small lexicons have none: their words are searched exactly
        return cls(meta["n_practices"], languages, cognate_index, near_file if near_file.exists() else None)

    def expand(self, words: Sequence[str] | ExpansionPlan,
               embeddings: Mapping[str, np.ndarray] | None = None) -> Expansion:
        """The translations of ``words`` in every language's lexicon, to score several texts
        that share words (a situation and its sentences) with one similarity search.

        A word's translations depend on its embedding alone: its lexicon's stored vector, else
        ``embeddings[word]`` (the index encoder's embedding of the word alone, for the words
        the :meth:`plan_expansion` of ``words`` names). They are searched once and remembered
        (``TRANSLATION_MEMO`` words; the memo starts again empty when full): a later query gets
        the same translations without embedding or searching the word again.

        Raises:
            KeyError: a word is in no lexicon, not remembered and not in ``embeddings``.
        """
        plan = words if isinstance(words, ExpansionPlan) else self.plan_expansion(words)
        found = dict(plan.remembered)
        todo = [w for w in plan.words if w not in found]
        if todo:
            found.update(zip(todo, self._lexicons.translations(
                np.stack([self._embedding(w, embeddings) for w in todo]).astype(np.float32, copy=False))))
            if self.cognates:
                for w in todo:  # a cognate the embeddings already found adds nothing
                    known = {(lang, stem) for lang, stem, _ in found[w]}
                    found[w] += tuple(t for t in self._lexicons.cognates(w) if (t[0], t[1]) not in known)
            memo = self._translation_memo
            if len(memo) + len(todo) > TRANSLATION_MEMO:
                memo.clear()
            memo.update((w, found[w]) for w in todo)
        out: Expansion = {lang: {word: [] for word in plan.words} for lang in self._languages}
        for word in plan.words:
            for lang, stem, similarity in found[word]:
                out[lang][word].append((stem, similarity))
        return out

    def _embedding(self, word: str, embeddings: Mapping[str, np.ndarray] | None) -> np.ndarray:
        stored = self._lexicons.vector(word)
        return stored if stored is not None else (embeddings or {})[word]

    def scores(self, query: str, words: Sequence[str] | None = None, expansion: Expansion | None = None,
               memo: WordScores | None = None) -> np.ndarray:
        """Normalised lexical score of every practice row for ``query`` (0 where nothing matches).

        Args:
            query: the query text.
            words: the query's content words (default: ``query_words(query)``).
            expansion: the words' translations from :meth:`expand`; without them there is no
                cross-lingual expansion (plain per-language BM25).
            memo: a dict kept across the texts scored with the same ``expansion`` (a situation
                and its sentences): each word is scored once.
        """
        words = list(words) if words is not None else query_words(query)
        out = np.zeros(self.n_practices, dtype=np.float32)
        if not words:
            return out
        memo = {} if memo is None else memo
        for lang, index in self._languages.items():
            translations = expansion.get(lang, {}) if expansion else {}
            total = np.zeros(len(index.rows), dtype=np.float32)
            ceiling = 0.0
            for word in words:
                found = memo.get((lang, word))
                if found is None:
                    found = memo[(lang, word)] = _word_score(index, lang, word, translations.get(word, ()))
                word_score, word_ceiling = found
                ceiling += word_ceiling
                if word_score is not None:
                    total += word_score
            if ceiling:
                out[index.rows] = total / ceiling
        return out

    def matched_terms(self, query: str, text: str, language: str) -> set[str]:
        """Query terms (stemmed) that occur in ``text``: what to highlight in a snippet."""
        return set(analyse(query, language)) & set(analyse(text, language))
