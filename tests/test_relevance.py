"""Readable relevance: 0–100, never negative, never rising down an answer, same meaning across queries."""

from __future__ import annotations

import numpy as np

from ransearch.search.relevance import readable, relevance, similarity_relevance


def test_relevance_is_bounded_and_grows_with_the_evidence() -> None:
    dense = np.array([0.1, 0.3, 0.5, 0.7], np.float32)
    lexical = np.array([0.0, 0.1, 0.3, 0.6], np.float32)
    values = relevance(dense, lexical, dense + lexical, "use")
    assert ((values >= 0) & (values <= 100)).all()
    assert list(values) == sorted(values)
    # a larger share of the query's words matched reads higher, the rest being equal
    more = relevance(dense, lexical + 0.2, dense + lexical, "use")
    assert (more > values).all()


def test_unknown_encoders_do_not_read_cosines_they_were_not_fitted_on() -> None:
    lexical = np.array([0.0, 0.5], np.float32)
    low = relevance(np.array([0.1, 0.1]), lexical, lexical, "st:some-model")
    high = relevance(np.array([0.9, 0.9]), lexical, lexical, "st:some-model")
    assert np.allclose(low, high)


def test_readable_whole_percent_never_rising_down_the_list() -> None:
    assert readable([80.4, 12.0, 40.2, -3.0, 130.0]) == [100, 100, 100, 100, 100]
    assert readable([80.4, 12.0, 40.2, 3.0]) == [80, 40, 40, 3]
    assert readable([]) == []
    assert similarity_relevance(-0.2) == 0 and similarity_relevance(0.734) == 73
