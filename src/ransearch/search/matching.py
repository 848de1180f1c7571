"""Situation matching: a municipality's situation → its needs → practices that cover them.

The whole situation and each of its sentences are ranked by the searcher, and the rankings are
fused with reciprocal rank fusion (RRF, k=60): a practice that answers one part of the
situation very well rises even when the whole text is about more. The needs
(:func:`~ransearch.search.needs.split_needs`) are ranked too; every covered need gets at least
one practice in the list, and each recommendation says which needs it covers, from which
section. A need whose best evidence stays below an absolute similarity is reported as uncovered.

Built on the searcher's interface only (signals, fusion, relevance, heads, sections).
"""

from __future__ import annotations

import numpy as np

from ransearch.errors import QueryError
from ransearch.filters import Filters
from ransearch.records import Cover, MatchResult, Recommendation
from ransearch.search.needs import split_needs
from ransearch.search.ranking import depth_ranks, top_rows
from ransearch.search.relevance import readable
from ransearch.search.searcher import Searcher
from ransearch.text import split_query_sentences
from ransearch.search.signals import PracticeSignals
from ransearch.tuning import MatchConfig

__all__ = ["is_covered", "match"]


def is_covered(signals: PracticeSignals, config: MatchConfig = MatchConfig()) -> bool:
    """Whether the corpus answers a need well, in absolute terms (not just relative to the rest).

    Measured on the dev set's situation needs and on off-topic needs (docs/evaluation.md):
    a strong best chunk, or a fair one whose practice clearly stands out, or a strong lexical match.
    """
    cos = float(signals.chunk_scores[0]) if len(signals.chunk_scores) else 0.0
    gap = float(signals.dense.max() - np.median(signals.dense)) if len(signals.dense) else 0.0
    return (cos >= config.covered_cosine or (cos >= config.weak_cosine and gap >= config.covered_gap)
            or float(signals.lexical.max(initial=0.0)) >= config.covered_lexical)


def match(searcher: Searcher, situation: str, k: int = 5, filters: Filters = Filters(),
          config: MatchConfig = MatchConfig()) -> MatchResult:
    """Practices that together cover the needs of ``situation``, each with what it covers.

    Raises:
        QueryError: empty or oversized text, k < 1.
    """
    situation = searcher.check_query(situation)
    if k < 1:
        raise QueryError("k must be at least 1")
    needs, _context = split_needs(situation, config.max_needs)
    sentences = split_query_sentences(situation)
    sentences = sentences if len(sentences) > 1 else []
    extra = [n.text for n in needs if n.text not in sentences and n.text != situation]
    signals = searcher.signals([situation] + sentences + extra, whole=not searcher.is_situation(len(sentences)))
    whole = signals[0]
    by_text = dict(zip([situation] + sentences + extra, signals))
    fused = searcher.rank_situation(whole, signals[1:1 + len(sentences)])
    need_ranks = [depth_ranks(searcher.fuse(by_text[n.text])) for n in needs]

    uncovered = [need.id for need in needs if not is_covered(by_text[need.text], config)]

    allowed = searcher.allowed(filters)
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
            hit = searcher.best_section(row, p.language, needs[j].text, by_text[needs[j].text])
            if hit is not None:
                covers.append(Cover(needs[j].id, hit.section, hit.label, hit.snippet, hit.score))
        results.append(Recommendation(rank, p.id, p.title, p.source, float(fused[row]), p.country_code,
                                      p.language, p.themes, url=p.url, relevance=shown[rank - 1], covers=tuple(covers)))
    return MatchResult(situation, tuple(needs), tuple(results), tuple(uncovered), notes=searcher.notes(situation))
