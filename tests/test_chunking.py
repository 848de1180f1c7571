"""Chunking: sections → encoder-sized chunks."""

from __future__ import annotations

from ransearch.chunking import EMBEDDED_SECTIONS, PROFILE, ChunkingConfig, chunk_practice, split_section
from ransearch.records import Practice


def _practice(**sections: str) -> Practice:
    return Practice(id="p1", source="p1.txt", layout="md_rows", language="en", title="Family support in Town",
                    sections=sections, themes=("Family support",), audience=("Families",), country="Norway",
                    country_code="NO", contacts="anna@example.org +00 000")


def _sentences(n: int, words: int = 10) -> str:
    return " ".join(f"Sentence {i} " + "word " * (words - 3) + "end." for i in range(n))


def test_short_paragraphs_are_merged_up_to_the_budget() -> None:
    text = "\n\n".join(_sentences(2) for _ in range(6))  # 6 paragraphs of 20 words
    pieces = split_section(text, ChunkingConfig(max_words=50))
    assert len(pieces) == 3
    assert all(len(p.split()) <= 50 for p in pieces)


def test_long_paragraph_is_windowed_at_sentences_with_overlap() -> None:
    pieces = split_section(_sentences(20), ChunkingConfig(max_words=40, overlap_sentences=1))
    assert len(pieces) > 1
    for a, b in zip(pieces, pieces[1:]):
        last_sentence = a.split("Sentence ")[-1]
        assert b.startswith("Sentence " + last_sentence.split()[0])  # one sentence repeated
    assert all(p.endswith("end.") for p in pieces)


def test_heading_stays_with_what_it_introduces() -> None:
    text = "How a case proceeds\n\n" + _sentences(3)
    pieces = split_section(text, ChunkingConfig(max_words=80))
    assert pieces == ["How a case proceeds\n" + _sentences(3)]


def test_no_tiny_trailing_chunk() -> None:
    text = _sentences(7) + "\n\n" + "Short end."
    pieces = split_section(text, ChunkingConfig(max_words=70))
    assert all(len(p.split()) >= 70 // 4 for p in pieces)


def test_chunks_carry_ids_language_hash_and_never_contacts() -> None:
    p = _practice(description=_sentences(30), evaluation="It worked well.", ran_meeting="")
    chunks = chunk_practice(p, ChunkingConfig(max_words=60))
    assert {c.practice_id for c in chunks} == {"p1"}
    assert {c.language for c in chunks} == {"en"}
    assert chunks[0].section == PROFILE and "Family support in Town" in chunks[0].text
    assert {c.section for c in chunks} <= set(EMBEDDED_SECTIONS) | {PROFILE}
    assert not any("example.org" in c.text for c in chunks)
    assert len({c.content_hash for c in chunks}) == len(chunks)
    ordinals = [c.ordinal for c in chunks if c.section == "description"]
    assert ordinals == list(range(len(ordinals)))


def test_title_prefix_and_profile_are_optional() -> None:
    p = _practice(description="One short description.")
    chunks = chunk_practice(p, ChunkingConfig(title_prefix=True, profile=False))
    assert [c.text for c in chunks] == ["Family support in Town: One short description."]
