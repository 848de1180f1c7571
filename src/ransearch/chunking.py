"""Practice records → chunks sized for the encoder, one template section at a time.

Sections are split at paragraph boundaries, and paragraphs longer than the budget at
sentence boundaries, with one sentence of overlap between consecutive windows. Contacts are
never chunked. A short "profile" chunk carries the practice's title, themes, audience and
country, so that a query naming them can reach the practice through the vector index too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ransearch.records import Chunk, Practice
from ransearch.text import split_sentences

__all__ = ["ChunkingConfig", "chunk_practice", "chunk_practices", "EMBEDDED_SECTIONS", "PROFILE"]

EMBEDDED_SECTIONS: tuple[str, ...] = (
    "description", "deliverables", "evaluation", "sustainability", "geography", "start",
    "organisation", "ran_meeting", "eu_links",
)
"""Sections whose text is embedded, in the order their chunks are written."""

PROFILE = "profile"
"""Section key of the chunk that holds title, themes, audience and country."""

@dataclass(frozen=True)
class ChunkingConfig:
    """How practices are cut into chunks.

    Attributes:
        max_words: word budget of a chunk (USE averages its tokens: past ~100 words a chunk
            stops saying anything specific).
        overlap_sentences: sentences repeated at the start of the next window of a long paragraph.
        title_prefix: prepend the practice title to every chunk.
        profile: add one chunk with title, themes, audience and country.
    """

    max_words: int = 80
    overlap_sentences: int = 1
    title_prefix: bool = False
    profile: bool = True


def _words(text: str) -> int:
    return len(text.split())


def _windows(paragraph: str, cfg: ChunkingConfig) -> list[str]:
    """A long paragraph as overlapping windows of whole sentences."""
    sentences = split_sentences(paragraph)
    out: list[str] = []
    start = 0
    while start < len(sentences):
        end, size = start, 0
        while end < len(sentences) and (end == start or size + _words(sentences[end]) <= cfg.max_words):
            size += _words(sentences[end])
            end += 1
        out.append(" ".join(sentences[start:end]))
        if end >= len(sentences):
            break
        start = max(end - cfg.overlap_sentences, start + 1)
    return out


def _is_heading(paragraph: str) -> bool:
    """A short line without final punctuation introduces what follows."""
    return "\n" not in paragraph and _words(paragraph) <= 12 and not paragraph.rstrip().endswith((".", "!", "?"))


def split_section(text: str, cfg: ChunkingConfig) -> list[str]:
    """Pieces of one section: whole paragraphs merged up to the budget, long ones windowed.

    Headings stay with the paragraph they introduce, and a piece is not closed before it has
    ``max_words // 4`` words, so no chunk is a lone heading or list item.
    """
    min_words = cfg.max_words // 4
    pieces: list[str] = []
    current: list[str] = []
    size = 0

    def close() -> None:
        nonlocal current, size
        if current:
            pieces.append("\n".join(current))
        current, size = [], 0

    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        n = _words(paragraph)
        if n > cfg.max_words:
            windows = _windows(paragraph.replace("\n", " "), cfg)
            if current and size < min_words:  # a heading or a stub: lead into the first window
                windows[0] = "\n".join(current + [windows[0]])
                current, size = [], 0
            close()
            pieces.extend(windows)
            continue
        if current and size + n > cfg.max_words and size >= min_words and not _is_heading(current[-1]):
            close()
        current.append(paragraph)
        size += n
    close()
    if len(pieces) > 1 and _words(pieces[-1]) < min_words:
        pieces[-2:] = ["\n".join(pieces[-2:])]
    return pieces


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def profile_text(p: Practice) -> str:
    parts = [p.title]
    if p.themes:
        parts.append(", ".join(p.themes))
    if p.audience:
        parts.append(", ".join(p.audience))
    if p.country:
        parts.append(p.country)
    return ". ".join(x for x in parts if x)


def chunk_practice(p: Practice, cfg: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    """The chunks of one practice, in section order."""
    chunks: list[Chunk] = []
    if cfg.profile:
        text = profile_text(p)
        chunks.append(Chunk(p.id, PROFILE, 0, p.language, text, _hash(text)))
    for section in EMBEDDED_SECTIONS:
        for i, piece in enumerate(split_section(p.sections.get(section, ""), cfg)):
            text = f"{p.title}: {piece}" if cfg.title_prefix and p.title else piece
            chunks.append(Chunk(p.id, section, i, p.language, text, _hash(text)))
    return chunks


def chunk_practices(practices: Iterable[Practice], cfg: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    out: list[Chunk] = []
    for p in practices:
        out.extend(chunk_practice(p, cfg))
    return out


def section_texts(chunks: Sequence[Chunk]) -> list[str]:
    return [c.text for c in chunks]
