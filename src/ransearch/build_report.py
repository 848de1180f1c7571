"""What an indexing run did (:class:`BuildReport`) and the state of an index (:class:`IndexStatus`).

A report's ``exit_status`` is the contract with schedulers (cron, systemd timers):

    0  the index is up to date with every document (updated, or nothing to do)
    3  the index is serving and up to date, but some documents failed (see ``failed``)
    2  fatal error: nothing changed, the previous generation is still serving; or the run's
       report could not be recorded (``record_error``: a full disk), whatever the run did
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from ransearch.store import list_generations, open_generation, read_last_run

__all__ = ["BuildReport", "DocumentFailure", "DuplicateGroup", "ParsedDocument", "IndexStatus", "index_status", "now_iso",
           "Outcome", "UPDATED", "UNCHANGED", "FAILED", "ROLLED_BACK"]


class Outcome(str, Enum):
    """How an indexing run ended (``outcome`` in its JSON report, as the value's text)."""

    UPDATED = "updated"
    """A new generation serves."""
    UNCHANGED = "unchanged"
    """Nothing to do: the generation serving before still serves."""
    FAILED = "failed"
    """Fatal error: nothing changed."""
    ROLLED_BACK = "rolled back"
    """Readers were switched back to an older generation."""

    def __str__(self) -> str:
        return self.value


UPDATED, UNCHANGED, FAILED, ROLLED_BACK = Outcome.UPDATED, Outcome.UNCHANGED, Outcome.FAILED, Outcome.ROLLED_BACK


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DocumentFailure:
    """A document that could not be indexed in this run.

    ``kept`` is True when the practice from the document's last good version is still in the
    index (an editor saved a broken file: nothing is lost until it is fixed).
    """

    path: str
    reason: str
    kept: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "reason": self.reason, "kept_last_good_version": self.kept}


@dataclass(frozen=True)
class ParsedDocument:
    """A document parsed in this run, with the file format and the layout recognised."""

    source: str
    format: str
    layout: str

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "format": self.format, "layout": self.layout}


@dataclass(frozen=True)
class DuplicateGroup:
    """Documents that hold one practice: the one indexed (``kept``, as ``practice_id``) and the others."""

    kept: str
    practice_id: str
    duplicates: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"kept": self.kept, "practice_id": self.practice_id, "duplicates": list(self.duplicates)}


@dataclass(frozen=True)
class BuildReport:
    """What an indexing run did.

    ``added``, ``changed`` and ``removed`` list document sources (paths relative to their corpus
    folder); ``unchanged`` counts the documents reused without parsing or embedding.
    ``generation`` is the generation serving after the run, ``previous`` the one before it.
    ``parsed`` names the documents parsed in this run with their format and layout;
    ``formats`` counts the indexed documents by ``format/layout`` (when a generation was written).
    ``duplicates`` names the duplicate groups of the index: of each, one document is indexed.
    """

    outcome: Outcome
    generation: str | None
    encoder: str
    previous: str | None = None
    practices: int = 0
    chunks: int = 0
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    failed: tuple[DocumentFailure, ...] = ()
    embedded_chunks: int = 0
    reused_chunks: int = 0
    full_rebuild: bool = False
    full_reason: str | None = None
    durations: dict[str, float] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    pruned: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    parsed: tuple[ParsedDocument, ...] = ()
    formats: dict[str, int] = field(default_factory=dict)
    record_error: str | None = None
    """Why the report could not be recorded in ``last_run.json`` (then ``exit_status`` is 2)."""
    duplicates: tuple[DuplicateGroup, ...] = ()
    companion: str | None = None
    """The companion encoder of the generation serving after the run (:mod:`ransearch.companion`)."""
    companion_embedded_chunks: int = 0
    """Chunks the companion embedded in this run (the others kept their companion vectors)."""

    @property
    def exit_status(self) -> int:
        if self.outcome == Outcome.FAILED or self.record_error:
            return 2
        return 3 if self.failed else 0

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": Outcome(self.outcome).value,
            "exit_status": self.exit_status,
            "generation": self.generation,
            "previous_generation": self.previous,
            "encoder": self.encoder,
            "companion": self.companion,
            "full_rebuild": self.full_rebuild,
            "full_rebuild_reason": self.full_reason,
            "counts": {
                "added": len(self.added), "changed": len(self.changed), "removed": len(self.removed),
                "unchanged": self.unchanged, "failed": len(self.failed),
                "practices": self.practices, "chunks": self.chunks,
                "embedded_chunks": self.embedded_chunks, "reused_chunks": self.reused_chunks,
                "companion_embedded_chunks": self.companion_embedded_chunks,
            },
            "documents": {"added": list(self.added), "changed": list(self.changed), "removed": list(self.removed)},
            "failed": [f.to_dict() for f in self.failed],
            "parsed": [d.to_dict() for d in self.parsed],
            "formats": dict(self.formats),
            "duplicates": [g.to_dict() for g in self.duplicates],
            "durations": {k: round(v, 4) for k, v in self.durations.items()},
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "pruned_generations": list(self.pruned),
            "warnings": list(self.warnings),
            "error": self.error,
            "record_error": self.record_error,
        }


@dataclass(frozen=True)
class IndexStatus:
    """The generation serving an index, the generations kept, and the last run's report."""

    index_dir: str
    generation: str
    built_at: str
    encoder: str
    dimension: int
    counts: dict[str, int]
    generations: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    last_run: dict[str, Any] | None = None
    companion: str | None = None
    """The generation's second encoder (:mod:`ransearch.companion`), if it has one."""

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index_dir, "generation": self.generation, "built_at": self.built_at,
            "encoder": self.encoder, "dimension": self.dimension, "companion": self.companion,
            "counts": dict(self.counts),
            "generations": list(self.generations), "warnings": list(self.warnings), "last_run": self.last_run,
        }


def index_status(index_dir: Path | str, verify: bool = False) -> IndexStatus:
    """The state of the index at ``index_dir``, without loading it or its encoder.

    ``verify``: hash every file of the generation again, not trusting remembered digests
    (see :mod:`ransearch.digests`).

    Raises:
        IndexNotFound, IndexCorrupt, IndexMismatch: as :func:`ransearch.store.open_generation`.
    """
    index_dir = Path(index_dir)
    gen = open_generation(index_dir, remembered=not verify)
    m = gen.manifest
    counts = {"documents": len(m.documents), **m.counts.to_dict()}
    return IndexStatus(str(index_dir), gen.id, m.built_at, m.encoder, m.dimension, counts,
                       tuple(list_generations(index_dir)), gen.warnings, read_last_run(index_dir),
                       m.companion.encoder if m.companion is not None else None)
