"""Documents compared by their content shingles: exact and near-duplicates, grouped.

A folder often holds one practice several times: a PDF and the Word file it came from, the
web page and its text copy, an old and a new version. Such documents are compared by what
they say, not by their bytes:

* a document's **shingles** are the runs of ``SHINGLE`` folded words of its plain text (case,
  accents, markup, line breaks and page furniture do not matter), leaving out the runs made only
  of template text (the catalogue's labels and instructions, in every language): two different
  practices written in one template share those, not their content;
* two documents are **duplicates** when the Jaccard similarity of their shingle sets is at least
  ``THRESHOLD``. Candidate pairs come from MinHash signatures banded into buckets (LSH; numpy),
  and every candidate is checked exactly, so a large corpus is never compared pair by pair;
* **groups** are the connected parts of the duplicate pairs; documents with the same text are
  always one group.

The threshold was chosen on the development sets (``dev``, ``dev2``: every pair of different
practices, and each practice against its copies as PDF, Word and web page and an edited
version); see ``docs/ingestion.md``.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.ingest.boilerplate import template_text
from ransearch.ingest.markup import html_to_text
from ransearch.ingest.table import Extraction
from ransearch.text import tokens

__all__ = ["Shingles", "plain_text", "shingles", "similarity", "duplicate_groups", "SHINGLE", "THRESHOLD"]

SHINGLE = 5
THRESHOLD = 0.45
"""Smallest Jaccard similarity of two duplicates (on dev + dev2: different practices reach 0.24, copies fall to 0.56)."""

_ROWS, _BANDS = 3, 42  # LSH: a pair at J=0.45 becomes a candidate with p≈0.98, at J=0.1 with p≈0.04
_PRIME = (1 << 31) - 1
_SEED = 20240518
_SHARED = 3


@dataclass(frozen=True)
class Shingles:
    """What a document is compared by: its content shingles (hashed) and a hash of all its words."""

    hashes: frozenset[int]
    words: int  # crc32 of the document's folded words: equal for documents with the same text


def plain_text(extraction: Extraction) -> str:
    """The words of a document, whatever its format (HTML fragments of text layouts undone)."""
    if extraction.text is not None:
        return html_to_text(extraction.text.replace("\t", "\n\n"))
    return extraction.plain_text()


def shingles(document: Extraction | str) -> Shingles:
    """The content shingles of a document (an extraction, or plain text)."""
    text = document if isinstance(document, str) else plain_text(document)
    toks = tokens(text)
    trigrams = template_text().trigrams
    template = [tuple(toks[i:i + 3]) in trigrams for i in range(max(len(toks) - 2, 0))]
    out: set[int] = set()
    for i in range(len(toks) - SHINGLE + 1):
        if all(template[i:i + SHINGLE - 2]):
            continue  # template wording only: every practice in this template has it
        out.add(zlib.crc32(" ".join(toks[i:i + SHINGLE]).encode("utf-8")))
    return Shingles(frozenset(out), zlib.crc32(" ".join(toks).encode("utf-8")))


def similarity(a: Shingles, b: Shingles) -> float:
    """Jaccard similarity of two documents' content shingles (1.0 for the same text)."""
    if a.words == b.words:
        return 1.0
    union = len(a.hashes | b.hashes)
    return len(a.hashes & b.hashes) / union if union else 0.0


def _signatures(docs: Sequence[Shingles]) -> np.ndarray:
    rng = np.random.default_rng(_SEED)
    n = _ROWS * _BANDS
    a = rng.integers(1, _PRIME, n, dtype=np.uint64)
    b = rng.integers(0, _PRIME, n, dtype=np.uint64)
    out = np.full((len(docs), n), _PRIME, dtype=np.uint64)
    for i, doc in enumerate(docs):
        if doc.hashes:
            x = np.fromiter(doc.hashes, dtype=np.uint64, count=len(doc.hashes))
            # a < 2^31 and x < 2^32: the product fits in 64 bits
            out[i] = ((np.outer(x, a) + b) % _PRIME).min(axis=0)
    return out


def _candidates(docs: Sequence[Shingles]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    buckets: dict[object, list[int]] = {}
    for i, doc in enumerate(docs):  # the same text: always a pair, shingles or not
        buckets.setdefault(("text", doc.words), []).append(i)
    signatures = _signatures(docs)
    for band in range(_BANDS):
        rows = signatures[:, band * _ROWS:(band + 1) * _ROWS]
        for i, row in enumerate(rows):
            if docs[i].hashes:
                buckets.setdefault((band, row.tobytes()), []).append(i)
    for members in buckets.values():
        for k, i in enumerate(members):
            pairs.update((i, j) for j in members[k + 1:])
    return pairs


def _components(docs: Sequence[Shingles], threshold: float) -> list[list[int]]:
    parent = list(range(len(docs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(_candidates(docs)):
        if root(i) != root(j) and similarity(docs[i], docs[j]) >= threshold:
            parent[max(root(i), root(j))] = min(root(i), root(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def duplicate_groups(docs: Sequence[Shingles], threshold: float = THRESHOLD) -> list[list[int]]:
    """Indices of ``docs`` grouped with their duplicates, every document in exactly one group.

    Shingles found in ``_SHARED`` groups or more are template text the catalogue does not know
    (another wording, another language): they are left out and the documents compared again.
    Groups are in order of their first member; members in order.
    """
    groups = _components(docs, threshold)
    seen: Counter[int] = Counter()
    for group in groups:
        seen.update(set().union(*(docs[i].hashes for i in group)))
    shared = {h for h, n in seen.items() if n >= _SHARED}
    if not shared:
        return groups
    return _components([Shingles(d.hashes - shared, d.words) for d in docs], threshold)
