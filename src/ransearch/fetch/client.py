"""A polite HTTP client for fetching pages of one site: httpx underneath, with robots.txt,
a minimum delay between requests, conditional requests, retries with backoff, a size limit per
page and redirects kept on the starting host.

Nothing here raises for a page that cannot be had: :meth:`PoliteClient.get` returns a
:class:`Response` whose ``error`` says why (the crawl reports it and goes on).
"""

from __future__ import annotations

import email.utils
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

__all__ = ["ClientConfig", "Response", "PoliteClient", "user_agent", "same_host"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


def user_agent() -> str:
    """``ransearch/<version> (+project page)``: names the tool and its version to the site."""
    from ransearch import __version__

    return f"ransearch/{__version__} (RAN practice search; +https://pypi.org/project/ransearch/)"


@dataclass(frozen=True)
class ClientConfig:
    """How politely and how patiently pages are fetched (tests shorten every wait)."""

    delay: float = 1.0
    """Least time between two requests to the site, in seconds (0 lifts the limit)."""
    timeout: float = 30.0
    """Longest wait for a connection, or between two pieces of a response, in seconds."""
    page_seconds: float = 120.0
    """Longest time for one whole response body (a page that trickles in is abandoned)."""
    retries: int = 3
    """Further attempts after a 429, a 5xx or a network error."""
    backoff: float = 2.0
    """First wait before a retry, doubled at each attempt, in seconds."""
    max_retry_after: float = 120.0
    """Longest wait honoured from a ``Retry-After`` header, in seconds."""
    max_bytes: int = 5_000_000
    """Largest page body accepted; a larger one is abandoned while it streams."""
    user_agent: str = field(default_factory=user_agent)
    robots: bool = True
    """Obey the site's robots.txt (turn off only for your own server)."""


@dataclass(frozen=True)
class Response:
    """What one GET brought: a body (``status`` 200), a 304, or an ``error`` saying why not."""

    url: str
    """The address finally answered (after redirects within the host)."""
    status: int | None = None
    body: bytes | None = None
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    gone: bool = False
    """The server says the page does not exist (404 or 410)."""
    disallowed: bool = False
    """robots.txt forbids the page: it was not requested."""
    location: str | None = None
    """Where a redirect points (redirects are followed by :meth:`PoliteClient.get`)."""
    transient: bool = False
    """A network error or timeout: worth another attempt."""


def same_host(a: str, b: str) -> bool:
    """Whether two addresses are on the same scheme-agnostic host and port."""
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.hostname or "").lower() == (sb.hostname or "").lower() and _port(sa) == _port(sb)


def _port(parts: SplitResult) -> int | None:
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), timezone.utc)
    return max(0.0, (when - now_dt).total_seconds())


