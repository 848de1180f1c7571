"""Ranking practices for a query: dense chunk evidence, lexical evidence, fusion, sections.

Dense evidence: a practice's score is its best matching chunk plus a smaller share of its
second best (two matching places beat one lucky chunk); a query of several sentences is also
matched sentence by sentence and the sentence scores averaged in; a practice cut into many
chunks has more chances of one lucky match, so ``length_prior`` × log(chunks) is taken off;
and the similarity of the query to the practice's title is added.

Lexical evidence (see ``ransearch.lexical``) reads as the share of the query a practice
matches, in its own language, through cross-lingual expansion of the query words.

Fusion: each signal is standardised over the practices (z-score) and the signals are added
with fixed weights, so a signal that separates nothing (a lexical score that is flat because
the query's words exist nowhere) contributes nothing, and one that separates adds in
proportion. Each returned practice carries its 1–3 best matching sections with a snippet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ransearch.chunking import PROFILE
from ransearch.encoders import Encoder
from ransearch.errors import QueryError
from ransearch.filters import FacetTable, Filters
from ransearch.lexical import ExpansionPlan, LexicalIndex, WordScores, analyse, query_words
from ransearch.querylang import coverage_note
from ransearch.records import AskResult, Practice, PracticeHead, PracticeHit, SectionHit
from ransearch.relevance import readable, relevance
from ransearch.tables import PracticeRows
from ransearch.template import catalogue
from ransearch.vectors import AllowedRows, VectorIndex

__all__ = ["SearchConfig", "Searcher", "Evidence", "MAX_QUERY_CHARS", "MODES", "RANK_DEPTH", "split_sentences",
           "top_rows", "depth_ranks"]

MAX_QUERY_CHARS = 5000
MODES = ("hybrid", "dense", "lexical")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
RANK_DEPTH = 4096
"""Ranks fused by reciprocal rank are exact down to here (all of them in a collection of fewer
practices); the practices below share this rank, which moves a fused score by less than
1/(rrf_k + RANK_DEPTH) per ranking, and spares a full sort of every ranking at 57,000 practices."""
_PROFILE_LABELS = {"fr": "Nom, thèmes et public", "en": "Name, themes and audience",
                   "de": "Name, Themen und Zielgruppe", "nl": "Naam, thema's en doelgroep"}


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of the ranking (defaults chosen on the dev set, see docs/evaluation.md)."""

    mode: str = "hybrid"
    lexical_weight: float = 0.5
    second_weight: float = 0.0     # dropped: no effect on either set (docs/evaluation.md)
    sentence_weight: float = 0.0   # dropped: no effect on either set (docs/evaluation.md)
    title_weight: float = 0.3
    length_prior: float = 0.05
    situation_sentences: int = 3
    rrf_k: float = 60.0
    candidates: int = 400
    max_sections: int = 3
    snippet_chars: int = 280


@dataclass(frozen=True)
class Evidence:
    """What the indexes say about one text, per practice row (before fusion)."""

    dense: np.ndarray         # best chunks' cosine, per practice
    title: np.ndarray         # cosine with the practice title
    lexical: np.ndarray       # share of the text's words matched, per practice
    chunk_ids: np.ndarray     # candidate chunks, best first ...
    chunk_scores: np.ndarray  # ... and their cosine


def split_sentences(text: str) -> list[str]:
    return [x for x in _SENTENCE.split(text) if x.strip()]


@dataclass(frozen=True)
class ChunkTable:
    """Chunk metadata as arrays: row i describes vector i."""

    practice_row: np.ndarray
    section: Sequence[str]
    text: Sequence[str]

    def __len__(self) -> int:
        return len(self.text)


def section_label(section: str, language: str) -> str:
    if section == PROFILE:
        return _PROFILE_LABELS.get(language, _PROFILE_LABELS["en"])
    return catalogue().field(section).label(language)


