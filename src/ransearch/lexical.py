"""Lexical index: BM25 (bm25s) over whole practices, one index per document language, with
cross-lingual term expansion.

Each practice is one BM25 document in the index of its own language, tokenised with that
language's Snowball stemmer (PyStemmer) and stopwords. Plain BM25 cannot match a German query
to a French document; so each language index also keeps a *lexicon*: its vocabulary's words
embedded with the index's own multilingual encoder. A query word is looked up in every
language's lexicon, and its nearest words there (cosine ≥ ``TRANSLATION_MIN``: "Gefängnis" →
"prison", "Familie" → "famille") count as the query word, weighted by their similarity.

Scores are normalised by the best score the query's words could reach (the sum of their IDFs
times the BM25 saturation limit, a word with no match counting as the rarest), so a practice's
lexical score reads as "how much of the query it matches", from 0 to about 1.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ransearch import cognates
from ransearch.cognates import CognateIndex
from ransearch.encoders import Encoder
from ransearch.text import clean_ocr, fold

__all__ = ["LexicalIndex", "ExpansionPlan", "WordScores", "analyse", "query_words", "STEMMERS", "is_stopword"]

STEMMERS = {
    "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "et": "estonian", "fi": "finnish", "fr": "french", "ga": "irish",
    "hu": "hungarian", "it": "italian", "lt": "lithuanian", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "tr": "turkish",
}
_STOPWORDS = {
    "da": "STOPWORDS_DANISH", "de": "STOPWORDS_GERMAN", "en": "STOPWORDS_EN", "es": "STOPWORDS_SPANISH",
    "fr": "STOPWORDS_FRENCH", "it": "STOPWORDS_ITALIAN", "nl": "STOPWORDS_DUTCH", "no": "STOPWORDS_NORWEGIAN",
    "pt": "STOPWORDS_PORTUGUESE", "ru": "STOPWORDS_RUSSIAN", "sv": "STOPWORDS_SWEDISH", "tr": "STOPWORDS_TURKISH",
}
_WORD = re.compile(r"\w\w+", re.UNICODE)
K1, B = 1.2, 0.75
TRANSLATION_MIN = 0.7
"""Cosine above which a lexicon word counts as a translation of a query word."""
TRANSLATIONS = 2
"""Nearest lexicon words considered per query word and language."""
MAX_LEXICON = 50_000
"""Most frequent words kept in a language's lexicon."""
TRANSLATION_MEMO = 50_000
"""Query words whose translations an open index remembers (about 10 MB at most); when full,
it starts again empty."""

Expansion = dict[str, dict[str, list[tuple[str, float]]]]
"""language -> query word -> [(stem of a lexicon word, its cosine to the query word)]."""


@lru_cache(maxsize=32)
def _stemmer(language: str) -> Any:
    import Stemmer

    return Stemmer.Stemmer(STEMMERS.get(language, "porter"))


@lru_cache(maxsize=1)
def _bm25s_stopwords() -> Any:
    """bm25s's stopword lists (``bm25s/stopwords.py``, a file of tuples), loaded by path:
    ``import bm25s.stopwords`` would run ``bm25s/__init__`` and import scipy (~150 ms a query
    process does not need)."""
    import importlib.util

    spec = importlib.util.find_spec("bm25s")  # finds the package without importing it
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    path = Path(folder) / "stopwords.py" if folder else None
    if path is None or not path.is_file():  # pragma: no cover - another bm25s layout
        import bm25s.stopwords

        return bm25s.stopwords
    module_spec = importlib.util.spec_from_file_location("_ransearch_bm25s_stopwords", path)
    module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
    module_spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@lru_cache(maxsize=32)
def _stopwords(language: str) -> frozenset[str]:
    name = _STOPWORDS.get(language)
    if not name:
        return frozenset()
    return frozenset(fold(w) for w in getattr(_bm25s_stopwords(), name))


def is_stopword(word: str, language: str) -> bool:
    """Whether a lower-case word is a stopword of ``language`` (bm25s's lists; False for a
    language without one)."""
    return fold(word) in _stopwords(language)


@lru_cache(maxsize=65_536)
def _word_stems(word: str, language: str) -> tuple[str, ...]:
    return tuple(analyse(word, language))


