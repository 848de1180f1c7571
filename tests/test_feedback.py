"""Dense feedback (``SignalReader``, ``ranking.feedback_query``) on the seed corpus's index, read
white-box through the searcher: which texts get it, that it stays inside the filters, and that
``feedback_weight`` 0 turns it off."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ransearch import Engine
from ransearch.tuning import SearchConfig

QUERY = "soutien familial combattants étrangers"


def test_only_a_text_ranked_as_a_whole_gets_feedback(engine: Engine) -> None:
    searcher = engine._searcher
    whole, sentence = searcher.signals([QUERY, "retour des familles"])
    assert whole.feedback_dense is not None and whole.feedback_dense.shape == whole.dense.shape
    assert not np.array_equal(whole.feedback_dense, whole.dense)
    assert sentence.feedback_dense is None  # a situation's sentences, ...
    assert searcher.signals([QUERY], whole=False)[0].feedback_dense is None  # ... and a situation's whole text


def test_feedback_stays_inside_the_filters(engine: Engine) -> None:
    searcher = engine._searcher
    n = len(searcher.signals([QUERY])[0].dense)
    allowed = np.zeros(n, dtype=bool)
    allowed[0] = True
    one = searcher.signals([QUERY], allowed=allowed)[0]
    assert one.feedback_dense is not None and one.feedback_dense[0] > 0 and not one.feedback_dense[~allowed].any()
    none = searcher.signals([QUERY], allowed=np.zeros(n, dtype=bool))[0]
    assert none.feedback_dense is not None and not none.feedback_dense.any()


def test_weight_zero_turns_feedback_off(serve_real_index: Path) -> None:
    off = Engine.open(serve_real_index, search=SearchConfig(feedback_weight=0.0))
    assert off._searcher.signals([QUERY])[0].feedback_dense is None
    assert off.ask(QUERY, k=1).results[0].practice_id == "004_c92d1ef0c5228cd4"
