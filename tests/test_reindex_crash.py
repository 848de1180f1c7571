"""Crash safety: an indexing process killed (SIGKILL) anywhere leaves a servable index, and the
next run succeeds.

Each case copies a baseline index (corpus state A), changes the corpus (state B: one document
edited, one removed, one added) and starts an indexing process that stops itself at a chosen
point (the n-th progress call of a stage: scan, parse, embed, write, switch) where it is killed
with SIGKILL; or kills it after a random delay. Then ``ask`` must answer from one complete
generation of state A or of state B, and a new run (taking the lock at once) must bring the
index to state B.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DEV_CORPUS, FakeEncoder, copy_dev_documents, reindex_mark
from ransearch.engine import Engine
from ransearch.indexing import build_index
from ransearch.ingest import practice_id
from ransearch.store import GENERATIONS, current_generation, verify_generation

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
DOCS = 10

_DRIVER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from conftest import FakeEncoder
import ransearch.indexing as indexing

corpus, index, stage, nth, full = Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1"
import ransearch.embedding
ransearch.embedding.ENCODE_BATCH = 16
calls = {}

def progress(name, done, total):
    calls[name] = calls.get(name, 0) + 1
    if name == stage and calls[name] == nth:
        print(f"paused {name} {calls[name]} ({done}/{total})", flush=True)
        time.sleep(600)

print("started", flush=True)
report = indexing.build_index([corpus], index, FakeEncoder(), progress=progress, full=full)
print("finished", report.outcome, flush=True)
"""

# (mode, stage, n-th call of that stage's progress); stage "random" kills after a random delay
POINTS = [
    *[("full", "scan", n) for n in (1, 10)],
    *[("full", "parse", n) for n in (1, 5, 10)],
    *[("full", "embed", n) for n in (1, 5, 10)],
    *[("full", "write", n) for n in (1, 2, 3, 4, 5, 6)],
    *[("full", "switch", n) for n in (1, 2, 3, 4)],
    *[("incremental", "parse", n) for n in (1, 2)],
    ("incremental", "embed", 1),
    *[("incremental", "write", n) for n in (1, 3, 5, 6)],
    *[("incremental", "switch", n) for n in (1, 2, 3)],
    *[(mode, "random", n) for mode in ("full", "incremental") for n in range(4)],
]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The baseline index of state A, the corpus in state B, and the practice ids of both."""
    root = tmp_path_factory.mktemp("crash")
    corpus = copy_dev_documents(root / "corpus", DOCS)
    ids_a = frozenset(practice_id(p.name) for p in corpus.glob("*.txt"))
    baseline = root / "baseline"
    build_index([corpus], baseline, FakeEncoder())
    docs = sorted(corpus.glob("*.txt"))
    reindex_mark(docs[0], "zebra")
    docs[1].unlink()
    # another practice (a copy of a corpus document would be its duplicate)
    (corpus / "added.txt").write_bytes(sorted(DEV_CORPUS.glob("*.txt"))[-1].read_bytes())
    reindex_mark(corpus / "added.txt", "okapi")
    ids_b = frozenset(practice_id(p.name) for p in corpus.glob("*.txt"))
    return {"corpus": corpus, "baseline": baseline, "a": ids_a, "b": ids_b,
            "gen_a": current_generation(baseline)}


def _serving(index: Path, scenario: dict[str, object]) -> str:
    """Check that the index serves one complete generation of state A or B; which one."""
    engine = Engine.open(index, encoder=FakeEncoder())
    assert not engine.warnings, engine.warnings
    verify_generation(engine.generation_dir)
    ids = frozenset(p.id for p in engine.practices())
    state = "a" if ids == scenario["a"] else "b" if ids == scenario["b"] else None
    assert state is not None, f"a mix of states: {sorted(ids)}"
    if state == "a":
        assert engine.manifest.generation == scenario["gen_a"]
    assert engine.sizes().chunks == engine.manifest.counts.chunks
    for query in ("family support", "zebra okapi", "prison"):
        hits = engine.ask(query, k=5).results
        assert hits and {h.practice_id for h in hits} <= ids
    return state


@pytest.mark.parametrize(("mode", "stage", "nth"), POINTS, ids=[f"{m}-{s}-{n}" for m, s, n in POINTS])
def test_kill_anywhere_leaves_a_servable_index(scenario: dict[str, object], tmp_path: Path,
                                               mode: str, stage: str, nth: int) -> None:
    index = tmp_path / "index"
    shutil.copytree(scenario["baseline"], index)  # type: ignore[arg-type]
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    proc = subprocess.Popen([sys.executable, str(driver), str(TESTS), str(scenario["corpus"]), str(index),
                             stage, str(nth), "1" if mode == "full" else "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().startswith("started")
        if stage == "random":
            time.sleep(random.Random(f"{mode}{nth}").uniform(0.05, 1.2 if mode == "full" else 0.4))
        else:
            line = proc.stdout.readline()
            assert line.startswith(f"paused {stage} {nth}"), f"never reached {stage} #{nth}: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()  # type: ignore[union-attr]

    state = _serving(index, scenario)
    if stage == "switch" and nth >= 3:  # CURRENT was replaced before the kill
        assert state == "b"
    if stage in ("scan", "parse", "embed", "write") or (stage == "switch" and nth <= 2):
        assert state == "a"

    # the next run: the killed run's lock is gone, its leftovers are cleaned, the index reaches B
    report = build_index([scenario["corpus"]], index, FakeEncoder(), lock_timeout=0)  # type: ignore[list-item]
    assert report.exit_status == 0 and report.outcome in ("updated", "unchanged")
    assert (report.outcome == "unchanged") == (state == "b")
    assert _serving(index, scenario) == "b"
    assert not [p.name for p in (index / GENERATIONS).iterdir() if p.name.startswith(".")]
    assert not list(index.glob(".*.tmp-*"))
