"""Commands that bring the Collection's pages in: ``fetch``, and ``update`` (fetch, then index)."""

from __future__ import annotations

import functools
import inspect
import json
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, TypeVar, cast

import typer

from ransearch.cli import app, fail

if TYPE_CHECKING:
    from ransearch.config import Settings
    from ransearch.fetch import FetchConfig, FetchReport

SHOWN = 20
"""Pages named per list in the readable report (all of them are in the JSON)."""

_URLS = typer.Argument(None, help="Listing or practice page addresses (default: the Collection's listing, "
                                  "setting fetch_url).")
_CORPUS = typer.Option(None, "--corpus", help="Folder the pages go to (default: the first corpus folder, ./corpus).")


@dataclass(frozen=True)
class FetchOptions:
    """The options of fetching, shared by ``fetch`` and ``update`` (declared once, in :func:`fetch_options`)."""

    follow: str | None
    prune: bool
    delay: float | None
    timeout: float
    retries: int
    max_size: int
    backoff: float

    def config(self, settings: Settings) -> FetchConfig:
        """The fetch configuration these options ask for (the delay defaults to the setting)."""
        from ransearch.fetch import DEFAULT_FOLLOW, ClientConfig, FetchConfig

        delay = settings.fetch_delay if self.delay is None else self.delay
        client = ClientConfig(delay=delay, timeout=self.timeout, retries=self.retries, backoff=self.backoff,
                              max_bytes=self.max_size, max_retry_after=max(120.0, self.backoff * 8))
        return FetchConfig(follow=self.follow or DEFAULT_FOLLOW, client=client)


def _option(name: str, annotation: object, default: object) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


_HEAD = [  # before the command's own options
    _option("follow", Optional[str], typer.Option(None, "--follow", help="Regex searched in a link's path: the links "
                                                  "to practice pages (default: /ran-practices/<slug>_en).")),
    _option("prune", bool, typer.Option(False, "--prune", help="Move the files of practices gone upstream to "
                                        "DIR/.removed/.")),
]
_TAIL = [  # after them
    _option("delay", Optional[float], typer.Option(None, "--delay", min=0, help="Least seconds between two requests "
                                                   "(default 1, setting fetch_delay; 0 lifts the limit: only for "
                                                   "your own server).")),
    _option("timeout", float, typer.Option(30.0, "--timeout", min=0.01, help="Seconds to wait for a connection or "
                                           "the next bytes.")),
    _option("retries", int, typer.Option(3, "--retries", min=0, help="Further attempts after a 429, a 5xx or a "
                                         "network error.")),
    _option("max_size", int, typer.Option(5_000_000, "--max-size", min=1000, help="Largest page accepted, in bytes.")),
    _option("backoff", float, typer.Option(2.0, "--backoff", min=0, help="First wait before a retry, in seconds "
                                           "(doubled each time).")),
]

Command = TypeVar("Command", bound=Callable[..., None])


def fetch_options(command: Command) -> Command:
    """Give ``command`` the options of fetching; it receives them as one :class:`FetchOptions` ``options``.

    The command declares its own arguments and options, keyword-only, with an ``options:
    FetchOptions`` parameter among them: typer sees ``--follow`` and ``--prune`` where
    ``options`` stands, and the HTTP client's options after the command's own.
    """
    params = list(inspect.signature(command).parameters.values())
    at = [p.name for p in params].index("options")
    lead, rest = params[:at], params[at + 1:]
    shared = {p.name for p in _HEAD + _TAIL}

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        options = FetchOptions(**{name: kwargs.pop(name) for name in list(kwargs) if name in shared})
        command(options=options, **kwargs)

    order = lead + _HEAD + rest + _TAIL
    signature = inspect.Signature([p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in order])
    hints = typing.get_type_hints(command)
    run.__signature__ = signature  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: hints.get(p.name, p.annotation) for p in order}
    del run.__wrapped__  # typer must see the signature above, not the command's
    return cast(Command, run)


def _run_fetch(urls: list[str] | None, corpus: Path | None, options: FetchOptions,
               settings: Settings) -> FetchReport:
    from ransearch.errors import FetchError
    from ransearch.fetch import fetch_pages

    folder = corpus if corpus is not None else settings.corpus_dirs[0]
    try:
        return fetch_pages(urls or None, folder, config=options.config(settings), prune=options.prune)
    except FetchError as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"cannot use the corpus folder {folder}: {exc.strerror or exc}", 1)
    raise AssertionError("unreachable")


