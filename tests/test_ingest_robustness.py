"""``ransearch parse`` on foreseeable bad input: one clear line per failure, never a traceback.

The command runs in a subprocess (``python -m ransearch``), as a user would run it. Exit
status: 0 when every document parsed, 1 when some failed, 2 on a usage error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ransearch.errors import ParseError
from ransearch.ingest import parse_file
from ransearch.ingest.source import MAX_BYTES, read_text

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"
MD_SEED = CORPUS / "000_e99056891810f22c.txt"
OCR_SEED = CORPUS / "003_54bd44b4e51d05d2.txt"
HTML_SEED = CORPUS / "004_c92d1ef0c5228cd4.txt"


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "ransearch", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def make_bad_inputs(folder: Path) -> dict[str, Path]:
    """Every kind of bad input, by the reason the command must give for it."""
    paths = {
        "empty file": folder / "empty.txt",
        "blank": folder / "blank.txt",
        "binary": folder / "image.txt",
        "zip": folder / "practice.docx",
        "not a practice": folder / "letter.txt",
        "too large": folder / "huge.txt",
        "no documents": folder / "no-documents",
        "missing": folder / "missing.txt",
    }
    paths["empty file"].write_bytes(b"")
    paths["blank"].write_bytes(b" \n\t\r\n\n")
    paths["binary"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    paths["zip"].write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200 + b"word/document.xml")
    paths["not a practice"].write_text(
        "Dear colleagues,\n\nplease find attached the minutes of our meeting on youth work.\n"
        "Description of the venue: a school in Ghent.\nBest regards,\nAnna\n", encoding="utf-8")
    with paths["too large"].open("wb") as f:  # sparse: instant, takes no disk space
        f.truncate(50 * 1024 * 1024)
    paths["no documents"].mkdir()
    (paths["no documents"] / "notes.odt").write_bytes(b"PK\x03\x04")  # not a document suffix
    (paths["no documents"] / ".hidden.txt").write_text(MD_SEED.read_text("utf-8"), encoding="utf-8")
    return paths


@pytest.fixture()
def good(tmp_path: Path) -> dict[str, Path]:
    """Readable practices: UTF-8, cp1252, latin-1 and UTF-16 encoded."""
    folder = tmp_path / "good"
    folder.mkdir()
    out = {"utf8": folder / "utf8.txt", "cp1252": folder / "cp1252.txt", "latin1": folder / "latin1.txt",
           "utf16": folder / "utf16.txt"}
    out["utf8"].write_bytes(MD_SEED.read_bytes())
    out["cp1252"].write_bytes(HTML_SEED.read_text("utf-8").encode("cp1252"))  # œ, •, Ø, è
    latin1 = OCR_SEED.read_text("utf-8").replace("’", "'").replace("‘", "'")
    out["latin1"].write_bytes(latin1.encode("latin-1"))
    out["utf16"].write_bytes(HTML_SEED.read_text("utf-8").encode("utf-16"))  # with a byte-order mark
    return out


def test_other_encodings_parse_with_accents(good: dict[str, Path]) -> None:
    cp1252 = parse_file(good["cp1252"])
    reference = parse_file(HTML_SEED)
    assert cp1252.title == "Soutien familial à Sarpsborg"
    assert cp1252.country == "Norvège"
    assert "comté d'Østfold" in cp1252.sections["geography"]
    assert cp1252.sections == reference.sections
    assert cp1252.content_hash == reference.content_hash  # the hash is of the text, not the bytes
    latin1 = parse_file(good["latin1"])
    assert latin1.title == "Mise en place d'un réseau local"
    assert latin1.country == "Belgique" and latin1.country_code == "BE"
    assert "Coopération interinstitutionnelle" in latin1.sections["themes"]
    assert parse_file(good["utf16"]).sections == reference.sections


@pytest.mark.parametrize("kind, reason", [
    ("empty file", "empty file"),
    ("blank", "empty file"),
    ("binary", "binary file"),
    ("zip", "not a valid DOCX file"),
    ("not a practice", "not a RAN practice description"),
    ("too large", "file too large (50.0 MB, limit 20 MB)"),
])
def test_read_errors_name_the_problem(tmp_path: Path, kind: str, reason: str) -> None:
    path = make_bad_inputs(tmp_path)[kind]
    with pytest.raises(ParseError) as info:
        parse_file(path, strict_template=True)  # strict: text outside the template is refused
    assert info.value.path == str(path)
    assert reason in info.value.reason


def test_text_outside_the_template_is_kept_as_free_text(tmp_path: Path) -> None:
    path = make_bad_inputs(tmp_path)["not a practice"]
    practice = parse_file(path)
    assert practice.layout == "free_text"
    assert "minutes of our meeting" in practice.sections["description"]
    assert any("not laid out as the RAN practice template" in w for w in practice.warnings)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_limit_holds_without_a_file_size() -> None:
    # a pipe or device reports size 0: reading stops one byte past the limit
    with pytest.raises(ParseError, match=r"file too large \(limit"):
        read_text(Path("/dev/zero"), max_bytes=1000)
    assert MAX_BYTES == 20 * 1024 * 1024


def test_bad_input_one_line_each_others_still_parsed(tmp_path: Path, good: dict[str, Path]) -> None:
    bad = make_bad_inputs(tmp_path)
    result = run("parse", "--json", "--strict-template", good["utf8"], *bad.values(), good["cp1252"], good["latin1"],
                 cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(bad), result.stderr
    for kind, path in bad.items():
        mine = [line for line in lines if f"{path}:" in line]
        assert len(mine) == 1, (kind, result.stderr)
        assert mine[0].startswith("ransearch: ")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["source"] for r in records] == ["utf8.txt", "cp1252.txt", "latin1.txt"]
    assert records[1]["title"] == "Soutien familial à Sarpsborg"
    assert records[2]["country"] == "Belgique"


def test_all_parsed_exit_zero(tmp_path: Path, good: dict[str, Path]) -> None:
    result = run("parse", "--json", good["utf8"].parent, CORPUS, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    sources = sorted(json.loads(line)["source"] for line in result.stdout.splitlines())
    assert sources == sorted([p.name for p in good.values()] + [p.name for p in CORPUS.glob("*.txt")])


def test_readable_output(tmp_path: Path) -> None:
    result = run("parse", MD_SEED, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Favoriser la coopération" in result.stdout
    assert "Belgique (BE)" in result.stdout


@pytest.mark.parametrize("args", [(), ("parse",), ("parse", "--no-such-option", "x.txt")])
def test_usage_error_exit_two(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Usage" in result.stdout + result.stderr


def test_a_value_the_instructions_give_as_an_example_is_kept(tmp_path: Path) -> None:
    """The template's instructions list examples ("Exemples : Erasmus +, Fonds pour la sécurité
    intérieure (FSI), …, Horizon 2020"); a practice answering with them, one per line, keeps them:
    they are its values, not instruction text left behind."""
    text = MD_SEED.read_text("utf-8")
    value = "<p>Plusieurs visites d'étude de chercheurs européens"
    assert value in text
    path = tmp_path / "funded.txt"
    path.write_text(text.replace(value, "<p>Fonds pour la sécurité intérieure (FSI)</p><p>Fonds social européen</p>"
                                        "<p>Horizon 2020</p>" + value, 1), "utf-8")
    eu_links = parse_file(path).sections["eu_links"]
    for example in ("Fonds pour la sécurité intérieure (FSI)", "Fonds social européen", "Horizon 2020"):
        assert example in eu_links, example
    assert "Indiquez comment" not in eu_links


def test_only_names_an_instruction_lists_are_examples() -> None:
    """An instruction's enumeration of what to write ("the date, the place and the topic") is no
    list of examples: only names (capitalised) are, and "etc." is not one."""
    from ransearch.ingest.boilerplate import TemplateText
    from ransearch.text import tokens

    text = TemplateText(["Say when: the date, the place, the topic of the meeting.",
                         "Name the fund. Examples: Erasmus+, Internal Security Fund (ISF), Horizon 2020, etc."])
    names = ("Erasmus+", "Internal Security Fund (ISF)", "Internal Security Fund", "Horizon 2020")
    assert text.examples == {tuple(tokens(name)) for name in names}
