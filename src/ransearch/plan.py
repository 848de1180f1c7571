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

The manifest entry of a document is a :class:`ransearch.manifest.DocumentEntry`.

:func:`plan_documents` decides, before anything is loaded or embedded, which documents are
reused as they are and which are parsed (again), learning the corpus's template text and its
duplicate groups when anything changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from ransearch.previous_generation import PreviousGeneration
from ransearch.build_report import DocumentFailure, DuplicateGroup
from ransearch.corpus import Scanned, Walk
from ransearch.errors import ParseError
from ransearch.ingest import practice_id
from ransearch.ingest.boilerplate import Template
from ransearch.ingest.collection import parse_document
from ransearch.ingest.duplicates import study_files
from ransearch.manifest import DocumentEntry
from ransearch.records import Practice

__all__ = ["Item", "DocumentStatus", "Plan", "plan_documents", "claim_ids", "keep_one_per_group",
           "duplicate_report", "manifest_entry"]


class DocumentStatus(str, Enum):
    """What a run does with a document."""

    UNCHANGED = "unchanged"
    """Reused as it is (or parsed again only because the learned template changed)."""
    ADDED = "added"
    CHANGED = "changed"
    KEPT = "kept"
    """Failed now (unreadable, or does not parse): its last good version is kept."""

    def __str__(self) -> str:
        return self.value


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
    status: DocumentStatus
    practices: tuple[Practice, ...] | None = None
    duplicate_of: str | None = None


def manifest_entry(item: Item, kept_id: str = "") -> DocumentEntry:
    """The manifest entry of a document (``kept_id``: for a duplicate, the kept practice's id)."""
    if item.duplicate_of is not None:
        return DocumentEntry(item.hash, kept_id, duplicate_of=item.duplicate_of)
    return DocumentEntry(item.hash, item.practice_ids[0] if item.practice_ids else "",
                         item.practice_ids if len(item.practice_ids) > 1 else ())


def _richness(p: Practice) -> int:
    return sum(len(text.split()) for text in p.sections.values()) + len(p.contacts.split())


def keep_one_per_group(items: list[Item], groups: Sequence[Sequence[int]]) -> None:
    """Mark the duplicates of every group (indices into ``items``) and list them on the kept record.

    Only freshly parsed single-practice documents take part (a file that failed keeps its last
    good version as it was; a file holding several practices is never a copy of one).
    """
    for group in groups:
        # (position in the group, item, its one practice)
        members = [(n, it, it.practices[0]) for n, it in enumerate(items[i] for i in group)
                   if it.practices is not None and len(it.practices) == 1]
        if len(members) < 2:
            continue
        # newest, else richest; else the one indexed already (no churn), else the first source
        _, best, practice = max(members, key=lambda m: (m[2].last_update or 0, _richness(m[2]),
                                                        m[1].status != DocumentStatus.ADDED, -m[0]))
        others = tuple(sorted(it.source for _, it, _ in members if it is not best))
        best.practices = (replace(practice, duplicate_sources=others),)
        for _, it, _ in members:
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
    for item in sorted(items, key=lambda i: i.status == DocumentStatus.ADDED):  # stable: indexed documents first
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


@dataclass
class Plan:
    """Every document's part in the new generation, and the template its records are parsed with."""

    items: list[Item] = field(default_factory=list)
    failed: list[DocumentFailure] = field(default_factory=list)
    template: Template | None = None
    """Learned from the corpus when anything changed (None: nothing to parse)."""
    fingerprint: str = ""
    """Of the template the new generation's records were parsed with."""
    reparsed: int = 0
    """Unchanged documents parsed again because the learned template changed."""


def parse_scanned(d: Scanned, template: Template | None, strict_template: bool) -> list[Practice]:
    """The practices of a document, named by its source (unique in the corpus).

    Raises:
        ParseError: the document does not parse.
    """
    practices = parse_document(d.doc.path, d.doc.root, template=template, strict_template=strict_template)
    if practices[0].source == d.source:
        return practices
    # a followed link, or a name two corpus folders share: the walk's source names it
    old, new = practice_id(practices[0].source), practice_id(d.source)
    return [replace(p, source=d.source, id=new + p.id[len(old):]) for p in practices]


