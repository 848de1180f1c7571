"""What an indexing run does with each document: its part in the new generation.

A document (one file of the corpus, see :mod:`ransearch.corpus`) gives the index zero, one or
several practices:

* one, usually;
* several when the file holds several practices one after another (a chapter of the
  Collection as one PDF); their ids are the file's id plus the title's slug;
* none when it is a **duplicate**: the same practice as another document (a PDF and its Word
  file, an old and a new version; :mod:`ransearch.ingest.duplicates`). Of each duplicate group
  the index keeps one practice: the newest ``last_update``, else the richest record (most
  words), else the one indexed already, else the first source; the kept record lists every other source of the group in
  ``duplicate_sources``. The others stay in the manifest (``duplicate_of``), so that an
  unchanged duplicate is not "added" again by the next run.

The manifest entry of a document: ``hash``, ``practice_id`` (the first, or for a duplicate the
kept practice's), ``practice_ids`` (when several), ``duplicate_of`` (for a duplicate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ransearch.records import Practice
from ransearch.build_report import DocumentFailure, DuplicateGroup

__all__ = ["Item", "claim_ids", "keep_one_per_group", "duplicate_report", "manifest_entry", "old_ids"]


@dataclass
class Item:
    """A document's part in the new generation, decided before anything is loaded or embedded.

    ``status`` is unchanged, added, changed or kept (failed now, last good version kept);
    ``practices`` is None when the records come from the previous generation; a duplicate has
    ``duplicate_of`` (the kept document's source) and no practice of its own.
    """

    path: str
    source: str
    hash: str
    practice_ids: tuple[str, ...]
    status: str
    practices: tuple[Practice, ...] | None = None
    duplicate_of: str | None = None


def old_ids(entry: dict[str, Any]) -> tuple[str, ...]:
    """The practice ids a manifest entry gave the index (none for a duplicate)."""
    if entry.get("duplicate_of"):
        return ()
    ids = entry.get("practice_ids") or [entry.get("practice_id", "")]
    return tuple(str(i) for i in ids)


def manifest_entry(item: Item, kept_id: str = "") -> dict[str, Any]:
    if item.duplicate_of is not None:
        return {"hash": item.hash, "practice_id": kept_id, "duplicate_of": item.duplicate_of}
    out: dict[str, Any] = {"hash": item.hash, "practice_id": item.practice_ids[0] if item.practice_ids else ""}
    if len(item.practice_ids) > 1:
        out["practice_ids"] = list(item.practice_ids)
    return out


def _richness(p: Practice) -> int:
    return sum(len(text.split()) for text in p.sections.values()) + len(p.contacts.split())


def keep_one_per_group(items: list[Item], groups: Sequence[Sequence[int]]) -> None:
    """Mark the duplicates of every group (indices into ``items``) and list them on the kept record.

    Only freshly parsed single-practice documents take part (a file that failed keeps its last
    good version as it was; a file holding several practices is never a copy of one).
    """
    for group in groups:
        members = [items[i] for i in group if items[i].practices is not None and len(items[i].practices or ()) == 1]
        if len(members) < 2:
            continue
        # newest, else richest; else the one indexed already (no churn), else the first source
        best = max(members, key=lambda it: (it.practices[0].last_update or 0,  # type: ignore[index]
                                            _richness(it.practices[0]),  # type: ignore[index]
                                            it.status != "added", -members.index(it)))
        others = tuple(sorted(it.source for it in members if it is not best))
        best.practices = (replace(best.practices[0], duplicate_sources=others),)  # type: ignore[index]
        for it in members:
            if it is not best:
                it.practices, it.practice_ids, it.duplicate_of = None, (), best.source


def duplicate_report(items: list[Item]) -> tuple[DuplicateGroup, ...]:
    """The duplicate groups of the new generation, for the report."""
    by_kept: dict[str, list[str]] = {}
    for it in items:
        if it.duplicate_of is not None:
            by_kept.setdefault(it.duplicate_of, []).append(it.source)
    ids = {it.source: it.practice_ids[0] for it in items if it.practice_ids}
    return tuple(DuplicateGroup(kept, ids.get(kept, ""), tuple(sorted(dups))) for kept, dups in sorted(by_kept.items()))


def claim_ids(items: list[Item], failed: list[DocumentFailure]) -> tuple[list[Item], list[DocumentFailure]]:
    """Drop a document whose practice id is taken (a.txt beside a.md); the indexed one keeps it."""
    owner: dict[str, str] = {}
    for item in sorted(items, key=lambda i: i.status == "added"):  # stable: indexed documents first
        for pid in item.practice_ids:
            owner.setdefault(pid, item.source)
    kept, dropped = [], []
    for item in items:
        taken = next((owner[p] for p in item.practice_ids if owner[p] != item.source), None)
        if taken is None:
            kept.append(item)
        else:
            dropped.append(DocumentFailure(item.path, f"same practice id as {taken}; skipped"))
    return kept, failed + dropped
