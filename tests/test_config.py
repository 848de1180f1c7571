"""Settings: a malformed ``ransearch.toml`` or variable is one line naming the file, the key and
what is expected, for every command (issue 18, item 5); the encoders an index may ask readers
to load (item 13)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli

from ransearch.config import load_settings
from ransearch.errors import ConfigError, EncoderNotAllowed


@pytest.fixture()
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG", "RANSEARCH_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


BAD_FILES = [  # (file bytes, what the one line must say)
    (b"index = \n", ["ransearch.toml, line 1", "`index =`", "index must be a folder path"]),
    (b"threads = 0\n", ["ransearch.toml", "threads must be a whole number of at least 1", "not 0"]),
    (b"keep_generations = -1\n", ["ransearch.toml", "keep_generations must be a whole number of at least 1"]),
    (b'threads = "4"\n', ["threads must be a whole number", "not '4'"]),
    (b"threads = true\n", ["threads must be a whole number"]),
    (b"index = 3\n", ["index must be a folder path (text), not 3"]),
    (b'corpus = ["a", 1]\n', ["corpus must be a folder path or a list"]),
    (b'encoder = ""\n', ["encoder must be an encoder name"]),
    (b'allowed_encoders = "st:x"\n', ["allowed_encoders must be a list of encoder names"]),
    (b'index = "caf\xe9"\n', ["ransearch.toml, line 1", "not UTF-8"]),
    (b'\xff\xfei\x00n\x00', ["ransearch.toml, line 1", "not UTF-8"]),
    (b'index = "x"\n[broken\n', ["ransearch.toml, line 2", "`[broken` is not valid TOML"]),
]


@pytest.mark.parametrize("data,says", BAD_FILES)
def test_a_malformed_file_is_one_line_naming_the_key(cwd: Path, data: bytes, says: list[str]) -> None:
    (cwd / "ransearch.toml").write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    for part in says:
        assert part in message


def test_good_values_are_read(cwd: Path) -> None:
    (cwd / "ransearch.toml").write_text('index = "idx"\ncorpus = "docs"\nthreads = 2\nkeep_generations = 5\n'
                                        'allowed_encoders = ["st:some/model"]\nserver_note = "kept"\n', "utf-8")
    s = load_settings()
    assert (s.index_dir, s.corpus_dirs, s.threads, s.keep_generations) == (Path("idx"), (Path("docs"),), 2, 5)
    assert s.allows_encoder("st:some/model") and s.allows_encoder("use") and not s.allows_encoder("st:evil")
    assert s.extra == {"server_note": "kept"}


@pytest.mark.parametrize("var,value,says", [
    ("RANSEARCH_THREADS", "0", "$RANSEARCH_THREADS: must be a whole number of at least 1"),
    ("RANSEARCH_THREADS", "many", "$RANSEARCH_THREADS"),
    ("RANSEARCH_CONFIG", "nowhere.toml", "$RANSEARCH_CONFIG: 'nowhere.toml' is not a file"),
])
def test_a_malformed_variable_is_named(cwd: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str,
                                       says: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=r"^" + r"\$" + says[1:].replace("(", r"\(")):
        load_settings()


COMMANDS = [["ask", "x"], ["show", "x"], ["practices"], ["match", "x"], ["similar", "x"], ["facets"],
            ["status"], ["eval", "queries.jsonl"], ["serve", "--port", "0"], ["mcp"]]


@pytest.mark.parametrize("command", COMMANDS + [["index"], ["index", "--rollback"]], ids=lambda c: " ".join(c))
def test_every_command_says_it_in_one_line(cwd: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    (cwd / "ransearch.toml").write_bytes(b"keep_generations = -1\n")
    (cwd / "queries.jsonl").write_text('{"id": "q1", "text": "x", "relevant": {"a.txt": 2}}\n', "utf-8")
    code, out, err = run_cli(monkeypatch, capsys, *command)
    # a malformed setting is a usage error: status 2, and 1 for index (its usage errors are 1)
    assert code == (1 if command[0] == "index" else 2)
    assert err == "ransearch: ransearch.toml: keep_generations must be a whole number of at least 1, not -1\n"


def test_keep_below_one_is_refused_on_the_command_line_too(cwd: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "index", "--keep", "-1")
    assert code == 1 and "--keep" in err


# -- item 13: the encoder an index names is loaded only if the settings allow it -----------------

@pytest.fixture()
def evil_index(cwd: Path) -> Path:
    """An index whose manifest asks for ``st:evil`` (as anyone who can write the folder can)."""
    import json

    from conftest import FakeEncoder

    from ransearch.engine import Engine
    from ransearch.store import MANIFEST, open_generation

    index = cwd / "index"
    Engine.index([Path(__file__).resolve().parents[1] / "corpus"], index, encoder=FakeEncoder())
    manifest = open_generation(index).path / MANIFEST
    data = json.loads(manifest.read_text("utf-8"))
    data["encoder"] = "st:evil"
    manifest.write_text(json.dumps(data), "utf-8")
    return index


def test_an_index_asking_for_another_encoder_is_refused_before_any_load(evil_index: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.engine
    from ransearch.engine import Engine

    from conftest import FakeEncoder

    loaded: list[str] = []

    def load(name: str, **kwargs: object) -> FakeEncoder:
        loaded.append(name)
        return FakeEncoder()

    monkeypatch.setattr(ransearch.engine, "load_encoder", load)
    with pytest.raises(EncoderNotAllowed, match="'st:evil', which the settings do not allow") as caught:
        Engine.open(evil_index)
    assert loaded == [] and caught.value.allowed == ("use", "e5")  # the packaged ones
    # allowed explicitly, or as the configured encoder: then it is loaded
    (evil_index.parent / "ransearch.toml").write_text('allowed_encoders = ["st:evil"]\n', "utf-8")
    Engine.open(evil_index)
    assert loaded == ["st:evil"]
    monkeypatch.setenv("RANSEARCH_ENCODER", "st:evil")
    (evil_index.parent / "ransearch.toml").unlink()
    Engine.open(evil_index)
    assert loaded == ["st:evil", "st:evil"]


def test_ask_refuses_it_in_one_line(evil_index: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "ask", "family support", "--index", str(evil_index))
    assert code == 1 and not out
    assert err.count("\n") == 1 and "encoder 'st:evil'" in err and "allowed_encoders" in err


# -- issue 16: the sections reach every tunable (search, match, chunking, server) -----------------

@pytest.fixture()
def tuned(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    prefixes = ("RANSEARCH_SEARCH_", "RANSEARCH_MATCH_", "RANSEARCH_CHUNKING_", "RANSEARCH_SERVER_")
    for var in [v for v in os.environ if v.startswith(prefixes)]:
        monkeypatch.delenv(var)
    return cwd


def test_sections_come_from_the_file_then_the_environment_key_by_key(tuned: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tuned / "ransearch.toml").write_text('[search]\nmode = "dense"\nlexical_weight = 1\n[match]\nmax_needs = 4\n'
                                          '[chunking]\nmax_words = 100\n[server]\nport = 9000\n'
                                          'allowed_hosts = ["a.example.org"]\n', "utf-8")
    monkeypatch.setenv("RANSEARCH_SEARCH_LEXICAL_WEIGHT", "0.25")
    monkeypatch.setenv("RANSEARCH_CHUNKING_TITLE_PREFIX", "true")
    s = load_settings()
    assert (s.search.mode, s.search.lexical_weight, s.search.candidates) == ("dense", 0.25, 400)
    assert s.match.max_needs == 4 and s.match.cover_rank == 2
    assert (s.chunking.max_words, s.chunking.title_prefix, s.chunking.profile) == (100, True, True)
    assert s.server_options() == {"port": 9000, "allowed_hosts": ("a.example.org",)}
    assert s.with_section("search", mode="lexical").search.mode == "lexical"  # explicit values win
    assert s.extra == {}


def test_no_section_gives_the_defaults(tuned: Path) -> None:
    from ransearch.chunking import ChunkingConfig
    from ransearch.search import MatchConfig
    from ransearch.search import SearchConfig

    s = load_settings()
    assert (s.search, s.match, s.chunking, s.server_options()) == (SearchConfig(), MatchConfig(), ChunkingConfig(), {})


@pytest.mark.parametrize("data,says", [
    (b'[search]\nmode = "fast"\n', "[search] mode must be one of 'hybrid', 'dense', 'lexical', not 'fast'"),
    (b"[search]\ncandidates = 0\n", "[search] candidates must be a whole number of at least 1, not 0"),
    (b"[search]\nlexical_weight = -1\n", "[search] lexical_weight must be a number, at least 0"),
    (b"[match]\ncover_rank = true\n", "[match] cover_rank must be a whole number"),
    (b"[match]\nbogus = 1\n", "[match] has no key 'bogus'"),
    (b'[chunking]\nprofile = "yes"\n', "[chunking] profile must be true or false"),
    (b'[server]\ntoken = "0123456789abcdef"\n', "[server] has no key 'token'"),
    (b"search = 3\n", "search must be a table ([search]), not 3"),
])
def test_a_malformed_section_is_one_line(tuned: Path, data: bytes, says: str) -> None:
    (tuned / "ransearch.toml").write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == f"ransearch.toml: {says}" or says in str(caught.value)


@pytest.mark.parametrize("var,value,says", [
    ("RANSEARCH_SEARCH_MODE", "fast", "must be one of 'hybrid', 'dense', 'lexical', not 'fast'"),
    ("RANSEARCH_MATCH_MAX_NEEDS", "many", "must be a whole number of at least 1, not 'many'"),
    ("RANSEARCH_CHUNKING_PROFILE", "maybe", "must be true or false, not 'maybe'"),
    ("RANSEARCH_SERVER_PORTS", "1", "not a setting (the [server] variables are RANSEARCH_SERVER_HOST"),
])
def test_a_malformed_section_variable_is_named(tuned: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str,
                                               says: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"${var}: {says}")


def test_the_engine_reads_search_match_and_chunking_from_the_settings(tuned: Path) -> None:
    from conftest import FakeEncoder

    from ransearch.engine import Engine
    from ransearch.store import open_generation

    corpus = Path(__file__).resolve().parent / "data" / "seeds"
    situation = ("We need to support families of young people. We want to train teachers to spot signs. "
                 "We need to reach parents in their own language. We want to work with local police.")
    Engine.index([corpus], tuned / "default", encoder=FakeEncoder())
    default = Engine.open(tuned / "default", encoder=FakeEncoder())
    assert len(default.match(situation).needs) > 1
    (tuned / "ransearch.toml").write_text("[search]\nmax_sections = 1\n[match]\nmax_needs = 1\n"
                                          "[chunking]\nmax_words = 40\n", "utf-8")
    Engine.index([corpus], tuned / "index", encoder=FakeEncoder())
    assert open_generation(tuned / "index").manifest.settings.chunking["max_words"] == 40
    engine = Engine.open(tuned / "index", encoder=FakeEncoder())
    assert max(len(hit.sections) for hit in engine.ask("soutien aux familles", 3).results) == 1
    assert len(engine.match(situation).needs) == 1


def test_the_server_reads_its_section_and_flags_win(tuned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ransearch.server import ServerConfig

    (tuned / "ransearch.toml").write_text("[server]\nport = 9000\nmax_active = 3\n", "utf-8")
    monkeypatch.setenv("RANSEARCH_SERVER_MAX_ACTIVE", "4")
    config = ServerConfig.from_env(port=None)
    assert (config.port, config.max_active) == (9000, 4)
    assert ServerConfig.from_env(port=8001, max_active=5).port == 8001


def test_explicit_section_values_are_checked_too(tuned: Path) -> None:
    s = load_settings()
    with pytest.raises(ConfigError, match=r"\[search\] candidates must be a whole number of at least 1, not 0"):
        s.with_section("search", candidates=0)
    with pytest.raises(ConfigError, match="no section 'ranking'"):
        s.with_section("ranking", mode="dense")
