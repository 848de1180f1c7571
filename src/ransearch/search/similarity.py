"""Similar practices: practices compared on what they do — the mean embedding of their
description, deliverables, evaluation and sustainability chunks — never on contacts,
boilerplate or country. Built on the searcher's interface only."""

from __future__ import annotations

import numpy as np

from ransearch.filters import Filters
from ransearch.records import PracticeHit
from ransearch.search.ranking import top_rows
from ransearch.search.relevance import similarity_relevance
from ransearch.search.searcher import Searcher

__all__ = ["similar"]


def similar(searcher: Searcher, row: int, k: int = 5, filters: Filters = Filters()) -> tuple[PracticeHit, ...]:
    """The practices most alike to practice ``row`` in what they do, with the sections that make them alike."""
    sims = searcher.likeness(row)
    sims[row] = -np.inf
    allowed = searcher.allowed(filters)
    if allowed is not None:
        sims[~allowed] = -np.inf
    order = top_rows(sims, k, np.isfinite(sims)).tolist()
    heads = [searcher.head(other) for other in order]
    explained = searcher.alike_sections(row, order, [p.language for p in heads])
    return tuple(PracticeHit(rank, p.id, p.title, p.source, float(sims[other]), p.country_code, p.language,
                             p.themes, url=p.url, relevance=similarity_relevance(float(sims[other])),
                             sections=sections)
                 for rank, (other, p, sections) in enumerate(zip(order, heads, explained), 1))
