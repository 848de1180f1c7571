"""ServingEngine: a new index generation is picked up without a restart and without a model load."""

from __future__ import annotations

from pathlib import Path

import pytest

from ransearch.engine import Engine
from ransearch.errors import IndexCorrupt
from ransearch.serving import ServingEngine

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"  # the 3 seeds (corpus/ is the demo)
QUERY = "soutien aux familles"


def reindex(index: Path, encoder, **options) -> str:  # type: ignore[no-untyped-def]
    return Engine.index([CORPUS], index, encoder=encoder, full=True, **options).generation


def test_refresh_switches_to_the_new_generation_with_the_same_encoder(serve_fake_index: Path,
                                                                        serve_fake_encoder) -> None:
    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder, interval=3600)
    first = live.engine
    assert live.refresh() is False
    new = reindex(serve_fake_index, serve_fake_encoder)
    assert live.engine is first  # not looked at before the interval has passed
    assert live.refresh() is True
    assert live.engine.manifest.generation == new and live.switches == [new]
    assert live.engine.encoder is serve_fake_encoder
    assert live.refresh() is False


def test_access_after_the_interval_loads_in_the_background(serve_fake_index: Path, serve_fake_encoder) -> None:
    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder, interval=0)
    first = live.engine
    new = reindex(serve_fake_index, serve_fake_encoder)
    assert live.engine in (first, live.engine)  # this access starts the load and returns at once
    live.wait(10)
    assert live.engine.manifest.generation == new


def test_a_request_keeps_its_engine_after_the_switch_and_the_pruning(serve_fake_index: Path,
                                                                     serve_fake_encoder) -> None:
    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder, interval=0)
    held = live.engine  # what a request in flight holds
    expected = held.ask(QUERY).to_dict()
    for _ in range(3):
        reindex(serve_fake_index, serve_fake_encoder, keep=1)
    assert live.refresh() is True
    assert not held.generation_dir.exists()  # pruned on disk
    assert held.ask(QUERY).to_dict() == expected  # still answers from memory
    assert live.engine is not held and live.engine.ask(QUERY).results


def test_a_generation_that_fails_to_open_is_logged_and_not_retried(serve_fake_index: Path, serve_fake_encoder,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Path] = []

    def opener(index_dir, encoder=None):  # type: ignore[no-untyped-def]
        calls.append(index_dir)
        if len(calls) == 2:
            raise IndexCorrupt(str(index_dir), "checksum mismatch")
        if len(calls) == 3:
            raise RuntimeError("something nobody foresaw")
        return Engine.open(index_dir, encoder=encoder)

    live = ServingEngine.open(serve_fake_index, encoder=serve_fake_encoder, interval=0, opener=opener)
    serving = live.engine
    reindex(serve_fake_index, serve_fake_encoder)
    with caplog.at_level("WARNING", logger="ransearch.serving"):
        assert live.refresh() is False
        assert "checksum mismatch" in caplog.text and serving.manifest.generation in caplog.text
        assert live.refresh() is False and len(calls) == 2  # same CURRENT: not tried again
        reindex(serve_fake_index, serve_fake_encoder)
        assert live.refresh() is False and "something nobody foresaw" in caplog.text
    assert live.engine is serving and serving.ask(QUERY).results
    newest = reindex(serve_fake_index, serve_fake_encoder)
    assert live.refresh() is True and live.engine.manifest.generation == newest


def test_a_generation_folder_is_served_as_it_is(serve_fake_index: Path, serve_fake_encoder) -> None:
    engine = Engine.open(serve_fake_index, encoder=serve_fake_encoder)
    live = ServingEngine.open(engine.generation_dir, encoder=serve_fake_encoder, interval=0)
    reindex(serve_fake_index, serve_fake_encoder)
    assert live.refresh() is False
    assert live.engine.generation_dir == engine.generation_dir


def test_a_switch_while_opening_is_caught_up(serve_fake_index: Path, serve_fake_encoder) -> None:
    old = Engine.open(serve_fake_index, encoder=serve_fake_encoder)
    new = reindex(serve_fake_index, serve_fake_encoder)  # CURRENT moves on before the holder exists
    live = ServingEngine(serve_fake_index, old, interval=0)
    assert live.refresh() is True and live.engine.manifest.generation == new


def test_open_with_threads_caps_every_thread_pool_of_the_process(serve_real_index: Path) -> None:
    import subprocess
    import sys

    code = (
        "from threadpoolctl import threadpool_info\n"
        "from ransearch.serving import ServingEngine\n"
        f"live = ServingEngine.open({str(serve_real_index)!r}, threads=1)\n"
        "live.warm_up()\n"
        "pools = {(p['internal_api'], p['num_threads']) for p in threadpool_info()}\n"
        "print(live.engine.encoder.threads, sorted(pools))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    encoder_threads, pools = done.stdout.split(" ", 1)
    assert encoder_threads == "1"
    assert "openblas" in pools and all(n == 1 for _, n in eval(pools))  # noqa: S307 - our own output
