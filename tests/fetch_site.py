"""A small imitation of the RAN Collection's website, served on 127.0.0.1 for the fetch tests
and benchmark (never the internet): a paged listing, practice pages in the structure of the
Collection's pages, and pages that misbehave in every way a fetch must survive.

``Site`` holds the pages and logs every request; ``serve(site)`` runs it in a thread.
"""

from __future__ import annotations

import contextlib
import email.utils
import html
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRACTICES_PATH = "/networks/ran/collection-inspiring-practices/ran-practices/"
LISTING_PATH = "/networks/ran/collection-inspiring-practices/ran-practices_en"

_TOPICS = [
    ("Football mentors for young people at risk", "Portugal", "Youth/pupils/students", "Community engagement",
     "Coaches of amateur football clubs in Lisbon neighbourhoods are trained as mentors for teenagers who drift "
     "towards violent groups. Weekly training sessions are followed by talks about identity, belonging, anger and "
     "online propaganda. The coaches meet a youth worker every month to discuss the boys and girls who worry them, "
     "and families are invited to matches and to an evening where parents share how they speak with their children "
     "about extremist videos."),
    ("Family counselling for relatives of foreign fighters", "Belgium", "Families", "Family support",
     "A counselling service supports mothers, fathers, brothers and sisters of people who travelled to conflict zones. "
     "Counsellors visit the families at home, help them deal with shame, grief and the police, and prepare them "
     "for the return of a son or daughter. Group meetings let parents meet others in the same position, and a "
     "helpline answers questions from teachers and social workers who know the family."),
    ("Theatre workshops against online hate in schools", "Germany", "Educators/academics", "Education",
     "Actors and teachers run theatre workshops in secondary schools in which pupils play out scenes of online "
     "hate, conspiracy narratives and group pressure. The pupils write their own scenes from messages they have "
     "seen, perform them for younger classes and discuss how to answer. Teachers receive a handbook and a short "
     "training so that the school can continue the work without the actors."),
    ("Exit programme for right-wing extremists in prison", "Sweden", "Prison/probation", "Exit strategies",
     "Former members of violent right-wing groups work with probation officers to offer inmates a way out. "
     "The programme starts months before release with confidential conversations, continues with help to find "
     "housing, work and new friends, and keeps contact for two years afterwards. Participation is voluntary and "
     "the mentors are trained and supervised by psychologists."),
]
FILLER = ("The practice was evaluated by an independent university team, which interviewed participants, staff "
          "and partners, and found that trust between the local services grew over the years. Lessons learned "
          "include the need for stable funding, for clear agreements on sharing information, and for staff who "
          "speak the languages of the families. The organisation shares its materials with other cities and "
          "offers training days for professionals who want to start a similar practice in their own town.")


def practice_page(slug: str, n: int, canonical: str | None, extra: str = "") -> bytes:
    """A practice page in the Collection's structure (issue 14): site chrome, title, facet
    blocks, the organisation, ``Type of Organisation``, ``Project description``, contacts."""
    title, country, audience, theme, text = _TOPICS[n % len(_TOPICS)]
    title = f"{title} ({slug})"
    head_link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} - Migration and Home Affairs</title>
{head_link}</head>
<body>
<a href="#main-content">Skip to main content</a>
<header><img alt="European Commission logo" src="/logo.svg"><a href="/index_en">Migration and Home Affairs</a>
<nav><ul><li><a href="/index_en">Home</a></li><li><a href="/networks_en">Networks</a></li>
<li><a href="{LISTING_PATH}">RAN practices</a></li></ul></nav></header>
<main id="main-content">
<p>18 April 2024</p>
<h1>{html.escape(title)}</h1>
<div class="facets">
<h2>Country</h2><p>{country}</p>
<h2>Target Audience</h2><ul><li>{audience}</li></ul>
<h2>key themes association</h2><ul><li>{theme}</li></ul>
<h2>Peer Reviewed practice</h2><p>Yes</p>
<h2>Year</h2><p>2021</p>
<h2>Organisation</h2><p>Practice organisation {n}</p>
</div>
<section><h2>Practice organisation {n}</h2>
<p>The organisation is a non-profit association working with young people, families and local authorities since 1998.</p>
<p><strong>Type of Organisation:</strong> NGO</p></section>
<section><h2>Project description</h2><p>{text}</p><p>{FILLER}</p><p>{extra}</p></section>
<section><h3>Contact details</h3><p>Contact person: Alex Example</p><p>Telephone: +00 000 000 000</p>
<p>Emails | Website: info@example.org</p></section>
</main>
<footer><a href="/legal-notice_en">Legal notice</a> <a href="/cookies_en">Cookies</a></footer>
</body></html>""".encode()


def listing_page(links: list[str], pages: list[str]) -> bytes:
    items = "\n".join(f'<li><a href="{u}">Practice {html.escape(u.rsplit("/", 1)[-1])}</a></li>' for u in links)
    pager = " ".join(f'<a href="{u}">{i + 1}</a>' for i, u in enumerate(pages))
    return f"""<!DOCTYPE html><html lang="en"><head><title>RAN practices</title></head><body>
