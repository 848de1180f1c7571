"""The lexical package (``ransearch.lexical``): analysis, bm25s storage, lexicon, index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEncoder

from ransearch.languages import LANGUAGES, language, language_name
from ransearch.lexical import LexicalIndex, analyse, is_stopword, query_words
from ransearch.lexical.lexicon import Lexicons, choose_words
from ransearch.lexical.storage import TermScores

TEXTS = ["La famille soutient les jeunes en prison. Les familles parlent.",
         "Die Familie und das Gefängnis: Ausstieg aus dem Extremismus im Jahr 2019.",
         "Prison staff training on radicalisation and families.",
         "Le travail de prévention avec les familles des combattants étrangers."]
LANGS = ["fr", "de", "en", "fr"]


@pytest.fixture(scope="module")
def built() -> LexicalIndex:
    return LexicalIndex.build(TEXTS, LANGS, FakeEncoder())


# analysis --------------------------------------------------------------------------------------

def test_analysis_stems_folds_and_drops_stopwords_and_numbers_but_years() -> None:
    assert analyse("Les familles de l'Europe, 2019 et 12", "fr") == ["famill", "europ", "2019"]
    assert analyse("Die Gefängnisse", "de") == ["gefangnis"]
    assert analyse("I'objectif |égal", "fr") == analyse("l'objectif légal", "fr") == ["object", "legal"]  # OCR


def test_query_words_leave_out_every_languages_stopwords_and_short_words() -> None:
    assert query_words("the famille und die prison de 2019 ok famille") == ["famille", "prison"]
    assert is_stopword("Und", "de") and not is_stopword("und", "fr") and not is_stopword("und", "xx")


def test_language_facts_come_from_the_template_data() -> None:
    de = language("de")
    assert de and de.stemmer == "german" and de.stopwords == "STOPWORDS_GERMAN" and de.detected
    assert language_name("sv") == "Swedish" and language_name("xx") == "xx"
    assert "sv" in LANGUAGES and "ca" not in LANGUAGES  # Catalan is stemmed, never detected


# storage ---------------------------------------------------------------------------------------

def test_term_scores_are_bm25s_own(tmp_path: Path) -> None:
    """The folder is a bm25s index: bm25s loads it and scores each term as our numpy reader does."""
    import bm25s

    corpus = [analyse(t, "fr") or ["∅"] for t in TEXTS]
    scores = TermScores.build(corpus)
    scores.save(tmp_path)
    read = TermScores.read(tmp_path, len(corpus))
    retriever = bm25s.BM25.load(tmp_path, mmap=True)
    for term in {t for doc in corpus for t in doc}:
        expected = retriever.get_scores([term])
        assert np.array_equal(read.column(term), expected) and np.array_equal(scores.column(term), expected)
    assert not read.column("absent").any()


def test_an_index_read_from_disk_is_not_written_again(tmp_path: Path, built: LexicalIndex) -> None:
    from ransearch.errors import RansearchError

    built.save(tmp_path / "lexical")
    with pytest.raises(RansearchError):
        LexicalIndex.load(tmp_path / "lexical").save(tmp_path / "again")


def test_folders_of_the_layout_before_bm25s_files_are_read_alike(tmp_path: Path, built: LexicalIndex) -> None:
    folder = tmp_path / "lexical"
    built.save(folder)
    query = "famille prison Gefängnis"
    expected = LexicalIndex.load(folder).scores(query)
    for sub in (folder / lang for lang in ("de", "en", "fr")):  # as generations before bm25s's files
        for new, old in (("data.csc.index.npy", "bm25_data.npy"), ("indices.csc.index.npy", "bm25_indices.npy"),
                         ("indptr.csc.index.npy", "bm25_indptr.npy")):
            (sub / new).rename(sub / old)
        idf = json.loads((sub / "idf.json").read_text("utf-8"))
        idf["columns"] = json.loads((sub / "vocab.index.json").read_text("utf-8"))
        (sub / "idf.json").write_text(json.dumps(idf), "utf-8")
        (sub / "vocab.index.json").unlink()
        (sub / "params.index.json").unlink()
    assert np.array_equal(LexicalIndex.load(folder).scores(query), expected)


# lexicon ---------------------------------------------------------------------------------------

def test_lexicon_keeps_frequent_indexed_words_with_their_stems() -> None:
    words, stems = choose_words(["familles familles prison et"], "fr", {"famill": 1.0, "prison": 1.0})
    assert words == ["familles", "prison"] and stems == ["famill", "prison"]


def test_lexicons_translate_through_embeddings_and_spelling(built: LexicalIndex) -> None:
    lexicons = Lexicons({lang: index for lang, index in built._languages.items()})
    vector = lexicons.vector("familles")
    assert vector is not None and lexicons.vector("nowhere") is None
    found = lexicons.translations(np.asarray([vector], dtype=np.float32))[0]
    assert ("fr", "famill", pytest.approx(1.0, abs=1e-3)) in [(lang, stem, sim) for lang, stem, sim in found]
    assert any(lang == "en" and stem.startswith("radical") for lang, stem, _ in lexicons.cognates("radicalisering"))


# index -----------------------------------------------------------------------------------------

def test_scores_match_across_languages_and_survive_a_round_trip(tmp_path: Path, built: LexicalIndex) -> None:
    words = query_words("prison families")
    expansion = built.expand(words, dict(zip(words, FakeEncoder().encode_queries(words))))
    scores = built.scores("prison families", words, expansion)
    assert scores.shape == (4,) and scores[2] > 0 and 0 <= scores.min() and scores.max() <= 1.01
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert np.array_equal(loaded.scores("prison families", words, loaded.expand(words, dict(
        zip(words, FakeEncoder().encode_queries(words))))), scores)
    assert loaded.word_vectors().keys() == built.word_vectors().keys()
    assert built.matched_terms("familles en prison", TEXTS[0], "fr") == {"famill", "prison"}


def test_lexical_imports_no_encoder_and_the_encoder_no_query_language() -> None:
    """No import cycle encoders → querylang → lexical → encoders: each side stands alone."""
    def loaded_after(module: str, *names: str) -> list[bool]:
        code = f"import sys, {module}; print(*[name in sys.modules for name in {names!r}])"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        return [word == "True" for word in out.split()]

    assert loaded_after("ransearch.querylang", "ransearch.lexical", "ransearch.encoders") == [True, False]
    assert loaded_after("ransearch.encoders.use", "ransearch.querylang", "ransearch.lexical") == [False, False]


def test_words_typed_without_accents_get_them_back_from_the_corpus(built: LexicalIndex) -> None:
    assert built.with_accents("Combattants Etrangers et prevention a Gefangnis") == \
        "Combattants Étrangers et prévention a Gefängnis"
    # a text with its accents, and words the corpus holds as they are, stay as they are
    for text in ("combattants étrangers", "prison staff training", "Familie"):
        assert built.with_accents(text) == text


def test_an_accented_word_is_not_restored_over_a_plain_word_of_the_corpus() -> None:
    index = LexicalIndex.build(["Le rôle du role-play.", "The role of play."], ["fr", "en"], FakeEncoder())
    assert index.with_accents("role") == "role"  # English "role" is a word of the corpus
    assert Lexicons.accented(index._lexicons) == {}
