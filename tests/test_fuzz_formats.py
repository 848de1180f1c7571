"""Fuzzing every reader: random and damaged files never fail with anything but ParseError.

Random bytes behind each format's signature, and the development set's practices rendered as
PDF, DOCX and HTML then damaged (bytes flipped, slices deleted, duplicated or inserted,
truncation) go through :func:`ransearch.ingest.parse_bytes`: the result is a well-formed
practice or a ``ParseError``. Hostile files are refused or read within bounds: zip bombs
disguised as DOCX (a huge member, sizes that lie, thousands of members, XML nested thousands
deep), a PDF decompression bomb, HTML nested 200,000 deep, and 10 MB single lines in every
format. Time is CPU time, bounded by 2 s per MB with a floor of 1 s per file; memory is the
peak traced by ``tracemalloc`` (for the bombs) or the growth of a fresh process's peak resident
memory (for the 10 MB cases, which are ``slow``).
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formats_fixtures import RENDERERS, dev_documents

from ransearch.errors import ParseError
from ransearch.ingest import parse_bytes, parse_file
from ransearch.ingest.docx import MAX_PARTS
from ransearch.records import Practice
from ransearch.template import SECTION_KEYS

pytest.importorskip("reportlab", reason='reportlab is needed to draw test PDFs (pip install "ransearch[test]")')

MB = 1 << 20
SECONDS_PER_MB, FLOOR = 2.0, 1.0
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SIGNATURES = {"pdf": b"%PDF-1.7\n", "docx": b"PK\x03\x04", "html": b"<!DOCTYPE html><html>", "txt": b""}


def budget(size: int) -> float:
    return max(FLOOR, SECONDS_PER_MB * size / MB)


def parse_or_reject(data: bytes, source: str) -> tuple[Practice | None, float]:
    """Parse; (practice or None when refused with ParseError, CPU seconds). Anything else fails."""
    start = time.process_time()
    try:
        practice: Practice | None = parse_bytes(data, source)
    except ParseError as exc:
        assert exc.reason and exc.path == source
        practice = None
    elapsed = time.process_time() - start
    if practice is not None:
        assert tuple(practice.sections) == SECTION_KEYS
        assert practice.format in {"txt", "md", "pdf", "docx", "html"}
        json.dumps(practice.to_dict())
    return practice, elapsed


def within_budget(data: bytes, source: str) -> tuple[Practice | None, float]:
    practice, elapsed = parse_or_reject(data, source)
    assert elapsed <= budget(len(data)), f"{source}: {elapsed:.2f} s for {len(data) / MB:.2f} MB"
    return practice, elapsed


def peak_memory(run: Callable[[], object]) -> float:
    """Peak memory traced while ``run`` runs, in MB."""
    tracemalloc.start()
    try:
        run()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / MB


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A practice rendered in each format (and its text), as bytes."""
    folder = tmp_path_factory.mktemp("fuzz")
    source = dev_documents()[2]
    practice = parse_file(source, source.parent)
    out = {fmt: render(practice, folder / f"p.{fmt}").read_bytes() for fmt, render in RENDERERS.items()}
    out["txt"] = source.read_bytes()
    parse_bytes(out["pdf"], "warm-up.pdf")  # imports and the language identifier: not timed later
    return out


# -- random and damaged input ------------------------------------------------------------------

@FUZZ
@given(fmt=st.sampled_from(sorted(SIGNATURES)), tail=st.binary(max_size=4096))
def test_random_bytes_behind_each_signature(fmt: str, tail: bytes) -> None:
    within_budget(SIGNATURES[fmt] + tail, f"random.{fmt}")


def mutate(data: bytes, rnd: random.Random, steps: int) -> bytes:
    out = bytearray(data)
    for _ in range(steps):
        if not out:
            break
        i = rnd.randrange(len(out))
        op = rnd.choice(("flip", "delete", "duplicate", "insert", "truncate", "zero"))
        n = rnd.randint(1, 512)
        if op == "flip":
            out[i] ^= 1 << rnd.randrange(8)
        elif op == "delete":
            del out[i:i + n]
        elif op == "duplicate":
            out[i:i] = out[i:i + n]
        elif op == "insert":
            out[i:i] = rnd.randbytes(n)
        elif op == "zero":
            out[i:i + n] = bytes(len(out[i:i + n]))
        else:
            del out[i:]
    return bytes(out)


