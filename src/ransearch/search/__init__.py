"""Search: ranking practices for a query, matching a situation's needs, finding similar practices.

Modules, each using only the ones listed before it (dependencies point one way); their knobs,
``SearchConfig`` and ``MatchConfig``, are plain values in :mod:`ransearch.tuning`:

    ranking     pure functions on arrays: top rows, ranks, z-scores, fusion, RRF, length prior, feedback
    chunks      ChunkTable (chunk rows as arrays) and PracticeTable (the practices, by row)
    relevance   a readable relevance (0–100) from a text's signals
    signals     PracticeSignals of a text (dense, title, lexical, feedback) and the SignalReader
    fusion      Fusion: a text's signals → one score per practice, its relevance, the top rows
    sections    the matched sections of a practice, with snippets
    searcher    Searcher: ``ask``, and the narrow interface the two below use
    needs       a situation's needs
    matching    ``match``: practices that cover a situation's needs
    similarity  ``similar``: practices alike in what they do
"""

from ransearch.tuning import MAX_QUERY_CHARS, MODES, MatchConfig, SearchConfig
from ransearch.search.ranking import RANK_DEPTH, depth_ranks, standardise, top_rows
from ransearch.search.chunks import ChunkTable, PracticeTable
from ransearch.search.signals import PracticeSignals
from ransearch.search.searcher import Searcher
from ransearch.search.needs import split_needs
from ransearch.search.matching import is_covered, match
from ransearch.search.similarity import similar

__all__ = ["SearchConfig", "MatchConfig", "MAX_QUERY_CHARS", "MODES", "RANK_DEPTH", "depth_ranks", "standardise",
           "top_rows", "ChunkTable", "PracticeTable", "PracticeSignals", "Searcher",
           "split_needs", "is_covered", "match", "similar"]
