"""Fit how ``e5``'s cosines read on ``use``'s scale, for instruction text (``ransearch.ingest.label_vectors``).

    python benchmarks/calibrate_label_encoders.py ../shared/eval/dev ../shared/eval/dev2 [--json out.json]

A template document whose labels are in a language ``use`` does not read has its instruction
text recognised by ``e5``, whose cosines crowd together (0.8–0.95): they are put on ``use``'s
scale by a line, ``use ≈ a + b × e5``, so that the thresholds of the readers serve both. The
line is fitted on what it stands for: every paragraph of the sets' text documents in a language
both encoders read, scored as the readers score it (its best cosine with a sentence of the
catalogue's instructions), against the instructions in the *other* languages only (a language
no catalogue writes has no instructions of its own to match). Printed: the fit on each set, on
both, and how each set's fit reads the other set (residual spread), so a line that holds on one
set only shows.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ransearch.encoders import load_encoder  # noqa: E402
from ransearch.encoders.use import UseEncoder  # noqa: E402
from ransearch.ingest.language import detect_language  # noqa: E402
from ransearch.template import catalogue  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_TAG = re.compile(r"<[^>]+>")


def instruction_sentences(languages: set[str]) -> tuple[list[str], np.ndarray]:
    cat = catalogue()
    sentences, langs = [], []
    for field in cat.fields:
        for lang, texts in field.instructions.items():
            if lang in languages:
                for text in texts:
                    for sentence in _SENTENCE.split(" ".join(text.split())):
                        if len(sentence.split()) >= 4:
                            sentences.append(sentence)
                            langs.append(lang)
    return sentences, np.array(langs)


def paragraphs(folder: Path, languages: set[str]) -> tuple[list[str], np.ndarray]:
    texts, langs = [], []
    for path in sorted((folder / "corpus").glob("*.txt")):
        raw = _TAG.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
        for block in re.split(r"\n\s*\n", raw):
            text = " ".join(block.split())
            if 5 <= len(text.split()) <= 120:
                lang = detect_language(text)
                if lang in languages:
                    texts.append(text)
                    langs.append(lang)
    return texts, np.array(langs)


def best_cosines(encoder_name: str, texts: list[str], langs: np.ndarray, sentences: list[str],
                 sentence_langs: np.ndarray) -> np.ndarray:
    encoder = load_encoder(encoder_name)
    a = np.asarray(encoder.encode_queries(texts), dtype=np.float64)
    b = np.asarray(encoder.encode_passages(sentences), dtype=np.float64)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    cosines = a @ b.T
    cosines[langs[:, None] == sentence_langs[None, :]] = -1.0  # the other languages' instructions only
    return cosines.max(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    languages = set(UseEncoder.languages) & set(catalogue().written_languages)
    sentences, sentence_langs = instruction_sentences(languages)
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for folder in args.sets:
        texts, langs = paragraphs(folder, languages)
        use = best_cosines("use", texts, langs, sentences, sentence_langs)
        e5 = best_cosines("e5", texts, langs, sentences, sentence_langs)
        scores[folder.name] = (use, e5)
    scores["all"] = (np.concatenate([u for u, _ in scores.values()]), np.concatenate([e for _, e in scores.values()]))
    fits = {name: np.polyfit(e5, use, 1) for name, (use, e5) in scores.items()}
    print(f"{'fitted on':>10} {'n':>5} {'a':>8} {'b':>7} {'corr':>6}  residual spread on each set")
    report = {}
    for name, (b, a) in fits.items():
        use, e5 = scores[name]
        spreads = {other: float(np.std(u - (a + b * e))) for other, (u, e) in scores.items()}
        print(f"{name:>10} {len(use):5d} {a:8.3f} {b:7.3f} {np.corrcoef(use, e5)[0, 1]:6.3f}  "
              + "  ".join(f"{other} {spread:.3f}" for other, spread in spreads.items()))
        report[name] = {"n": len(use), "a": float(a), "b": float(b), "corr": float(np.corrcoef(use, e5)[0, 1]),
                        "residual_spread": spreads}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
