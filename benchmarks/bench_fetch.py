"""Fetch throughput: 200 practice pages from a local imitation of the Collection's site
(``tests/fetch_site.py`` on 127.0.0.1, a listing of 10 pages of 20 links), with the rate limit
lifted; then the same fetch again, where every page answers 304 (half by ETag, half by
Last-Modified).

    .venv/bin/python benchmarks/bench_fetch.py [--pages 200] [--json PATH]

Prints a table (run, pages, requests, body bytes, seconds, pages/s) and writes the numbers as
JSON (default ``benchmarks/results/fetch.json``). Against the real site the default politeness
(one request a second) sets the pace: about 210 s for 200 pages the first time, as long again
for the conditional run (each 304 still costs a request), far less data.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fetch_site import LISTING_PATH, PRACTICES_PATH, Route, Site, conditional, listing_page, practice_page, serve  # noqa: E402

from ransearch import __version__  # noqa: E402
from ransearch.fetch import ClientConfig, FetchConfig, fetch_pages  # noqa: E402


def build(pages: int, per_listing: int = 20) -> Site:
    site = Site()
    slugs = [f"practice-{i:04d}" for i in range(pages)]
    listings = [LISTING_PATH] + [f"{LISTING_PATH}?page={n}" for n in range(1, (pages - 1) // per_listing + 1)]
    for n, listing in enumerate(listings):
        links = [f"{PRACTICES_PATH}{s}_en" for s in slugs[n * per_listing:(n + 1) * per_listing]]
        site.routes[listing] = Route(conditional(listing_page(links, listings), etag=f'"l{n}"'))
    for i, slug in enumerate(slugs):
        body = practice_page(slug, i, None)
        handler = conditional(body, etag=f'"p{i}"') if i % 2 else conditional(body, modified=1_700_000_000 + i)
        site.routes[f"{PRACTICES_PATH}{slug}_en"] = Route(handler)
    site.body("/robots.txt", b"User-agent: *\nAllow: /\n")
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "fetch.json")
    args = parser.parse_args()
    site = build(args.pages)
    config = FetchConfig(client=ClientConfig(delay=0))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, serve(site) as base:
        for run in ("first", "conditional"):
            t0 = time.perf_counter()
            report = fetch_pages([base + LISTING_PATH], Path(tmp) / "corpus", config=config)
            seconds = time.perf_counter() - t0
            pages = len(report.downloaded) + len(report.unchanged)
            rows.append({"run": run, "pages": pages, "downloaded": len(report.downloaded),
                         "unchanged": len(report.unchanged), "failed": len(report.failed),
                         "requests": report.requests, "body_bytes": report.bytes_received,
                         "seconds": round(seconds, 3), "pages_per_second": round(pages / seconds, 1)})
    print(f"{'run':<12} {'pages':>5} {'new':>5} {'304':>5} {'requests':>8} {'body bytes':>11} {'seconds':>8} {'pages/s':>8}")
    for r in rows:
        print(f"{r['run']:<12} {r['pages']:>5} {r['downloaded']:>5} {r['unchanged']:>5} {r['requests']:>8} "
              f"{r['body_bytes']:>11} {r['seconds']:>8.2f} {r['pages_per_second']:>8.1f}")
    result = {"benchmark": "fetch", "package_version": __version__, "pages": args.pages, "runs": rows,
              "rate_limit": "lifted (delay 0)", "machine": platform.platform(), "python": platform.python_version(),
              "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
