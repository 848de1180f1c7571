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
    from conftest import FakeEncoder

    from ransearch.cli import main

    for var in ("RANSEARCH_INDEX", "RANSEARCH_CORPUS", "RANSEARCH_ENCODER", "RANSEARCH_CONFIG", "RANSEARCH_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ransearch.toml").write_text('encoder = "fake"\n', "utf-8")
    encoder = FakeEncoder()
    monkeypatch.setattr(ransearch.engine, "load_encoder", lambda name, **kw: encoder)

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["ransearch", *args])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr()
        code = done.value.code
        return (code if isinstance(code, int) else 0 if code is None else 1), out.out, out.err

    return invoke


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    from conftest import DEV_CORPUS

    if not DEV_CORPUS.is_dir():
        pytest.skip(f"dev corpus not found at {DEV_CORPUS}")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in sorted(DEV_CORPUS.glob("*.txt"))[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


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
