"""Load shedding: a bound on the requests in progress and on how long a slow client is waited for.

    LoadShed          ASGI middleware: at most ``max_active`` requests in the app at once; a
                      request waits for a slot at most ``queue_wait`` seconds, and at most
                      ``max_queued`` wait; the others get 503 with ``Retry-After`` at once
    header_deadline   the uvicorn HTTP protocol with a deadline on a request's headers

Without them the server queued without bound (200 clients: p99 6.2 s, worst 11.7 s) and a
client sending its headers a byte at a time held a connection as long as it liked: uvicorn
arms no timer before the first request, nor while headers trickle in. A slow *body* is the
body limit's business (``ransearch.server.guard.BodyLimit``), which reads it before a slot
is taken.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ransearch.server.guard import ASGIApp, Receive, Scope, Send, send_error

__all__ = ["LoadShed", "header_deadline"]


class LoadShed:
    """At most ``max_active`` requests in the app; up to ``max_queued`` more wait at most
    ``queue_wait`` seconds for a slot; every other request gets 503 and ``Retry-After`` at once."""

    def __init__(self, app: ASGIApp, max_active: int, max_queued: int, queue_wait: float,
                 retry_after: int = 1) -> None:
        self.app = app
        self.max_active = max_active
        self.max_queued = max_queued
        self.queue_wait = queue_wait
        self.retry_after = retry_after
        self._slots: asyncio.Semaphore | None = None  # made on the server's event loop
        self._queued = 0

    async def _refuse(self, send: Send) -> None:
        await send_error(send, 503, "Overloaded",
                         f"the server is busy ({self.max_active} requests in progress, {self._queued} "
                         f"waiting): retry in {self.retry_after} s",
                         [(b"retry-after", str(self.retry_after).encode())])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_active)
        slots = self._slots
        if slots.locked():
            if self._queued >= self.max_queued:
                await self._refuse(send)
                return
            self._queued += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.queue_wait)
            except asyncio.TimeoutError:
                acquired = False
            else:
                acquired = True
            finally:
                self._queued -= 1
            if not acquired:
                await self._refuse(send)
                return
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


def header_deadline(timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) closing a connection whose
    request headers are not complete ``timeout`` seconds after it opened, or after the last
    response on it (idle keep-alive connections are closed sooner, by ``timeout_keep_alive``)."""
    base: Any
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:  # httptools missing: uvicorn's pure-Python parser
        from uvicorn.protocols.http.h11_impl import H11Protocol as base

    class DeadlineProtocol(base):
        # both protocols make ``self.cycle`` when a request's headers are complete
        _timer: asyncio.TimerHandle | None = None
        _waiting_for: object = None

        def _arm(self) -> None:
            self._disarm()
            self._waiting_for = self.cycle
            self._timer = self.loop.call_later(timeout, self._expire)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _expire(self) -> None:
            self._timer = None
            if self.cycle is self._waiting_for and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._timer is not None and self.cycle is not self._waiting_for:
                self._disarm()  # the headers are in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    DeadlineProtocol.__name__ = f"Deadline{base.__name__}"
    return DeadlineProtocol
