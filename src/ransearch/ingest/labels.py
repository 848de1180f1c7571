"""Recognising template fields and instructions however they are worded.

A template field is found from its label in three steps, cheapest first:

1. the catalogue's labels (:meth:`Catalogue.label_at_start`, exact on folded tokens);
2. tolerant matching (rapidfuzz on folded text: case, accents, punctuation, OCR noise, words
   reordered or one word changed);
3. the multilingual encoder's similarity between the candidate and the catalogue's labels
   (and, for a table's label cell, label plus instructions) in every language.

The template's order helps: only fields after the one open are candidates, and the next few
fields get a small bonus. Instruction text is recognised the same way: a paragraph is
instruction text when it is close to a sentence of the catalogue's instructions in any
language. Only candidate lines are embedded (label cells, headings, paragraphs of the label
column), batched by the callers' order of questions and memoised by text; a document whose
labels are all catalogued never loads the encoder.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ransearch.errors import RansearchError
from ransearch.template import Catalogue, LabelMatch
from ransearch.text import fold, tokens

__all__ = ["LabelReader", "reader", "similar_label", "instruction_score", "new_document", "new_wording", "count_labels",
           "similarity_allowed", "embed", "catalogue_vectors"]

_PAREN = re.compile(r"\([^()]*\)")
_MARKUP = re.compile(r"<[^<>]+>|^#+", re.M)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\s+(?=\d\.\s)")
_FUZZY = 86.0
"""rapidfuzz score (0-100) above which a wording counts as the catalogued label."""
_CELL_SIM = 0.42
"""Cosine above which a label cell (label and instructions) is taken for the best field."""
_LABEL_SIM = 0.5
"""Cosine above which a label standing alone (a heading, a paragraph) is taken for a field."""
_MARGIN = 0.03
_NEXT_BONUS = 0.08
_MAX_LABEL_WORDS = 14
_MAX_CHARS = 400
_MEMO = 20000
_KNOWN_SLACK = 3
_STAND_OUT = 0.15
"""A document whose exact catalogued labels name all fields but this many reads as catalogued."""


@lru_cache(maxsize=1)
def _encoder() -> Any | None:
    try:
        from ransearch.encoders import load_encoder

        enc = load_encoder("use")
        enc.warm_up()
        return enc
    except (ImportError, OSError, RansearchError):  # no encoder: the first two steps still work
        return None


_memo: OrderedDict[str, np.ndarray] = OrderedDict()


def embed(texts: Sequence[str]) -> np.ndarray | None:
    """Unit vectors of candidate ``texts`` (memoised by text), or None without an encoder.

    Candidates are few and short: the encoder's query pass (one thread, no padding to a long
    batch) suits them best.
    """
    enc = _encoder()
    if enc is None:
        return None
    todo = list(dict.fromkeys(t for t in texts if t not in _memo))
    if todo:
        vecs = enc.encode_queries(todo)
        for t, v in zip(todo, vecs):
            _memo[t] = v
        while len(_memo) > _MEMO:
            _memo.popitem(last=False)
    for t in texts:
        _memo.move_to_end(t)
    return np.stack([_memo[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def catalogue_vectors(texts: list[str]) -> np.ndarray | None:
    """Vectors of the catalogue's own texts, cached on disk (the same for every process)."""
    enc = _encoder()
    if enc is None:
        return None
    digest = hashlib.sha256("\x00".join([enc.name, *texts]).encode("utf-8")).hexdigest()[:24]
    path = None
    try:
        from ransearch.config import cache_dir

        path = cache_dir() / "template" / f"{digest}.npy"
        if path.is_file():
            vecs = np.load(path)
            if vecs.shape[0] == len(texts):
                return vecs
    except (OSError, ValueError):
        path = None
    vecs = np.ascontiguousarray(enc.encode_passages(texts), dtype=np.float32)
    if path is not None:
        try:  # written beside, then renamed: a reader never sees half a file
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, vecs)
            os.replace(tmp, path)
        except OSError:
            pass
    return vecs


def _clean_label(text: str) -> str:
    return " ".join(_PAREN.sub(" ", text).split()).strip(" :.-–")[:_MAX_CHARS]