def print_fetch_report(report: FetchReport) -> None:
    """The readable report: one summary line, then the pages of every list but ``unchanged``."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    c = {k: len(getattr(report, k)) for k in ("downloaded", "unchanged", "failed", "not_practices", "gone", "skipped")}
    console.print(f"[bold]fetched into {escape(report.corpus_dir)}[/bold]: {c['downloaded']} downloaded, "
                  f"{c['unchanged']} unchanged, {c['failed']} failed, {c['not_practices']} not practices, "
                  f"{c['gone']} gone, {c['skipped']} disallowed by robots.txt; {report.requests} requests, "
                  f"{report.bytes_received / 1e6:.2f} MB in {report.seconds:.1f} s")
    styles = {"downloaded": "green", "failed": "red", "not_practices": "yellow", "gone": "magenta", "skipped": "dim"}
    for name, style in styles.items():
        pages = getattr(report, name)
        for p in pages[:SHOWN]:
            file = f" → {p.file}" if p.file else ""
            console.print(f"  [{style}]{name.replace('_', ' ')}[/{style}] {escape(p.url)}{escape(file)}: {escape(p.reason)}")
        if len(pages) > SHOWN:
            console.print(f"  and {len(pages) - SHOWN} more {name.replace('_', ' ')} (see --json)")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


@app.command()
@fetch_options
def fetch(
    *,
    urls: Optional[list[str]] = _URLS,
    corpus: Optional[Path] = _CORPUS,
    options: FetchOptions,
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Download the practice pages of the RAN Collection (or of the given listing or pages) into
    the corpus folder, one `<slug>.html` per practice, politely (robots.txt, one request a second)
    and incrementally (an unchanged page costs a 304 and keeps its file).

    Exit status: 0 all went well; 3 some pages failed (the others are kept); 1 nothing could be
    fetched; 2 usage error. See docs/operations.md.
    """
    from ransearch.config import load_settings

    settings = load_settings()
    report = _run_fetch(urls, corpus, options, settings)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        print_fetch_report(report)
    raise typer.Exit(report.exit_status)


@app.command()
@fetch_options
def update(
    *,
    urls: Optional[list[str]] = _URLS,
    corpus: Optional[Path] = _CORPUS,
    index_dir: Optional[Path] = typer.Option(None, "--index", help="Index folder (default: $RANSEARCH_INDEX or ./index)."),
    options: FetchOptions,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: {\"fetch\": ..., \"index\": ...}."),
) -> None:
    """Fetch the Collection's pages, then bring the index up to date: the nightly job in one
    command. Indexes the fetched folder (`--corpus`), else every configured corpus folder.

    Exit status: 0 all good; 3 the index is up to date but some pages or documents failed;
    1 nothing could be fetched (the index is left as it was and keeps serving); 4 indexing
    failed (the previous generation keeps serving); 2 usage error. See docs/operations.md.
    """
    from ransearch.cli.report import failure_lines, report_lines
    from ransearch.config import load_settings
    from ransearch.engine import Engine
    from ransearch.errors import RansearchError
    from ransearch.store import current_generation

    settings = load_settings()
    target = index_dir if index_dir is not None else settings.index_dir
    fetched = _run_fetch(urls, corpus, options, settings)
    out: dict[str, object] = {"fetch": fetched.to_dict(), "index": None}
    if not as_json:
        print_fetch_report(fetched)
    if fetched.exit_status == 1:
        serving = current_generation(target)
        message = ("nothing could be fetched; the index was not rebuilt: "
                   + (f"generation {serving} still serves" if serving else "there is no index yet"))
        if as_json:
            sys.stdout.write(json.dumps(out | {"exit_status": 1, "error": message}, ensure_ascii=False) + "\n")
        print(f"ransearch: {message}", file=sys.stderr)
        raise typer.Exit(1)
    dirs = [corpus] if corpus is not None else None
    try:
        built = Engine.index(dirs, target, settings=settings)
    except RansearchError as exc:
        for line in failure_lines(str(exc), current_generation(target)):
            print(f"ransearch: {line}", file=sys.stderr)
        if as_json:
            sys.stdout.write(json.dumps(out | {"exit_status": 4, "error": str(exc)}, ensure_ascii=False) + "\n")
        raise typer.Exit(4)
    status = 3 if fetched.exit_status == 3 or built.exit_status == 3 else 0
    if as_json:
        sys.stdout.write(json.dumps(out | {"index": built.to_dict(), "exit_status": status}, ensure_ascii=False) + "\n")
    else:
        print("\n".join(report_lines(built)))
    raise typer.Exit(status)
