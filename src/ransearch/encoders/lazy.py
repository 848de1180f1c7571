"""An encoder loaded on first use: an indexing run with nothing to embed never loads its model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ransearch.encoders import Encoder
from ransearch.errors import IndexMismatch

__all__ = ["LazyEncoder"]


class LazyEncoder:
    """The named encoder, loaded on first use: a run with nothing to embed never loads it."""

    def __init__(self, name: str, load: Callable[[], Encoder], dimension: int,
                 languages: frozenset[str] | None = None) -> None:
        self.name = name
        self.dimension = dimension
        #: the languages the encoder says it covers (``ransearch.querylang.encoder_languages``)
        self.languages = languages
        self._load = load
        self._encoder: Encoder | None = None

    def _get(self) -> Encoder:
        if self._encoder is None:
            encoder = self._load()
            if encoder.dimension != self.dimension:
                raise IndexMismatch("encoder dimension", self.dimension, encoder.dimension)
            self._encoder = encoder
        return self._encoder

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_passages(texts)

    def warm_up(self) -> None:
        self._get().warm_up()
