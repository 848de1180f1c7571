"""The sections that explain a ranked practice: its best matching chunks, one per section, each
with a label in the practice's language and a snippet around the sentence that shares most
terms with the text (or, for similar practices, the chunks closest to the other practice's
"what it does" sections).

Functions on a :class:`~ransearch.search.chunks.ChunkTable` and arrays; the searcher chooses
the practice rows and the candidate chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ransearch.chunking import PROFILE
from ransearch.arrow_columns import CategoryColumn
from ransearch.lexical import analyse
from ransearch.records import SectionHit
from ransearch.search.chunks import ChunkTable
from ransearch.text import split_sentences
from ransearch.template import catalogue

__all__ = ["section_label", "make_snippet", "matched_sections", "best_section",
           "WHAT_IT_DOES", "what_it_does", "alike_sections"]

WHAT_IT_DOES = ("description", "deliverables", "evaluation", "sustainability")
"""The sections that say what a practice does: similar practices are compared on them only,
never on contacts, boilerplate or country."""


def section_label(section: str, language: str) -> str:
    if section == PROFILE:
        return catalogue().profile_label(language)
    return catalogue().field(section).label(language)


def make_snippet(text: str, terms: set[str], language: str, limit: int) -> str:
    """The part of ``text`` around the sentence that shares most terms with the query."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    sentences = split_sentences(flat)  # none blank: ``flat`` has single spaces and none at its ends
    if terms:
        best = max(range(len(sentences)), key=lambda i: len(terms & set(analyse(sentences[i], language))))
    else:
        best = 0
    snippet = sentences[best]
    i = best + 1
    while i < len(sentences) and len(snippet) + len(sentences[i]) + 1 <= limit:
        snippet += " " + sentences[i]
        i += 1
    if len(snippet) > limit:
        snippet = snippet[: limit - 1].rsplit(" ", 1)[0] + "…"
    prefix = "… " if best > 0 else ""
    suffix = " …" if i < len(sentences) and not snippet.endswith("…") else ""
    return prefix + snippet + suffix


def _section_hit(chunks: ChunkTable, cid: int, terms: set[str], language: str, snippet_chars: int,
                 score: float) -> SectionHit:
    section = chunks.section[cid]
    return SectionHit(section=section, label=section_label(section, language),
                      snippet=make_snippet(chunks.text[cid], terms, language, snippet_chars), score=score)


def matched_sections(chunks: ChunkTable, row: int, query: str, language: str, ids: np.ndarray,
                     scores: np.ndarray, max_sections: int, snippet_chars: int) -> tuple[SectionHit, ...]:
    """Practice ``row``'s best matching sections (one chunk each, ``max_sections`` at most), with
    snippets: its chunks among the candidates ``ids`` (best first, cosine ``scores``), else, after
    a lexical-only ranking, its chunks by the share of the query's terms they hold."""
    terms = set(analyse(query, language))
    ours = chunks.practice_row[ids] == row
    mine = list(zip(scores[ours].tolist(), ids[ours].tolist()))
    if not mine:  # lexical-only ranking: score this practice's chunks by shared terms
        rows = np.flatnonzero(chunks.practice_row == row)
        mine = [(len(terms & set(analyse(chunks.text[c], language))) / max(1, len(terms)), int(c))
                for c in rows.tolist()]
        mine.sort(reverse=True)
    out: list[SectionHit] = []
    seen: set[str] = set()
    for score, cid in mine:
        section = chunks.section[cid]
        if section in seen:
            continue
        seen.add(section)
        out.append(_section_hit(chunks, cid, terms, language, snippet_chars, round(score, 6)))
        if len(out) >= max_sections:
            break
    return tuple(out)


def best_section(chunks: ChunkTable, row: int, text: str, language: str, ids: np.ndarray, scores: np.ndarray,
                 snippet_chars: int) -> SectionHit | None:
    """The section of practice ``row``'s best chunk among the candidates ``ids`` of ``text`` (best
    first, cosine ``scores``), with its cosine; None if none of its chunks is a candidate."""
    for cid, s in zip(ids.tolist(), scores.tolist()):
        if cid >= 0 and chunks.practice_row[cid] == row:
            return _section_hit(chunks, cid, set(analyse(text, language)), language, snippet_chars, float(s))
    return None


def what_it_does(sections: Sequence[str]) -> np.ndarray:
    """Boolean over chunk rows: chunks of the sections that say what a practice does."""
    if isinstance(sections, CategoryColumn):
        return sections.isin(WHAT_IT_DOES)
    return np.fromiter((s in WHAT_IT_DOES for s in sections), bool, len(sections))


def alike_sections(chunks: ChunkTable, vectors: np.ndarray, source_rows: np.ndarray, other: int, language: str,
                   snippet_chars: int, limit: int = 2) -> tuple[SectionHit, ...]:
    """The "what it does" sections of practice ``other`` closest to the chunks ``source_rows``
    (of the practice it is alike to), each scored by its best chunk's cosine with them."""
    target = np.flatnonzero(chunks.practice_row == other)
    pair = vectors[target] @ vectors[source_rows].T if len(source_rows) else np.zeros((len(target), 0))
    best = pair.max(axis=1) if pair.size else np.zeros(len(target))
    out: list[SectionHit] = []
    seen: set[str] = set()
    for i in np.argsort(-best).tolist():
        cid = int(target[i])
        section = chunks.section[cid]
        if section in seen or section not in WHAT_IT_DOES:
            continue
        seen.add(section)
        out.append(_section_hit(chunks, cid, set(), language, snippet_chars, round(float(best[i]), 6)))
        if len(out) >= limit:
            break
    return tuple(out)
