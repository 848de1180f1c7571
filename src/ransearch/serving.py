"""Serving an index from a long-running process (HTTP, MCP): the current generation, swapped in
without a restart, one query at a time.

``ransearch index`` commits a new generation by replacing ``index/CURRENT`` atomically (see
:mod:`ransearch.store`). :class:`ServingEngine` holds the :class:`~ransearch.engine.Engine` of
the generation it last opened and looks at ``CURRENT`` (one ``stat``) at most every
``interval`` seconds, when it is asked for the engine. When ``CURRENT`` changed, it opens the
new generation on a background thread with the encoder already loaded (so a switch costs no
model load), runs one query through it, and swaps one reference. A request that already holds
the old engine finishes on it; the next one gets the new engine. If the new generation cannot
be opened, the old one keeps serving and the failure is logged once.

Queries (anything that runs the encoder: ``ask``, ``match``, ``similar``) go through
:meth:`ServingEngine.exclusive`, one at a time per process: the encoder's BLAS calls change the
BLAS thread count around each call, and two threads doing that at once can hang the process.

Threads (see :mod:`ransearch.threads`): ``open(..., threads=1)`` (what the servers use) loads
the encoder with one thread and caps every BLAS and OpenMP pool of the process at one thread.

Servers (HTTP, MCP) use it; it imports no web or protocol library.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ransearch.display import visible
from ransearch.encoders import Encoder
from ransearch.engine import Engine
from ransearch.errors import RansearchError
from ransearch.store import CURRENT, GENERATIONS, current_generation, read_current
from ransearch.threads import cap_process_threads

__all__ = ["ServingEngine", "DEFAULT_INTERVAL"]

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.5
"""Seconds between two looks at ``index/CURRENT``."""

Opener = Callable[..., Engine]
_Signature = tuple[int, int, int] | None


def _signature(pointer: Path) -> _Signature:
    """What identifies one write of ``CURRENT``: it is replaced (new inode), never edited."""
    try:
        st = os.stat(pointer)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _prime(engine: Engine) -> None:
    """One query through a freshly opened engine, so its first real query is not the slow one."""
    try:
        engine.ask("warm up", k=1)
    except RansearchError:  # an empty index, for instance: nothing to prime
        pass


class ServingEngine:
    """The engine of an index folder's current generation, kept current while the process runs.

    Args:
        index_dir: the index folder (with ``CURRENT``). A generation folder given directly is
            served as it is, without pickup.
        engine: the engine of the generation to start with.
        interval: seconds between two looks at ``CURRENT``; 0 looks at every access.
        opener: how to open a generation (``Engine.open`` by default; tests pass others).
    """

    def __init__(self, index_dir: Path | str, engine: Engine, *, interval: float = DEFAULT_INTERVAL,
                 opener: Opener | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.interval = interval
        self._opener: Opener = opener or Engine.open
        self._engine = engine
        self._pointer = self.index_dir / CURRENT
        self._seen = _signature(self._pointer)
        if current_generation(self.index_dir) not in (None, engine.generation_dir.name):
            self._seen = None  # CURRENT moved on while the engine was being opened
        self._next_check = time.monotonic() + interval
        self._lock = threading.Lock()
        self._queries = threading.Lock()  # one query at a time: see the module docstring
        self._loading = threading.Lock()  # one load at a time, from the loader thread or refresh()
        self._loader: threading.Thread | None = None
        #: generation ids this process has switched to, oldest first
        self.switches: list[str] = []

    @classmethod
    def open(cls, index_dir: Path | str | None = None, *, encoder: Encoder | None = None,
             interval: float = DEFAULT_INTERVAL, opener: Opener | None = None,
             threads: int | None = None) -> ServingEngine:
        """Open the current generation of ``index_dir`` (default: the configured index).

        Args:
            threads: if given, load the encoder with this many threads and cap every BLAS and
                OpenMP pool of the process at it (see the module docstring).

        Raises:
            IndexNotFound, IndexCorrupt, IndexMismatch, EncoderUnavailable: as ``Engine.open``.
        """
        from ransearch.config import load_settings

        settings = load_settings(threads=threads)
        if index_dir is None:
            index_dir = settings.index_dir
        if opener is None:
            engine = Engine.open(index_dir, encoder=encoder, settings=settings)
        else:
            engine = opener(index_dir, encoder=encoder)
        for warning in engine.warnings:  # e.g. a damaged CURRENT: say so once, at start-up
            log.warning("%s", visible(warning))
        if threads:
            cap_process_threads(threads)  # after the open: the libraries to cap are loaded by now
        return cls(index_dir, engine, interval=interval, opener=opener)

    @property
    def engine(self) -> Engine:
        """The engine to use for one request: hold on to it until the request is done."""
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.interval
            if _signature(self._pointer) != self._seen:
                self._start_loader()
        return self._engine

    @contextmanager
    def exclusive(self) -> Iterator[Engine]:
        """The engine for one query, with the process's query lock held until the block ends.

        Use it for everything that runs the encoder (``ask``, ``match``, ``similar``); reading
        practices, facets or the manifest needs only :attr:`engine`.
        """
        with self._queries:
            yield self.engine

    def warm_up(self) -> None:
        """Load the encoder's weights and run one query, so the first request is not slower."""
        with self._queries:
            self._engine.warm_up()
            _prime(self._engine)

    def refresh(self) -> bool:
        """Look at ``CURRENT`` now and open a new generation on this thread if it changed.

        Returns:
            True if the engine was switched to another generation.
        """
        with self._lock:
            loader = self._loader
        if loader is not None:
            loader.join()
        before = self._engine
        if _signature(self._pointer) != self._seen:
            self._load()
        return self._engine is not before

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background load in progress (if any) to finish."""
        with self._lock:
            loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _start_loader(self) -> None:
        with self._lock:
            if self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_in_background, name="ransearch-serving", daemon=True)
            self._loader.start()

    def _load_in_background(self) -> None:
        try:
            self._load()
        finally:
            with self._lock:
                self._loader = None

    def _load(self) -> None:
        with self._loading:
            self._switch()

    def _switch(self) -> None:
        signature = _signature(self._pointer)
        if signature == self._seen:  # another load got there first
            return
        old = self._engine
        name, problem = read_current(self.index_dir)
        if name is None and old.generation_dir.parent.name == GENERATIONS:
            # CURRENT was removed or damaged: what serves stays (a fresh reader would take the
            # newest good generation, which may be one rolled back from); `ransearch index` repairs it
            self._seen = signature
            log.warning("keeping generation %s: %s", old.manifest.generation,
                        visible(problem or f"{self._pointer} is missing"))
            return
        try:
            new = self._opener(self.index_dir, encoder=old.encoder)
        except RansearchError as exc:
            # remember this write of CURRENT: retry only when it changes again
            self._seen = signature
            log.warning("keeping generation %s: the new one cannot be opened: %s", old.manifest.generation, exc)
            return
        except Exception:  # an unforeseen failure must never take the serving engine down
            self._seen = signature
            log.exception("keeping generation %s: unexpected error opening the new one", old.manifest.generation)
            return
        self._seen = signature
        if new.generation_dir == old.generation_dir:
            return
        with self._queries:
            _prime(new)
        self._engine = new  # one reference swap: requests in flight keep the engine they hold
        self.switches.append(new.manifest.generation)
        log.info("switched from generation %s to %s", old.manifest.generation, new.manifest.generation)
