"""The command line under hostile or unlucky input (issue 18): escape sequences and newlines in
file names and practice text (item 15), query and situation files in other encodings (item 6),
a full disk or a file size limit (item 7), a report file that cannot be written (item 8)."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path

import pytest

import ransearch.engine
from ransearch.display import visible

HOSTILE_NAME = "evil\x1b]0;owned\x07\x1b[2J\nransearch: index updated\r.txt"
HOSTILE_TITLE = "Miroirs \x1b[31mrouges\x1b[0m\u202e\rfaux"


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``ransearch ARGS`` in this process as the console script does, with ``--encoder fake``
    loading the fake encoder; returns (status, stdout, stderr)."""
    from conftest import FakeEncoder, run_cli

    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG", "RANSEARCH_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ransearch.toml").write_text('encoder = "fake"\n', "utf-8")
    encoder = FakeEncoder()
    monkeypatch.setattr(ransearch.engine, "load_encoder", lambda name, **kw: encoder)

    def invoke(*args: str) -> tuple[int, str, str]:
        return run_cli(monkeypatch, capsys, *args)

    return invoke


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    from conftest import copy_dev_documents

    return copy_dev_documents(tmp_path / "corpus", 3)


def test_visible_shows_controls_as_escapes() -> None:
    assert visible("a\x1b[2Jb\nc\rd\te\u202ef\x9bg\x00") == "a\\x1b[2Jb\\nc\\rd\te\\u202ef\\x9bg\\x00"
    assert visible("one\ntwo\x1b", newlines=True) == "one\ntwo\\x1b"
    assert visible("Ærø — naïve «ok» 日本 \u200d") == "Ærø — naïve «ok» 日本 \u200d"  # text stays text
    assert visible(3) == "3"


def _hostile_corpus(corpus: Path) -> str:
    """Give one document a hostile file name and title; the practice id it gets."""
    from ransearch.ingest import parse_file

    first = sorted(corpus.glob("*.txt"))[0]
    text = first.read_text("utf-8")
    title = parse_file(first).title
    assert title and title in text
    hostile = corpus / HOSTILE_NAME
    hostile.write_text(text.replace(title, HOSTILE_TITLE + " " + title, 1), "utf-8")
    first.unlink()
    return parse_file(hostile, corpus).id


def _no_raw_controls(text: str) -> None:
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text and "\u202e" not in text


