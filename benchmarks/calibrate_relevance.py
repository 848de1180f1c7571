"""Fit the readable relevance (``ransearch.search.relevance``) on graded sets, and check it across them.

    python benchmarks/calibrate_relevance.py ../shared/eval/dev ../shared/eval/dev2 [--encoder use]

For every query of every set and every practice of the set's corpus, the evidence the engine
computes (dense cosine, lexical share, standout = z-score of the fused score) and the judged
grade; a logistic model of "grade ≥ 2" is fitted per mode (hybrid, dense, lexical) on each set
alone and on all sets together. Printed: the coefficients of the joint fit (to copy into
``COEFFICIENTS``), and for each fit on one set the reliability on the other (predicted against
observed share of grade ≥ 2, in five bins) with its log-loss, so that a calibration that only
holds on the set it was fitted on shows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ransearch.engine import Engine  # noqa: E402
from ransearch.evaluation import find_sets, load_queries  # noqa: E402
from ransearch.search import standardise as _standardise  # noqa: E402
from ransearch.text import split_sentences  # noqa: E402

MODES = ("hybrid", "dense", "lexical")
COLUMNS = {"hybrid": (0, 1, 2), "dense": (0, 2), "lexical": (1, 2)}


def features(engine: Engine, queries_path: Path, mode: str) -> tuple[np.ndarray, np.ndarray]:
    s = engine._searcher  # white-box: the searcher's evidence and fusion are what is calibrated
    names = [PurePosixPath(s.head(r).source).name for r in range(len(s.practices))]
    rows, labels = [], []
    for q in load_queries(queries_path):
        sentences = split_sentences(q.text)
        # the whole text's signals as ask reads them: a situation's without dense feedback
        ev = s.signals([q.text], mode, whole=not s.is_situation(len(sentences) if len(sentences) > 1 else 0))[0]
        z = _standardise(s.fuse(ev, mode).astype(np.float64))
        for r, name in enumerate(names):
            rows.append((float(ev.dense[r]), float(ev.lexical[r]), float(z[r])))
            labels.append(q.relevant.get(name, 0) >= 2)
    return np.asarray(rows), np.asarray(labels, dtype=np.float64)


def fit(x: np.ndarray, y: np.ndarray, ridge: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (small ridge); returns (intercept, coefficients...)."""
    a = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(a.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + ridge * np.r_[0, w[1:]]
        hess = (a * (p * (1 - p))[:, None]).T @ a + ridge * np.diag(np.r_[0, np.ones(len(w) - 1)])
        w -= np.linalg.solve(hess, grad)
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -30, 30)))


def reliability(p: np.ndarray, y: np.ndarray) -> str:
    bins = np.digitize(p, [0.2, 0.4, 0.6, 0.8])
    cells = [f"{p[bins == b].mean():.2f}→{y[bins == b].mean():.2f} (n={int((bins == b).sum())})"
             for b in range(5) if (bins == b).any()]
    loss = -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))
    return f"log-loss {loss:.3f}; predicted→observed: " + ", ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--encoder", default="use")
    args = parser.parse_args()
    sets = find_sets(args.sets)
    data: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {m: {} for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for n, s in enumerate(sets):
            index = Path(tmp) / f"set{n}"
            Engine.index([s.corpus], index, encoder=args.encoder)
            engine = Engine.open(index)
            for mode in MODES:
                data[mode][s.name] = features(engine, s.queries, mode)
    for mode in MODES:
        cols = list(COLUMNS[mode])
        print(f"\n## {mode}  (features: {', '.join(['dense', 'lexical', 'standout'][c] for c in cols)})")
        for train in data[mode]:
            x, y = data[mode][train]
            w = fit(x[:, cols], y)
            for test in data[mode]:
                if test != train:
                    xt, yt = data[mode][test]
                    print(f"fitted on {train}, read on {test}: {np.round(w, 2).tolist()}  "
                          f"{reliability(predict(w, xt[:, cols]), yt)}")
        x = np.vstack([d[0] for d in data[mode].values()])
        y = np.concatenate([d[1] for d in data[mode].values()])
        w = fit(x[:, cols], y)
        full = np.zeros(4)
        full[0] = w[0]
        for c, v in zip(cols, w[1:]):
            full[1 + c] = v
        print(f"all sets: COEFFICIENTS[{args.encoder!r}][{mode!r}] = {tuple(np.round(full, 2).tolist())}  "
              f"{reliability(predict(w, x[:, cols]), y)}")


if __name__ == "__main__":
    main()
