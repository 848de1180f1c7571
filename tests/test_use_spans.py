"""The shared forward pass: a text and its sentences give the library's vectors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ransearch.encoders.use import UseEncoder
from ransearch.encoders._usem3.spans import REACH, SharedPass, find_spans
from ransearch.text import split_sentences

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "queries.jsonl"


def test_find_spans_follows_a_text_through_its_runs_in_order() -> None:
    ids = [[1, 5, 6, 7, 8, 2], [1, 5, 6, 2], [1, 7, 8, 2], [1, 9, 2], [1, 9, 2]]
    assert find_spans(ids) == [None, (0, 0), (0, 2), None, None]  # not in the text, not shorter
    assert find_spans([[1, 5, 6, 7, 2], [1, 6, 7, 2]]) == [None, (0, 1)]  # found further on
    assert find_spans([[1, 5, 6, 7, 2], [1, 6, 7, 2], [1, 5, 2]]) == [None, (0, 1), None]  # not back
    assert find_spans([[1, 5, 6, 7, 8, 2], [1, 4, 2], [1, 7, 2]]) == [None, None, (0, 2)]  # a miss keeps the host
    assert find_spans([[1, 5, 2], [1, 9, 9, 9, 2], [1, 9, 9, 2]]) == [None, None, (1, 0)]  # a longer host
    assert find_spans([[1, 5, 6, 2], [3, 5, 2]]) == [None, None]  # another start token
    assert find_spans([]) == []


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> UseEncoder:
    encoder = UseEncoder(threads=1, cache_dir=tmp_path_factory.mktemp("ransearch-cache"))
    encoder.warm_up()
    return encoder


@pytest.fixture(scope="module")
def shared(encoder: UseEncoder) -> SharedPass:
    shared = SharedPass(encoder._model(1).model._backend)
    assert shared.usable
    return shared


def library_vectors(backend: Any, ids: list[list[int]]) -> np.ndarray:
    """The library's own forward pass over token sequences, each on its own."""
    out = np.empty((len(ids), 512), dtype=np.float32)
    for i, seq in enumerate(ids):
        backend._encode_batch([seq], len(seq), out[i:i + 1])
    return out


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.lists(st.integers(3, 128_000), min_size=1, max_size=12), min_size=2, max_size=6),
       others=st.lists(st.lists(st.integers(3, 128_000), min_size=0, max_size=5), max_size=3))
def test_runs_of_a_text_get_the_library_vectors(shared: SharedPass, runs: list[list[int]],
                                                 others: list[list[int]]) -> None:
    """Any runs (one token long, or shorter than a window, so windows overlap) of any text."""
    bos, eos = shared.tokenize(["x"])[0][0], shared.tokenize(["x"])[0][-1]
    ids = [[bos, *sum(runs, []), eos], *([bos, *run, eos] for run in runs), *([bos, *o, eos] for o in others)]
    expected = library_vectors(shared.backend, ids)
    np.testing.assert_allclose(shared.encode_ids(ids), expected, atol=1e-5)


def test_only_positions_near_a_sentence_edge_are_computed_again(shared: SharedPass) -> None:
    text = "Nous sommes une commune de 40 000 habitants et de nombreuses associations. Nous cherchons un dispositif."
    texts = [text, *split_sentences(text)]
    ids = shared.tokenize(texts)
    plan = shared._plan(ids)
    whole = len(ids[0])
    again = plan.computed[plan.computed >= whole]
    # the first sentence's own end and the second's own start, each within REACH of its BOS/EOS
    assert 0 < len(again) <= 2 * (REACH + 1)
    assert len(plan.computed) < len(plan.token) - whole // 2


@pytest.mark.skipif(not DEV_QUERIES.is_file(), reason="needs ../shared/eval/dev")
@pytest.mark.parametrize("threads", [1, 2])
def test_dev_queries_and_their_sentences_get_the_library_vectors(tmp_path: Path, threads: int) -> None:
    encoder = UseEncoder(threads=threads, cache_dir=tmp_path)
    queries = [json.loads(line)["text"] for line in DEV_QUERIES.read_text("utf-8").splitlines() if line.strip()]
    for text in queries:
        texts = [text, *split_sentences(text), "djihadistes"]
        np.testing.assert_allclose(encoder.encode_queries(texts), encoder.encode_passages(texts), atol=1e-5)


def test_an_unknown_backend_encodes_the_library_way(encoder: UseEncoder) -> None:
    assert not SharedPass(object()).usable
    text = "Une commune cherche un dispositif. Les familles sont seules. Que faire?"
    texts = [text, *split_sentences(text)]
    expected = encoder.encode_queries(texts)
    other = UseEncoder(threads=1, cache_dir=encoder.cache_dir)
    fast = other._model(1)
    fast._shared = SharedPass(SimpleNamespace(sp=fast.model._backend.sp))  # the tokenizer, no known network
    assert not fast._shared.usable
    np.testing.assert_allclose(other.encode_queries(texts), expected, atol=1e-5)