class LabelReader:
    """Label and instruction lookups on one catalogue (built once per catalogue)."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self._labels: list[tuple[str, int]] = []      # (folded label, field index)
        self._label_texts: list[tuple[str, int]] = []  # (label as written, field index)
        self._cells: list[tuple[str, int]] = []        # (label + first instruction sentences, index)
        self._instr: list[tuple[str, int]] = []        # (instruction sentence, index)
        for i, f in enumerate(cat.fields):
            for lang, labels in f.labels.items():
                for label in labels:
                    self._labels.append((fold(label), i))
                    self._label_texts.append((label, i))
                    instr = f.instructions.get(lang, ())
                    cell = f"{label} {instr[0]}" if instr else label
                    self._cells.append((cell[:_MAX_CHARS], i))
            for texts in f.instructions.values():
                for text in texts:
                    for sent in _SENTENCE.split(_PAREN.sub(" ", text)):
                        if len(sent.split()) >= 3:
                            self._instr.append((sent.strip(), i))
        for titles in cat.template_titles.values():
            for t in titles:
                self._label_texts.append((t, -1))
        self._vectors: dict[str, np.ndarray | None] = {}
        self._fuzzy_choices = [label for label, _ in self._labels]

    def _matrix(self, name: str, items: list[tuple[str, int]]) -> np.ndarray | None:
        if name not in self._vectors:
            self._vectors[name] = catalogue_vectors([t for t, _ in items])
        return self._vectors[name]

    # --- labels -----------------------------------------------------------------------------

    def fuzzy(self, text: str, after: int) -> LabelMatch | None:
        """A catalogued label written with small differences (typos, OCR, case, word order)."""
        from rapidfuzz import fuzz, process

        cand = fold(_clean_label(text))
        if not cand or len(cand.split()) > _MAX_LABEL_WORDS:
            return None
        choices = self._fuzzy_choices
        best: tuple[float, int] | None = None
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
            for _, score, k in process.extract(cand, choices, scorer=scorer, score_cutoff=_FUZZY, limit=None):
                label, i = self._labels[k]
                if i <= after or abs(len(label) - len(cand)) > max(4, len(label) // 3):
                    continue
                if best is None or score > best[0]:
                    best = (score, i)
        if best is None:
            return None
        return LabelMatch(self.cat.keys[best[1]], "", len(tokens(text)))

    def _pick(self, sims: np.ndarray, items: list[tuple[str, int]], after: int,
              threshold: float) -> int | None:
        n = len(self.cat.fields)
        per_field = np.full(n + 1, -1.0)  # last slot: the template title
        for (_, i), s in zip(items, sims):
            slot = i if i >= 0 else n
            per_field[slot] = max(per_field[slot], float(s))
        scored = []
        for i in range(after + 1, n):
            # the template's order: the next field is the likeliest, the one after it next
            bonus = _NEXT_BONUS if i == after + 1 else _NEXT_BONUS / 2 if i == after + 2 else 0.0
            scored.append((per_field[i] + bonus, i))
        if not scored:
            return None
        scored.sort(reverse=True)
        total, i = scored[0]
        if total < threshold or per_field[n] >= per_field[i]:
            return None
        if len(scored) > 1 and total - scored[1][0] < _MARGIN:
            return None
        return i

    def similar(self, text: str, after: int, *, cell: bool) -> LabelMatch | None:
        """The field whose label (and instructions, for a label cell) ``text`` is closest to."""
        cand = _clean_label(text) if not cell else " ".join(text.split())[:_MAX_CHARS]
        if not cand or not any(c.isalpha() for c in cand):
            return None
        if not cell and len(cand.split()) > _MAX_LABEL_WORDS:
            return None
        vec = embed([cand])
        if vec is None:
            return None
        items = self._cells if cell else self._label_texts
        mat = self._matrix("cells" if cell else "labels", items)
        if mat is None:
            return None
        sims = mat @ vec[0]
        if cell:
            labels = self._matrix("labels", self._label_texts)
            assert labels is not None
            sims = np.concatenate([sims, labels @ vec[0]])
            items = items + self._label_texts
        i = self._pick(sims, items, after, _CELL_SIM if cell else _LABEL_SIM)
        if i is None:
            return None
        return LabelMatch(self.cat.keys[i], "", len(tokens(text)))

    def match(self, text: str, after: int, *, cell: bool = False, similar: bool = True,
              exact: bool = True) -> LabelMatch | None:
        """The field ``text`` is the label of (a label cell when ``cell``), after field ``after``.

        ``cell``: the text is a table's label cell (label and instructions; never content).
        Without ``cell`` the whole text must be the label (an optional parenthetical aside).
        """
        toks = tokens(_PAREN.sub(" ", text) if not cell else text)
        found = self.cat.label_at_start(toks, after) if exact else None
        if found and (cell or found.n_tokens == len(toks)):
            return found
        found = self.fuzzy(text if not cell else _first_part(text), after)
        if found is None and similar and similarity_allowed():
            found = self.similar(text, after, cell=cell)
        if found is not None:
            note_inexact()
        return found

    def label_prefix(self, line: str, after: int, max_words: int = 6) -> tuple[str, int] | None:
        """(field key, number of words) of a label that starts ``line``, followed by other text.

        For lines where OCR merged a label with its value ("Most recent revision 2022"): the
        catalogued label first, else the prefix of up to ``max_words`` words that comes
        closest to a label of a field after ``after``.
        """
        words = line.split()
        found = self.cat.label_at_start(tokens(line), after)
        if found:
            n = 0
            for k, word in enumerate(words, 1):
                n += len(tokens(word))
                if n >= found.n_tokens:
                    return found.key, k
            return found.key, len(words)
        prefixes = [" ".join(words[:k]) for k in range(1, min(max_words, len(words)) + 1)]
        for k in range(len(prefixes), 0, -1):  # tolerant first, longest prefix first
            fuzzy = self.fuzzy(prefixes[k - 1], after)
            if fuzzy:
                note_inexact()
                return fuzzy.key, k
        if not similarity_allowed():
            return None
        vecs = embed([_clean_label(p) or p for p in prefixes])
        mat = self._matrix("labels", self._label_texts)
        if vecs is None or mat is None:
            return None
        best: tuple[float, int, int] | None = None
        for k, vec in enumerate(vecs, 1):
            i = self._pick(mat @ vec, self._label_texts, after, _LABEL_SIM)
            if i is not None:
                score = float(max(s for (_, j), s in zip(self._label_texts, mat @ vec) if j == i))
                if best is None or score > best[0]:
                    best = (score, i, k)
        if best is None:
            return None
        note_inexact()
        return self.cat.keys[best[1]], best[2]

    def is_title(self, text: str) -> bool:
        """Whether ``text`` is the template's title (catalogued, or close to one)."""
        cand = _clean_label(text)
        if not cand or len(cand.split()) > _MAX_LABEL_WORDS:
            return False
        if self.cat.is_template_title(tokens(cand)):
            return True
        if not similarity_allowed():
            return False
        vec = embed([cand])
        mat = self._matrix("labels", self._label_texts)
        if vec is None or mat is None:
            return False
        sims = mat @ vec[0]
        best = int(np.argmax(sims))
        return self._label_texts[best][1] == -1 and float(sims[best]) >= 0.6

    # --- instructions -----------------------------------------------------------------------

    def instruction_score(self, text: str, fields: Sequence[int] | None = None) -> float:
        """Highest similarity of ``text`` to a sentence of the instructions (of ``fields``)."""
        cand = " ".join(text.split())[:_MAX_CHARS]
        if len(cand.split()) < 3 or not similarity_allowed():
            return 0.0
        vec = embed([cand])
        mat = self._matrix("instr", self._instr)
        if vec is None or mat is None:
            return 0.0
        sims = mat @ vec[0]
        if fields is not None:
            keep = np.array([i in fields for _, i in self._instr])
            if not keep.any():
                return 0.0
            sims = sims[keep]
        return float(sims.max()) if len(sims) else 0.0

    def instruction_threshold(self, lines: Sequence[str], floor: float) -> float:
        """The similarity a line of this document needs to be taken for instruction text.

        ``floor``, or more in a language the encoder reads poorly: there every line comes out
        close to the instructions (Swedish content scores 0.8 against them), so a line must
        stand out from the document's typical line by a margin.
        """
        scores = [self.instruction_score(line) for line in lines if len(line.split()) >= 5]
        if len(scores) < 5:
            return floor
        return max(floor, float(np.median(scores)) + _STAND_OUT)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Embed ``texts`` in one batch now (they will be asked about one by one)."""
        cands = [" ".join(t.split())[:_MAX_CHARS] for t in texts if t.strip()]
        cands += [_clean_label(t) for t in texts if t.strip()]
        embed([c for c in cands if c])


def _first_part(cell: str) -> str:
    """The label part of a label cell: up to the first sentence or parenthesis."""
    head = re.split(r"[(.:?!]|\s[-–]\s", cell, maxsplit=1)[0]
    return " ".join(head.split()[:_MAX_LABEL_WORDS])


_readers: OrderedDict[int, tuple[Catalogue, LabelReader]] = OrderedDict()


def reader(cat: Catalogue) -> LabelReader:
    """The :class:`LabelReader` of ``cat`` (kept for the few catalogues in use)."""
    hit = _readers.get(id(cat))
    if hit is not None and hit[0] is cat:
        return hit[1]
    r = LabelReader(cat)
    _readers[id(cat)] = (cat, r)
    while len(_readers) > 8:
        _readers.popitem(last=False)
    return r


def similar_label(cat: Catalogue, text: str, after: int, *, cell: bool = False) -> LabelMatch | None:
    return reader(cat).match(text, after, cell=cell)


def instruction_score(cat: Catalogue, text: str, fields: Sequence[int] | None = None) -> float:
    return reader(cat).instruction_score(text, fields)


# --- per-document state: did this document need more than the catalogue's exact labels? ----

_state = threading.local()


def new_document(cat: Catalogue | None = None, lines: Iterable[str] = ()) -> None:
    """Start reading a document (called by the layout readers before they match labels).

    With ``cat`` and the document's label ``lines`` (label cells, or every line): when the
    catalogue's exact labels already name nearly every field, the wording is the catalogue's
    and similarity is not used (parsing stays fast on the usual documents), unless the name or
    the description is among the fields it misses.
    """
    _state.inexact = 0
    _state.similar = True
    if cat is not None:
        seen = set()
        for line in lines:
            match = cat.label_at_start(tokens(_MARKUP.sub(" ", line)))
            if match:
                seen.add(match.key)
        # the name and the description matter most: never left to a missing exact label
        _state.similar = len(seen) < len(cat.keys) - _KNOWN_SLACK or not {
            "name", "description"} <= seen


def similarity_allowed() -> bool:
    return getattr(_state, "similar", True)


def note_inexact() -> None:
    _state.inexact = getattr(_state, "inexact", 0) + 1


def new_wording() -> bool:
    """Whether the document being read had labels the catalogue does not hold word for word.

    Its instructions are then likely in a new wording too, and are looked for by similarity.
    """
    return getattr(_state, "inexact", 0) > 0


_LABEL_PARA_WORDS = 12


def count_labels(text: str, cat: Catalogue, enough: int) -> int:
    """How many distinct fields a text document labels (stops looking once ``enough`` are found).

    Catalogued labels first (left cells of rows, lines); when they are too few, the left cells
    of rows and the short paragraphs are matched tolerantly and by similarity, in order.
    """
    seen: set[str] = set()
    for line in text.splitlines():
        cell = line.split("\t", 1)[0]
        match = cat.label_at_start(tokens(_MARKUP.sub(" ", cell))) if cell.strip() else None
        if match:
            seen.add(match.key)
    if len(seen) >= enough:
        return len(seen)
    r = reader(cat)
    new_document()
    seen = set()
    current = -1
    for block in re.split(r"\n\s*\n", text):
        for line in block.splitlines() if "\t" in block else [block]:
            if "\t" in line:
                cell = _MARKUP.sub(" ", line.split("\t", 1)[0])
                match = r.match(cell, current - 1, cell=True) if cell.strip() else None
            else:
                plain = " ".join(_MARKUP.sub(" ", line).split())
                if not plain or len(plain.split()) > _LABEL_PARA_WORDS or plain.count("\n") > 2:
                    continue
                match = r.match(plain, current)
            if match:
                current = cat.index(match.key)
                seen.add(match.key)
                if len(seen) >= enough:
                    return len(seen)
    return len(seen)
