"""Recommendation: a municipality's situation → its needs → practices that cover them; and
practices similar to a practice.

``match``: the whole situation and each of its sentences are ranked with the search core,
and the rankings are fused with reciprocal rank fusion (RRF, k=60): a practice that answers
one part of the situation very well rises even when the whole text is about more. The needs —
sentences or clauses (split at "but"-like breaks) with a need cue ("we lack", "nous
cherchons", "wir brauchen", … see ``template/needs.json``) — are ranked too; every covered
need gets at least one practice in the list, and each recommendation says which needs it
covers, from which section. A need whose best evidence stays below an absolute similarity is
reported as uncovered.

``similar``: practices compared on what they do — the mean embedding of their description,
deliverables, evaluation and sustainability chunks — never on contacts, boilerplate or country.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np

from ransearch.arrow_columns import CategoryColumn
from ransearch.errors import QueryError
from ransearch.filters import Filters
from ransearch.lexical import analyse
from ransearch.records import Cover, MatchResult, Need, PracticeHit, Recommendation, SectionHit
from ransearch.relevance import readable, similarity_relevance
from ransearch.search import Evidence, Searcher, depth_ranks, make_snippet, section_label, split_sentences, top_rows
from ransearch.text import fold

__all__ = ["is_covered", "split_needs", "match", "similar", "practice_vectors", "MatchConfig"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"«(]?[A-ZÀ-ÖØ-Þ¿¡])")
SIMILAR_SECTIONS = ("description", "deliverables", "evaluation", "sustainability")


@dataclass(frozen=True)
class MatchConfig:
    """Knobs of situation matching (chosen on the dev set's situation queries)."""

    cover_rank: int = 2             # a practice covers a need when it is among the best this many for it
    cover_cosine: float = 0.25      # ... and its own chunks reach this cosine with the need
    covered_cosine: float = 0.34    # a need is covered when some chunk reaches this cosine, ...
    weak_cosine: float = 0.25       # ... or this one while its best practice stands out from
    covered_gap: float = 0.14       #     the median practice by this much
    covered_lexical: float = 0.35   # ... or some practice matches this share of its words
    max_needs: int = 8


@lru_cache(maxsize=1)
def _need_data() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The need cues as one pattern over folded text, and the clause breaks."""
    data = json.loads(files("ransearch.template").joinpath("needs.json").read_text("utf-8"))
    alternatives = set()
    for cue in (c for words in data["cues"].values() for c in words):
        prefix = cue.endswith("*")
        body = re.escape(fold(cue.rstrip("*")))
        alternatives.add(body + (r"\w*" if prefix else ""))
    pattern = re.compile(r"\b(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")\b")
    return pattern, tuple(data["clause_breaks"])


def _is_need(sentence: str) -> bool:
    pattern, _ = _need_data()
    return pattern.search(fold(sentence)) is not None


def split_needs(situation: str, max_needs: int = 8) -> tuple[list[Need], list[str]]:
    """(needs, context sentences) of a situation description.

    Sentences (and clauses after "but"-like breaks) with a need cue are needs. A description
    without any cue is taken whole as one need per sentence after the first.
    """
    _, breaks = _need_data()
    units: list[str] = []
    for sentence in _SENTENCE.split(" ".join(situation.split())):
        parts = [sentence]
        for brk in breaks:
            parts = [piece for part in parts for piece in part.split(brk)]
        units.extend(p.strip(" ,;") for p in parts if len(p.split()) >= 3)
    if not units:
        units = [situation.strip()]
    needs = [u for u in units if _is_need(u)]
    if not needs:
        needs = units[1:] if len(units) > 1 else units
    context = [u for u in units if u not in needs]
    return [Need(f"n{i + 1}", text) for i, text in enumerate(needs[:max_needs])], context


def _best_chunk(searcher: Searcher, row: int, ids: np.ndarray, scores: np.ndarray) -> tuple[int, float] | None:
    for cid, s in zip(ids.tolist(), scores.tolist()):
        if cid >= 0 and searcher.chunks.practice_row[cid] == row:
            return cid, float(s)
    return None


def is_covered(evidence: Evidence, config: MatchConfig = MatchConfig()) -> bool:
    """Whether the corpus answers a need well, in absolute terms (not just relative to the rest).

    Measured on the dev set's situation needs and on off-topic needs (docs/evaluation.md):
    a strong best chunk, or a fair one whose practice clearly stands out, or a strong lexical match.
    """
    cos = float(evidence.chunk_scores[0]) if len(evidence.chunk_scores) else 0.0
    gap = float(evidence.dense.max() - np.median(evidence.dense)) if len(evidence.dense) else 0.0
    return (cos >= config.covered_cosine or (cos >= config.weak_cosine and gap >= config.covered_gap)
            or float(evidence.lexical.max(initial=0.0)) >= config.covered_lexical)


def match(searcher: Searcher, situation: str, k: int = 5, filters: Filters = Filters(),
          config: MatchConfig = MatchConfig()) -> MatchResult:
    """Practices that together cover the needs of ``situation``, each with what it covers."""
    situation = searcher.check_query(situation)
    if k < 1:
        raise QueryError("k must be at least 1")
    needs, _context = split_needs(situation, config.max_needs)
    sentences = split_sentences(situation)
    sentences = sentences if len(sentences) > 1 else []
    extra = [n.text for n in needs if n.text not in sentences and n.text != situation]
    evs = searcher.evidence([situation] + sentences + extra)
    whole = evs[0]
    by_text = dict(zip([situation] + sentences + extra, evs))
    fused = searcher.rank_situation(whole, evs[1:1 + len(sentences)])
    need_ranks = [depth_ranks(searcher.fuse(by_text[n.text])) for n in needs]

    uncovered = [need.id for need in needs if not is_covered(by_text[need.text], config)]

    allowed = filters.mask(searcher.facets) if filters else None
    chosen = top_rows(fused, k, allowed).tolist()
    covers_of: dict[int, list[int]] = {}

    def needs_covered(r: int) -> list[int]:
        if r not in covers_of:
            covers_of[r] = [j for j, need in enumerate(needs) if need.id not in uncovered
                            and need_ranks[j][r] < config.cover_rank
                            and by_text[need.text].dense[r] >= config.cover_cosine]
        return covers_of[r]

    # every covered need gets its best practice into the list, replacing the lowest-ranked
    # practice that covers nothing else
    for j, need in enumerate(needs):
        if not chosen or need.id in uncovered or any(j in needs_covered(r) for r in chosen):
            continue
        best = int(top_rows(-need_ranks[j], 1, allowed)[0])
        if j not in needs_covered(best) or best in chosen:
            continue
        spare = [r for r in reversed(chosen) if not needs_covered(r)]
        if spare:
            chosen[chosen.index(spare[0])] = best
    chosen.sort(key=lambda r: -fused[r])

    shown = readable(searcher.relevance(whole)[chosen].tolist())
    results = []
    for rank, row in enumerate(chosen, 1):
        p = searcher.head(row)
        covers = []
        for j in needs_covered(row):
            e = by_text[needs[j].text]
            hit = _best_chunk(searcher, row, e.chunk_ids, e.chunk_scores)
            if hit is None:
                continue
            cid, cos = hit
            section = searcher.chunks.section[cid]
            terms = set(analyse(needs[j].text, p.language))
            covers.append(Cover(needs[j].id, section, section_label(section, p.language),
                                make_snippet(searcher.chunks.text[cid], terms, p.language,
                                             searcher.config.snippet_chars), cos))
        results.append(Recommendation(rank, p.id, p.title, p.source, float(fused[row]), p.country_code,
                                      p.language, p.themes, url=p.url, relevance=shown[rank - 1], covers=tuple(covers)))
    return MatchResult(situation, tuple(needs), tuple(results), tuple(uncovered), notes=searcher.notes(situation))


def _similar_sections(searcher: Searcher) -> np.ndarray:
    """Boolean over chunk rows: chunks of the sections that say what a practice does."""
    sections = searcher.chunks.section
    if isinstance(sections, CategoryColumn):
        return sections.isin(SIMILAR_SECTIONS)
    return np.fromiter((s in SIMILAR_SECTIONS for s in sections), bool, len(sections))


def practice_vectors(searcher: Searcher) -> np.ndarray:
    """One unit vector per practice: the mean of its chunks from the sections that say what it does."""
    vectors = searcher.chunk_vectors()
    keep = _similar_sections(searcher)
    rows = searcher.chunks.practice_row
    out = np.zeros((len(searcher.practices), vectors.shape[1]), dtype=np.float32)
    np.add.at(out, rows[keep], vectors[keep])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1)


def similar(searcher: Searcher, row: int, k: int = 5, filters: Filters = Filters()) -> tuple[PracticeHit, ...]:
    """The practices most alike to practice ``row`` in what they do, with the sections that make them alike."""
    pv = searcher.practice_matrix()
    sims = pv @ pv[row]
    sims[row] = -np.inf
    if filters:
        sims[~filters.mask(searcher.facets)] = -np.inf
    order = top_rows(sims, k, np.isfinite(sims)).tolist()
    vectors = searcher.chunk_vectors()
    source_rows = np.flatnonzero((searcher.chunks.practice_row == row) & _similar_sections(searcher))
    hits = []
    for rank, other in enumerate(order, 1):
        p = searcher.head(other)
        target = np.flatnonzero(searcher.chunks.practice_row == other)
        pair = vectors[target] @ vectors[source_rows].T if len(source_rows) else np.zeros((len(target), 0))
        best = pair.max(axis=1) if pair.size else np.zeros(len(target))
        sections: list[SectionHit] = []
        seen: set[str] = set()
        for i in np.argsort(-best).tolist():
            cid = int(target[i])
            section = searcher.chunks.section[cid]
            if section in seen or section not in SIMILAR_SECTIONS:
                continue
            seen.add(section)
            sections.append(SectionHit(section, section_label(section, p.language),
                                       make_snippet(searcher.chunks.text[cid], set(), p.language,
                                                    searcher.config.snippet_chars), round(float(best[i]), 6)))
            if len(sections) >= 2:
                break
        hits.append(PracticeHit(rank, p.id, p.title, p.source, float(sims[other]), p.country_code, p.language,
                                p.themes, url=p.url, relevance=similarity_relevance(float(sims[other])),
                                sections=tuple(sections)))
    return tuple(hits)