def test_index_show_ask_status_render_hostile_text_visibly(cli, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    practice_id = _hostile_corpus(corpus)
    code, out, err = cli("index", str(corpus))
    assert code == 0, err
    _no_raw_controls(out + err)
    assert "evil\\x1b]0;owned\\x07\\x1b[2J\\nransearch: index updated\\r.txt" in out  # the parsed line
    assert not any(line.startswith("ransearch: index updated") for line in out.splitlines())  # no forged line
    code, out, err = cli("show", practice_id)
    assert code == 0, err
    _no_raw_controls(out + err)
    assert "\\x1b[31mrouges\\x1b[0m\\u202e" in out  # (the parser made the \\r a space)
    code, out, err = cli("ask", "miroirs rouges")
    assert code == 0, err
    _no_raw_controls(out)
    assert "\\x1b[31m" in out
    code, out, err = cli("practices")
    assert code == 0 and "\\x1b[31m" in out
    _no_raw_controls(out)
    # a failure naming the hostile file: the failure line is one line too
    (corpus / HOSTILE_NAME).write_bytes(b"\x00\x01binary")
    code, out, err = cli("index", str(corpus))
    assert code == 3
    _no_raw_controls(out + err)
    failed = [line for line in out.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and "\\nransearch: index updated\\r.txt" in failed[0]
    code, out, err = cli("status")
    assert code == 0
    _no_raw_controls(out)
    assert any("\\nransearch: index updated\\r.txt" in line for line in out.splitlines() if "failed:" in line)


def test_json_output_stays_raw_json(cli, corpus: Path) -> None:  # type: ignore[no-untyped-def]
    practice_id = _hostile_corpus(corpus)
    code, out, _ = cli("index", str(corpus), "--json")
    assert code == 0
    assert any(d["source"] == HOSTILE_NAME for d in json.loads(out)["parsed"])
    code, out, _ = cli("show", practice_id, "--json")
    assert code == 0 and "Miroirs \x1b[31mrouges\x1b[0m\u202e" in json.loads(out)["title"]
    assert "\x1b" not in out  # JSON escapes control characters itself


def test_error_lines_are_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("parse", str(tmp_path / "no\nsuch\x1b[2J.txt"))
    assert code == 1 and err.count("\n") == 1 and "no\\nsuch\\x1b[2J.txt" in err
    code, _, err = cli("show", "x\ny\x1b", "--index", str(tmp_path / "none\n"))
    assert code == 1 and err.count("\n") == 1 and "none\\n" in err


# -- item 6: query and situation files in the encodings the corpus reader reads -------------------

SITUATION = ("Dans notre commune, des élèves se radicalisent en ligne. Les écoles et la ville coopèrent peu. "
             "Nous cherchons une méthode pour que l'école et les services municipaux agissent ensemble.")
ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with BOM": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "utf-16 with BOM": lambda t: t.encode("utf-16"),  # Windows "Unicode": a BOM, then UTF-16 LE
    "utf-16-be with BOM": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "cp1252": lambda t: t.encode("cp1252"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_read_text_file_reads_what_the_corpus_reader_reads(tmp_path: Path, encoding: str) -> None:
    from ransearch.inputs import read_text_file

    path = tmp_path / "situation.txt"
    path.write_bytes(ENCODINGS[encoding](SITUATION))
    assert read_text_file(path) == SITUATION  # no BOM left, accents intact


@pytest.mark.parametrize("data,says", [
    (b"\x00\x01\x02\x03PK\x03\x04" * 50, "binary file, not a text document; save it as UTF-8 text"),
    (b"", "empty file"),
    (SITUATION.encode("utf-16-le"), "binary file"),  # UTF-16 without a BOM cannot be told from binary
])
def test_read_text_file_refuses_in_one_line(tmp_path: Path, data: bytes, says: str) -> None:
    from ransearch.errors import QueryError
    from ransearch.inputs import read_text_file

    path = tmp_path / "situation.txt"
    path.write_bytes(data)
    with pytest.raises(QueryError, match=says) as caught:
        read_text_file(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-16 with BOM", "cp1252", "utf-8 with BOM"])
def test_match_file_and_eval_read_other_encodings(cli, corpus: Path, tmp_path: Path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    assert cli("index", str(corpus))[0] == 0
    situation = tmp_path / "situation.txt"
    situation.write_bytes(ENCODINGS[encoding](SITUATION))
    code, out, err = cli("match", "--file", str(situation), "--json")
    assert code == 0, err
    needs = " ".join(n["text"] for n in json.loads(out)["needs"])
    assert "é" in needs and "Ã" not in needs and "\ufeff" not in needs  # decoded right, BOM gone
    name = sorted(corpus.glob("*.txt"))[0].name
    query = {"id": "q1", "lang": "fr", "kind": "keyword", "text": "coopération écoles ville", "relevant": {name: 2}}
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes(ENCODINGS[encoding](json.dumps(query, ensure_ascii=False) + "\n"))
    code, out, err = cli("eval", str(queries), "--json")
    assert code == 0, err
    assert json.loads(out)["reports"]


@pytest.mark.parametrize("command", [["match", "--file"], ["eval"]])
def test_a_binary_file_is_one_line_and_status_2(cli, corpus: Path, tmp_path: Path, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli("index", str(corpus))[0] == 0
    binary = tmp_path / "situation.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    code, out, err = cli(*command, str(binary))
    assert code == 2 and not out
    assert err == f"ransearch: {binary}: binary file, not a text document; save it as UTF-8 text\n"


# -- item 7: a full disk or a file size limit: one line, status 2, and last_run.json tells the truth ---

def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_no_op_run_on_a_full_disk_leaves_no_older_run_showing(cli, corpus: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.last_run

    assert cli("index", str(corpus))[0] == 0
    assert cli("index", str(tmp_path / "gone"))[0] == 1  # a usage error: nothing recorded
    (tmp_path / "empty").mkdir()
    assert cli("index", str(tmp_path / "empty"))[0] == 2  # a fatal error, recorded
    assert "failed (exit 2)" in cli("status")[1]
    monkeypatch.setattr(ransearch.last_run, "write_atomic", _no_space)  # nothing can be written any more
    code, out, err = cli("index", str(corpus))
    assert code == 2 and out.startswith("index unchanged")
    assert err == (f"ransearch: error: cannot record the report of this run in {Path('index') / 'last_run.json'}: "
                   "No space left on device\n")
    assert not (tmp_path / "index" / "last_run.json").exists()
    code, out, _ = cli("status")
    assert code == 0 and "last run     not recorded" in out and "failed" not in out


def test_a_short_record_says_the_report_could_not_be_written(cli, corpus: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.last_run
    from ransearch.store import read_last_run

    assert cli("index", str(corpus))[0] == 0
    write = ransearch.last_run.write_atomic
    calls: list[str] = []

    def full_once(path: Path, text: str) -> None:  # the full report does not fit; the short one does
        calls.append(text)
        if len(calls) == 1:
            _no_space()
        write(path, text)

    monkeypatch.setattr(ransearch.last_run, "write_atomic", full_once)
    code, out, err = cli("index", str(corpus), "--json")
    assert code == 2 and json.loads(out)["outcome"] == "unchanged" and "cannot record the report" in err
    run = read_last_run(tmp_path / "index")
    assert run and run["outcome"] == "unchanged" and run["exit_status"] == 2 and "No space left" in run["record_error"]
    monkeypatch.setattr(ransearch.last_run, "write_atomic", write)
    code, out, _ = cli("status")
    assert "unchanged (exit 2): cannot record the report of this run" in out


def test_a_full_disk_while_writing_a_generation(cli, corpus: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import ransearch.indexing
    from ransearch.store import current_generation, read_last_run

    assert cli("index", str(corpus))[0] == 0
    serving = current_generation(tmp_path / "index")
    from conftest import reindex_mark

    reindex_mark(sorted(corpus.glob("*.txt"))[0], "zebra")
    monkeypatch.setattr(ransearch.indexing, "write_chunks", _no_space)
    code, out, err = cli("index", str(corpus))
    assert code == 2 and not out
    assert err.splitlines() == ["ransearch: cannot write the index at index: No space left on device",
                                f"ransearch: nothing changed: generation {serving} still serves"]
    run = read_last_run(tmp_path / "index")
    assert run and run["outcome"] == "failed" and "No space left on device" in run["error"]
    assert current_generation(tmp_path / "index") == serving
    assert [p.name for p in (tmp_path / "index" / "generations").iterdir()] == [serving]  # no leftovers


_ULIMIT_DRIVER = """
import resource, sys
sys.path[:0] = [{src!r}, {tests!r}]
from conftest import FakeEncoder
import ransearch.engine
ransearch.engine.load_encoder = lambda name, **kw: FakeEncoder()
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["ransearch", *sys.argv[2:]]
from ransearch.cli import main
main()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="ulimit -f is POSIX")
def test_under_ulimit_f(corpus: Path, tmp_path: Path) -> None:
    """A real file size limit (``ulimit -f``) in a child process: Python ignores SIGXFSZ, so
    writes fail with EFBIG ("File too large")."""
    import os
    import subprocess

    driver = tmp_path / "driver.py"
    tests = Path(__file__).resolve().parent
    driver.write_text(_ULIMIT_DRIVER.format(src=str(tests.parent / "src"), tests=str(tests)), "utf-8")
    env = {**os.environ, "RANSEARCH_CACHE": str(tmp_path / "cache"), "RANSEARCH_CONFIG": str(tmp_path / "r.toml")}
    (tmp_path / "r.toml").write_text('encoder = "fake"\n', "utf-8")
    index = tmp_path / "index"

    def run(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(driver), str(limit), *args], capture_output=True, text=True,
                              env=env, timeout=120, cwd=tmp_path)

    # the first build cannot write its files: one line, status 2, the failure recorded
    done = run(8000, "index", str(corpus), "--index", str(index))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "File too large" in done.stderr and "nothing changed: there is no index yet" in done.stderr
    assert json.loads((index / "last_run.json").read_text("utf-8"))["outcome"] == "failed"
    assert run(1 << 30, "index", str(corpus), "--index", str(index)).returncode == 0
    # a no-op run whose report does not fit: status 2, and no earlier run left showing
    done = run(700, "index", str(corpus), "--index", str(index))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cannot record the report of this run" in done.stderr and "File too large" in done.stderr
    status = run(1 << 30, "status", "--index", str(index), "--json")
    last = json.loads(status.stdout)["last_run"]
    assert last["outcome"] == "unchanged" and last["exit_status"] == 2 and "File too large" in last["record_error"]


def test_commands_name_a_damaged_pointer_and_say_what_serves(cli, corpus: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ransearch.store import list_generations

    assert cli("index", str(corpus))[0] == 0
    (tmp_path / "index" / "CURRENT").write_bytes(b"\xff\xfe\x1b[2J")
    serving = list_generations(tmp_path / "index")[-1]
    code, out, err = cli("ask", "coopération écoles")
    assert code == 0 and out
    assert err.splitlines()[0] == ("ransearch: warning: index/CURRENT is not UTF-8 text (it should hold a "
                                   "generation id)")
    code, out, _ = cli("status")
    assert code == 0 and f"generation   {serving}" in out and "CURRENT is not UTF-8" in out
    (tmp_path / "empty").mkdir()
    code, _, err = cli("index", str(tmp_path / "empty"))  # a fatal error: what serves is named all the same
    assert code == 2 and f"nothing changed: generation {serving} still serves" in err


# -- item 8: a --report file that cannot be written makes the run exit 2 --------------------------

@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_report_file_that_cannot_be_written_exits_2(cli, corpus: Path, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "no" / "such" / "report.json" if where == "missing folder" else tmp_path
    code, out, err = cli("index", str(corpus), "--report", str(target))
    assert code == 2 and "index updated" in out
    assert err.startswith(f"ransearch: cannot write the report to {target}: ") and err.count("\n") == 1
    code, _, err = cli("index", str(corpus), "--report", str(tmp_path / "report.json"))
    assert code == 0 and json.loads((tmp_path / "report.json").read_text("utf-8"))["exit_status"] == 0