def make_snippet(text: str, terms: set[str], language: str, limit: int) -> str:
    """The part of ``text`` around the sentence that shares most terms with the query."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    sentences = _SENTENCE.split(flat)
    if terms:
        best = max(range(len(sentences)), key=lambda i: len(terms & set(analyse(sentences[i], language))))
    else:
        best = 0
    snippet = sentences[best]
    i = best + 1
    while i < len(sentences) and len(snippet) + len(sentences[i]) + 1 <= limit:
        snippet += " " + sentences[i]
        i += 1
    if len(snippet) > limit:
        snippet = snippet[: limit - 1].rsplit(" ", 1)[0] + "…"
    prefix = "… " if best > 0 else ""
    suffix = " …" if i < len(sentences) and not snippet.endswith("…") else ""
    return prefix + snippet + suffix


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """The rows of the ``k`` highest scores (among ``allowed``), best first, ties by row: the
    first ``k`` of a stable descending sort, without sorting every row."""
    rows = np.arange(len(scores)) if allowed is None else np.flatnonzero(allowed)
    values = -np.asarray(scores)[rows]
    if k < len(rows):
        keep = values <= np.partition(values, k - 1)[k - 1]  # with every tie of the k-th
        rows, values = rows[keep], values[keep]
    return rows[np.lexsort((rows, values))][:k]


def depth_ranks(scores: np.ndarray, depth: int = RANK_DEPTH) -> np.ndarray:
    """Every row's rank (0 = best, ties by row), exact for the first ``depth`` ranks; the rows
    below share rank ``depth``."""
    ranks = np.full(len(scores), depth, dtype=np.int64)
    top = top_rows(scores, depth)
    ranks[top] = np.arange(len(top))
    return ranks


def _standardise(x: np.ndarray) -> np.ndarray:
    """z-scores over the practices; a flat signal becomes all zeros."""
    std = float(x.std())
    return (x - x.mean()) / std if std > 1e-9 else np.zeros_like(x)


class Searcher:
    """Ranks the practices of one loaded index generation."""

    def __init__(self, practices: Sequence[Practice], chunks: ChunkTable, vectors: VectorIndex,
                 lexical: LexicalIndex, titles: np.ndarray, encoder: Encoder,
                 config: SearchConfig = SearchConfig(), facets: FacetTable | None = None) -> None:
        """``practices`` may make its records on demand (``PracticeRows``): ranking reads only
        the ones it returns; ``facets`` (else built from ``practices``) serves the filters."""
        self.practices = practices
        self.chunks = chunks
        self.vectors = vectors
        self.lexical = lexical
        self.titles = np.asarray(titles, dtype=np.float32)
        self.encoder = encoder
        self.config = config
        counts = np.bincount(chunks.practice_row, minlength=len(self.practices))
        self._log_chunks = np.log(np.maximum(counts, 1)).astype(np.float32)
        # filters become array operations
        self.facets = facets if facets is not None else FacetTable.from_practices(practices)
        self._chunk_vectors: np.ndarray | None = None
        self._practice_matrix: np.ndarray | None = None

    def chunk_vectors(self) -> np.ndarray:
        """All chunk embeddings (loaded from the vector index on first use)."""
        if self._chunk_vectors is None:
            self._chunk_vectors = self.vectors.reconstruct_all()
        return self._chunk_vectors

    def practice_matrix(self) -> np.ndarray:
        """One unit vector per practice describing what it does (for similar practices)."""
        if self._practice_matrix is None:
            from ransearch.recommend import practice_vectors

            self._practice_matrix = practice_vectors(self)
        return self._practice_matrix

    # practices are a PracticeRows (an opened index) or a list of records (tests, experiments)

    def head(self, row: int) -> PracticeHead:
        """What answers show of practice ``row`` (from ``PracticeRows`` without reading its record)."""
        practices = self.practices
        return practices.head(row) if isinstance(practices, PracticeRows) else practices[row].head()

    def records(self, rows: Sequence[int]) -> list[Practice]:
        """The whole records of practice ``rows``, in that order (each row group read once)."""
        practices = self.practices
        return practices.take(rows) if isinstance(practices, PracticeRows) else [practices[r] for r in rows]

    def practice_ids(self) -> list[str]:
        """The id of every practice row, without making records."""
        practices = self.practices
        return practices.ids if isinstance(practices, PracticeRows) else [p.id for p in practices]

    @staticmethod
    def check_query(text: str) -> str:
        text = (text or "").strip()
        if not text:
            raise QueryError("empty query: say what you are looking for")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query too long ({len(text):,} characters, limit {MAX_QUERY_CHARS:,})")
        return text

    def practice_dense(self, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Per practice row: best chunk score plus a share of the second best (scaled back to cosine)."""
        n = len(self.practices)
        first = np.full(n, -1.0, dtype=np.float32)
        second = np.full(n, -1.0, dtype=np.float32)
        found = ids >= 0
        rows, scores = self.chunks.practice_row[ids[found]], np.asarray(scores, dtype=np.float32)[found]
        # ids come best first: a practice's first occurrence is its best chunk, the next its second
        best_rows, at = np.unique(rows, return_index=True)
        first[best_rows] = scores[at]
        rest = np.ones(len(rows), dtype=bool)
        rest[at] = False
        next_rows, at = np.unique(rows[rest], return_index=True)
        second[next_rows] = scores[rest][at]
        second = np.where(second < -0.5, first, second)
        w = self.config.second_weight
        dense = (first + w * second) / (1 + w)
        dense[first < -0.5] = 0.0
        return dense

    def evidence(self, texts: Sequence[str], mode: str = "hybrid",
                 allowed: np.ndarray | None = None) -> list[Evidence]:
        """Dense and lexical evidence for each text, with one encoder call and one vector search
        per text."""
        words = [query_words(t) for t in texts]
        # the lexicon holds the embedding of every word the corpus uses, and translations are
        # remembered: encode the texts and the words that are new to this index only
        plan = self.lexical.plan_expansion([w for ws in words for w in ws]) if mode != "dense" else None
        new_words = plan.to_embed if plan is not None else []
        encoded = list(texts) if mode != "lexical" else []
        vecs = np.asarray(self.encoder.encode_queries(encoded + new_words), dtype=np.float32)
        qvecs, word_vecs = vecs[: len(encoded)], vecs[len(encoded):]
        n = len(self.practices)
        if mode == "lexical":
            assert plan is not None  # only dense evidence goes without a plan
            none_ids, none_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            return [Evidence(np.zeros(n, np.float32), np.zeros(n, np.float32), lex, none_ids, none_scores)
                    for lex in self._lexical(texts, words, plan, dict(zip(new_words, word_vecs)))]
        chunk_allowed = None if allowed is None else self.vectors.allowed_rows(allowed[self.chunks.practice_row])
        dense = [self.dense_row(q, chunk_allowed) for q in qvecs]
        titles = self.titles @ qvecs.T
        lexical = (self._lexical(texts, words, plan, dict(zip(new_words, word_vecs))) if plan is not None
                   else [np.zeros(n, np.float32) for _ in texts])
        return [Evidence(d, titles[:, i], lexical[i], ids, scores) for i, (d, ids, scores) in enumerate(dense)]

    def _lexical(self, texts: Sequence[str], words: Sequence[Sequence[str]], plan: ExpansionPlan,
                 embeddings: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Each text's lexical scores, its words translated as ``plan`` says."""
        expansion = self.lexical.expand(plan, embeddings)
        word_scores: WordScores = {}  # the texts share words: each is scored once
        return [self.lexical.scores(text, words=ws, expansion=expansion, memo=word_scores)
                for text, ws in zip(texts, words)]

    def dense_row(self, qvec: np.ndarray, allowed_chunks: np.ndarray | AllowedRows | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For one query vector: dense score per practice, candidate chunk ids best first, their cosine."""
        k = min(self.config.candidates, len(self.chunks))
        row_ids, row_scores = self.vectors.search(qvec[None, :], k, allowed=allowed_chunks)
        keep = row_ids[0] >= 0
        ids, scores = row_ids[0][keep], row_scores[0][keep]
        return self.practice_dense(ids, scores), ids, scores

    def fuse(self, whole: Evidence, sentences: Sequence[Evidence] = (), mode: str = "hybrid",
             sentence_weight: float | None = None) -> np.ndarray:
        """One score per practice from a text's evidence (and that of its sentences)."""
        cfg = self.config
        sw = cfg.sentence_weight if sentence_weight is None else sentence_weight
        if mode == "lexical":
            return whole.lexical.copy()
        dense = whole.dense
        if sentences and sw:
            dense = (1 - sw) * dense + sw * np.mean([e.dense for e in sentences], axis=0)
        dense = dense - cfg.length_prior * self._log_chunks
        total = _standardise(dense) + cfg.title_weight * _standardise(whole.title)
        if mode == "hybrid":
            total = total + cfg.lexical_weight * _standardise(whole.lexical)
        return total.astype(np.float32)

    def rank(self, query: str, mode: str | None = None, route: bool = True, allowed: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(practice scores, candidate chunk ids, their scores) over every practice row.

        A query of several sentences is also matched sentence by sentence (``sentence_weight``);
        from ``situation_sentences`` sentences on (when ``route``), it is ranked as a situation:
        see :meth:`rank_situation`. ``allowed`` (practice rows passing the filters) restricts the
        dense candidates to their chunks.
        """
        total, whole = self.rank_evidence(query, mode, route, allowed)
        return total, whole.chunk_ids, whole.chunk_scores

    def rank_evidence(self, query: str, mode: str | None = None, route: bool = True,
                      allowed: np.ndarray | None = None) -> tuple[np.ndarray, Evidence]:
        """As :meth:`rank`: the practice scores, and the evidence of the whole text."""
        mode = mode or self.config.mode
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        sentences = split_sentences(query)
        sentences = sentences if len(sentences) > 1 else []
        evs = self.evidence([query] + sentences, mode, allowed)
        if route and self.config.situation_sentences and len(sentences) >= self.config.situation_sentences:
            return self.rank_situation(evs[0], evs[1:], mode), evs[0]
        return self.fuse(evs[0], evs[1:], mode), evs[0]

    def relevance(self, whole: Evidence, mode: str = "hybrid") -> np.ndarray:
        """Every practice's readable relevance (0–100) from the evidence of the whole text."""
        return relevance(whole.dense, whole.lexical, self.fuse(whole, (), mode), self.encoder.name, mode)

    def notes(self, text: str) -> tuple[str, ...]:
        """What a reader of the answer to ``text`` should know (see ``ransearch.querylang``)."""
        note = coverage_note(text, self.encoder)
        return (note,) if note else ()

    def rank_situation(self, whole: Evidence, sentences: Sequence[Evidence], mode: str = "hybrid") -> np.ndarray:
        """Reciprocal rank fusion of the whole text's ranking and one ranking per sentence.

        A practice that answers one part of a situation very well rises even when the whole text
        is about more (dev set, situation queries: nDCG@10 0.886 → 0.911; docs/evaluation.md).
        """
        rankings = [self.fuse(whole, sentences, mode)] + [self.fuse(e, (), mode) for e in sentences]
        fused = np.zeros(len(self.practices), dtype=np.float64)
        for r in rankings:
            fused += 1.0 / (self.config.rrf_k + depth_ranks(r) + 1)
        return fused.astype(np.float32)

    def ask(self, query: str, k: int = 5, filters: Filters = Filters(), mode: str | None = None,
            route: bool = True) -> AskResult:
        query = self.check_query(query)
        if k < 1:
            raise QueryError("k must be at least 1")
        allowed = filters.mask(self.facets) if filters else None  # practice rows; chunks follow
        mode = mode or self.config.mode
        total, whole = self.rank_evidence(query, mode, route, allowed)
        ids, scores = whole.chunk_ids, whole.chunk_scores
        order = top_rows(total, k, allowed).tolist()
        shown = readable(self.relevance(whole, mode)[order].tolist())
        hits = []
        for rank, (row, rel) in enumerate(zip(order, shown), 1):
            p = self.head(row)
            hits.append(PracticeHit(
                rank=rank, practice_id=p.id, title=p.title, source=p.source, score=float(total[row]),
                country_code=p.country_code, language=p.language, themes=p.themes, url=p.url, relevance=rel,
                sections=self.sections_for(row, query, ids, scores),
            ))
        return AskResult(query=query, results=tuple(hits), notes=self.notes(query))

    def sections_for(self, row: int, query: str, ids: np.ndarray, scores: np.ndarray) -> tuple[SectionHit, ...]:
        """The practice's best matching sections (one chunk each), with snippets."""
        p = self.head(row)
        terms = set(analyse(query, p.language))
        ours = self.chunks.practice_row[ids] == row
        mine = list(zip(scores[ours].tolist(), ids[ours].tolist()))
        if not mine:  # lexical-only ranking: score this practice's chunks by shared terms
            rows = np.flatnonzero(self.chunks.practice_row == row)
            mine = [(len(terms & set(analyse(self.chunks.text[c], p.language))) / max(1, len(terms)), int(c))
                    for c in rows.tolist()]
            mine.sort(reverse=True)
        out: list[SectionHit] = []
        seen: set[str] = set()
        for score, cid in mine:
            section = self.chunks.section[cid]
            if section in seen:
                continue
            seen.add(section)
            text = self.chunks.text[cid]
            out.append(SectionHit(section=section, label=section_label(section, p.language),
                                  snippet=make_snippet(text, terms, p.language, self.config.snippet_chars),
                                  score=round(score, 6)))
            if len(out) >= self.config.max_sections:
                break
        return tuple(out)

