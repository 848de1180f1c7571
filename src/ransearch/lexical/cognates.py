"""Cognates: words of different languages that are spelt alike (radikalisering, radicalisation,
radikalisierung; psykiatrisk, psychiatric; Kriminalvården, criminal), found by their letters
alone.

The lexical index translates a query word through the encoder's embeddings; for a language the
encoder was not trained on, those embeddings say little. Spelling says something in every
language: a word is reduced to a *skeleton* (Greek and Cyrillic transliterated into Latin
letters by anyascii, accents folded and a few spelling conventions merged: c/k/q → k, ph → f,
th → t, y → i, z → s, w → v, double letters single), and two words are cognates when the Dice
coefficient of their skeletons' letter trigrams reaches ``COGNATE_MIN`` (εξτρεμισμού →
extremism, радикализацията → radicalisation). Short words are left out: their trigrams match
by chance.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from anyascii import anyascii

from ransearch.text import fold

__all__ = ["skeleton", "trigrams", "CognateIndex", "COGNATE_MIN", "COGNATE_WEIGHT", "MIN_LENGTH"]

COGNATE_MIN = 0.6
"""Dice coefficient of letter trigrams from which two skeletons count as cognates."""
COGNATE_WEIGHT = 1.0
"""A cognate counts as the query word times its Dice coefficient times this."""
MIN_LENGTH = 6
"""Shortest skeleton looked up (shorter words share trigrams by chance)."""

_RULES = [(re.compile(a), b) for a, b in (
    (r"ph", "f"), (r"th", "t"), (r"ch", "k"), (r"qu", "k"), (r"[cq]", "k"), (r"y", "i"), (r"z", "s"),
    (r"w", "v"), (r"x", "ks"), (r"[^a-z]", ""), (r"(.)\1+", r"\1"),
)]


def skeleton(word: str) -> str:
    """The spelling skeleton of a word: folded, written in Latin letters (Greek and Cyrillic
    transliterated: εξτρεμισμού → extremismou, радикализация → radikalizatsiya), with conventions
    that differ between languages merged."""
    out = fold(anyascii(word) if not word.isascii() else word)
    for pattern, repl in _RULES:
        out = pattern.sub(repl, out)
    return out


def trigrams(text: str) -> set[str]:
    """Letter trigrams of a skeleton, with its start marked (word beginnings carry the root)."""
    padded = f"^{text}"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class CognateIndex:
    """Trigram postings over a word list, to find a word's cognates in it.

    Made once per index generation (:meth:`of_words`, ~0.2 s for a corpus's lexicons) and saved
    with it (:meth:`save`, :meth:`load`: a few ms), so that a cold query does not remake it.
    """

    def __init__(self, postings: Mapping[str, np.ndarray], sizes: np.ndarray) -> None:
        self._postings = postings
        self._sizes = sizes

    @classmethod
    def of_words(cls, words: Sequence[str]) -> CognateIndex:
        """The index of ``words`` (row i = word i)."""
        postings: dict[str, list[int]] = {}
        sizes = np.zeros(len(words), dtype=np.float32)
        for i, word in enumerate(words):
            sk = skeleton(word)
            if len(sk) < MIN_LENGTH:
                continue
            grams = trigrams(sk)
            sizes[i] = len(grams)
            for g in grams:
                postings.setdefault(g, []).append(i)
        return cls({g: np.asarray(ids, dtype=np.int32) for g, ids in postings.items()}, sizes)

    def __len__(self) -> int:
        """The number of words (rows) indexed."""
        return len(self._sizes)

    def save(self, path: Path) -> None:
        """Write the postings as plain arrays (``.npz``, no pickled objects)."""
        grams = sorted(self._postings)
        lists = [self._postings[g] for g in grams]
        indptr = np.cumsum([0, *map(len, lists)]).astype(np.int64)
        ids = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int32)
        with path.open("wb") as f:
            np.savez(f, grams=np.array(grams, dtype="<U3"), indptr=indptr, ids=ids, sizes=self._sizes)

    @classmethod
    def load(cls, path: Path) -> CognateIndex:
        with np.load(path, allow_pickle=False) as data:
            grams, indptr, ids, sizes = data["grams"], data["indptr"], data["ids"], data["sizes"]
        postings = {str(g): ids[indptr[i]:indptr[i + 1]] for i, g in enumerate(grams.tolist())}
        return cls(postings, sizes)

    def search(self, word: str, minimum: float = COGNATE_MIN) -> list[tuple[int, float]]:
        """(row, Dice coefficient) of the words that are cognates of ``word``, best first."""
        sk = skeleton(word)
        if len(sk) < MIN_LENGTH:
            return []
        grams = trigrams(sk)
        hits = [self._postings[g] for g in grams if g in self._postings]
        if not hits:
            return []
        counts = np.bincount(np.concatenate(hits), minlength=len(self._sizes)).astype(np.float32)
        dice = 2 * counts / np.maximum(len(grams) + self._sizes, 1)
        rows = np.flatnonzero(dice >= minimum)
        order = rows[np.argsort(-dice[rows], kind="stable")]
        return [(int(r), float(dice[r])) for r in order]
