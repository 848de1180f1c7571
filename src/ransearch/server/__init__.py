"""The HTTP API: a FastAPI app over the engine, served by uvicorn (``pip install "ransearch[server]"``).

    ServerConfig   where to listen, the host names and token accepted, contact details, the limits
    create_app     the ASGI app over a ServingEngine (routes in ransearch.server.app)
    serve          take the port, open the index, warm the encoder up, then listen

What the server trusts and refuses is told in docs/security.md.

This module imports neither fastapi nor uvicorn: they are imported when an app is made.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ransearch.errors import RansearchError
from ransearch.server.extras import require_extra
from ransearch.server.guard import LOOPBACK_NAMES, host_name, normalise_host

if TYPE_CHECKING:
    from ransearch.serving import ServingEngine

__all__ = ["ServerConfig", "TOKEN_ENV", "MIN_TOKEN_CHARS", "PortInUse", "create_app", "serve", "is_loopback",
           "require_extra", "bind"]

TOKEN_ENV = "RANSEARCH_TOKEN"
MIN_TOKEN_CHARS = 16
"""Shortest token accepted on an address other than loopback (e.g. ``openssl rand -hex 16`` gives 32)."""
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + string.punctuation)
_ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})


class PortInUse(RansearchError):
    """The address and port to listen on are taken (another server, or this one already running)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
        allowed_hosts: ``Host`` names accepted besides ``127.0.0.1``, ``localhost``, ``[::1]``
            and ``host`` itself (``*``: any); others get 400 (DNS rebinding).
        max_active: requests handled at once; ``max_queued`` more wait at most
            ``queue_wait`` seconds for their turn, the rest get 503 at once.
        header_timeout, body_timeout: seconds a client has to send its headers, its body.
        max_connections: open connections (uvicorn's ``limit_concurrency``; 503 beyond).

    Raises:
        ValueError: a non-loopback ``host`` without a token or with a short one, a token
            that is not printable ASCII, or a bad limit.
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
    allowed_hosts: tuple[str, ...] = ()
    max_active: int = 8
    max_queued: int = 64
    queue_wait: float = 0.5
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 1000

    def __post_init__(self) -> None:
        self._check_token()
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.max_active < 1 or self.max_queued < 0 or self.max_connections < 1:
            raise ValueError("max_active and max_connections must be at least 1, max_queued at least 0")
        if not (self.queue_wait >= 0 and self.header_timeout > 0 and self.body_timeout > 0):
            raise ValueError("queue_wait must be at least 0, header_timeout and body_timeout above 0")
        for name in self.allowed_hosts:
            if name != "*" and host_name(normalise_host(name)) != normalise_host(name):
                raise ValueError(f"--allowed-host {name!r} is not a host name (a name such as search.example.org, "
                                 "an IPv4 address or an IPv6 address, without port)")

    def _check_token(self) -> None:
        loopback = is_loopback(self.host)
        if self.token is not None and self.token.strip() == "":
            if not loopback:
                raise ValueError(f"{TOKEN_ENV} is blank: to listen on {self.host}, set it to a random string of "
                                 f"at least {MIN_TOKEN_CHARS} characters (e.g. the output of 'openssl rand -hex 16')")
            object.__setattr__(self, "token", None)  # a blank token on loopback: no token, as if unset
        if self.token is None:
            if not loopback:
                raise ValueError(f"refusing to listen on {self.host} without a token: set {TOKEN_ENV} to a "
                                 f"random string of at least {MIN_TOKEN_CHARS} characters (clients then send "
                                 "'Authorization: Bearer <token>'), or listen on 127.0.0.1")
            return
        if not set(self.token) <= _TOKEN_CHARS:
            raise ValueError(f"{TOKEN_ENV} must be printable ASCII without spaces (letters, digits, punctuation)")
        if not loopback and len(self.token) < MIN_TOKEN_CHARS:
            raise ValueError(f"{TOKEN_ENV} is too short to listen on {self.host}: give at least {MIN_TOKEN_CHARS} "
                             f"characters (e.g. the output of 'openssl rand -hex 16'), not {len(self.token)}")

    def host_names(self) -> frozenset[str]:
        """The ``Host`` names this server answers (``*``: any)."""
        own = {normalise_host(self.host)} if self.host.strip("[]") not in _ANY_ADDRESS else set()
        return LOOPBACK_NAMES | own | {normalise_host(h) for h in self.allowed_hosts}

    def listens_everywhere(self) -> bool:
        """True when bound to every address (``0.0.0.0``, ``::``): any IP literal is then a name of it."""
        return self.host.strip("[]") in _ANY_ADDRESS

    @classmethod
    def from_env(cls, **options: Any) -> ServerConfig:
        """A config from ``options``; the token from ``$RANSEARCH_TOKEN``, the threads from the
        settings (``$RANSEARCH_THREADS``, else 1) and the rest from their ``[server]`` section
        (``RANSEARCH_SERVER_<KEY>``) unless given (None is not given)."""
        from ransearch.config import load_settings

        settings = load_settings()
        options = {**settings.server_options(), **{k: v for k, v in options.items() if v is not None}}
        if options.get("token") is None:
            options["token"] = os.environ.get(TOKEN_ENV)
        if options.get("threads") is None:
            options["threads"] = settings.threads or 1
        return cls(**options)


def create_app(config: ServerConfig = ServerConfig(), live: ServingEngine | None = None) -> Any:
    """The FastAPI app over ``live`` (by default: open ``config.index_dir`` and warm up now).

    Raises:
        RansearchError: the ``server`` extra is missing; IndexNotFound, IndexCorrupt, … as ``Engine.open``.
    """
    require_extra("fastapi", "server")
    if live is None:
        from ransearch.serving import ServingEngine

        live = ServingEngine.open(config.index_dir, interval=config.reload_interval, threads=config.threads)
        live.warm_up()
    from ransearch.server.app import build_app

    return build_app(live, config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, taken before the model loads.

    Raises:
        PortInUse: the address is taken.
        RansearchError: the address cannot be used here (unknown name, not this machine's).
    """
    bare = host.strip("[]")
    try:
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        if not bare or bare == "::" and not socket.has_ipv6:
            family = socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise RansearchError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: a restart need not wait
        sock.bind((bare, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use (another server, or ransearch serve "
                            "already running): stop it or choose another --port") from None
        if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
            raise RansearchError(f"cannot listen on {host}: not an address of this machine") from None
        raise RansearchError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(config: ServerConfig, live: ServingEngine | None = None) -> None:
    """Take the port, open the index, load and warm up the encoder, then serve until interrupted
    (one process).

    Raises:
        PortInUse: the port is taken (said before the model loads).
        RansearchError: the extras are missing; IndexNotFound, … as ``Engine.open``.
    """
    uvicorn = require_extra("uvicorn", "server")
    sock = bind(config.host, config.port)
    try:
        app = create_app(config, live)
        from ransearch.server.limits import header_deadline

        server = uvicorn.Server(uvicorn.Config(
            app, host=config.host, port=config.port, log_level=config.log_level, access_log=config.access_log,
            server_header=False, workers=1, http=header_deadline(config.header_timeout),
            limit_concurrency=config.max_connections, timeout_keep_alive=5))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled; uvicorn.run ignores it too
            pass
    finally:
        sock.close()
