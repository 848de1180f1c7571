"""The thread policy (ransearch.threads): one BLAS/OpenMP thread per query, one parser of the
configured thread count."""

from __future__ import annotations

import numpy as np  # noqa: F401 - loads the BLAS pool the one_thread test looks at
import pytest

from ransearch.errors import ConfigError, EncoderUnavailable
from ransearch.threads import available_cpus, encoder_threads


def test_encoder_threads_come_from_the_argument_else_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RANSEARCH_THREADS", raising=False)
    assert encoder_threads(None, "use") is None
    assert encoder_threads(2, "use") == 2
    monkeypatch.setenv("RANSEARCH_THREADS", "3")
    assert encoder_threads(None, "use") == 3
    for bad in ("many", "0", "-1", "2.5"):
        monkeypatch.setenv("RANSEARCH_THREADS", bad)
        with pytest.raises(ConfigError, match="RANSEARCH_THREADS"):
            encoder_threads(None, "use")
    for wrong in (0, -2, True):
        with pytest.raises(EncoderUnavailable, match="positive"):
            encoder_threads(wrong, "use")


def test_available_cpus() -> None:
    assert available_cpus() >= 1


def test_one_thread_limits_pools_while_any_query_runs() -> None:
    """Overlapping queries: the pools stay limited until the last one ends.

    The queries enter and leave from the main thread: OpenBLAS (pthreads) ignores a thread
    count set from another thread once its own threads run, which is why servers cap the pools
    at start-up (``cap_process_threads``) rather than rely on this.
    """
    import threading

    from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

    from ransearch.threads import _OneThread

    # a fresh one: the process's `one_thread` knows the pools loaded at its first query, and an
    # earlier test may have loaded another library since (torch)
    one_thread = _OneThread()

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
