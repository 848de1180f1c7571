"""Keep a corpus folder in step with the RAN Collection's web pages: ``fetch_pages`` crawls a
listing (its practice links and its numbered pages, on the starting host), saves each practice
page as ``<slug>.html`` and reports what came, what did not change, what failed, what was not a
practice and what is gone upstream.

    fetch/__init__.py   the crawl and its report (this module)
    fetch/client.py     polite HTTP: robots.txt, pacing, conditional GETs, retries, size limit
    fetch/page.py       practice, listing or neither; links; canonical address; file names
    fetch/state.py      the state file beside the corpus and atomic writes

A page is written only once it has fully arrived and reads as a practice; a page whose server
answers 304 (or whose bytes did not change) keeps its file untouched, so the next ``index`` run
skips it.
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from ransearch.config import Settings, load_settings
from ransearch.errors import FetchError
from ransearch.fetch.client import ClientConfig, PoliteClient, Response, same_host
from ransearch.fetch.page import DEFAULT_FOLLOW, MIN_WORDS, read_page, slug_of, with_canonical
from ransearch.fetch.state import REMOVED_DIR, Entry, FetchState, clean_temporaries, write_atomic

__all__ = ["FetchConfig", "ClientConfig", "PageOutcome", "FetchReport", "fetch_pages", "DEFAULT_FOLLOW",
           "COLLECTION_URL"]

COLLECTION_URL: str = Settings.fetch_url
"""The Collection's listing page: where a fetch starts when no address is given (settings:
``fetch_url`` in ``ransearch.toml``, ``RANSEARCH_FETCH_URL``)."""

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class FetchConfig:
    """What to follow and what counts as a practice; ``client`` says how politely to fetch."""

    follow: str = DEFAULT_FOLLOW
    """Regex searched in a link's path: the links to practice pages."""
    min_words: int = MIN_WORDS
    """Fewest words outside links for a page to be kept as a practice."""
    max_pages: int = 5000
    """Most addresses one run visits (a guard against a site that never ends)."""
    save_every: int = 20
    """Save the state file after this many pages (and at the end)."""
    client: ClientConfig = field(default_factory=ClientConfig)


@dataclass(frozen=True)
class PageOutcome:
    """One address in the report: the file it maps to (if any) and why it is in its list."""

    url: str
    file: str | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, str | None]:
        return {"url": self.url, "file": self.file, "reason": self.reason}


