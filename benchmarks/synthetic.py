"""Synthetic practice collections of any size, modelled on the dev set, for scale benchmarks.

What is copied from the dev set (``../shared/eval/dev/corpus``, parsed and chunked by ransearch):

- **structure**: every synthetic practice copies the outline of a random dev practice: its
  language, its number of chunks, the section of each chunk and each chunk's word count
  (±20 %). So the language mix (fr/en/de/nl by share of practices, 9/4/2/2), the chunk
  length distribution (median ~50 words, the chunker's budget is 80) and ~17 chunks per
  practice match the dev index. 1,000,000 chunks ≈ 57,000 practices.
- **text**: a word-bigram Markov chain per language, trained on the dev chunks of that
  language, so vocabulary, word frequencies (what BM25 sees) and local word order are the
  dev set's. A "profile" chunk per practice is built from its title, themes, audience and
  country exactly as the chunker builds it.
- **facets**: 1–3 themes and 2–5 audiences from the template vocabulary, one of 30
  European countries, uniformly.

Vectors: ``embed`` runs the real encoder on the synthetic text (500–800 chunks/s on 2 cores:
used up to 10k–100k chunks). ``perturb`` draws each chunk's vector around the real embedding
of a pool chunk of the same language: ``normalise(pool[j] + σ·g/√d)``, g standard normal,
σ = ``SIGMA`` (cosine to the pool vector ≈ 0.85). Titles are the normalised mean of the
practice's chunk vectors plus the same noise.

Run ``python benchmarks/synthetic.py --chunks 10000 --out /tmp/syn10k`` to write a complete
index folder that ``Engine.open`` reads.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ransearch import __version__
from ransearch.chunking import PROFILE, chunk_practices, profile_text
from ransearch.corpus import find_documents
from ransearch.encoders import Encoder
from ransearch.ingest import parse_file
from ransearch.records import Practice
from ransearch.template import countries, vocabulary

DEV_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev" / "corpus"
DEV_QUERIES = DEV_CORPUS.parent / "queries.jsonl"
SIGMA = 0.6
COUNTRIES = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
             "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "NO", "CH", "GB")


class MarkovText:
    """Word-bigram chain of one language; samples many texts at once with numpy."""

    def __init__(self, texts: Sequence[str]) -> None:
        words: list[str] = []
        starts: list[int] = []
        for text in texts:
            toks = text.split()
            if toks:
                starts.append(len(words))
                words.extend(toks)
                words.append("\n")  # end of text: its successor is a new start
        vocab, ids = np.unique(np.asarray(words, dtype=object), return_inverse=True)
        self.vocab = vocab
        ends = np.flatnonzero(vocab == "\n")
        end_id = int(ends[0]) if len(ends) else -1
        prev, nxt = ids[:-1], ids[1:]
        keep = (prev != end_id) & (nxt != end_id)
        order = np.argsort(prev[keep], kind="stable")
        self._next = nxt[keep][order]
        self._ptr = np.searchsorted(prev[keep][order], np.arange(len(vocab) + 1))
        sentence_starts = [i + 1 for i, w in enumerate(words[:-1]) if w.endswith((".", "!", "?")) and words[i + 1] != "\n"]
        self._starts = ids[np.asarray(starts + sentence_starts, dtype=np.int64)]

    def sample(self, lengths: np.ndarray, rng: np.random.Generator) -> list[str]:
        """One text of ``lengths[i]`` words per row."""
        n, steps = len(lengths), int(lengths.max(initial=0))
        out = np.empty((n, steps), dtype=np.int64)
        state = self._starts[rng.integers(0, len(self._starts), n)]
        for t in range(steps):
            out[:, t] = state
            lo, hi = self._ptr[state], self._ptr[state + 1]
            dead = hi <= lo
            pick = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
            state = np.where(dead, self._starts[rng.integers(0, len(self._starts), n)],
                             self._next[np.minimum(pick, len(self._next) - 1)])
        words = self.vocab[out]
        return [" ".join(words[i, : lengths[i]]) for i in range(n)]


@dataclass
class Outline:
    """The shape of one dev practice: language and (section, words) per chunk."""

    language: str
    sections: list[str]
    words: list[int]


@dataclass
class Model:
    """What the generator learnt from the dev corpus."""

    outlines: list[Outline]
    chains: dict[str, MarkovText]
    dev_practices: list[Practice] = field(default_factory=list)


def learn(corpus: Path = DEV_CORPUS) -> Model:
    """Parse and chunk the dev corpus; keep its outlines and one text chain per language."""
    documents = find_documents([corpus]).documents
    practices = [parse_file(d.path, d.root) for d in documents]
    chunks = chunk_practices(practices)
    outlines: dict[str, Outline] = {}
    texts: dict[str, list[str]] = {}
    for c in chunks:
        o = outlines.setdefault(c.practice_id, Outline(c.language, [], []))
        o.sections.append(c.section)
        o.words.append(len(c.text.split()))
        if c.section != PROFILE:
            texts.setdefault(c.language, []).append(c.text)
    return Model(list(outlines.values()), {lang: MarkovText(t) for lang, t in texts.items()}, practices)


@dataclass
class Corpus:
    """A synthetic collection: practices, and the chunk table as columns (row i = vector i)."""

    practices: list[Practice]
    chunk_practice: np.ndarray          # practice row of each chunk
    chunk_section: list[str]
    chunk_language: list[str]
    chunk_text: list[str]

    def __len__(self) -> int:
        return len(self.chunk_text)


def generate(n_chunks: int, seed: int = 0, model: Model | None = None) -> Corpus:
    """A collection of exactly ``n_chunks`` chunks (the last practice may be cut short)."""
    model = model or learn()
    rng = np.random.default_rng(seed)
    themes, audiences = vocabulary()["themes"].labels, vocabulary()["audience"].labels
    # outlines first, so texts can be sampled per language in a few vectorised calls
    picked: list[Outline] = []
    total = 0
    while total < n_chunks:
        o = model.outlines[int(rng.integers(len(model.outlines)))]
        picked.append(o)
        total += len(o.sections)
    rows, sections, languages, lengths = [], [], [], []
    for row, o in enumerate(picked):
        for section, words in zip(o.sections, o.words):
            rows.append(row)
            sections.append(section)
            languages.append(o.language)
            lengths.append(max(3, int(round(words * rng.uniform(0.8, 1.2)))))
    rows, sections, languages, lengths = rows[:n_chunks], sections[:n_chunks], languages[:n_chunks], lengths[:n_chunks]
    picked = picked[: rows[-1] + 1] if rows else []
    lang_arr = np.asarray(languages)
    length_arr = np.asarray(lengths)
    texts: list[str] = [""] * len(rows)
    for lang, chain in model.chains.items():
        idx = np.flatnonzero(lang_arr == lang)
        for start in range(0, len(idx), 100_000):
            part = idx[start:start + 100_000]
            for i, t in zip(part.tolist(), chain.sample(length_arr[part], rng)):
                texts[i] = t
    title_lengths = rng.integers(4, 11, len(picked))
    titles: dict[int, str] = {}
    for lang, chain in model.chains.items():
        idx = [i for i, o in enumerate(picked) if o.language == lang]
        for i, t in zip(idx, chain.sample(title_lengths[idx], rng)):
            titles[i] = t.rstrip(".,;:").capitalize()
    practices = []
    row_arr = np.asarray(rows, dtype=np.int64)
    bounds = np.searchsorted(row_arr, np.arange(len(picked) + 1))
    for row, o in enumerate(picked):
        code = COUNTRIES[int(rng.integers(len(COUNTRIES)))]
        p = Practice(
            id=f"syn{row:07d}", source=f"synthetic/syn{row:07d}.txt", layout="synthetic", language=o.language,
            title=titles[row], sections={},
            themes=tuple(rng.choice(themes, int(rng.integers(1, 4)), replace=False).tolist()),
            audience=tuple(rng.choice(audiences, int(rng.integers(2, 6)), replace=False).tolist()),
            country=countries().name(code, o.language), country_code=code,
        )
        by_section: dict[str, list[str]] = {}
        for i in range(bounds[row], bounds[row + 1]):
            if sections[i] == PROFILE:
                texts[i] = profile_text(p)
            else:
                by_section.setdefault(sections[i], []).append(texts[i])
        practices.append(Practice(**{**p.__dict__, "sections": {k: "\n\n".join(v) for k, v in by_section.items()},
                                     "content_hash": hashlib.sha1(p.id.encode()).hexdigest()[:16]}))
    return Corpus(practices, row_arr, sections, languages, texts)


def embed(texts: Sequence[str], encoder: Encoder, batch: int = 256, progress: bool = False) -> np.ndarray:
    """Real embeddings of ``texts``."""
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    t0 = time.perf_counter()
    for start in range(0, len(texts), batch):
        out[start:start + batch] = encoder.encode_passages(list(texts[start:start + batch]))
        if progress and (start // batch) % 20 == 0:
            done = start + batch
            print(f"  embedded {min(done, len(texts)):,}/{len(texts):,} "
                  f"({done / (time.perf_counter() - t0):.0f}/s)", file=sys.stderr, flush=True)
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def perturb(pool: np.ndarray, pool_languages: Sequence[str], languages: Sequence[str], seed: int = 0,
            sigma: float = SIGMA) -> np.ndarray:
    """One vector per chunk around a random pool vector of the same language."""
    rng = np.random.default_rng(seed + 1)
    d = pool.shape[1]
    out = np.empty((len(languages), d), dtype=np.float32)
    pool_lang = np.asarray(pool_languages)
    lang = np.asarray(languages)
    parents = np.empty(len(languages), dtype=np.int64)
    for value in np.unique(lang):
        mine = np.flatnonzero(pool_lang == value)
        where = np.flatnonzero(lang == value)
        parents[where] = mine[rng.integers(0, len(mine), len(where))]
    for start in range(0, len(out), 100_000):
        part = slice(start, start + 100_000)
        noise = rng.standard_normal((len(parents[part]), d), dtype=np.float32) * (sigma / np.sqrt(d))
        out[part] = _normalise(pool[parents[part]] + noise)
    return out


def title_vectors(vectors: np.ndarray, chunk_practice: np.ndarray, n_practices: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed + 2)
    out = np.zeros((n_practices, vectors.shape[1]), dtype=np.float32)
    np.add.at(out, chunk_practice, vectors)
    out = _normalise(out + 1e-6)
    out += rng.standard_normal(out.shape, dtype=np.float32) * (SIGMA / np.sqrt(out.shape[1]))
    return _normalise(out)


def write_generation(corpus: Corpus, vectors: np.ndarray, titles: np.ndarray, index_dir: Path,
                     encoder: Encoder, kind: str | None = None, vector_file: Path | None = None) -> dict[str, float]:
    """Write ``corpus`` as a committed index generation under ``index_dir``; seconds per part.

    ``vector_file``: an index of ``vectors`` already built (copied instead of built again).
    """
    import shutil

    from ransearch.indexing import practice_text
    from ransearch.lexical import LexicalIndex
    from ransearch.manifest import BuildSettings, Counts
    from ransearch.store import (SCHEMA_VERSION, Manifest, commit_generation, file_checksums, new_generation_dir,
                                 write_manifest)
    from ransearch.parquet_tables import CHUNK_SCHEMA, write_chunk_table, write_practices
    from ransearch.vectors import VectorIndex

    times: dict[str, float] = {}
    index_dir.mkdir(parents=True, exist_ok=True)
    gen_id, tmp = new_generation_dir(index_dir)
    t = time.perf_counter()
    write_practices(corpus.practices, tmp / "practices.parquet")
    ids = [p.id for p in corpus.practices]
    texts = pa.array(corpus.chunk_text, pa.string())
    table = pa.table({
        "practice_id": pa.array([ids[r] for r in corpus.chunk_practice.tolist()], pa.string()),
        "section": pa.array(corpus.chunk_section, pa.string()),
        "ordinal": pa.array(np.zeros(len(corpus), np.int32)),
        "language": pa.array(corpus.chunk_language, pa.string()),
        "text": texts,
        "content_hash": pa.array([hashlib.sha1(x.encode()).hexdigest()[:16] for x in corpus.chunk_text], pa.string()),
    }, schema=CHUNK_SCHEMA)
    write_chunk_table(table, tmp / "chunks.parquet")
    np.save(tmp / "titles.npy", titles.astype(np.float32))
    times["tables"] = time.perf_counter() - t
    t = time.perf_counter()
    if vector_file is not None:
        shutil.copyfile(vector_file, tmp / "vectors.faiss")
    else:
        VectorIndex.build(vectors, kind).save(tmp / "vectors.faiss")
    times["vectors"] = time.perf_counter() - t
    t = time.perf_counter()
    LexicalIndex.build([practice_text(p) for p in corpus.practices], [p.language for p in corpus.practices],
                       encoder).save(tmp / "lexical")
    times["lexical"] = time.perf_counter() - t
    t = time.perf_counter()
    files = file_checksums(tmp)  # as the indexer does: Engine.open checks them
    times["checksums"] = time.perf_counter() - t
    write_manifest(tmp, Manifest(
        schema_version=SCHEMA_VERSION, encoder=encoder.name, dimension=encoder.dimension,
        package_version=__version__, built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        generation=gen_id, documents={}, counts=Counts(practices=len(corpus.practices), chunks=len(corpus)),
        settings=BuildSettings(chunking={"synthetic": True}), files=files,
    ))
    commit_generation(index_dir, gen_id, tmp, keep=1)
    return times


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="index folder to write")
    parser.add_argument("--vectors", choices=("embed", "perturb"), default="embed")
    parser.add_argument("--pool", type=int, default=10_000, help="real embeddings to perturb around")
    parser.add_argument("--kind", choices=("flat", "hnsw"), default=None, help="default: by size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from ransearch.encoders import load_encoder

    encoder = load_encoder("use")
    corpus = generate(args.chunks, args.seed)
    if args.vectors == "embed":
        vectors = embed(corpus.chunk_text, encoder, progress=True)
    else:
        pool = generate(args.pool, args.seed + 100)
        vectors = perturb(embed(pool.chunk_text, encoder), pool.chunk_language, corpus.chunk_language, args.seed)
    titles = title_vectors(vectors, corpus.chunk_practice, len(corpus.practices), args.seed)
    times = write_generation(corpus, vectors, titles, args.out, encoder, args.kind)
    print(f"{len(corpus):,} chunks, {len(corpus.practices):,} practices → {args.out} "
          + ", ".join(f"{k} {v:.1f}s" for k, v in times.items()))


if __name__ == "__main__":
    main()
