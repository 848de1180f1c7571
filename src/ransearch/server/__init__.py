"""The HTTP API: a FastAPI app over the engine, served by uvicorn (``pip install "ransearch[server]"``).

    ServerConfig   where to listen, the token, contact details, the body limit
    create_app     the ASGI app over a LiveEngine (routes in ransearch.server.app)
    serve          open the index, warm the encoder up, then listen

This module imports neither fastapi nor uvicorn: they are imported when an app is made.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ransearch.errors import RansearchError

if TYPE_CHECKING:
    from ransearch.live import LiveEngine

__all__ = ["ServerConfig", "TOKEN_ENV", "create_app", "serve", "is_loopback", "require_extra"]

TOKEN_ENV = "RANSEARCH_TOKEN"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_extra(module: str, extra: str) -> Any:
    """Import ``module`` or say which extra to install.

    Raises:
        RansearchError: the module is missing.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise RansearchError(f"{module} is not installed: pip install \"ransearch[{extra}]\"") from None


@dataclass(frozen=True)
class ServerConfig:
    """How the HTTP API is served.

    Args:
        index_dir: the index folder (default: ``$RANSEARCH_INDEX`` or ``./index``).
        host, port: where to listen (loopback by default).
        token: the bearer token every request must carry; required to listen on a
            non-loopback address (``from_env`` reads ``$RANSEARCH_TOKEN``).
        contacts: False to leave contact details out of every response.
        max_body_bytes: longest request body accepted (413 above).
        reload_interval: seconds between two looks for a new index generation.
        access_log: log one line per request.
        threads: BLAS threads of a query (``from_env``: ``$RANSEARCH_THREADS``, else 1).

    Raises:
        ValueError: a non-loopback ``host`` without a token, or a bad limit.
    """

    index_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    contacts: bool = True
    max_body_bytes: int = 64 * 1024
    reload_interval: float = 0.5
    access_log: bool = False
    log_level: str = "info"
    threads: int = 1

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ValueError(f"refusing to listen on {self.host} without a token: set {TOKEN_ENV} "
                             "(clients then send 'Authorization: Bearer <token>'), or listen on 127.0.0.1")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")

    @classmethod
    def from_env(cls, **options: Any) -> ServerConfig:
        """A config from ``options``; the token from ``$RANSEARCH_TOKEN`` and the threads from the
        settings (``$RANSEARCH_THREADS``, else 1) unless given."""
        from ransearch.config import load_settings

        if options.get("token") is None:
            options["token"] = os.environ.get(TOKEN_ENV) or None
        if options.get("threads") is None:
            options["threads"] = load_settings().threads or 1
        return cls(**options)


def create_app(config: ServerConfig = ServerConfig(), live: LiveEngine | None = None) -> Any:
    """The FastAPI app over ``live`` (by default: open ``config.index_dir`` and warm up now).

    Raises:
        RansearchError: the ``server`` extra is missing; IndexNotFound, IndexCorrupt, … as ``Engine.open``.
    """
    require_extra("fastapi", "server")
    if live is None:
        from ransearch.live import LiveEngine

        live = LiveEngine.open(config.index_dir, interval=config.reload_interval, threads=config.threads)
        live.warm_up()
    from ransearch.server.app import build_app

    return build_app(live, config)


def serve(config: ServerConfig, live: LiveEngine | None = None) -> None:
    """Open the index, load and warm up the encoder, then serve until interrupted (one process)."""
    uvicorn = require_extra("uvicorn", "server")
    app = create_app(config, live)
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level,
                access_log=config.access_log, server_header=False, workers=1)
