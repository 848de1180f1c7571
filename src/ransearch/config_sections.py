"""The tuning sections of the settings: ``[search]``, ``[match]``, ``[chunking]`` and ``[server]``
tables in ``ransearch.toml``, ``RANSEARCH_<SECTION>_<KEY>`` variables in the environment
(``RANSEARCH_SEARCH_LEXICAL_WEIGHT=0.4``, ``RANSEARCH_SERVER_PORT=8080``).

Each section gives keyword arguments to one config class; its keys are that class's fields:

    search    ransearch.tuning.SearchConfig      ranking (``Engine.open``)
    match     ransearch.tuning.MatchConfig       situation matching (``Engine.match``)
    chunking  ransearch.chunking.ChunkingConfig  how ``Engine.index`` cuts practices into chunks
    server    ransearch.server.ServerConfig      the HTTP API, except ``index_dir`` and ``threads``
                                                 (top-level settings) and ``token``
                                                 (``$RANSEARCH_TOKEN`` only: a secret)

A key's type is its default's: a whole number (at least 1, or 0 where 0 means something: see
``_ZERO_OK``), a number (at least 0), true/false, text (one of a few where listed in
``_CHOICES``), or a list of text (in a variable: comma-separated). An unknown key or a value of
the wrong type raises :class:`~ransearch.errors.ConfigError`. A config class is imported only
when its section is given (the server's pulls in its package).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from typing import Any

from ransearch.errors import ConfigError

__all__ = ["SECTIONS", "section_defaults", "check_section", "sections_from_env", "env_name"]

SECTIONS: dict[str, tuple[str, str]] = {
    # section: (module, config class)
    "search": ("ransearch.tuning", "SearchConfig"),
    "match": ("ransearch.tuning", "MatchConfig"),
    "chunking": ("ransearch.chunking", "ChunkingConfig"),
    "server": ("ransearch.server", "ServerConfig"),
}
_EXCLUDED = {"server": frozenset({"index_dir", "threads", "token"})}
_ZERO_OK = frozenset({("chunking", "overlap_sentences"), ("server", "max_queued"), ("server", "port")})
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("search", "mode"): ("hybrid", "dense", "lexical"),
    ("server", "log_level"): ("critical", "error", "warning", "info", "debug", "trace"),
}
_TRUE, _FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off"})


def env_name(section: str, key: str) -> str:
    """The variable of a section's key: ``RANSEARCH_<SECTION>_<KEY>``."""
    return f"RANSEARCH_{section}_{key}".upper()


def section_defaults(section: str) -> dict[str, object]:
    """The keys of a section and their defaults (importing its config class)."""
    module, name = SECTIONS[section]
    cls = getattr(importlib.import_module(module), name)
    excluded = _EXCLUDED.get(section, frozenset())
    return {f.name: f.default for f in dataclasses.fields(cls) if f.name not in excluded}


def _expected(section: str, key: str, default: object) -> str:
    if (section, key) in _CHOICES:
        return "one of " + ", ".join(repr(c) for c in _CHOICES[section, key])
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number of at least " + ("0" if (section, key) in _ZERO_OK else "1")
    if isinstance(default, float):
        return "a number, at least 0"
    if isinstance(default, tuple):
        return "a list of text"
    return "text"


def _checked(section: str, key: str, value: object, default: object) -> object | None:
    """``value`` as the type of ``default`` if it is one of the values allowed, else None."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):  # bool is an int in Python: `port = true` is a mistake
        return None
    if isinstance(default, int):
        least = 0 if (section, key) in _ZERO_OK else 1
        return value if isinstance(value, int) and value >= least else None
    if isinstance(default, float):
        return float(value) if isinstance(value, (int, float)) and value >= 0 else None
    if isinstance(default, tuple):
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        return tuple(v.strip() for v in value) if ok and isinstance(value, list) else None
    if not isinstance(value, str) or not value.strip():
        return None
    choices = _CHOICES.get((section, key))
    return value.strip() if choices is None or value.strip() in choices else None


def _found(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_section(section: str, table: object, where: str) -> dict[str, Any]:
    """The checked values of a ``[section]`` table (``where`` names the file in errors).

    Raises:
        ConfigError: not a table, an unknown key or a value of the wrong type.
    """
    if not isinstance(table, Mapping):
        raise ConfigError(where, f"{section} must be a table ([{section}]), not {_found(table)}")
    defaults = section_defaults(section)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in defaults:
            raise ConfigError(where, f"[{section}] has no key {key!r} (keys: {', '.join(defaults)})")
        checked = _checked(section, key, value, defaults[key])
        if checked is None:
            raise ConfigError(where, f"[{section}] {key} must be {_expected(section, key, defaults[key])}, "
                                     f"not {_found(value)}")
        values[key] = checked
    return values


def _parse(text: str, default: object) -> object:
    """A variable's text as the type of ``default`` (what cannot be read stays text: refused later)."""
    raw = text.strip()
    if isinstance(default, bool):
        low = raw.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    if isinstance(default, (int, float)):
        try:
            return int(raw) if isinstance(default, int) else float(raw)
        except ValueError:
            return raw
    if isinstance(default, tuple):
        return [part for part in (p.strip() for p in raw.split(",")) if part]
    return raw


def sections_from_env(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The checked values of every ``RANSEARCH_<SECTION>_<KEY>`` variable that is set, by section.

    Raises:
        ConfigError: a variable names no key of its section, or holds a value of the wrong type.
    """
    out: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        prefix = env_name(section, "")
        given = {name: text for name, text in env.items() if name.startswith(prefix) and text.strip()}
        if not given:
            continue
        defaults = section_defaults(section)
        values: dict[str, Any] = {}
        for name, text in sorted(given.items()):
            key = name[len(prefix):].lower()
            if key not in defaults:
                known = ", ".join(env_name(section, k) for k in defaults)
                raise ConfigError(f"${name}", f"not a setting (the [{section}] variables are {known})")
            checked = _checked(section, key, _parse(text, defaults[key]), defaults[key])
            if checked is None:
                raise ConfigError(f"${name}", f"must be {_expected(section, key, defaults[key])}, "
                                              f"not {_found(text.strip())}")
            values[key] = checked
        out[section] = values
    return out
