"""Settings: one typed object, defaults < config file < environment < explicit arguments.

Config file: ``ransearch.toml`` in the working directory, or the file named by
``RANSEARCH_CONFIG`` (keys as below, top level). Environment: ``RANSEARCH_INDEX``,
``RANSEARCH_ENCODER``, ``RANSEARCH_COMPANION``, ``RANSEARCH_THREADS``, ``RANSEARCH_CORPUS`` (paths separated by ``:``),
``RANSEARCH_CACHE`` (the cache folder, :func:`cache_dir`), ``RANSEARCH_FETCH_URL`` (where
``ransearch fetch`` starts), ``RANSEARCH_FETCH_DELAY`` (seconds between its requests).

The knobs of ranking, matching, chunking and the HTTP server are sections: ``[search]``,
``[match]``, ``[chunking]``, ``[server]`` in the file, ``RANSEARCH_<SECTION>_<KEY>`` in the
environment (:mod:`ransearch.config_sections`); :attr:`Settings.search`, :attr:`Settings.match`,
:attr:`Settings.chunking` and :meth:`Settings.server_options` give them as their config objects.

Every value is checked as the command line checks its options (``threads`` and
``keep_generations`` at least 1, paths non-empty...): a malformed file or variable raises
:class:`~ransearch.errors.ConfigError` naming the file, the key and what is expected.

Encoders: opening an index loads the encoder its manifest names only if the settings allow it:
the configured ``encoder`` (default ``use``) and ``companion``, the encoders whose weights come
with a package (``use``, ``e5``), and the names listed in ``allowed_encoders``
(:meth:`Settings.allows_encoder`). A manifest is data anyone who can write the index folder
controls; ``st:<name>`` would download and run that model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ransearch.config_sections import SECTIONS, check_section, sections_from_env
from ransearch.errors import ConfigError, EncoderNotAllowed

if TYPE_CHECKING:
    from ransearch.chunking import ChunkingConfig
    from ransearch.tuning import MatchConfig
    from ransearch.tuning import SearchConfig

__all__ = ["Settings", "load_settings", "cache_dir", "CACHE_ENV", "CONFIG_ENV", "KEYS"]

CACHE_ENV = "RANSEARCH_CACHE"
CONFIG_ENV = "RANSEARCH_CONFIG"
BUNDLED_ENCODER = "use"
PACKAGED_ENCODERS = (BUNDLED_ENCODER, "e5")
"""Encoders whose weights come with a package (nothing is downloaded): an index may always ask for them."""
NO_COMPANION = "none"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dirs: tuple[Path, ...] = (Path("corpus"),)
    encoder: str = BUNDLED_ENCODER
    companion: str | None = None
    """A second encoder whose evidence new generations add to the ranking (``e5``; ``none``: no
    companion); see :func:`companion_name`."""
    threads: int | None = None
    batch_size: int | None = None
    device: str | None = None
    keep_generations: int = 3
    allowed_encoders: tuple[str, ...] = ()
    """Encoders besides ``encoder`` and ``use`` that an index may ask for (see the module docstring)."""
    fetch_url: str = ("https://home-affairs.ec.europa.eu/networks/radicalisation-awareness-network-ran/"
                      "collection-inspiring-practices/ran-practices_en")
    """The Collection's listing page: where ``ransearch fetch`` starts without an address."""
    fetch_delay: float = 1.0
    """Least seconds between two requests of ``ransearch fetch`` (0 lifts the limit)."""
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # Any: keyword arguments of config classes
    """Checked values of the ``[search]``, ``[match]``, ``[chunking]`` and ``[server]`` sections,
    by section (keyword arguments of their config classes, see :mod:`ransearch.config_sections`)."""
    extra: dict[str, object] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:  # Any: checked by KEYS, typed by the fields
        """A copy with the non-None ``overrides`` applied (explicit arguments win)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def with_section(self, section: str, **values: object) -> Settings:
        """A copy with ``values`` set in ``section`` (checked as the file's are).

        Raises:
            ConfigError: an unknown section or key, or a value of the wrong type.
        """
        if section not in SECTIONS:
            raise ConfigError("settings", f"no section {section!r} (sections: {', '.join(SECTIONS)})")
        checked = check_section(section, values, "settings")
        return replace(self, sections={**self.sections, section: {**self.section(section), **checked}})

    def section(self, section: str) -> dict[str, Any]:
        """The values given for ``section`` (from the file, the environment or ``with_section``)."""
        return dict(self.sections.get(section, {}))

    @property
    def search(self) -> SearchConfig:
        """How readers rank (``[search]``): the ``SearchConfig`` of ``Engine.open``."""
        from ransearch.tuning import SearchConfig

        return SearchConfig(**self.section("search"))

    @property
    def match(self) -> MatchConfig:
        """How situations are matched (``[match]``): the ``MatchConfig`` of ``Engine.match``."""
        from ransearch.tuning import MatchConfig

        return MatchConfig(**self.section("match"))

    @property
    def chunking(self) -> ChunkingConfig:
        """How new generations cut practices into chunks (``[chunking]``; a change rebuilds)."""
        from ransearch.chunking import ChunkingConfig

        return ChunkingConfig(**self.section("chunking"))

    def server_options(self) -> dict[str, Any]:
        """The ``[server]`` values: keyword arguments of ``ransearch.server.ServerConfig``."""
        return self.section("server")

    @property
    def encoders_allowed(self) -> tuple[str, ...]:
        """The encoders an index may be opened with, in order: packaged, configured, listed."""
        configured = (self.encoder, *([self.companion_name] if self.companion_name else []))
        return tuple(dict.fromkeys((*PACKAGED_ENCODERS, *configured, *self.allowed_encoders)))

    @property
    def companion_name(self) -> str | None:
        """The companion encoder new generations are built with (None: none)."""
        return None if self.companion in (None, NO_COMPANION) else self.companion

    def allows_encoder(self, name: str) -> bool:
        return name in self.encoders_allowed

    def require_encoder(self, name: str) -> None:
        """Raise ``EncoderNotAllowed`` unless an index may ask for the encoder ``name``."""
        if not self.allows_encoder(name):
            raise EncoderNotAllowed(name, self.encoders_allowed)


# -- checking values (the same rules as the command line's options) ------------------------------

def _path(value: object) -> Path | None:
    return Path(value) if isinstance(value, str) and value.strip() else None


def _paths(value: object) -> tuple[Path, ...] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return None
    paths = [_path(v) for v in items]
    return None if any(p is None for p in paths) else tuple(p for p in paths if p is not None)


def _encoder(value: object) -> str | None:
    # the form is checked where encoders are loaded (ransearch.encoders.load_encoder)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _encoders(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    names = [_encoder(v) for v in value]
    return None if any(n is None for n in names) else tuple(n for n in names if n is not None)


def _at_least_one(value: object) -> int | None:
    # bool is an int in Python: `threads = true` is a mistake, not 1
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def _url(value: object) -> str | None:
    if not isinstance(value, str) or re.match(r"https?://[^\s/]+", value.strip()) is None:
        return None
    return value.strip()


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


_Check = Callable[[object], object]
KEYS: dict[str, tuple[str, str, _Check]] = {
    # key: (Settings field, what is expected, check returning the value or None)
    "index": ("index_dir", "a folder path (text)", _path),
    "corpus": ("corpus_dirs", "a folder path or a list of folder paths (text)", _paths),
    "encoder": ("encoder", "an encoder name: 'use', 'e5' or 'st:<model name or path>'", _encoder),
    "companion": ("companion", "an encoder name ('e5', 'st:<model name or path>') or 'none'", _encoder),
    "allowed_encoders": ("allowed_encoders", "a list of encoder names ('use', 'e5' or 'st:<model name or path>')",
                         _encoders),
    "threads": ("threads", "a whole number of at least 1", _at_least_one),
    "keep_generations": ("keep_generations", "a whole number of at least 1", _at_least_one),
    "fetch_url": ("fetch_url", "an http(s) address", _url),
    "fetch_delay": ("fetch_delay", "a number of seconds, at least 0", _seconds),
}
"""The top-level keys of ``ransearch.toml``; the sections are ``SECTIONS``; other keys are kept
in ``Settings.extra`` for front ends."""


def _found(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _config_path() -> tuple[Path, bool]:
    """(the config file, whether it was named explicitly by ``$RANSEARCH_CONFIG``)."""
    named = os.environ.get(CONFIG_ENV)
    return (Path(named), True) if named else (Path("ransearch.toml"), False)


def _toml_error(path: Path, data: bytes, exc: Exception) -> ConfigError:
    """One line for a file that is not TOML: where, the line as written, and why."""
    message = str(exc)
    where = re.search(r"\(at line (\d+), column \d+\)", message)
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "syntax error"
    if where is None:
        return ConfigError(str(path), f"not valid TOML ({reason})")
    n = int(where.group(1))
    lines = data.decode("utf-8", "replace").splitlines()
    line = lines[n - 1].strip()[:60] if 0 < n <= len(lines) else ""
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    expects = f"; {key} must be {KEYS[key][1]}" if key in KEYS else ""
    shown = f"`{line}` is not valid TOML" if line else "not valid TOML"
    return ConfigError(f"{path}, line {n}", f"{shown} ({reason}){expects}")


def _read_config_file() -> tuple[Path, dict[str, object]]:
    """The config file and its keys ({} when there is none).

    Raises:
        ConfigError: the file cannot be read, is not UTF-8 or not TOML; ``$RANSEARCH_CONFIG``
            names no file.
    """
    path, explicit = _config_path()
    if not path.is_file():
        if explicit:
            raise ConfigError(f"${CONFIG_ENV}", f"{str(path)!r} is not a file")
        return path, {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
        except ImportError:
            return path, {}
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}", "not UTF-8 text (save the file as UTF-8)") from None
    try:
        return path, dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, data, exc) from None


def _from_file(path: Path, file: dict[str, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, (name, expected, check) in KEYS.items():
        if key not in file:
            continue
        value = check(file[key])
        if value is None:
            raise ConfigError(str(path), f"{key} must be {expected}, not {_found(file[key])}")
        values[name] = value
    return values


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    if env.get("RANSEARCH_INDEX"):
        values["index_dir"] = Path(env["RANSEARCH_INDEX"])
    if env.get("RANSEARCH_CORPUS"):
        values["corpus_dirs"] = tuple(Path(p) for p in env["RANSEARCH_CORPUS"].split(":") if p) or None
    if env.get("RANSEARCH_ENCODER"):
        encoder = _encoder(env["RANSEARCH_ENCODER"])
        if encoder is None:
            raise ConfigError("$RANSEARCH_ENCODER", f"must be {KEYS['encoder'][1]}, not {_found(env['RANSEARCH_ENCODER'])}")
        values["encoder"] = encoder
    if env.get("RANSEARCH_COMPANION"):
        companion = _encoder(env["RANSEARCH_COMPANION"])
        if companion is None:
            raise ConfigError("$RANSEARCH_COMPANION",
                              f"must be {KEYS['companion'][1]}, not {_found(env['RANSEARCH_COMPANION'])}")
        values["companion"] = companion
    if env.get("RANSEARCH_THREADS", "").strip():
        raw = env["RANSEARCH_THREADS"].strip()
        threads = _at_least_one(int(raw)) if raw.isdigit() else None
        if threads is None:
            raise ConfigError("$RANSEARCH_THREADS", f"must be {KEYS['threads'][1]}, not {_found(raw)}")
        values["threads"] = threads
    if env.get("RANSEARCH_FETCH_URL", "").strip():
        url = _url(env["RANSEARCH_FETCH_URL"])
        if url is None:
            raise ConfigError("$RANSEARCH_FETCH_URL", f"must be {KEYS['fetch_url'][1]}, not {_found(env['RANSEARCH_FETCH_URL'])}")
        values["fetch_url"] = url
    if env.get("RANSEARCH_FETCH_DELAY", "").strip():
        raw = env["RANSEARCH_FETCH_DELAY"].strip()
        try:
            delay = _seconds(float(raw))
        except ValueError:
            delay = None
        if delay is None:
            raise ConfigError("$RANSEARCH_FETCH_DELAY", f"must be {KEYS['fetch_delay'][1]}, not {_found(raw)}")
        values["fetch_delay"] = delay
    return values


def load_settings(**overrides: Any) -> Settings:
    """Settings from the defaults, the config file, the environment, then ``overrides``.

    Raises:
        ConfigError: a malformed config file or environment variable (one line: the file,
            the key, what is expected).
    """
    path, file = _read_config_file()
    top = _from_file(path, file)
    sections = {name: check_section(name, file[name], str(path)) for name in SECTIONS if name in file}
    env = _from_env(os.environ)
    for name, given in sections_from_env(os.environ).items():  # key by key over the file's
        sections[name] = {**sections.get(name, {}), **given}
    s = Settings(sections=sections, extra={k: v for k, v in file.items() if k not in KEYS and k not in SECTIONS})
    return s.with_overrides(**top).with_overrides(**env).with_overrides(**overrides)


def cache_dir() -> Path:
    """The folder of ransearch's caches (the encoder's start-up state, file digests):
    ``$RANSEARCH_CACHE``, else ``$XDG_CACHE_HOME/ransearch``, else ``~/.cache/ransearch``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ransearch"
