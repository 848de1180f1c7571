"""Vocabulary values (themes, audiences) in wordings the catalogue does not hold.

``vocabulary.json`` lists each entry's wordings per language; documents write them their own way
("Prisión y libertad vigilada", "Personale docente/mondo accademico"). Catalogued wordings are
found first (greedy longest match, :meth:`Vocabulary.runs`); each run of words between them is
then looked up tolerantly (rapidfuzz) and, in a document in a new wording, by the encoder's
similarity to every wording of every entry (see :mod:`ransearch.ingest.similar_labels`).
"""

from __future__ import annotations

import numpy as np

from ransearch.ingest.label_vectors import catalogue_vectors, embed
from ransearch.ingest.length_windows import LengthWindows
from ransearch.ingest.wording import similarity_allowed
from ransearch.template import Vocabulary, catalogue
from ransearch.text import fold

__all__ = ["vocab_items"]

_MAX_WORDS = 14
_MEMO = 20000

_VOCAB_FUZZY = 85.0
_VOCAB_SIM = 0.65
_VOCAB_MARGIN = 0.03


def _reachable(run: int, wording: int) -> bool:
    """Whether a run and a wording of these lengths can reach the fuzzy score at all."""
    return 100 * (1 - abs(wording - run) / max(1, wording + run)) >= _VOCAB_FUZZY


class _VocabReader:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.items = vocab.wordings()
        # compared by similarity: the wordings of the languages the template is written in (as
        # for labels, :class:`~ransearch.ingest.label_texts.LabelTexts`)
        self.similar_items = vocab.wordings(catalogue().written_languages)
        self.folded = [(fold(w), label) for w, label in self.items]
        self.choices = [w for w, _ in self.folded]
        # the folded wordings a run can reach the fuzzy score with, by their lengths
        self._near_in_length = LengthWindows(self.choices, _reachable).near
        self._seen: dict[tuple[str, bool], str | None] = {}
        self._mat: np.ndarray | None = None
        self._loaded = False

    def canonical(self, run: str) -> str | None:
        """The canonical label a run of words (folded) stands for, tolerantly, or None."""
        key = (run, similarity_allowed())
        if key not in self._seen:
            if len(self._seen) > _MEMO:
                self._seen.clear()
            self._seen[key] = self._canonical(run)
        return self._seen[key]

    def _canonical(self, run: str) -> str | None:
        from rapidfuzz import fuzz

        if not run or len(run.split()) > _MAX_WORDS:
            return None
        from rapidfuzz import process

        choices, positions = self._near_in_length(len(run))
        best = process.extractOne(run, choices, scorer=fuzz.ratio, score_cutoff=_VOCAB_FUZZY)
        if best is not None:
            return self.folded[positions[best[2]]][1]
        if not similarity_allowed():
            return None
        if not self._loaded:
            self._mat, self._loaded = catalogue_vectors([w for w, _ in self.similar_items]), True
        vec = embed([run])
        if vec is None or self._mat is None:
            return None
        sims = self._mat @ vec[0]
        per: dict[str, float] = {}
        for (_, label), x in zip(self.similar_items, sims):
            per[label] = max(per.get(label, -1.0), float(x))
        ranked = sorted(per.items(), key=lambda kv: -kv[1])
        if ranked[0][1] < _VOCAB_SIM or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _VOCAB_MARGIN):
            return None
        return ranked[0][0]


_vocab_readers: dict[int, tuple[Vocabulary, _VocabReader]] = {}


def vocab_items(vocab: Vocabulary, text: str) -> list[tuple[str | None, str]]:
    """``text`` as vocabulary items: (canonical label or None, words), in order.

    Catalogued wordings first (longest match); a run of words between them is then looked up
    tolerantly (rapidfuzz) and by similarity to every wording of every entry.
    """
    hit = _vocab_readers.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        hit = _vocab_readers[id(vocab)] = (vocab, _VocabReader(vocab))
    out = []
    for label, run in vocab.runs(text):
        out.append((label or hit[1].canonical(run), run))
    return out
