"""The package's exceptions: one base class and a few subclasses a user can act on.

    RansearchError
    ├── ParseError(path, reason)          a document could not be read or is not a RAN practice
    ├── IndexNotFound(path)               no index at the given folder
    ├── IndexCorrupt(path, reason)        an index folder exists but cannot be read
    ├── IndexMismatch(what, expected, found)  encoder or schema of an index differs from the request
    │   └── EncoderNotAllowed(name, allowed)  the index asks for an encoder the settings do not allow
    ├── IndexLocked(path)                 another indexing run holds the index lock
    ├── IndexWriteError(path, reason)     a new generation could not be written (disk full, permissions)
    ├── EncoderUnavailable(name, reason)  an encoder cannot be loaded (missing extra, bad model path)
    ├── ConfigError(source, reason)       a malformed setting in ransearch.toml or the environment
    ├── QueryError(reason)                an unusable query or filter value
    ├── PracticeNotFound(practice_id)     no practice with that id in the index
    └── FetchError(url, reason)           a fetch cannot start (bad start address or follow pattern)

Front ends (CLI, HTTP, MCP) map these to exit or status codes in one place each.
"""

from __future__ import annotations

__all__ = [
    "RansearchError",
    "ParseError",
    "IndexNotFound",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexLocked",
    "IndexWriteError",
    "EncoderUnavailable",
    "EncoderNotAllowed",
    "ConfigError",
    "QueryError",
    "PracticeNotFound",
    "FetchError",
]


class RansearchError(Exception):
    """Base class of every error the package raises on purpose."""


class ParseError(RansearchError):
    """A document could not be read, or is not a RAN practice description."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotFound(RansearchError):
    def __init__(self, path: str) -> None:
        super().__init__(f"no index at {path} (build one with: ransearch index)")
        self.path = path


class IndexCorrupt(RansearchError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"index at {path} cannot be read: {reason}")
        self.path = path
        self.reason = reason


class IndexMismatch(RansearchError):
    def __init__(self, what: str, expected: object, found: object) -> None:
        super().__init__(
            f"index {what} mismatch: expected {expected!r}, found {found!r} "
            "(rebuild with: ransearch index --full)"
        )
        self.what = what
        self.expected = expected
        self.found = found


class EncoderNotAllowed(IndexMismatch):
    """The index was built with an encoder the settings do not allow: it is not loaded (loading
    ``st:<name>`` may download and run a model the index's writer chose)."""

    def __init__(self, name: str, allowed: tuple[str, ...]) -> None:
        RansearchError.__init__(
            self, f"the index was built with encoder {name!r}, which the settings do not allow "
            f"(allowed: {', '.join(allowed)}); to trust it, set encoder or allowed_encoders in ransearch.toml, "
            "or $RANSEARCH_ENCODER")
        self.what = "encoder"
        self.expected = allowed
        self.found = name
        self.name = name
        self.allowed = allowed


class IndexLocked(RansearchError):
    """Another ``ransearch index`` run holds the lock of this index folder."""

    def __init__(self, path: str, waited: float | None = None) -> None:
        how = f" (waited {waited:g} s)" if waited else ""
        super().__init__(f"another indexing run is updating {path}{how}; the current index stays in service "
                         "(wait for it with --wait, or --lock-timeout SECONDS)")
        self.path = path
        self.waited = waited


class IndexWriteError(RansearchError):
    """A new generation could not be written; the current one stays in service."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write the index at {path}: {reason}")
        self.path = path
        self.reason = reason


class EncoderUnavailable(RansearchError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"encoder {name!r} unavailable: {reason}")
        self.name = name
        self.reason = reason


class ConfigError(RansearchError):
    """A setting that cannot be used: ``source`` is the file (or environment variable) it came from."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class QueryError(RansearchError):
    """An empty, oversized or otherwise unusable query, or an unknown filter value."""


class PracticeNotFound(RansearchError):
    def __init__(self, practice_id: str) -> None:
        super().__init__(f"no practice with id {practice_id!r}")
        self.practice_id = practice_id


class FetchError(RansearchError):
    """A fetch cannot start: an unusable start address or follow pattern (the pages a fetch could
    not get are reported in its :class:`~ransearch.fetch.FetchReport`, never raised)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