class PoliteClient:
    """One site's worth of polite GETs. Use as a context manager (it holds a connection pool)."""

    def __init__(self, config: ClientConfig = ClientConfig(), *,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self._sleep = sleep
        self._http = httpx.Client(headers={"User-Agent": config.user_agent}, follow_redirects=False,
                                  timeout=httpx.Timeout(config.timeout), transport=transport)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_down: dict[str, str] = {}  # host root -> why its robots.txt could not be read
        self._last_request = 0.0
        self._delay = config.delay
        #: requests sent and body bytes received, for the report
        self.requests = 0
        self.bytes_received = 0

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- robots.txt --------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets this client fetch ``url`` (read once per host)."""
        if not self.config.robots:
            return True
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        if root not in self._robots:
            self._robots[root] = self._read_robots(root)
        rules = self._robots[root]
        return rules is None or rules.can_fetch(self.config.user_agent, url)

    def _read_robots(self, root: str) -> urllib.robotparser.RobotFileParser | None:
        rules = urllib.robotparser.RobotFileParser(root + "/robots.txt")
        r = self._request(root + "/robots.txt", {}, max_bytes=500_000)
        if r.status == 200 and r.body is not None:
            rules.parse(r.body.decode("utf-8", "replace").splitlines())
        elif r.status in (401, 403):
            rules.disallow_all = True  # type: ignore[attr-defined]  # RobotFileParser's own flag
        elif r.status is not None and 400 <= r.status < 500:
            return None  # no robots.txt: everything is allowed
        else:  # the site is unreachable or failing: RFC 9309 says assume nothing is allowed
            rules.disallow_all = True  # type: ignore[attr-defined]  # RobotFileParser's own flag
            self._robots_down[root] = r.error or f"HTTP {r.status}"
        delay = rules.crawl_delay(self.config.user_agent)
        if delay is not None and self.config.delay > 0:
            # the site asks for more patience than configured; never wait more than a minute
            self._delay = max(self._delay, min(float(delay), 60.0))
        return rules

    # -- requests ----------------------------------------------------------------------------

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET ``url`` politely: robots.txt first, conditional headers when validators are
        given, redirects followed while they stay on the host, retries on 429/5xx/network errors.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        start = url
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                return Response(url, error=f"not an http(s) address: {url}")
            if not self.allowed(url):
                down = self._robots_down.get(f"{urlsplit(url).scheme}://{urlsplit(url).netloc}")
                if down:  # a failing site, not a refusal: report it as a failure
                    return Response(url, error=f"robots.txt unreachable ({down}): nothing is fetched from this site")
                return Response(url, error="disallowed by robots.txt", disallowed=True)
            r = self._with_retries(url, headers)
            if r.status not in REDIRECT_STATUSES:
                return r
            target = urljoin(url, r.location or "")
            if not same_host(start, target) or urlsplit(target).scheme not in ("http", "https"):
                return Response(url, status=r.status, error=f"redirected off the host to {target}")
            url = target
        return Response(url, error=f"more than {MAX_REDIRECTS} redirects")

    def _with_retries(self, url: str, headers: dict[str, str]) -> Response:
        attempt = 0
        while True:
            r, wait = self._request_with_wait(url, headers)
            retryable = r.status in RETRY_STATUSES or r.transient
            if not retryable or attempt >= self.config.retries:
                return r
            backoff = self.config.backoff * (2 ** attempt)
            self._sleep(min(wait, self.config.max_retry_after) if wait is not None else backoff)
            attempt += 1

    def _request_with_wait(self, url: str, headers: dict[str, str]) -> tuple[Response, float | None]:
        wait: list[float | None] = [None]
        r = self._request(url, headers, self.config.max_bytes, wait)
        return r, wait[0]

    def _pace(self) -> None:
        if self._delay > 0:
            gap = self._last_request + self._delay - time.monotonic()
            if gap > 0:
                self._sleep(gap)
        self._last_request = time.monotonic()

    def _request(self, url: str, headers: dict[str, str], max_bytes: int,
                 wait: list[float | None] | None = None) -> Response:
        """One GET, its body streamed up to ``max_bytes`` and ``page_seconds``."""
        self._pace()
        self.requests += 1
        try:
            with self._http.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                if wait is not None:
                    wait[0] = retry_after(resp.headers.get("Retry-After"))
                if status in REDIRECT_STATUSES:
                    location = resp.headers.get("Location")
                    if not location:
                        return Response(url, status=status, error=f"HTTP {status} without a Location")
                    return Response(url, status=status, location=location)
                if status != 200:
                    return Response(url, status=status, gone=status in (404, 410),
                                    error=None if status == 304 else f"HTTP {status}",
                                    etag=resp.headers.get("ETag"),
                                    last_modified=resp.headers.get("Last-Modified"))
                declared = resp.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    return Response(url, status=status, error=f"larger than {max_bytes} bytes ({declared} declared)")
                body = bytearray()
                deadline = time.monotonic() + self.config.page_seconds
                for piece in resp.iter_bytes():
                    body += piece
                    self.bytes_received += len(piece)
                    if len(body) > max_bytes:
                        return Response(url, error=f"larger than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        return Response(url, error=f"timed out: body not complete after "
                                        f"{self.config.page_seconds:g} s", transient=True)
                return Response(url, status=status, body=bytes(body),
                                content_type=resp.headers.get("Content-Type", ""),
                                etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"))
        except httpx.TimeoutException:
            return Response(url, error=f"timed out (no answer within {self.config.timeout:g} s)", transient=True)
        except httpx.HTTPError as exc:
            return Response(url, error=f"network error: {type(exc).__name__}: {exc}", transient=True)
