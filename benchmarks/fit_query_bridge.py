"""Fit the query bridge (``ransearch.encoders.bridge``): a linear map from e5 query vectors to
``use`` query vectors of the same texts.

    python benchmarks/fit_query_bridge.py corpus/1*.txt            # what the shipped map was fitted on

The documents are parsed and chunked as an index would; the texts are their sentences (3–40
words) and, for keyword-like queries, two random spans of 2–6 words from each sentence, in the
languages both encoders cover only (a text in a language ``use`` lacks lands in its language's
region, which the map must not learn). The ridge penalty is chosen on a fifth of the texts held
out (mean cosine of the mapped vector with the real one); printed: each penalty's held-out cosine
and how often the mapped vector's nearest held-out text is its own. The map is then fitted on
every text and written to ``src/ransearch/encoders/e5_to_use.npz`` (``--out``).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ransearch.chunking import chunk_practice  # noqa: E402
from ransearch.encoders import load_encoder  # noqa: E402
from ransearch.encoders.bridge import MAP_FILE  # noqa: E402
from ransearch.errors import ParseError  # noqa: E402
from ransearch.ingest import parse_files  # noqa: E402
from ransearch.querylang import encoder_languages  # noqa: E402
from ransearch.text import split_sentences  # noqa: E402

PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0)
OUT = Path(__file__).resolve().parents[1] / "src" / "ransearch" / "encoders" / MAP_FILE


def texts_of(documents: list[Path], languages: frozenset[str], seed: int) -> tuple[list[str], list[str]]:
    """Sentences and short spans of the documents' chunks in ``languages``; and those languages."""
    rng = random.Random(seed)
    texts: set[str] = set()
    seen: set[str] = set()
    for practice in parse_files(documents):
        if isinstance(practice, ParseError) or practice.language not in languages:
            continue
        seen.add(practice.language)
        for chunk in chunk_practice(practice):
            for sentence in split_sentences(chunk.text):
                words = sentence.split()
                if len(words) >= 3:
                    texts.add(" ".join(words[:40]))
                for _ in range(2 if len(words) >= 4 else 0):
                    n = rng.randint(2, 6)
                    start = rng.randint(0, max(0, len(words) - n))
                    texts.add(" ".join(words[start:start + n]))
    ordered = sorted(texts)
    rng.shuffle(ordered)
    return ordered, sorted(seen)


def ridge(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    return np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ y)


def held_out(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[float, float]:
    """Mean cosine of mapped and real vectors on the last fifth, and nearest-neighbour accuracy."""
    cut = len(x) * 4 // 5
    mapped = x[cut:] @ ridge(x[:cut], y[:cut], penalty)
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    cosine = float((mapped * y[cut:]).sum(axis=1).mean())
    accuracy = float(((mapped @ y[cut:].T).argmax(axis=1) == np.arange(len(mapped))).mean())
    return cosine, accuracy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("documents", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    use, e5 = load_encoder("use"), load_encoder("e5")
    covered = encoder_languages(use)
    assert covered is not None
    texts, languages = texts_of(args.documents, covered, args.seed)
    print(f"{len(texts)} texts in {', '.join(languages)} from {len(args.documents)} documents")
    y = np.asarray(use.encode_queries(texts), dtype=np.float64)
    x = np.vstack([e5.encode_queries(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float64)
    print(f"{'penalty':>8} {'cosine':>7} {'nearest':>8}")
    scores = {}
    for penalty in PENALTIES:
        scores[penalty] = held_out(x, y, penalty)
        print(f"{penalty:>8} {scores[penalty][0]:>7.3f} {scores[penalty][1]:>8.3f}")
    best = max(PENALTIES, key=lambda p: scores[p][0])
    matrix = ridge(x, y, best).astype(np.float16)
    names = ", ".join(sorted(p.name for p in args.documents))
    fitted_on = (f"{len(texts)} sentences and spans in {', '.join(languages)} of {names}; ridge penalty {best} "
                 f"(held-out cosine {scores[best][0]:.3f})")
    np.savez_compressed(args.out, matrix=matrix, fitted_on=np.array(fitted_on))
    print(f"penalty {best}: written {args.out} ({matrix.shape[0]}×{matrix.shape[1]})")


if __name__ == "__main__":
    main()