<header><nav><a href="/index_en">Home</a></nav></header>
<main><h1>RAN practices</h1><p>Browse the practices.</p><ul>{items}</ul><nav class="pager">{pager}</nav></main>
<footer><a href="/legal-notice_en">Legal notice</a></footer></body></html>""".encode()


def soft_404() -> bytes:
    return b"""<!DOCTYPE html><html><head><title>Page not found</title></head><body>
<header><nav><a href="/index_en">Home</a></nav></header><main><h1>Sorry, we could not find that page</h1>
<p>The page you requested may have moved. Try the search.</p></main><footer>Legal notice</footer></body></html>"""


@dataclass
class Route:
    """How one path answers: ``handle(request_number, handler)`` writes the response."""

    handle: Callable[[int, BaseHTTPRequestHandler], None]


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    """Body bytes sent per path."""
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, path: str) -> list[tuple[float, dict[str, str]]]:
        return [(t, h) for t, p, h in self.log if p == path]

    def body(self, path: str, data: bytes, status: int = 200, headers: dict[str, str] | None = None) -> None:
        def handle(_: int, h: BaseHTTPRequestHandler) -> None:
            send(h, status, data, headers or {})
        self.routes[path] = Route(handle)


def send(h: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str],
         content_type: str = "text/html; charset=utf-8") -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    for k, v in headers.items():
        h.send_header(k, v)
    if status != 304:
        h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    if status != 304:
        h.wfile.write(data)
        site: Site = h.server.site  # type: ignore[attr-defined]
        with site.lock:
            site.sent[h.path] = site.sent.get(h.path, 0) + len(data)


def conditional(data: bytes, etag: str | None = None, modified: float | None = None) -> Callable[[int, BaseHTTPRequestHandler], None]:
    """A page answering 304 when the request's validators match."""
    stamp = email.utils.formatdate(modified, usegmt=True) if modified is not None else None

    def handle(_: int, h: BaseHTTPRequestHandler) -> None:
        headers = {}
        if etag:
            headers["ETag"] = etag
        if stamp:
            headers["Last-Modified"] = stamp
        if (etag and h.headers.get("If-None-Match") == etag) or (
                not etag and stamp and h.headers.get("If-Modified-Since") == stamp):
            send(h, 304, b"", headers)
        else:
            send(h, 200, data, headers)
    return handle


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        site: Site = self.server.site  # type: ignore[attr-defined]
        with site.lock:
            site.log.append((time.monotonic(), self.path, dict(self.headers.items())))
            n = sum(1 for _, p, _ in site.log if p == self.path)
        route = site.routes.get(self.path)
        try:
            if route is None:
                send(self, 404, b"<html><body><h1>Not found</h1></body></html>", {})
            else:
                route.handle(n, self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:  # quiet
        pass


@contextlib.contextmanager
def serve(site: Site) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1; yields its base address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.site = site  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()