@lru_cache(maxsize=1 << 18)
def _term(word: str, language: str) -> str | None:
    """The term of one lower-case word (None for a stopword or a number other than a year)."""
    if word.isdigit() and len(word) != 4:
        return None
    if fold(word) in _stopwords(language):
        return None
    stem = _stemmer(language).stemWord(word)
    return fold(stem) or stem


def analyse(text: str, language: str) -> list[str]:
    """Stemmed, accent-free terms of ``text`` in ``language``, stopwords removed.

    Each distinct word is analysed once per process (texts share most of their words).
    """
    terms = (_term(w, language) for w in _WORD.findall(clean_ocr(text).lower()))
    return [t for t in terms if t is not None]


@lru_cache(maxsize=1)
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(lang) for lang in _STOPWORDS))


def query_words(text: str) -> list[str]:
    """Distinct content words of a query (any language's stopwords removed), to be translated."""
    stops = _all_stopwords()
    words = (w for w in _WORD.findall(clean_ocr(text).lower()) if len(w) >= 3 and not w.isdigit())
    return list(dict.fromkeys(w for w in words if fold(w) not in stops))


@dataclass
class _TermScores:
    """BM25 score of every (term, document) pair, as computed by bm25s: a CSC matrix whose
    column ``columns[term]`` lists the documents containing the term and their scores.

    Kept in our own three ``.npy`` files so that a query needs numpy only (importing bm25s and,
    through it, scipy costs more than a whole query)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    columns: dict[str, int]
    n_docs: int

    @classmethod
    def from_bm25s(cls, retriever: Any, n_docs: int) -> _TermScores:
        return cls(np.asarray(retriever.scores["data"], dtype=np.float32),
                   np.asarray(retriever.scores["indices"], dtype=np.int32),
                   np.asarray(retriever.scores["indptr"], dtype=np.int64),
                   {str(t): int(i) for t, i in retriever.vocab_dict.items()}, n_docs)

    def column(self, term: str) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        col = self.columns.get(term)
        if col is not None:
            lo, hi = int(self.indptr[col]), int(self.indptr[col + 1])
            out[self.indices[lo:hi]] = self.data[lo:hi]
        return out


@dataclass
class _LanguageIndex:
    rows: np.ndarray            # practice rows of this language, in BM25 document order
    bm25: _TermScores
    idf: dict[str, float]
    max_idf: float
    words: list[str]            # lexicon: surface words ...
    stems: list[str]            # ... their stems in this language ...
    vectors: np.ndarray         # ... and their embeddings (float16, unit norm)

    def term_scores(self, stem: str) -> np.ndarray:
        return self.bm25.column(stem)


Translations = tuple[tuple[str, str, float], ...]
"""A word's translations: (language, stem of a lexicon word, cosine), language by language,
nearest first."""


@dataclass(frozen=True)
class ExpansionPlan:
    """A query's distinct words, the translations remembered for some of them, and the words
    whose embedding :meth:`LexicalIndex.expand` needs (see :meth:`LexicalIndex.plan_expansion`)."""

    words: tuple[str, ...]
    remembered: dict[str, Translations]
    to_embed: list[str]


@dataclass(frozen=True)
class _Lexicons:
    """Every language's lexicon, one after the other."""

    vectors: np.ndarray   # float32 embeddings of every lexicon word
    language: np.ndarray  # per row: the position of its language in ``names``
    names: list[str]
    stems: list[str]      # per row: the word's stem in its language


