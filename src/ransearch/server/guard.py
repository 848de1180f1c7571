"""Plain ASGI middlewares in front of the app: the Host check, a bearer token, a request body limit.

They answer before any routing or parsing: a request naming another host gets 400 (DNS
rebinding: a page on a name the attacker controls cannot read a loopback server), one without
the token gets 401 whatever its body, and an oversized or too slow body is refused before it
is read whole. All answer in the API's one error shape (``{"error", "detail"}``).

Starlette's ``TrustedHostMiddleware`` would check the host too, but answers in plain text and
cannot accept "any IP literal" for a server bound to every address; the check is a few lines.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["BearerAuth", "BodyLimit", "HostGuard", "JsonOnly", "OPEN_PATHS", "LOOPBACK_NAMES", "host_name", "normalise_host"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
"""Paths served without the token: the schema and its viewers hold no data."""
OPEN_PREFIXES = ("/docs-static/",)
"""Path prefixes served without the token: the files of the docs page (ransearch.server.docs)."""
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
"""Host names every server accepts."""
_PORT = re.compile(r":[0-9]{1,5}")


async def send_error(send: Send, status: int, error: str, detail: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def host_name(value: bytes | str | None) -> str | None:
    """The name of a ``Host`` header, lower case, without its port; IPv6 literals keep their
    brackets (``[::1]``). None for a missing or malformed header."""
    if value is None:
        return None
    try:
        text = value.decode("ascii") if isinstance(value, bytes) else value
    except UnicodeDecodeError:
        return None
    text = text.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        name, rest = text[:end + 1], text[end + 1:]
        if end < 0 or not _ip(name):
            return None
    else:
        name, colon, port = text.partition(":")
        rest = colon + port
        if not re.fullmatch(r"[a-z0-9._-]+", name):
            return None
    if rest and not _PORT.fullmatch(rest):
        return None
    return name


def _ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def normalise_host(name: str) -> str:
    """A host name as ``host_name`` gives it: lower case, IPv6 literals in brackets."""
    name = name.strip().lower()
    return f"[{name}]" if ":" in name and not name.startswith("[") else name


class HostGuard:
    """Answer 400 to a request whose ``Host`` is not a name of this server, and make the
    app's redirects relative (Starlette builds them from ``Host``).

    Args:
        allowed: the accepted names (``normalise_host`` form); ``*`` accepts every name.
        any_ip: also accept every IP literal (a server bound to all addresses: an IP literal
            cannot be rebound, only a name can).
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str], any_ip: bool = False) -> None:
        self.app = app
        self.allowed = frozenset(normalise_host(a) for a in allowed)
        self.any_ip = any_ip

    def accepts(self, name: str | None) -> bool:
        if "*" in self.allowed:
            return True
        return name is not None and (name in self.allowed or (self.any_ip and _ip(name)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = _header(scope, b"host")
        if not self.accepts(host_name(raw)):
            shown = raw.decode("latin-1")[:100] if raw is not None else "(none)"
            await send_error(send, 400, "BadRequest",
                             f"Host header {shown!r} is not a name of this server: use the address it "
                             "listens on, or start it with --allowed-host NAME")
            return

        async def relative_redirects(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, _relative(v, raw) if k.lower() == b"location" else v)
                                      for k, v in message.get("headers", ())]
            await send(message)

        await self.app(scope, receive, relative_redirects)


def _relative(location: bytes, host: bytes | None) -> bytes:
    # only this server's own absolute redirects (built from Host) become relative
    parts = urlsplit(location.decode("latin-1"))
    if host is None or parts.netloc.lower() != host.decode("latin-1").strip().lower():
        return location
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)).encode("latin-1")


class BearerAuth:
    """Answer 401 to every request (but the schema and docs) without ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path not in OPEN_PATHS and not path.startswith(OPEN_PREFIXES):
            given = _header(scope, b"authorization") or b""
            if not hmac.compare_digest(given, self._expected):
                detail = ("missing bearer token: send 'Authorization: Bearer <RANSEARCH_TOKEN>'" if not given
                          else "wrong bearer token")
                await send_error(send, 401, "Unauthorized", detail, [(b"www-authenticate", b"Bearer")])
                return
        await self.app(scope, receive, send)


class JsonOnly:
    """Answer 415 to a POST to one of ``paths`` whose body is not declared as JSON (a POST
    elsewhere goes on to its 404 or 405)."""

    def __init__(self, app: ASGIApp, paths: Iterable[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path") in self.paths:
            declared = (_header(scope, b"content-type") or b"").decode("latin-1")
            media = declared.split(";", 1)[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                got = f"got {declared[:80]!r}" if declared else "no Content-Type was sent"
                await send_error(send, 415, "UnsupportedMediaType",
                                 f"send JSON: the body must be JSON with 'Content-Type: application/json' ({got})")
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Answer 413 to a request whose body is longer than ``max_bytes``, 408 to one whose body
    takes longer than ``timeout`` seconds to arrive (a slow client holds no worker).

    The declared ``Content-Length`` is checked first; a chunked body is counted as it
    arrives. The body read here is handed to the app unchanged.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def _too_large(self, send: Send) -> None:
        await send_error(send, 413, "PayloadTooLarge",
                         f"request body too large (limit {self.max_bytes:,} bytes)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_error(send, 400, "BadRequest", "invalid Content-Length header")
                return
            if int(declared) > self.max_bytes:
                await self._too_large(send)
                return
        elif _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body
            return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - asyncio.get_running_loop().time()))
            except asyncio.TimeoutError:
                await send_error(send, 408, "RequestTimeout",
                                 f"the request body did not arrive within {self.timeout:g} s",
                                 [(b"connection", b"close")])
                return
            if message["type"] != "http.request":  # the client went away
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
