"""Vectors of label candidates and of the catalogue's texts, from the multilingual encoder.

The encoder is loaded on first use (a document whose labels are all catalogued never needs
it). Candidate texts are memoised by text; the catalogue's own texts are cached on disk, the
same for every process. Without an encoder, both return None and similarity is skipped.
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

__all__ = ["embed", "catalogue_vectors"]

_MEMO = 20000


@lru_cache(maxsize=1)
def _encoder() -> Any | None:
    try:
        from ransearch.encoders import load_encoder

        enc = load_encoder("use")
        enc.warm_up()
        return enc
    except (ImportError, OSError, RansearchError):  # no encoder: the first two steps still work
        return None


_memo: OrderedDict[str, np.ndarray] = OrderedDict()


def embed(texts: Sequence[str]) -> np.ndarray | None:
    """Unit vectors of candidate ``texts`` (memoised by text), or None without an encoder.

    Candidates are few and short: the encoder's query pass (one thread, no padding to a long
    batch) suits them best.
    """
    enc = _encoder()
    if enc is None:
        return None
    todo = list(dict.fromkeys(t for t in texts if t not in _memo))
    if todo:
        vecs = enc.encode_queries(todo)
        for t, v in zip(todo, vecs):
            _memo[t] = v
        while len(_memo) > _MEMO:
            _memo.popitem(last=False)
    for t in texts:
        _memo.move_to_end(t)
    return np.stack([_memo[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def catalogue_vectors(texts: list[str]) -> np.ndarray | None:
    """Vectors of the catalogue's own texts, cached on disk (the same for every process)."""
    enc = _encoder()
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
    vecs = np.ascontiguousarray(enc.encode_passages(texts), dtype=np.float32)
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
