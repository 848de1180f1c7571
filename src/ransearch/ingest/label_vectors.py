"""Vectors of label candidates and of the catalogue's texts, from a multilingual encoder.

The encoder is ``use``, the default encoder, loaded on first use (a document whose labels are
all catalogued never needs it). A document whose labels are in a language ``use`` does not read
(Czech, Danish, Greek, Finnish…: :func:`encoder_for`) is read with ``e5`` (multilingual-e5-small,
about 100 languages) when it is installed; its cosines are put on ``use``'s scale
(:func:`calibrated`), so that one set of thresholds serves both. Candidate texts are memoised
by text; the catalogue's own texts are cached on disk, the same for every process. Without an
encoder, both return None and similarity is skipped.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ransearch.errors import RansearchError

__all__ = ["embed", "catalogue_vectors", "encoder_for", "calibrated", "DEFAULT"]

DEFAULT = "use"
_WIDE = "e5"
_E5_TO_USE = (-4.038, 5.154)
"""``use``'s cosine ≈ a + b × ``e5``'s, for a paragraph's best cosine with the catalogue's
instructions in another language than its own (the case of a language no catalogue writes):
fitted on the 716 paragraphs of dev's and dev2's text documents in languages both encoders
read (correlation 0.86); fitted on either set alone, it reads the other with the same residual
spread, 0.11–0.12 (``benchmarks/calibrate_label_encoders.py``)."""
_MEMO = 20000


@lru_cache(maxsize=2)
def _encoder(name: str) -> Any | None:
    try:
        from ransearch.encoders import load_encoder

        enc = load_encoder(name)
        enc.warm_up()
        return enc
    except (ImportError, OSError, RansearchError):  # no encoder: the first two steps still work
        return None


@lru_cache(maxsize=64)
def encoder_for(language: str) -> str:
    """The encoder that reads label candidates of a document in ``language`` (an ISO 639-1 code;
    "" when unknown): ``use`` for its own languages, else ``e5`` if it is installed."""
    from ransearch.encoders.use import UseEncoder

    if not language or language in UseEncoder.languages or _encoder(_WIDE) is None:
        return DEFAULT
    return _WIDE


def calibrated(cosines: np.ndarray, encoder: str) -> np.ndarray:
    """Cosines of ``encoder`` on ``use``'s scale."""
    if encoder != _WIDE:
        return cosines
    a, b = _E5_TO_USE
    return np.asarray(a + b * cosines, dtype=cosines.dtype)


_memo: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()


def embed(texts: Sequence[str], encoder: str = DEFAULT) -> np.ndarray | None:
    """Unit vectors of candidate ``texts`` (memoised by text), or None without an encoder.

    Candidates are few and short: the encoder's query pass (one thread, no padding to a long
    batch) suits them best.
    """
    enc = _encoder(encoder)
    if enc is None:
        return None
    todo = list(dict.fromkeys(t for t in texts if (encoder, t) not in _memo))
    if todo:
        vecs = _unit(enc.encode_queries(todo), encoder)
        for t, v in zip(todo, vecs):
            _memo[encoder, t] = v
        while len(_memo) > _MEMO:
            _memo.popitem(last=False)
    for t in texts:
        _memo.move_to_end((encoder, t))
    return np.stack([_memo[encoder, t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def catalogue_vectors(texts: list[str], encoder: str = DEFAULT) -> np.ndarray | None:
    """Vectors of the catalogue's own texts, cached on disk (the same for every process)."""
    enc = _encoder(encoder)
    if enc is None:
        return None
    digest = hashlib.sha256("\x00".join([enc.name, *texts]).encode("utf-8")).hexdigest()[:24]
    path = None
    try:
        from ransearch.config import cache_dir

        path = cache_dir() / "template" / f"{digest}.npy"
        if path.is_file():
            vecs = np.load(path)
            if vecs.shape[0] == len(texts):
                return vecs
    except (OSError, ValueError):
        path = None
    vecs = np.ascontiguousarray(_unit(enc.encode_passages(texts), encoder), dtype=np.float32)
    if path is not None:
        try:  # written beside, then renamed: a reader never sees half a file
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, vecs)
            os.replace(tmp, path)
        except OSError:
            pass
    return vecs


def _unit(vectors: Any, encoder: str) -> np.ndarray:
    """``vectors`` scaled to length 1, as a cosine needs (``use`` gives them so)."""
    vecs = np.asarray(vectors, dtype=np.float32)
    if encoder == DEFAULT:
        return vecs
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms > 0, norms, 1.0)
