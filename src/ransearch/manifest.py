"""``manifest.json``: what an index generation says about itself, as typed frozen records.

    Manifest        schema version, encoder, package version, build time, generation id, and:
    Companion       the second encoder whose vectors the generation also holds, if any
    DocumentEntry   per corpus document: the sha256 of its bytes and the practices it gave
    Counts          practices and chunks in the generation
    BuildSettings   what its chunks were made with: chunking settings, learned template, rendering
    FileDigest      size and sha256 of every other file of the generation

The JSON is the one of schema version 1, unchanged (sorted keys, one-space indent): a document
entry holds ``hash`` and ``practice_id``, plus ``practice_ids`` when the document gave several
practices and ``duplicate_of`` when it is a duplicate (see :mod:`ransearch.plan`). Reading
accepts every manifest written since schema version 1 (``files`` is missing in the oldest) and
ignores keys it does not know; a value of the wrong type raises ``ValueError``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["Manifest", "DocumentEntry", "Counts", "BuildSettings", "FileDigest", "Companion"]

JsonObject = Mapping[str, object]


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, not {type(value).__name__}")
    return value


def _text(data: JsonObject, key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text, not {type(value).__name__}")
    return value


def _whole(data: JsonObject, key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be a whole number, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class DocumentEntry:
    """One corpus document: the sha256 of its bytes and the practices it gave the index.

    ``practice_id`` is its first practice (for a duplicate: the kept document's practice);
    ``practice_ids`` lists them all when there are several; ``duplicate_of`` is the source of
    the document kept in its place (it gave no practice of its own).
    """

    hash: str
    practice_id: str = ""
    practice_ids: tuple[str, ...] = ()
    duplicate_of: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        """The practice ids this document gave the index (none for a duplicate)."""
        if self.duplicate_of:
            return ()
        return self.practice_ids or (self.practice_id,)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"hash": self.hash, "practice_id": self.practice_id}
        if self.practice_ids:
            out["practice_ids"] = list(self.practice_ids)
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        return out

    @classmethod
    def from_dict(cls, value: object) -> DocumentEntry:
        data = _object(value, "a document entry")
        ids = data.get("practice_ids") or []
        if not isinstance(ids, list):
            raise ValueError("practice_ids must be a list")
        duplicate_of = data.get("duplicate_of")
        return cls(_text(data, "hash"), _text(data, "practice_id", ""), tuple(str(i) for i in ids),
                   str(duplicate_of) if duplicate_of else None)


@dataclass(frozen=True)
class Counts(Mapping[str, int]):
    """Practices and chunks in a generation; also a read-only mapping by those names (as the
    JSON has them), for readers of ``manifest.counts["chunks"]``."""

    practices: int = 0
    chunks: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"chunks": self.chunks, "practices": self.practices}

    def __getitem__(self, key: str) -> int:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return 2

    @classmethod
    def from_dict(cls, value: object) -> Counts:
        data = _object(value, "counts")
        return cls(_whole(data, "practices", 0), _whole(data, "chunks", 0))


@dataclass(frozen=True)
class BuildSettings:
    """What a generation's records and chunks were made with: a change rebuilds or re-parses.

    ``chunking`` is the chunking settings as a JSON object (``dataclasses.asdict`` of
    :class:`ransearch.chunking.ChunkingConfig`); ``template`` the fingerprint of the template
    text learned from the corpus (None in generations written before it was learned);
    ``rendered`` the languages the encoder does not cover whose practices' chunks and titles
    were embedded from their rendering (:func:`ransearch.embedding.render_uncovered`), which
    search trusts like the covered ones; None in generations written before renderings.
    """

    chunking: Mapping[str, object] = field(default_factory=dict)
    template: str | None = None
    rendered: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"chunking": dict(self.chunking)}
        if self.template is not None:
            out["template"] = self.template
        if self.rendered is not None:
            out["rendered"] = list(self.rendered)
        return out

    @classmethod
    def from_dict(cls, value: object) -> BuildSettings:
        data = _object(value, "settings")
        template, rendered = data.get("template"), data.get("rendered")
        languages = tuple(r for r in rendered if isinstance(r, str)) if isinstance(rendered, list) else None
        return cls(dict(_object(data.get("chunking", {}), "chunking")),
                   template if isinstance(template, str) else None, languages)


@dataclass(frozen=True)
class Companion:
    """The second encoder of a generation (``companion.faiss``, ``companion_titles.npy``): its
    name and the dimension of its vectors."""

    encoder: str
    dimension: int

    def to_dict(self) -> dict[str, object]:
        return {"dimension": self.dimension, "encoder": self.encoder}

    @classmethod
    def from_dict(cls, value: object) -> Companion:
        data = _object(value, "companion")
        return cls(_text(data, "encoder"), _whole(data, "dimension"))


@dataclass(frozen=True)
class FileDigest:
    """Size in bytes and sha256 of one file of a generation."""

    size: int
    sha256: str

    def to_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "size": self.size}

    @classmethod
    def from_dict(cls, value: object) -> FileDigest:
        data = _object(value, "a file entry")
        return cls(_whole(data, "size"), _text(data, "sha256"))


@dataclass(frozen=True)
class Manifest:
    """What an index generation says about itself.

    ``documents`` maps each document's source path to its :class:`DocumentEntry`; ``files``
    maps every other file of the generation to its size and sha256 (empty in generations
    written before checksums existed); ``companion`` is the second encoder, if the generation
    was built with one (the key is absent otherwise).
    """

    schema_version: int
    encoder: str
    dimension: int
    package_version: str
    built_at: str
    generation: str
    documents: Mapping[str, DocumentEntry]
    counts: Counts
    settings: BuildSettings
    files: Mapping[str, FileDigest] = field(default_factory=dict)
    companion: Companion | None = None

    def to_dict(self) -> dict[str, object]:
        companion = {"companion": self.companion.to_dict()} if self.companion is not None else {}
        return companion | {
            "schema_version": self.schema_version, "encoder": self.encoder, "dimension": self.dimension,
            "package_version": self.package_version, "built_at": self.built_at, "generation": self.generation,
            "documents": {source: entry.to_dict() for source, entry in self.documents.items()},
            "counts": self.counts.to_dict(),
            "settings": self.settings.to_dict(),
            "files": {rel: digest.to_dict() for rel, digest in self.files.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, value: object) -> Manifest:
        """The manifest in ``value`` (parsed JSON).

        Raises:
            KeyError: a required key is missing.
            ValueError: a value has the wrong type.
        """
        data = _object(value, "the manifest")
        for key in ("schema_version", "encoder", "dimension", "package_version", "built_at", "generation",
                    "documents", "counts", "settings"):
            if key not in data:
                raise KeyError(key)
        documents = _object(data["documents"], "documents")
        files = _object(data.get("files", {}), "files")
        return cls(
            schema_version=_whole(data, "schema_version"), encoder=_text(data, "encoder"),
            dimension=_whole(data, "dimension"), package_version=_text(data, "package_version"),
            built_at=_text(data, "built_at"), generation=_text(data, "generation"),
            documents={source: DocumentEntry.from_dict(entry) for source, entry in documents.items()},
            counts=Counts.from_dict(data["counts"]),
            settings=BuildSettings.from_dict(data["settings"]),
            files={rel: FileDigest.from_dict(digest) for rel, digest in files.items()},
            companion=Companion.from_dict(data["companion"]) if data.get("companion") is not None else None,
        )
