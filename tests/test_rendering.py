"""Pseudo-translation (``ransearch.lexical.rendering``): texts in a language the encoder does not
cover, rendered in the covered languages' lexicon words, at index time and at query time."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FakeEncoder

from ransearch.embedding import render_uncovered
from ransearch.encoders import stated_languages
from ransearch.encoders.lazy import LazyEncoder
from ransearch.filters import FacetTable
from ransearch.lexical import LexicalIndex
from ransearch.lexical.rendering import RENDERED_SHARE_MIN
from ransearch.manifest import BuildSettings
from ransearch.querylang import uncovered_language
from ransearch.records import Chunk, Practice
from ransearch.search.chunks import ChunkTable
from ransearch.search.searcher import encoded_well
from ransearch.search.signals import SignalReader
from ransearch.tuning import SearchConfig
from ransearch.vectors import VectorIndex

COVERED = frozenset({"en", "fr"})
TEXTS = ["Teachers talk about the conflict and radicalisation in schools.",
         "Les enseignants parlent du conflit et de la radicalisation.",
         "Lärare pratar om konflikten och radikalisering i skolan."]
LANGS = ["en", "fr", "sv"]


class CoveringEncoder(FakeEncoder):
    """The fake encoder, covering ``COVERED``; a few words share their translation's direction
    (what a multilingual encoder does for the words it knows), and it records what it embeds."""

    name = "fake-covering"
    languages = COVERED
    aliases = {"lärare": "teachers", "pratar": "talk"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def _word(self, word: str):  # type: ignore[no-untyped-def]
        return super()._word(self.aliases.get(word, word))

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return super().encode_queries(texts)


@pytest.fixture()
def encoder() -> CoveringEncoder:
    return CoveringEncoder()


@pytest.fixture()
def lexical(encoder: CoveringEncoder) -> LexicalIndex:
    return LexicalIndex.build(TEXTS, LANGS, encoder)


def test_words_become_their_translation_or_cognate_stopwords_go(lexical: LexicalIndex,
                                                                   encoder: CoveringEncoder) -> None:
    renderer = lexical.renderer(COVERED, encoder)
    found = renderer.translate(["lärare", "radikalisering", "konflikten", "qxzvwk"])
    assert found["lärare"] == "teachers"                # embedding: the same direction
    assert found["radikalisering"] == "radicalisation"  # cognate: spelt alike
    assert found["konflikten"] == "conflict"            # cognate, into whichever covered language
    assert found["qxzvwk"] is None
    # "om", "och", "i" are Swedish stopwords; an unknown word stays in a document, not in a query
    assert renderer.render("Lärare om qxzvwk och radikalisering i skolan", "sv").split()[:3] == \
        ["teachers", "qxzvwk", "radicalisation"]
    assert "qxzvwk" not in renderer.render("Lärare om qxzvwk", "sv", keep_unknown=False)


def test_a_word_is_rendered_only_into_covered_languages(lexical: LexicalIndex, encoder: CoveringEncoder) -> None:
    assert lexical.renderer(frozenset({"fr"}), encoder).translate(["lärare"])["lärare"] != "teachers"
    # a Swedish word is its own nearest lexicon word, but Swedish is not covered
    assert lexical.renderer(COVERED, encoder).translate(["skolan"])["skolan"] != "skolan"


def _practice(pid: str, language: str, title: str) -> Practice:
    return Practice(id=pid, source=f"{pid}.txt", layout="md_rows", language=language, title=title, sections={})


def test_uncovered_practices_are_embedded_from_their_rendering(lexical: LexicalIndex,
                                                                encoder: CoveringEncoder) -> None:
    practices = [_practice("p1", "en", "Teachers"), _practice("p2", "sv", "Lärare och konflikten")]
    chunks = [Chunk("p1", "description", 0, "en", TEXTS[0], "a"), Chunk("p2", "description", 0, "sv", TEXTS[2], "b")]
    vectors = np.zeros((2, encoder.dimension), np.float32)
    titles = np.zeros((2, encoder.dimension), np.float32)
    assert render_uncovered(practices, chunks, vectors, titles, lexical, encoder) == ("sv",)
    assert not vectors[0].any() and not titles[0].any()  # covered: left as embedded
    renderer = lexical.renderer(COVERED, encoder)
    assert np.allclose(vectors[1], encoder.encode_passages([renderer.render(TEXTS[2], "sv")])[0])
    assert np.allclose(titles[1], encoder.encode_passages(["teachers conflict"])[0])


def test_nothing_is_rendered_for_an_encoder_that_states_no_languages(lexical: LexicalIndex) -> None:
    vectors = np.zeros((1, 64), np.float32)
    titles = np.zeros((1, 64), np.float32)
    render_uncovered([_practice("p2", "sv", "Lärare")], [Chunk("p2", "description", 0, "sv", TEXTS[2], "b")],
                     vectors, titles, lexical, FakeEncoder())
    assert not vectors.any() and not titles.any()


def test_a_query_in_an_uncovered_language_is_embedded_from_its_rendering(lexical: LexicalIndex,
                                                                          encoder: CoveringEncoder) -> None:
    query = "Hur pratar lärare med eleverna om konflikten och radikaliseringen i skolan?"
    assert uncovered_language(query, encoder) == "sv"
    assert uncovered_language("How do teachers talk about the conflict?", encoder) is None
    chunks = ChunkTable(np.arange(3), ["description"] * 3, TEXTS)
    reader = SignalReader(chunks, 3, VectorIndex.build(encoder.encode_passages(TEXTS)), lexical,
                          np.zeros((3, encoder.dimension), np.float32), encoder, SearchConfig())
    reader.read([query], mode="dense")
    assert encoder.texts[-1] == lexical.renderer(COVERED, encoder).render(query, "sv", keep_unknown=False)
    assert "teachers" in encoder.texts[-1] and "lärare" not in encoder.texts[-1]
    reader.read(["How do teachers talk about the conflict?"], mode="dense")
    assert encoder.texts[-1] == "How do teachers talk about the conflict?"


def test_a_language_whose_words_mostly_lack_a_translation_is_left_as_it_is(lexical: LexicalIndex,
                                                                            encoder: CoveringEncoder) -> None:
    text = "Qxzvwk plorvent ymmakki radikalisering tuvasso kelmuuri"  # one word in six has a cognate
    assert lexical.renderer(COVERED, encoder).translated_share([text], "fi") < RENDERED_SHARE_MIN
    practices = [_practice("p1", "fi", "Qxzvwk"), _practice("p2", "sv", "Lärare")]
    chunks = [Chunk("p1", "description", 0, "fi", text, "a"), Chunk("p2", "description", 0, "sv", TEXTS[2], "b")]
    vectors = np.zeros((2, encoder.dimension), np.float32)
    titles = np.zeros((2, encoder.dimension), np.float32)
    assert render_uncovered(practices, chunks, vectors, titles, lexical, encoder) == ("sv",)
    assert not vectors[0].any() and not titles[0].any() and vectors[1].any()
    # search keeps the dense evidence of the practices left as they are out (z = 0)
    facets = FacetTable.from_practices([_practice("a", "en", "A"), _practice("b", "fi", "B"), _practice("c", "sv", "C")])
    assert encoded_well(facets, encoder, ("sv",)).tolist() == [True, False, True]
    assert encoded_well(facets, encoder).tolist() == [True, False, False]  # a generation before renderings


def test_the_manifest_names_the_rendered_languages() -> None:
    assert BuildSettings.from_dict(BuildSettings({}, "t", rendered=("sv",)).to_dict()).rendered == ("sv",)
    assert BuildSettings.from_dict(BuildSettings({}, "t", rendered=()).to_dict()).rendered == ()
    assert BuildSettings.from_dict({"chunking": {}}).rendered is None  # written before: not trusted


def test_an_encoder_loaded_on_first_use_states_its_languages_without_loading() -> None:
    def load():  # type: ignore[no-untyped-def]
        raise AssertionError("loaded")

    lazy = LazyEncoder("use", load, 512, stated_languages("use"))
    assert lazy.languages is not None and {"en", "fr", "de"} <= lazy.languages and "sv" not in lazy.languages
    assert stated_languages("st:intfloat/multilingual-e5-small") is None
