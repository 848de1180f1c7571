"""Any sentence-transformers model as an encoder: ``st:<model name or local path>``.

Needs the ``st`` extra (``pip install "ransearch[st]"``); torch and sentence-transformers are
imported only when such an encoder is created. Models are never downloaded: ``HF_HUB_OFFLINE``
is set to ``1`` unless the user set it, and the model must be a local folder or already be in
the Hugging Face cache.

Prompts: e5 models expect ``query: `` and ``passage: `` before their inputs; those are the
defaults when the model's name contains ``e5``, and no prompt otherwise. Both can be set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ransearch.threads import encoder_threads
from ransearch.errors import EncoderUnavailable

__all__ = ["SentenceTransformerEncoder", "default_prompts", "INSTALL_HINT"]

INSTALL_HINT = 'install the extra: pip install "ransearch[st]"'
_DEFAULT_BATCH = 32


def default_prompts(model: str) -> tuple[str, str]:
    """The (query, passage) prompts a model expects by default, judged from its name."""
    base = model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    return ("query: ", "passage: ") if "e5" in base else ("", "")


class SentenceTransformerEncoder:
    """A sentence-transformers model, loaded offline when the encoder is created.

    Args:
        model: a model name in the Hugging Face cache, or the path of a saved model.
        batch_size: texts per forward pass (default 32).
        device: torch device (default: the library's choice).
        threads: torch CPU threads (default: the settings' ``threads``, else torch's own choice).
            torch applies this to the whole process.
        query_prompt, passage_prompt: text put before each query or passage; None for the
            default (see :func:`default_prompts`), ``""`` for none.

    Raises:
        EncoderUnavailable: the extra is not installed, or the model cannot be loaded offline.
    """

    def __init__(self, model: str, *, batch_size: int | None = None, device: str | None = None,
                 threads: int | None = None, query_prompt: str | None = None,
                 passage_prompt: str | None = None) -> None:
        self.model = model
        self.name = f"st:{model}"
        default_query, default_passage = default_prompts(model)
        self.query_prompt = default_query if query_prompt is None else query_prompt
        self.passage_prompt = default_passage if passage_prompt is None else passage_prompt
        self.batch_size = batch_size or _DEFAULT_BATCH
        self._model = self._load(device, encoder_threads(threads, self.name))
        self.dimension = self._dimension()

    def _load(self, device: str | None, threads: int | None) -> Any:
        # before the first import of huggingface_hub, which reads it once
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderUnavailable(self.name, INSTALL_HINT) from exc
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        try:
            return SentenceTransformer(self.model, device=device, local_files_only=True)
        except Exception as exc:  # the libraries raise many types for a missing or bad model
            detail = (str(exc).strip().splitlines() or [""])[0]
            raise EncoderUnavailable(
                self.name,
                f"cannot load the model offline ({type(exc).__name__}: {detail}); "
                "give the path of a saved model or download it into the Hugging Face cache first",
            ) from exc

    def _dimension(self) -> int:
        for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
            get = getattr(self._model, method, None)
            if callable(get) and isinstance(dimension := get(), int):
                return dimension
        return int(self._encode(["dimension"], "").shape[1])

    def warm_up(self) -> None:
        self._encode(["warm up"], self.query_prompt)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # an explicit prompt, even "", also keeps a model's own default prompt out
        out = self._model.encode(
            list(texts), prompt=prompt, batch_size=self.batch_size, convert_to_numpy=True,
            normalize_embeddings=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)
