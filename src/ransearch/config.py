"""Settings: one typed object, defaults < config file < environment < explicit arguments.

Config file: ``ransearch.toml`` in the working directory, or the file named by
``RANSEARCH_CONFIG`` (keys as below, top level). Environment: ``RANSEARCH_INDEX``,
``RANSEARCH_ENCODER``, ``RANSEARCH_THREADS``, ``RANSEARCH_CORPUS`` (paths separated by ``:``),
``RANSEARCH_CACHE`` (the cache folder, :func:`cache_dir`), ``RANSEARCH_FETCH_URL`` (where
``ransearch fetch`` starts), ``RANSEARCH_FETCH_DELAY`` (seconds between its requests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["Settings", "load_settings", "cache_dir", "CACHE_ENV"]

CACHE_ENV = "RANSEARCH_CACHE"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("index")
    corpus_dirs: tuple[Path, ...] = (Path("corpus"),)
    encoder: str = "use"
    threads: int | None = None
    batch_size: int | None = None
    device: str | None = None
    keep_generations: int = 3
    fetch_url: str = ("https://home-affairs.ec.europa.eu/networks/radicalisation-awareness-network-ran/"
                      "collection-inspiring-practices/ran-practices_en")
    """The Collection's listing page: where ``ransearch fetch`` starts without an address."""
    fetch_delay: float = 1.0
    """Least seconds between two requests of ``ransearch fetch`` (0 lifts the limit)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None ``overrides`` applied (explicit arguments win)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _read_config_file() -> dict[str, Any]:
    path = Path(os.environ.get("RANSEARCH_CONFIG", "ransearch.toml"))
    if not path.is_file():
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            return {}
    with open(path, "rb") as f:
        return dict(tomllib.load(f))


def load_settings(**overrides: Any) -> Settings:
    """Settings from the defaults, the config file, the environment, then ``overrides``."""
    s = Settings()
    file = _read_config_file()
    env = os.environ
    values: dict[str, Any] = {
        "index_dir": Path(file["index"]) if "index" in file else None,
        "corpus_dirs": tuple(Path(p) for p in file["corpus"]) if "corpus" in file else None,
        "encoder": file.get("encoder"),
        "threads": file.get("threads"),
        "keep_generations": file.get("keep_generations"),
        "fetch_url": file.get("fetch_url"),
        "fetch_delay": float(file["fetch_delay"]) if "fetch_delay" in file else None,
    }
    s = s.with_overrides(**values)
    s = s.with_overrides(
        index_dir=Path(env["RANSEARCH_INDEX"]) if env.get("RANSEARCH_INDEX") else None,
        corpus_dirs=tuple(Path(p) for p in env["RANSEARCH_CORPUS"].split(":") if p) if env.get("RANSEARCH_CORPUS") else None,
        encoder=env.get("RANSEARCH_ENCODER") or None,
        threads=int(env["RANSEARCH_THREADS"]) if env.get("RANSEARCH_THREADS", "").isdigit() else None,
        fetch_url=env.get("RANSEARCH_FETCH_URL") or None,
        fetch_delay=_float(env.get("RANSEARCH_FETCH_DELAY")),
    )
    return s.with_overrides(**overrides)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def cache_dir() -> Path:
    """The folder of ransearch's caches (the encoder's start-up state, file digests):
    ``$RANSEARCH_CACHE``, else ``$XDG_CACHE_HOME/ransearch``, else ``~/.cache/ransearch``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ransearch"
