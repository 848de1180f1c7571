"""The lexicon words near a word: the exact product and the inverted file of large lexicons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEncoder

from ransearch.errors import IndexCorrupt
from ransearch.lexical import LexicalIndex, query_words
from ransearch.lexical import neighbours
from ransearch.lexical.index import NEAR_WORDS_FILE
from ransearch.lexical.neighbours import NearWords

MINIMUM = 0.7


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def clustered_words(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """3,000 'words' in 300 groups of near-synonyms (cosine ~0.8 within a group), and 200 query
    words near them."""
    rng = np.random.default_rng(seed)
    centres = unit(rng.standard_normal((300, 64)))
    words = unit(np.repeat(centres, 10, axis=0) + 0.5 * unit(rng.standard_normal((3000, 64))))
    queries = unit(words[rng.choice(3000, 200, replace=False)] + 0.3 * unit(rng.standard_normal((200, 64))))
    return words.astype(np.float16).astype(np.float32), queries


def test_the_inverted_file_finds_what_the_exact_product_finds() -> None:
    words, queries = clustered_words()
    exact = NearWords.build(words)
    inverted = NearWords.build(words, exact_max=0)
    assert not exact.inverted and inverted.inverted
    truth_rows, truth_cols, truth_sims = exact.within(queries, MINIMUM)
    rows, cols, sims = inverted.within(queries, MINIMUM)
    truth = dict(zip(zip(truth_rows.tolist(), truth_cols.tolist()), truth_sims.tolist()))
    found = dict(zip(zip(rows.tolist(), cols.tolist()), sims.tolist()))
    assert len(truth) > 1000
    assert set(found) <= set(truth)  # nothing below the minimum
    assert len(found) >= 0.95 * len(truth)
    assert all(found[pair] == pytest.approx(truth[pair], abs=1e-5) for pair in found)  # the words' own values


def test_no_word_or_no_lexicon_finds_nothing() -> None:
    words, queries = clustered_words()
    for search in (NearWords.build(words), NearWords.build(words, exact_max=0)):
        rows, cols, sims = search.within(queries[:0], MINIMUM)
        assert len(rows) == len(cols) == len(sims) == 0
    assert len(NearWords.exact(np.zeros((0, 0), np.float32)).within(queries, MINIMUM)[0]) == 0


def test_an_inverted_file_of_other_words_is_refused(tmp_path: Path) -> None:
    words, _ = clustered_words()
    built = NearWords.build(words, exact_max=0)
    built.save(tmp_path / "near.ivf")
    loaded = NearWords.load(tmp_path / "near.ivf", len(words), 64)
    assert loaded.inverted
    assert np.array_equal(loaded.within(words[:50], MINIMUM)[1], built.within(words[:50], MINIMUM)[1])
    with pytest.raises(ValueError, match="3000 words"):
        NearWords.load(tmp_path / "near.ivf", 2999, 64)
    with pytest.raises(ValueError, match="of 64 values"):
        NearWords.load(tmp_path / "near.ivf", 3000, 512)


TEXTS = ["La famille soutient les jeunes en prison. Les familles parlent de la prévention.",
         "Die Familie und das Gefängnis: Ausstieg aus dem Extremismus, Prävention in der Schule.",
         "Prison staff training on radicalisation, families and schools."]


def test_a_large_lexicon_is_saved_with_its_inverted_file_and_translates_alike(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = LexicalIndex.build(TEXTS, ["fr", "de", "en"], FakeEncoder())
    small.save(tmp_path / "small")
    assert not (tmp_path / "small" / NEAR_WORDS_FILE).exists()  # a small lexicon is searched exactly
    monkeypatch.setattr(neighbours, "EXACT_MAX_WORDS", 5)
    built = LexicalIndex.build(TEXTS, ["fr", "de", "en"], FakeEncoder())
    built.save(tmp_path / "large")
    assert (tmp_path / "large" / NEAR_WORDS_FILE).exists()
    loaded = LexicalIndex.load(tmp_path / "large")
    loaded.warm_up()
    assert loaded._lexicons.near_words().inverted
    words = query_words("familles prison extremismus")
    embeddings = dict(zip(words, FakeEncoder().encode_queries(words)))
    expansion = loaded.expand(words, embeddings)
    assert loaded._lexicons._matrix is None  # no float32 copy of the words made to answer a query
    assert [stem for stem, _ in expansion["fr"]["familles"]][:1] == ["famill"]
    assert np.allclose(loaded.scores("familles prison extremismus", words, expansion),
                       small.scores("familles prison extremismus", words, small.expand(words, embeddings)), atol=1e-3)


def test_a_damaged_inverted_file_is_reported_as_a_corrupt_index(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neighbours, "EXACT_MAX_WORDS", 5)
    LexicalIndex.build(TEXTS, ["fr", "de", "en"], FakeEncoder()).save(tmp_path / "lexical")
    (tmp_path / "lexical" / NEAR_WORDS_FILE).write_bytes(b"not an index")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    words = query_words("familles prison")
    with pytest.raises(IndexCorrupt, match="inverted file"):
        loaded.expand(words, dict(zip(words, FakeEncoder().encode_queries(words))))


@pytest.mark.slow  # indexes the bundled corpus twice (~15 s)
def test_an_engine_over_a_large_lexicon_answers_as_over_an_exact_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled corpus indexed twice: its lexicon searched exactly, and through an inverted
    file (its ~7,000 words count as large here); the answers are the same practices."""
    from ransearch.engine import Engine

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    encoder = FakeEncoder()
    Engine.index([corpus], tmp_path / "exact", encoder=encoder)
    monkeypatch.setattr(neighbours, "EXACT_MAX_WORDS", 100)
    Engine.index([corpus], tmp_path / "inverted", encoder=encoder)
    generation = next((tmp_path / "inverted" / "generations").iterdir())
    assert (generation / "lexical" / NEAR_WORDS_FILE).exists()
    assert not (next((tmp_path / "exact" / "generations").iterdir()) / "lexical" / NEAR_WORDS_FILE).exists()
    exact, inverted = Engine.open(tmp_path / "exact", encoder=encoder), Engine.open(tmp_path / "inverted", encoder=encoder)
    for query in ("soutien familial combattants étrangers", "prison radicalisation training", "Schule Prävention"):
        found = [h.practice_id for h in inverted.ask(query, k=5, mode="lexical").results]
        assert found and found == [h.practice_id for h in exact.ask(query, k=5, mode="lexical").results]