@FUZZ
@given(fmt=st.sampled_from(["pdf", "docx", "html", "txt"]), seed=st.integers(0, 2**32 - 1),
       steps=st.integers(1, 12))
def test_damaged_files(files: dict[str, bytes], fmt: str, seed: int, steps: int) -> None:
    within_budget(mutate(files[fmt], random.Random(seed), steps), f"damaged.{fmt}")


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_truncated_files(files: dict[str, bytes], fmt: str) -> None:
    data = files[fmt]
    for cut in sorted({int(len(data) * k / 40) for k in range(1, 40)}):
        within_budget(data[:cut], f"truncated.{fmt}")


# -- DOCX: zip bombs and hostile packages ------------------------------------------------------

_CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                  '</Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')
_BODY = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def docx_package(document: bytes, extra: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
        for i in range(extra):
            archive.writestr(f"word/media/x{i}.bin", b"")
    return buf.getvalue()


def forge_size(package: bytes, member: bytes, size: int) -> bytes:
    """The package with ``member``'s uncompressed size rewritten to ``size`` (a lying zip)."""
    out = bytearray(package)
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        pos = out.find(signature)
        while pos >= 0:
            if out[pos + name_at:pos + name_at + len(member)] == member:
                out[pos + size_at:pos + size_at + 4] = size.to_bytes(4, "little")
            pos = out.find(signature, pos + 4)
    return bytes(out)


def test_zip_bomb_disguised_as_docx_is_refused_unopened() -> None:
    bomb = docx_package(_BODY + b"<w:p><w:r><w:t>" + b"a" * (40 * MB) + b"</w:t></w:r></w:p></w:body></w:document>")
    assert len(bomb) < 1 * MB
    result: list[float] = []
    peak = peak_memory(lambda: result.append(parse_or_reject(bomb, "bomb.docx")[1]))
    with pytest.raises(ParseError, match="zip bomb"):
        parse_bytes(bomb, "bomb.docx")
    assert result[0] < 0.5 and peak < 20


def test_zip_whose_sizes_lie_is_refused_within_bounds() -> None:
    document = _BODY + b"<w:p><w:r><w:t>" + b"a" * (150 * MB) + b"</w:t></w:r></w:p></w:body></w:document>"
    liar = forge_size(docx_package(document), b"word/document.xml", 2000)
    result: list[float] = []
    peak = peak_memory(lambda: result.append(parse_or_reject(liar, "liar.docx")[1]))
    with pytest.raises(ParseError, match="not a valid DOCX"):
        parse_bytes(liar, "liar.docx")
    assert result[0] < 2.0 and peak < 50  # reading stops at the declared 2,000 bytes


def test_docx_with_too_many_parts_or_deep_xml_is_refused() -> None:
    many = docx_package(_BODY + b"</w:body></w:document>", extra=MAX_PARTS)
    with pytest.raises(ParseError, match="parts"):
        parse_bytes(many, "many.docx")
    deep = docx_package(_BODY + b"<w:tbl><w:tr><w:tc>" * 20000 + b"</w:body></w:document>")
    practice, _ = within_budget(deep, "deep.docx")
    assert practice is None


# -- PDF and HTML bombs ------------------------------------------------------------------------

def test_pdf_decompression_bomb_is_refused() -> None:
    stream = zlib.compress(b"0 0 m 1 1 l S\n" * (20 * MB), 9)
    bomb = (b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
            + stream + b"\nendstream\nendobj\n")
    result: list[float] = []
    peak = peak_memory(lambda: result.append(parse_or_reject(bomb, "bomb.pdf")[1]))
    with pytest.raises(ParseError, match="decompression bomb"):
        parse_bytes(bomb, "bomb.pdf")
    assert result[0] < 2.0 and peak < 20


@pytest.mark.parametrize("opening", [b"<div>", b"<table><tr><td>", b"<ul><li>", b"<b><i>", b"<blockquote>"])
def test_deeply_nested_html(files: dict[str, bytes], opening: bytes) -> None:
    """200,000 levels: no recursion anywhere; the practice inside is still read."""
    page = files["html"]
    at = page.index(b"<table")
    nested = page[:at] + opening * 200_000 + page[at:]
    practice, _ = within_budget(nested, "nested.html")
    assert practice is not None and practice.title


# -- 10 MB single lines ------------------------------------------------------------------------

def ten_mb_line(fmt: str, files: dict[str, bytes]) -> bytes:
    """A 10 MB line of words (random: it does not compress to nothing) in a practice of ``fmt``."""
    rnd = random.Random(10)
    words = [bytes(rnd.choices(b"abcdefghijklmnopqrstuvwxyz", k=rnd.randint(2, 10))) for _ in range(5000)]
    line = b" ".join(rnd.choices(words, k=2 * MB))[: 10 * MB]
    if fmt == "txt":
        return files["txt"] + b"\n" + line
    if fmt == "html":
        return files["html"].replace(b"</main>", b"<p>" + line + b"</p></main>")
    if fmt == "pdf":
        return files["pdf"] + b"\n%" + line
    # the practice's Word file with one more paragraph, 10 MB long (in runs of 4 kB)
    runs = b"".join(b"<w:r><w:t>" + line[i:i + 4096] + b"</w:t></w:r>" for i in range(0, len(line), 4096))
    with zipfile.ZipFile(io.BytesIO(files["docx"])) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    document = parts["word/document.xml"]
    at = document.rindex(b"<w:sectPr")
    parts["word/document.xml"] = document[:at] + b"<w:p>" + runs + b"</w:p>" + document[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return out.getvalue()


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from ransearch.errors import ParseError
from ransearch.ingest import parse_bytes
warm, path = Path(sys.argv[1]), Path(sys.argv[2])
for name in ("p.pdf", "p.docx", "p.html"):
    parse_bytes((warm / name).read_bytes(), name)  # imports, language identifier
data = path.read_bytes()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
try:
    outcome = parse_bytes(data, path.name).layout
except ParseError as exc:
    outcome = "ParseError: " + exc.reason
cpu = time.process_time() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024  # kB on Linux
print(json.dumps({"cpu": cpu, "rss_mb": grown, "outcome": outcome}))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform not in ("linux", "darwin"), reason="measures memory with resource.getrusage")
@pytest.mark.parametrize("fmt", ["txt", "html", "pdf", "docx"])
def test_ten_megabyte_single_line(files: dict[str, bytes], fmt: str, tmp_path: Path) -> None:
    """Measured in a fresh process: CPU time of the parse, and how much the peak memory grew."""
    for name in ("pdf", "docx", "html"):
        (tmp_path / f"p.{name}").write_bytes(files[name])
    data = ten_mb_line(fmt, files)
    (tmp_path / f"long.{fmt}").write_bytes(data)
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path), str(tmp_path / f"long.{fmt}")],
                          capture_output=True, text=True, timeout=300, check=True)
    measured = json.loads(done.stdout)
    assert measured["cpu"] <= budget(len(data)), measured
    assert measured["rss_mb"] < 400, measured
    assert not measured["outcome"].startswith("ParseError") or "zip bomb" in measured["outcome"], measured


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["pdf", "docx", "html"]), seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 40))
def test_damaged_files_long_run(files: dict[str, bytes], fmt: str, seed: int, steps: int) -> None:
    within_budget(mutate(files[fmt], random.Random(seed), steps), f"damaged.{fmt}")


def test_fixture_files_parse(files: dict[str, bytes]) -> None:
    for fmt in ("pdf", "docx", "html", "txt"):
        practice, _ = within_budget(files[fmt], f"p.{fmt}")
        assert practice is not None