@dataclass(frozen=True)
class FetchReport:
    """What a fetch did. ``exit_status``: 0 all well, 3 some pages failed (the others are
    kept), 1 no practice page could be had at all."""

    corpus_dir: str
    downloaded: tuple[PageOutcome, ...] = ()
    unchanged: tuple[PageOutcome, ...] = ()
    failed: tuple[PageOutcome, ...] = ()
    not_practices: tuple[PageOutcome, ...] = ()
    gone: tuple[PageOutcome, ...] = ()
    skipped: tuple[PageOutcome, ...] = ()
    """Pages robots.txt forbids: never requested."""
    requests: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def exit_status(self) -> int:
        if not self.downloaded and not self.unchanged:
            return 1
        return 3 if self.failed else 0

    def to_dict(self) -> dict[str, object]:
        lists = ("downloaded", "unchanged", "failed", "not_practices", "gone", "skipped")
        out: dict[str, object] = {"corpus": self.corpus_dir}
        out.update({name: [p.to_dict() for p in getattr(self, name)] for name in lists})
        out.update({"counts": {name: len(getattr(self, name)) for name in lists},
                    "requests": self.requests, "bytes_received": self.bytes_received,
                    "seconds": round(self.seconds, 3), "warnings": list(self.warnings),
                    "exit_status": self.exit_status})
        return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_start(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not an http(s) address (only http:// and https:// pages are fetched)")
    return url.strip()


def _is_html(r: Response) -> bool:
    kind = r.content_type.split(";")[0].strip().lower()
    return not kind or kind in _HTML_TYPES


class _Crawl:
    """One run over a corpus folder; ``run`` returns the report."""

    def __init__(self, folder: Path, config: FetchConfig, client: PoliteClient, prune: bool,
                 on_page: Callable[[str, PageOutcome], None] | None) -> None:
        self.folder, self.config, self.client, self.prune = folder, config, client, prune
        self.follow = re.compile(config.follow)
        self.state = FetchState.load(folder)
        self.lists: dict[str, list[PageOutcome]] = {k: [] for k in
                                                    ("downloaded", "unchanged", "failed", "not_practices", "gone", "skipped")}
        self.warnings: list[str] = []
        self.seen: set[str] = set()
        self.slugs: dict[str, str] = {}
        self.incomplete: set[str] = set()  # start listings with a page that could not be read
        self.on_page = on_page
        self._since_save = 0

    def record(self, kind: str, outcome: PageOutcome) -> None:
        self.lists[kind].append(outcome)
        if self.on_page is not None:
            self.on_page(kind, outcome)
        self._since_save += 1
        if self._since_save >= self.config.save_every:
            self.state.save()
            self._since_save = 0

    def run(self, starts: Sequence[str]) -> None:
        queue: deque[tuple[str, str, str]] = deque()  # (url, kind, start)
        for url in starts:
            queue.append((url, "practice" if self.follow.search(urlsplit(url).path) else "listing", url))
        while queue:
            url, kind, start = queue.popleft()
            if url in self.seen:
                continue
            if len(self.seen) >= self.config.max_pages:
                self.warnings.append(f"stopped after {self.config.max_pages} pages (max_pages)")
                self.incomplete.update(s for _, _, s in queue)
                break
            self.seen.add(url)
            if kind == "practice":
                self.practice(url, start)
            else:
                for link in self.listing(url, start, is_start=url == start):
                    if not same_host(link, start):
                        continue
                    queue.append((link, "practice" if self.follow.search(urlsplit(link).path) else "listing", start))
        self.find_gone(starts)

    # -- listings ----------------------------------------------------------------------------

    def listing(self, url: str, start: str, is_start: bool) -> tuple[str, ...]:
        """The links of a listing page (from the cache when it answers 304)."""
        entry = self.state.entries.get(url)
        cached = entry is not None and entry.kind == "listing" and entry.links
        r = self.client.get(url, etag=entry.etag if cached and entry else None,
                            last_modified=entry.last_modified if cached and entry else None)
        if r.status == 304 and entry is not None:
            return entry.links
        if r.body is None or r.status != 200:
            self.incomplete.add(start)
            self.record("skipped" if r.disallowed else "failed", PageOutcome(url, None, f"listing: {r.error}"))
            return ()
        if not _is_html(r):
            self.incomplete.add(start)
            self.record("failed", PageOutcome(url, None, f"listing is not an HTML page ({r.content_type})"))
            return ()
        facts = read_page(r.body, r.url, self.follow)
        links = facts.practice_links + facts.page_links
        if is_start and not facts.practice_links and facts.verdict(self.config.min_words) is None:
            # a start address that links to no practice but reads as one: the practice itself
            self.save_practice(url, start, r, facts.canonical)
            return ()
        self.state.entries[url] = Entry("listing", etag=r.etag, last_modified=r.last_modified, links=links,
                                        fetched_at=_now())
        if is_start and not facts.practice_links:
            self.warnings.append(f"{url}: no links to practice pages matched {self.config.follow!r}")
        return links

    # -- practices ---------------------------------------------------------------------------

    def practice(self, url: str, start: str) -> None:
        slug = slug_of(url)
        if slug in self.slugs:  # the same practice under another address (a language suffix)
            return
        self.slugs[slug] = url
        entry = self.state.entries.get(url)
        file = entry.file if entry is not None and entry.file else f"{slug}.html"
        have = (self.folder / file).is_file()
        r = self.client.get(url, etag=entry.etag if entry and have else None,
                            last_modified=entry.last_modified if entry and have else None)
        if r.status == 304 and entry is not None:
            entry.listed_by = start if start != url else entry.listed_by
            self.record("unchanged", PageOutcome(url, file, "not modified (304)"))
            return
        if r.gone:
            self.gone(url, entry, f"HTTP {r.status}")
            return
        if r.disallowed:
            self.record("skipped", PageOutcome(url, None, r.error or ""))
            return
        if r.body is None or r.status != 200:
            kept = " (the file from an earlier run is kept)" if have else ""
            self.record("failed", PageOutcome(url, file if have else None, f"{r.error}{kept}"))
            return
        if not _is_html(r):
            self.record("not_practices", PageOutcome(url, None, f"not an HTML page ({r.content_type})"))
            return
        facts = read_page(r.body, r.url, self.follow)
        why = facts.verdict(self.config.min_words)
        if why is not None:
            self.record("not_practices", PageOutcome(url, None, why))
            return
        self.save_practice(url, start, r, facts.canonical, file)

    def save_practice(self, url: str, start: str, r: Response, canonical: str | None,
                      file: str | None = None) -> None:
        assert r.body is not None
        file = file or f"{slug_of(url)}.html"
        # the saved page names its address, so the parser can link back to it
        body = r.body if canonical else with_canonical(r.body, r.url)
        path = self.folder / file
        try:
            same = path.is_file() and path.read_bytes() == body
            if not same:
                write_atomic(path, body)
        except OSError as exc:
            self.record("failed", PageOutcome(url, file, f"cannot write {path}: {exc.strerror or exc}"))
            return
        self.state.entries[url] = Entry("practice", file=file, etag=r.etag, last_modified=r.last_modified,
                                        listed_by=start if start != url else None, fetched_at=_now())
        self.record("unchanged" if same else "downloaded",
                    PageOutcome(url, file, "same content" if same else f"{len(body)} bytes"))

    # -- gone upstream -----------------------------------------------------------------------

    def find_gone(self, starts: Sequence[str]) -> None:
        """Practices an earlier run found on a listing this run read completely, missing now."""
        complete = {s for s in starts if s not in self.incomplete}
        for url, entry in list(self.state.entries.items()):
            if entry.kind == "practice" and entry.listed_by in complete and url not in self.seen:
                self.gone(url, entry, f"no longer listed on {entry.listed_by}")
            elif entry.kind == "listing" and url not in self.seen and any(same_host(url, s) for s in complete):
                del self.state.entries[url]  # a listing page that no longer exists (fewer pages)

    def gone(self, url: str, entry: Entry | None, reason: str) -> None:
        file = entry.file if entry is not None else None
        if self.prune and entry is not None:
            if file and (self.folder / file).is_file():
                removed = self.folder / REMOVED_DIR
                removed.mkdir(exist_ok=True)
                os.replace(self.folder / file, removed / file)
                reason += f"; moved to {REMOVED_DIR}/{file}"
            del self.state.entries[url]
        self.record("gone", PageOutcome(url, file, reason))


def fetch_pages(urls: Sequence[str] | None, corpus_dir: Path | str, *, config: FetchConfig = FetchConfig(),
                prune: bool = False, on_page: Callable[[str, PageOutcome], None] | None = None,
                transport: object | None = None) -> FetchReport:
    """Fetch the practice pages reachable from ``urls`` (default: the Collection's listing)
    into ``corpus_dir``, incrementally; see the module docstring.

    Args:
        urls: listing or practice page addresses (http/https); None or empty: the settings'
            ``fetch_url`` (:data:`COLLECTION_URL` unless configured).
        corpus_dir: the folder the ``.html`` files go to (created if absent); the state file
            ``.fetch-state.json`` and, with ``prune``, ``.removed/`` live in it.
        prune: move the files of practices gone upstream to ``corpus_dir/.removed/``.
        on_page: called with (list name, outcome) as each page is settled (progress display).
        transport: an ``httpx`` transport to use instead of the network (tests).

    Raises:
        FetchError: a start address that is not http(s), or a follow pattern that is not a regex.
        OSError: the corpus folder cannot be created.
    """
    starts = [_check_start(u) for u in (urls or [load_settings().fetch_url])]
    try:
        re.compile(config.follow)
    except re.error as exc:
        raise FetchError(config.follow, f"not a regular expression: {exc}") from None
    folder = Path(corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    clean_temporaries(folder)
    began = time.monotonic()
    with PoliteClient(config.client, transport=transport) as client:  # type: ignore[arg-type]
        crawl = _Crawl(folder, config, client, prune, on_page)
        try:
            crawl.run(list(dict.fromkeys(starts)))
        finally:
            crawl.state.save()
    lists = {k: tuple(v) for k, v in crawl.lists.items()}
    return FetchReport(str(folder), lists["downloaded"], lists["unchanged"], lists["failed"], lists["not_practices"],
                       lists["gone"], lists["skipped"], requests=client.requests, bytes_received=client.bytes_received,
                       seconds=time.monotonic() - began, warnings=tuple(crawl.warnings))
