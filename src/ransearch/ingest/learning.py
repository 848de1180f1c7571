"""Template text learned from a corpus, on top of the catalogue.

Every document of a language repeats the template's labels and instructions in that language,
so what many documents of a language share is template text, whatever the catalogue knows. A
new wording of the instructions, or a language the catalogue lacks, is then handled without
editing ``fields.json``. Learned, per language (detected on each document's text):

* **Instruction text**: sentences, lines and paragraphs of five words or more (numbers aside)
  found in at least ``max(min_documents, min_share × n)`` of the language's ``n`` documents,
  alone or after a few words (a label cell reads "Key themes Please select…"); and
  parentheticals such as "(max. 300 words)" found as often (they only ever remove a line that
  is nothing else). Duplicates (the same practice saved as PDF, DOCX and web page, two versions
  of one file: :mod:`ransearch.ingest.shingling`) count once.
* **Label cells**: the whole left cell of a template row (label and instructions) when it
  starts with a catalogued or learned label: it is template text by its place in the table.
* **Labels**, for a language most of whose documents show fewer than four catalogued labels:
  the label cells of its table-like documents (left cells of template rows, headings) are cut
  to their longest start that is a short paragraph (at most ten words, no closing punctuation)
  of some document and starts a paragraph or line in as many documents. When that gives one
  label per template field, in order (after an optional template title), they are added to
  the catalogue for that language. Otherwise nothing is guessed: the documents stay
  unrecognised, and the notes of the learned template say so.

Learned text becomes template n-grams, which ``clean_sections`` drops from values like
catalogued instructions. Learning reads text only (no parsing) and is deterministic for a given
list of documents.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ransearch.ingest.boilerplate import Template, default_template
from ransearch.ingest.language import detect_language
from ransearch.ingest.markup import html_to_text
from ransearch.ingest.shingling import duplicate_groups, shingles
from ransearch.ingest.table import Extraction
from ransearch.template import Catalogue
from ransearch.text import fold, tokens

__all__ = ["learn_template", "MIN_DOCUMENTS", "MIN_SHARE", "MIN_WORDS"]

MIN_DOCUMENTS = 2
MIN_SHARE = 0.25
MIN_WORDS = 5
_LABEL_WORDS = 10
_SLOT_WORDS = 12
_KNOWN_LABELS = 4

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
_PARAGRAPH = re.compile(r"\n\s*\n")
_PAREN = re.compile(r"\([^()]*\)")  # not [^)]: quadratic on "((((("
_CLOSED = re.compile(r"[.!?:;,]\s*$")
_MARKED = re.compile(r"^\s*(?:#{1,6}\s|<(?:h[1-6]|b|strong)\b)", re.I)
_HEADING = re.compile(r"^\s*#{1,6}\s*")


@dataclass(frozen=True)
class _Doc:
    language: str
    units: frozenset[str]                              # folded sentences/lines/paragraphs, ≥ MIN_WORDS
    tails: frozenset[str]                              # units without their first words (a label)
    asides: frozenset[str]                             # parentheticals, "(max. 300 words)", "(year)"
    short: frozenset[tuple[str, ...]]                  # label-like paragraphs (folded tokens)
    starts: frozenset[tuple[str, ...]]                 # first words (≤ 10) of every paragraph and line
    slots: tuple[tuple[tuple[str, ...], str], ...]     # label cells and headings: (tokens, text)
    cells: tuple[str, ...]                             # label cells only (left cells of rows)
    known: int                                         # catalogued labels seen


def _slots_of(extraction: Extraction) -> tuple[list[str], list[str]]:
    """(label cells and headings, in order; label cells only)."""
    out: list[str] = []
    cells: list[str] = []
    if extraction.text is not None:
        for line in extraction.text.splitlines():
            if "\t" in line:
                left = line.split("\t", 1)[0]
                if left.strip():
                    out.append(html_to_text(left))
                    cells.append(out[-1])
            elif _MARKED.match(line):
                out.append(html_to_text(_HEADING.sub("", line)))
        return out, cells
    for row in extraction.rows:
        if row.label:
            out.append(row.label)
            cells.append(row.label)
        elif row.label is None and len(row.value.split()) <= _SLOT_WORDS:
            out.append(row.value)
    return out, cells


def _read(extraction: Extraction, cat: Catalogue) -> _Doc:
    if extraction.text is not None:
        plain = html_to_text(extraction.text.replace("\t", "\n\n"))
    else:
        plain = extraction.plain_text()
    units: set[str] = set()
    short: set[tuple[str, ...]] = set()
    starts: set[tuple[str, ...]] = set()
    known: set[str] = set()
    asides: set[str] = set()
    for line in plain.splitlines():
        units.add(fold(line))
        asides.update(f"({a})" for a in (fold(m[1:-1]) for m in _PAREN.findall(line)) if 0 < len(a.split()) <= 6)
        toks = tokens(_PAREN.sub(" ", line))
        starts.update(tuple(toks[:n]) for n in range(1, min(len(toks), _LABEL_WORDS) + 1))
    for paragraph in _PARAGRAPH.split(plain):
        joined = " ".join(paragraph.split())
        units.update(fold(s) for s in _SENTENCE.split(joined))
        units.add(fold(joined))
        bare = " ".join(_PAREN.sub(" ", joined).split())
        toks = tokens(bare)
        starts.update(tuple(toks[:n]) for n in range(1, min(len(toks), _LABEL_WORDS) + 1))
        if 0 < len(toks) <= _LABEL_WORDS and not _CLOSED.search(bare) and any(t.isalpha() for t in toks):
            short.add(tuple(toks))
        match = cat.label_at_start(toks)
        if match:
            known.add(match.key)
    slot_texts, cells = _slots_of(extraction)
    slots = tuple((tuple(tokens(_PAREN.sub(" ", s))), s) for s in slot_texts)
    # instructions are words: a shared phone number or address line is not template text
    kept = frozenset(u for u in units if sum(1 for w in u.split() if w.isalpha()) >= MIN_WORDS)
    tails: set[str] = set()
    for unit in kept:
        words = unit.split()
        tails.update(" ".join(words[k:]) for k in range(1, min(_LABEL_WORDS, len(words) - MIN_WORDS) + 1))
    return _Doc(detect_language(plain), kept, frozenset(tails), frozenset(asides), frozenset(short),
                frozenset(starts), slots, tuple(cells), len(known))


def _clusters(docs: list[_Doc], groups: dict[int, int]) -> list[list[_Doc]]:
    """Documents grouped with their duplicates (``groups``: id(doc) → its duplicate group)."""
    clusters: dict[int, list[_Doc]] = {}
    for doc in docs:
        clusters.setdefault(groups[id(doc)], []).append(doc)
    return list(clusters.values())


def _label_text(text: str, n_tokens: int) -> str:
    """The words of ``text`` (parentheticals removed) that make up its first ``n_tokens`` tokens."""
    words = _PAREN.sub(" ", text).split()
    count = 0
    for k, word in enumerate(words, 1):
        count += len(tokens(word))
        if count >= n_tokens:
            return " ".join(words[:k])
    return " ".join(words)


def _learn_labels(docs: list[_Doc], clusters: list[list[_Doc]], need: int,
                  cat: Catalogue) -> tuple[dict[str, list[str]], list[str]] | None:
    """(field key → [label], [template title]) read from the label cells, or None.

    A candidate label is a short paragraph of some document; it counts in every document where
    it starts a paragraph or a line ("Key themes Please select…" holds the label "Key themes").
    """
    candidates = set().union(*(d.short for d in docs))
    counts = Counter(s for cluster in clusters for s in set().union(*(d.starts for d in cluster)) & candidates)
    valid = {s for s, n in counts.items() if n >= need}
    votes: Counter[tuple[tuple[str, ...], ...]] = Counter()
    texts: dict[tuple[str, ...], str] = {}
    for doc in docs:
        sequence: list[tuple[str, ...]] = []
        for toks, text in doc.slots:
            label = next((toks[:n] for n in range(min(len(toks), _LABEL_WORDS), 0, -1) if toks[:n] in valid), None)
            if label is not None and label not in sequence:
                sequence.append(label)
                texts.setdefault(label, _label_text(text, len(label)))
        if len(sequence) in (len(cat.keys), len(cat.keys) + 1):
            votes[tuple(sequence)] += 1
    if not votes:
        return None
    best = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    title = [texts[best[0]]] if len(best) > len(cat.keys) else []
    labels = best[len(title):]
    return {key: [texts[label]] for key, label in zip(cat.keys, labels)}, title


def learn_template(documents: Iterable[Extraction | str], base: Template | None = None, *,
                   min_documents: int = MIN_DOCUMENTS, min_share: float = MIN_SHARE,
                   groups: Sequence[Sequence[int]] | None = None) -> Template:
    """The template of ``base`` (default: the catalogue) plus what ``documents`` share.

    Args:
        documents: every document of the corpus, as extracted (or as text), in a stable order.
        base: the template to extend.
        min_documents: fewest documents of a language a text must be found in.
        min_share: smallest share of a language's documents it must be found in.
        groups: the documents' duplicate groups (indices), if already known
            (default: :func:`~ransearch.ingest.shingling.duplicate_groups`).
    """
    base = base or default_template()
    cat = base.catalogue
    by_language: dict[str, list[_Doc]] = defaultdict(list)
    extractions = [item if isinstance(item, Extraction) else Extraction("txt", text=item) for item in documents]
    read = [_read(extraction, cat) for extraction in extractions]
    for doc in read:
        by_language[doc.language].append(doc)
    # copies of one practice (PDF, Word file, web page, an older version) count as one document
    if groups is None:
        groups = duplicate_groups([shingles(e) for e in extractions])
    group_of = {id(read[i]): g for g, members in enumerate(groups) for i in members}
    extra: list[str] = []
    labels: dict[str, dict[str, list[str]]] = {}
    titles: dict[str, list[str]] = {}
    notes: list[str] = []
    written: list[str] = []  # the languages whose template sentences were learned
    for language in sorted(by_language):
        docs = by_language[language]
        clusters = _clusters(docs, group_of)
        need = max(min_documents, math.ceil(min_share * len(clusters)))
        if len(clusters) < need:
            continue
        # a unit counts in a document that has it, or has it after a label ("Key themes Please…")
        counts = Counter(u for cluster in clusters for u in set().union(*(d.units | d.tails for d in cluster)))
        mine = set().union(*(d.units for d in docs))
        shared = sorted(u for u, n in counts.items() if n >= need and u in mine)
        asides = Counter(a for cluster in clusters for a in set().union(*(d.asides for d in cluster)))
        shared += sorted(a for a, n in asides.items() if n >= need)
        extra.extend(shared)
        if shared:
            written.append(language)
            notes.append(f"{language}: {len(shared)} template sentences shared by {need}+ of "
                         f"{len(clusters)} documents")
        if 2 * sum(1 for d in docs if d.known < _KNOWN_LABELS) > len(docs):
            found = _learn_labels(docs, clusters, need, cat)
            if found:
                labels[language], titles[language] = found
                extra.extend(t for ts in found[0].values() for t in ts)
                extra.extend(found[1])
                notes.append(f"{language}: labels of the {len(found[0])} fields learned from label cells")
            else:
                notes.append(f"{language}: labels not catalogued and not learnable from these documents")
    unwritten = [language for language in written if language not in cat.instructions_known]
    new_cat = cat.with_labels(labels, titles, unwritten) if labels or unwritten else cat
    # a label cell (the left cell of a template row that starts with a label) is template text
    # by its place, however its instructions are worded and whatever else the corpus holds
    extra.extend(sorted({c for docs in by_language.values() for d in docs for c in d.cells
                         if new_cat.label_at_start(tokens(c))}))
    if not extra and not labels:
        return base
    learned = json.dumps([base.fingerprint, sorted(set(extra)), labels, titles], sort_keys=True, ensure_ascii=False)
    fingerprint = hashlib.sha256(learned.encode("utf-8")).hexdigest()[:16]
    return Template(new_cat, base.text.extended(extra), base.learned + tuple(notes), fingerprint)