def _lexicon(texts: Sequence[str], language: str, idf: dict[str, float]) -> tuple[list[str], list[str]]:
    """The most frequent content words of a language's texts, with their stems."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(query_words(text))
    words, stems = [], []
    for word, _ in counts.most_common():
        stem = next(iter(analyse(word, language)), None)
        if stem in idf:
            words.append(word)
            stems.append(stem)
            if len(words) >= MAX_LEXICON:
                break
    return words, stems


def _embed_words(words: Sequence[str], encoder: Encoder, known: Mapping[str, np.ndarray]) -> np.ndarray:
    """float16 embeddings of ``words``, taken from ``known`` where possible."""
    out = np.zeros((len(words), encoder.dimension), np.float16)
    new = [i for i, w in enumerate(words) if w not in known]
    for i, w in enumerate(words):
        if w in known:
            out[i] = known[w]
    if new:
        out[new] = encoder.encode_queries([words[i] for i in new]).astype(np.float16)
    return out


WordScores = dict[tuple[str, str], tuple["np.ndarray | None", float]]
"""(language, query word) -> (its BM25 score per document of that language, or None if it
matches nothing there; its share of the score ceiling)."""


def _word_score(index: _LanguageIndex, language: str, word: str,
                translations: Sequence[tuple[str, float]]) -> tuple[np.ndarray | None, float]:
    """A query word's score per document of one language: the best of its own stems and its
    translations (weighted by similarity); and the most it can add (its ceiling)."""
    candidates = {stem: 1.0 for stem in _word_stems(word, language) if stem in index.idf}
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

    def __init__(self, n_practices: int, languages: dict[str, _LanguageIndex]) -> None:
        self.n_practices = n_practices
        self._languages = languages
        self._lexicon_rows: dict[str, tuple[_LanguageIndex, int]] | None = None
        # query word -> its translations: (language, stem of a lexicon word, cosine), in
        # language order then nearest first
        self._translation_memo: dict[str, Translations] = {}
        self._stacked: _Lexicons | None = None
        self._cognates: CognateIndex | None = None
        #: also translate query words through their spelling (``ransearch.cognates``)
        self.cognates = True

    def _lexicon_vector(self, word: str) -> np.ndarray | None:
        """The stored embedding of a lexicon word (None if no lexicon holds it).

        A lexicon word was embedded alone with the index's encoder, as a query word is; its
        stored vector is that embedding rounded to float16.
        """
        if self._lexicon_rows is None:
            self._lexicon_rows = {w: (index, j) for index in self._languages.values()
                                  for j, w in enumerate(index.words)}
        found = self._lexicon_rows.get(word)
        return None if found is None else found[0].vectors[found[1]]

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
            elif self._lexicon_vector(word) is None:
                to_embed.append(word)
        return ExpansionPlan(distinct, remembered, to_embed)

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str], encoder: Encoder,
              known: Mapping[str, np.ndarray] | None = None) -> LexicalIndex:
        """Index ``texts`` (practice row i = text i) in their ``languages``.

        Args:
            known: embeddings of lexicon words from an earlier build with the same encoder
                (see :meth:`word_vectors`); only the other words are embedded.
        """
        import bm25s

        by_lang: dict[str, list[int]] = {}
        for row, lang in enumerate(languages):
            by_lang.setdefault(lang, []).append(row)
        built: dict[str, _LanguageIndex] = {}
        for lang, rows in sorted(by_lang.items()):
            corpus = [analyse(texts[r], lang) or ["∅"] for r in rows]
            retriever = bm25s.BM25(k1=K1, b=B)
            retriever.index(corpus, show_progress=False)
            df = Counter(t for doc in corpus for t in set(doc))
            n = len(corpus)
            idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
            words, stems = _lexicon([texts[r] for r in rows], lang, idf)
            vectors = _embed_words(words, encoder, known or {})
            built[lang] = _LanguageIndex(np.asarray(rows, dtype=np.int64), _TermScores.from_bm25s(retriever, n), idf,
                                         math.log(1 + (n + 0.5) / 0.5), words, stems, vectors)
        return cls(len(texts), built)

    def word_vectors(self) -> dict[str, np.ndarray]:
        """Every lexicon word and its stored embedding, for the next build to reuse."""
        return {w: v for index in self._languages.values() for w, v in zip(index.words, index.vectors)}

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"n_practices": self.n_practices, "languages": sorted(self._languages)}
        for lang, index in self._languages.items():
            sub = folder / lang
            sub.mkdir(parents=True, exist_ok=True)
            np.save(sub / "bm25_data.npy", index.bm25.data)
            np.save(sub / "bm25_indices.npy", index.bm25.indices)
            np.save(sub / "bm25_indptr.npy", index.bm25.indptr)
            np.save(sub / "rows.npy", index.rows)
            np.save(sub / "lexicon.npy", index.vectors)
            (sub / "lexicon.json").write_text(json.dumps({"words": index.words, "stems": index.stems}), "utf-8")
            (sub / "idf.json").write_text(json.dumps({"max_idf": index.max_idf, "idf": index.idf,
                                                       "columns": index.bm25.columns}), "utf-8")
        (folder / "lexical.json").write_text(json.dumps(meta), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        meta = json.loads((folder / "lexical.json").read_text("utf-8"))
        languages = {}
        for lang in meta["languages"]:
            sub = folder / lang
            idf = json.loads((sub / "idf.json").read_text("utf-8"))
            lexicon = json.loads((sub / "lexicon.json").read_text("utf-8"))
            rows = np.load(sub / "rows.npy")
            # memory-mapped, seen as plain arrays: slicing a np.memmap costs ~1 µs of bookkeeping each
            bm25 = _TermScores(np.asarray(np.load(sub / "bm25_data.npy", mmap_mode="r")),
                               np.asarray(np.load(sub / "bm25_indices.npy", mmap_mode="r")),
                               np.asarray(np.load(sub / "bm25_indptr.npy", mmap_mode="r")), idf["columns"], len(rows))
            languages[lang] = _LanguageIndex(rows, bm25, idf["idf"], idf["max_idf"], lexicon["words"],
                                             lexicon["stems"], np.load(sub / "lexicon.npy", mmap_mode="r"))
        return cls(meta["n_practices"], languages)

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
            found.update(zip(todo, self._search_translations(
                np.stack([self._embedding(w, embeddings) for w in todo]).astype(np.float32, copy=False))))
            if self.cognates:
                for w in todo:  # a cognate the embeddings already found adds nothing
                    known = {(lang, stem) for lang, stem, _ in found[w]}
                    found[w] += tuple(t for t in self._search_cognates(w) if (t[0], t[1]) not in known)
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
        stored = self._lexicon_vector(word)
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

    def _stacked_lexicons(self) -> _Lexicons:
        """Every language's lexicon in one float32 matrix (converted once, on first use, for BLAS)."""
        if self._stacked is None:
            languages = [(lang, index) for lang, index in self._languages.items() if index.words]
            vectors = [np.asarray(index.vectors, dtype=np.float32) for _, index in languages]
            self._stacked = _Lexicons(
                np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32),
                np.repeat(np.arange(len(languages)), [len(index.words) for _, index in languages]),
                [lang for lang, _ in languages],
                [stem for _, index in languages for stem in index.stems])
        return self._stacked

    def _search_translations(self, vectors: np.ndarray) -> list[Translations]:
        """Per word (one embedding per row): the stems of its nearest lexicon words in each
        language (at most ``TRANSLATIONS`` per language) with cosine ≥ ``TRANSLATION_MIN``,
        as (language, stem, cosine), language by language, nearest first."""
        found: list[list[tuple[str, str, float]]] = [[] for _ in range(len(vectors))]
        lexicons = self._stacked_lexicons()
        if len(vectors) and len(lexicons.vectors):
            sims = vectors @ lexicons.vectors.T
            rows, cols = np.nonzero(sims >= TRANSLATION_MIN)  # a few per word: no sort of whole rows
            values, langs = sims[rows, cols], lexicons.language[cols]
            order = np.lexsort((cols, -values, langs, rows))
            taken: Counter[tuple[int, int]] = Counter()
            for i, lang, j, value in zip(rows[order].tolist(), langs[order].tolist(), cols[order].tolist(),
                                         values[order].tolist()):
                taken[i, lang] += 1
                if taken[i, lang] <= TRANSLATIONS:
                    found[i].append((lexicons.names[lang], lexicons.stems[j], value))
        return [tuple(f) for f in found]

    def _search_cognates(self, word: str) -> Translations:
        """The stems of ``word``'s cognates (spelt alike) in each language's lexicon, at most
        ``TRANSLATIONS`` per language, as (language, stem, Dice coefficient); encoder-free."""
        lexicons = self._stacked_lexicons()
        if self._cognates is None:
            self._cognates = CognateIndex([w for index in self._languages.values() if index.words
                                           for w in index.words])
        taken: Counter[int] = Counter()
        out = []
        for row, dice in self._cognates.search(word, cognates.COGNATE_MIN):
            lang = int(lexicons.language[row])
            taken[lang] += 1
            if taken[lang] <= TRANSLATIONS:
                out.append((lexicons.names[lang], lexicons.stems[row], cognates.COGNATE_WEIGHT * dice))
        return tuple(out)

    def matched_terms(self, query: str, text: str, language: str) -> set[str]:
        """Query terms (stemmed) that occur in ``text``: what to highlight in a snippet."""
        return set(analyse(query, language)) & set(analyse(text, language))
