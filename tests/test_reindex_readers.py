"""Readers keep answering while the index is rebuilt again and again, always from one whole generation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conftest import DEV_CORPUS, FakeEncoder, reindex_mark
from ransearch.engine import Engine
from ransearch.indexing import build_index
from ransearch.ingest import practice_id
from ransearch.store import list_generations

QUERIES = ("family support", "zebra", "prison", "okapi returning foreign fighters")


class Flip:
    """Switches a corpus folder between two states: A (as given) and B (one document edited,
    one removed, one added: another practice)."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        docs = sorted(corpus.glob("*.txt"))
        self.edited, self.removed = docs[0], docs[1]
        self.originals = {p: p.read_bytes() for p in (self.edited, self.removed)}
        self.added = corpus / "added.txt"
        # another practice (a copy of a corpus document would be its duplicate, not a new practice)
        self.added.write_bytes(sorted(DEV_CORPUS.glob("*.txt"))[10].read_bytes())
        reindex_mark(self.edited, "zebra")
        reindex_mark(self.added, "okapi")
        self.b_bytes = {p: p.read_bytes() for p in (self.edited, self.added)}
        self.ids_b = frozenset(practice_id(p.name) for p in corpus.glob("*.txt")) - {practice_id(self.removed.name)}
        self.to_a()
        self.ids_a = frozenset(practice_id(p.name) for p in corpus.glob("*.txt"))

    def to_a(self) -> None:
        for path, data in self.originals.items():
            path.write_bytes(data)
        self.added.unlink(missing_ok=True)

    def to_b(self) -> None:
        for path, data in self.b_bytes.items():
            path.write_bytes(data)
        self.removed.unlink()


def check(engine: Engine, states: tuple[frozenset[str], ...]) -> str:
    """Assert that ``engine`` serves one whole generation of one corpus state; its generation id."""
    ids = frozenset(p.id for p in engine.practices())
    assert ids in states, f"practices {sorted(ids)} are not one corpus state"
    assert ids == frozenset(d.practice_id for d in engine.manifest.documents.values())
    assert engine.sizes().chunks == engine.manifest.counts.chunks
    assert engine.sizes().lexical_practices == len(ids)
    assert not engine.warnings
    for query in QUERIES:
        hits = engine.ask(query, k=10).results
        assert hits and {h.practice_id for h in hits} <= ids
    return engine.manifest.generation


def test_readers_see_one_whole_generation_while_reindexing_repeats(reindex_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    flip = Flip(reindex_corpus)
    writer_encoder = FakeEncoder()
    build_index([reindex_corpus], index, writer_encoder, keep=2)
    held = Engine.open(index, encoder=FakeEncoder())  # opened once, kept through every switch
    states = (flip.ids_a, flip.ids_b)
    done = threading.Event()
    errors: list[BaseException] = []
    seen: set[str] = set()
    answers = [0]

    def reader() -> None:
        encoder = FakeEncoder()
        while not done.is_set():
            try:
                seen.add(check(Engine.open(index, encoder=encoder), states))
                check(held, states)
                answers[0] += 1
            except BaseException as exc:  # noqa: BLE001 - every failure is a test failure
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    built = []
    try:
        for run in range(8):
            flip.to_b() if run % 2 == 0 else flip.to_a()
            report = build_index([reindex_corpus], index, writer_encoder, keep=2)
            assert report.outcome == "updated" and report.exit_status == 0
            built.append(report.generation)
            time.sleep(0.05)
    finally:
        done.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[0]
    assert answers[0] >= 8 and len(seen) >= 3, (answers, seen)
    print(f"{answers[0]} reader rounds over {len(seen)} generations, 0 errors")
    assert held.manifest.generation not in list_generations(index)  # pruned, yet it kept answering
    assert list_generations(index) == built[-2:]


@pytest.mark.slow
def test_readers_in_other_processes_during_repeated_cli_runs(reindex_corpus: Path, tmp_path: Path) -> None:
    """The same with the real encoder and the real command line: ``ransearch index`` in a loop
    in one process, ``ransearch ask`` in a loop in another."""
    import json
    import subprocess
    import sys

    index = tmp_path / "index"
    flip = Flip(reindex_corpus)
    cli = [sys.executable, "-m", "ransearch"]
    assert subprocess.run([*cli, "index", str(reindex_corpus), "--index", str(index)], capture_output=True).returncode == 0
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(index), str(stop), *sorted(flip.ids_a),
                               "--", *sorted(flip.ids_b)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for run in range(6):
            flip.to_b() if run % 2 == 0 else flip.to_a()
            result = subprocess.run([*cli, "index", str(reindex_corpus), "--index", str(index), "--json"],
                                    capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout)["outcome"] == "updated"
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["errors"] == 0 and summary["answers"] >= 6 and len(summary["generations"]) >= 2, summary


_READER = """
import json, sys
from pathlib import Path
from ransearch.engine import Engine
index, stop = Path(sys.argv[1]), Path(sys.argv[2])
cut = sys.argv.index("--")
states = (frozenset(sys.argv[3:cut]), frozenset(sys.argv[cut + 1:]))
answers, errors, generations, encoder = 0, 0, set(), None
while not stop.exists() or answers == 0:
    try:
        engine = Engine.open(index, encoder=encoder)
        encoder = engine.encoder
        ids = frozenset(p.id for p in engine.practices())
        hits = engine.ask("family support for relatives of foreign fighters", k=10).results
        ok = (ids in states and hits and {h.practice_id for h in hits} <= ids and not engine.warnings
              and engine.sizes().chunks == engine.manifest.counts.chunks)
    except Exception as exc:
        print("error:", repr(exc), file=sys.stderr)
        ok = False
    answers += 1
    errors += not ok
    generations.add(engine.manifest.generation)
print(json.dumps({"answers": answers, "errors": errors, "generations": sorted(generations)}))
"""