def plan_documents(scanned: list[Scanned], walk: Walk, prev: PreviousGeneration | None, full: bool, *,
                   strict_template: bool, progress: Callable[[str, int, int], None],
                   lap: Callable[[str], None]) -> Plan:
    """Parse what is new or changed (everything if ``full``); the rest is reused as it is.

    When anything changed, the template text the corpus shares is learned again from every
    document, and its duplicate groups are found again (:func:`ransearch.ingest.duplicates.study_files`),
    so that an index holds the records ``ransearch parse`` gives. Should what was learned
    differ from what parsed the previous generation, unchanged documents are parsed again too
    (their unchanged chunks keep their vectors), and the plan says so (``reparsed``). Documents
    in a duplicate group, now or before, are parsed again: which of them the index keeps may change.

    ``progress("parse", done, total)`` is called per document parsed; ``lap("learn")`` once
    the template is learned.
    """
    old_docs = prev.manifest.documents if prev else {}
    present = {d.source for d in scanned}
    unreadable = [s for s in old_docs if s not in present and any(u.covers(s) for u in walk.unreadable)]
    stale = [d for d in scanned if d.hash is not None and (full or _old_hash(old_docs, d.source) != d.hash)]
    learned_before = prev.manifest.settings.template if prev else None
    readable = [d for d in scanned if d.hash is not None]
    groups: list[list[int]] = []
    plan = Plan()
    if not stale and all(s in present or s in unreadable for s in old_docs):
        plan.fingerprint = learned_before or ""  # nothing changed: nothing to learn, nothing to parse
    else:
        plan.template, groups = study_files([d.doc.path for d in readable])
        lap("learn")
        plan.fingerprint = plan.template.fingerprint
        if not full and prev is not None and learned_before != plan.template.fingerprint:
            stale = list(readable)
            plan.reparsed = len(stale)
        grouped = {id(readable[i]) for g in groups if len(g) > 1 for i in g}
        kept_before = {e.duplicate_of for e in old_docs.values() if e.duplicate_of}
        again = {id(d) for d in stale}
        stale += [d for d in readable if id(d) not in again and (
            id(d) in grouped or d.source in kept_before or _old_duplicate(old_docs, d.source))]
    reparse = {id(d) for d in stale}
    items, failed = plan.items, plan.failed
    position: dict[int, int] = {}  # id(scanned) → its item
    done = 0
    for d in scanned:
        path, error, old = str(d.doc.path), d.error, old_docs.get(d.source)
        if id(d) not in reparse and d.hash is not None and old is not None:
            items.append(Item(path, d.source, d.hash, old.ids, DocumentStatus.UNCHANGED, duplicate_of=old.duplicate_of))
            continue
        if d.hash is not None:
            try:
                practices = parse_scanned(d, plan.template, strict_template)
            except ParseError as exc:
                error = exc.reason
            else:
                status = (DocumentStatus.ADDED if old is None else
                          DocumentStatus.UNCHANGED if old.hash == d.hash else DocumentStatus.CHANGED)
                position[id(d)] = len(items)
                items.append(Item(path, d.source, d.hash, tuple(p.id for p in practices), status, tuple(practices)))
            done += 1
            progress("parse", done, len(stale))
            if not error:
                continue
        if old is not None:  # keep the last good version of a broken or unreadable file
            items.append(Item(path, d.source, old.hash, old.ids, DocumentStatus.KEPT, duplicate_of=old.duplicate_of))
        failed.append(DocumentFailure(path, error, old is not None))
    for u in walk.unreadable:
        covered = [s for s in unreadable if u.covers(s)]
        for s in covered:
            old = old_docs[s]
            items.append(Item(s, s, old.hash, old.ids, DocumentStatus.KEPT, duplicate_of=old.duplicate_of))
        failed.append(DocumentFailure(u.path, u.reason + (f" ({len(covered)} documents kept their last good "
                                                          "version)" if len(covered) > 1 else ""), bool(covered)))
    keep_one_per_group(items, [[position[id(readable[i])] for i in g if id(readable[i]) in position]
                               for g in groups])
    return plan


def _old_hash(old_docs: Mapping[str, DocumentEntry], source: str) -> str | None:
    old = old_docs.get(source)
    return old.hash if old is not None else None


def _old_duplicate(old_docs: Mapping[str, DocumentEntry], source: str) -> str | None:
    old = old_docs.get(source)
    return old.duplicate_of if old is not None else None
