"""Shared fixtures. Each fixture is self-contained; heavy imports stay inside the fixture."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

_CORPUS = Path(__file__).resolve().parent / "data" / "seeds"  # the 3 seed practices (corpus/ is the demo)



def copy_dev_documents(folder: Path, n: int) -> Path:
    """``folder``, made and holding the first ``n`` documents of the dev set (the test is skipped
    where the dev set is absent)."""
    if not DEV_CORPUS.is_dir():
        pytest.skip(f"dev corpus not found at {DEV_CORPUS}")
    folder.mkdir(parents=True)
    for path in sorted(DEV_CORPUS.glob("*.txt"))[:n]:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``ransearch ARGS`` in this process as the console script does: (status, stdout, stderr)."""
    import sys

    from ransearch.cli import main

    monkeypatch.setattr(sys, "argv", ["ransearch", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err

@pytest.fixture(scope="session")
def tiny_st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random sentence-transformers model built offline; its saved folder.

    A WordPiece vocabulary (~2000) trained on ``corpus/*.txt``, a 2-layer BERT with hidden
    size 32 (fixed seed) and mean pooling. Skipped when sentence-transformers is missing.
    """
    pytest.importorskip(
        "sentence_transformers", reason='sentence-transformers not installed (pip install "ransearch[st]")'
    )
    with pytest.MonkeyPatch.context() as mp:
        # never reach the network, and no tokenizers fork warnings in later subprocess tests
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TOKENIZERS_PARALLELISM", "false")
        return _build_tiny_st_model(tmp_path_factory.mktemp("tiny_st_model"))


def _build_tiny_st_model(root: Path) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast  # type: ignore[attr-defined]

    try:  # sentence-transformers >= 6 moved the modules; the old path warns there
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # pragma: no cover - sentence-transformers 3 to 5
        from sentence_transformers.models import Pooling, Transformer  # type: ignore[no-redef,import-not-found]

    files = sorted(glob.glob(str(_CORPUS / "*.txt")))
    if not files:
        pytest.skip(f"no corpus text in {_CORPUS} to train the tiny tokenizer on")
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train(files, trainers.WordPieceTrainer(vocab_size=2000, special_tokens=special,
                                                     show_progress=False))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )

    base = root / "bert"
    BertTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=128,
    ).save_pretrained(str(base))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(str(base))

    transformer = Transformer(str(base), max_seq_length=128)
    pooling = Pooling(config.hidden_size, "mean")
    model_dir = root / "tiny-st"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(model_dir))
    return model_dir


# ---- HTTP API and MCP server tests (tests/test_server*.py, tests/test_mcp*.py) -------------------

class FakeEncoder:
    """Deterministic stand-in for a text encoder: every word hashes to a fixed random direction,
    a text is the normalised sum of its words. 64 dimensions, no model, microseconds a call.

    ``passages`` and ``queries`` count the texts embedded, so tests can tell what was re-embedded.
    Importable by subprocess drivers: ``sys.path.insert(0, tests_dir); from conftest import ...``.
    """

    name = "fake"
    dimension = 64
    _words: dict = {}  # word -> its direction, shared: the mapping never changes

    def __init__(self) -> None:
        self.passages = 0
        self.queries = 0

    def _word(self, word: str):  # type: ignore[no-untyped-def]
        import hashlib

        import numpy as np

        v = self._words.get(word)
        if v is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                  "little")
            v = self._words[word] = np.random.default_rng(seed).standard_normal(self.dimension)
        return v

    def _encode(self, texts):  # type: ignore[no-untyped-def]
        import re

        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            v = np.zeros(self.dimension, dtype=np.float64)
            for word in re.findall(r"\w+", text.lower()):
                v += self._word(word)
            if not v.any():
                v[0] = 1.0
            out[i] = v / np.linalg.norm(v)
        return out

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        self.queries += len(texts)
        return self._encode(texts)

    def encode_passages(self, texts):  # type: ignore[no-untyped-def]
        self.passages += len(texts)
        return self._encode(texts)

    def warm_up(self) -> None:
        pass


@pytest.fixture(scope="session")
def serve_fake_encoder() -> FakeEncoder:
    """The fake encoder of the server tests (shared: it holds no state that matters)."""
    return FakeEncoder()


@pytest.fixture()
def serve_fake_index(tmp_path: Path, serve_fake_encoder: FakeEncoder) -> Path:
    """A fresh index folder of ``corpus/`` built with the fake encoder (one generation)."""
    from ransearch.engine import Engine

    index = tmp_path / "index"
    Engine.index([_CORPUS], index, encoder=serve_fake_encoder)
    return index


@pytest.fixture(scope="session")
def serve_real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder of ``corpus/`` built with the real default encoder (``use``), built once."""
    from ransearch.engine import Engine

    index = tmp_path_factory.mktemp("serve_real") / "index"
    Engine.index([_CORPUS], index, encoder="use")
    return index


@pytest.fixture(scope="session")
def engine(serve_real_index: Path):  # type: ignore[no-untyped-def]
    """The seed corpus's index (real ``use`` encoder), opened once for the tests that only read it."""
    from ransearch.engine import Engine

    return Engine.open(serve_real_index)


@pytest.fixture(scope="module")
def serve_http():  # type: ignore[no-untyped-def]
    """Start an ASGI app on uvicorn in a thread, on a free loopback port; returns ``start(app) -> url``.

    Every server started is stopped at the end of the test module.
    """
    import socket
    import threading
    import time

    uvicorn = pytest.importorskip("uvicorn", reason='uvicorn not installed (pip install "ransearch[server]")')
    running = []

    def start(app, **options):  # type: ignore[no-untyped-def]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_level="warning", access_log=False, **options)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread, sock in running:
        server.should_exit = True
        thread.join(10)
        sock.close()


# ---- re-indexing tests (tests/test_indexing*.py, tests/test_store*.py, tests/test_reindex*.py) ------

DEV_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev" / "corpus"


@pytest.fixture()
def reindex_encoder() -> FakeEncoder:
    """A fresh fake encoder (its counters start at zero)."""
    return FakeEncoder()


@pytest.fixture()
def reindex_corpus(tmp_path: Path) -> Path:
    """A writable corpus folder: the first 6 documents of the dev set (skipped if it is absent)."""
    return copy_dev_documents(tmp_path / "corpus", 6)


def reindex_mark(path: Path, word: str) -> None:
    """Edit a practice document so that its description gains ``word`` (one chunk changes)."""
    from ransearch.ingest import parse_file

    text = path.read_text("utf-8")
    start = parse_file(path).sections["description"][:40]
    assert start and start in text, f"cannot find the description of {path} in its text"
    path.write_text(text.replace(start, f"{start} {word}", 1), "utf-8")
