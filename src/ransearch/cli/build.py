"""Commands that read documents: ``parse``; and build the index: ``index``, ``status``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperCommand

from ransearch.cli import app, fail
from ransearch.cli.render import print_practice
from ransearch.display import visible
from ransearch.errors import ParseError
from ransearch.ingest import DOCUMENT_SUFFIXES, parse_files


def expand_documents(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(file, corpus root) pairs for every document under ``paths``, and per-path problems."""
    files: list[tuple[Path, Path]] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append(f"{path}: no documents in this folder")
            files.extend((p, path) for p in found)
        elif path.exists():
            files.append((path, path.parent))
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


@app.command()
def parse(
    files: list[Path] = typer.Argument(..., help="Practice documents, or folders of them."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line instead of a readable rendering."),
    strict_template: bool = typer.Option(False, "--strict-template",
                                         help="Refuse documents that do not follow the practice template "
                                              "(default: read them as free text)."),
) -> None:
    """Parse practice documents (text, Markdown, PDF, DOCX, HTML) and print each practice record,
    with the format and layout recognised. Template text the documents share is learned first.

    Exit status: 0 when every document parsed, 1 when some failed (each failure is one line on
    stderr), 2 on usage errors.
    """
    documents, problems = expand_documents(files)
    failed = len(problems)
    for line in problems:
        print(f"ransearch: {visible(line)}", file=sys.stderr)
    for result in parse_files(documents, strict_template=strict_template):
        if isinstance(result, ParseError):
            failed += 1
            print(f"ransearch: {visible(result)}", file=sys.stderr)
            continue
        practice = result
        if as_json:
            sys.stdout.write(json.dumps(practice.to_dict(), ensure_ascii=False) + "\n")
        else:
            print_practice(practice)
    if failed:
        raise typer.Exit(1)


class _UsageExitsOne(TyperCommand):
    """``index`` promises exit status 1 for usage errors (click's default is 2, "fatal" there)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            # a click UsageError (typer may vendor its own click: matched by its exit code)
            if getattr(exc, "exit_code", None) == 2:
                exc.exit_code = 1  # type: ignore[attr-defined]
            raise


def _emit_report(data: dict[str, object], as_json: bool, report_file: Path | None) -> bool:
    """Print the JSON report (``--json``) and write it to ``--report``; False if that file could
    not be written (said in one line: schedulers read that file, its absence must not go unseen)."""
    text = json.dumps(data, ensure_ascii=False)
    if as_json:
        sys.stdout.write(text + "\n")
    if report_file is None:
        return True
    try:
        report_file.write_text(text + "\n", "utf-8")
        return True
    except OSError as exc:
        if report_file.is_file():  # a half-written report must not be read as a whole one
            report_file.unlink(missing_ok=True)
        print(visible(f"ransearch: cannot write the report to {report_file}: {exc.strerror or exc}"), file=sys.stderr)
        return False


@app.command(cls=_UsageExitsOne)
def index(
    corpus: list[Path] = typer.Argument(None, help="Corpus folders (default: $RANSEARCH_CORPUS or ./corpus)."),
    index_dir: Optional[Path] = typer.Option(None, "--index", help="Index folder (default: $RANSEARCH_INDEX or ./index)."),
    encoder: Optional[str] = typer.Option(None, "--encoder", help="use (default), e5 or st:<model name or path>."),
    companion: Optional[str] = typer.Option(None, "--companion",
                                            help="A second encoder whose evidence search adds: e5 (pip install "
                                                 "\"ransearch[e5]\"), st:<model>, or none (default: the settings')."),
    full: bool = typer.Option(False, "--full", help="Rebuild everything: parse and embed every document again."),
    rollback: bool = typer.Option(False, "--rollback", help="Switch back to the generation before the current one."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object on stdout."),
    report_file: Optional[Path] = typer.Option(None, "--report", help="Also write the JSON report to this file."),
    wait: bool = typer.Option(True, "--wait/--no-wait",
                              help="If another run holds the index: wait for it, or exit (status 2) at once."),
    lock_timeout: float = typer.Option(3600.0, "--lock-timeout", min=0,
                                       help="Longest wait for another run, in seconds (0: as long as it takes)."),
    keep: Optional[int] = typer.Option(None, "--keep", min=1, help="Generations kept on disk (default 3)."),
    strict_template: bool = typer.Option(False, "--strict-template",
                                         help="Refuse documents that do not follow the practice template "
                                              "(default: index them as free text)."),
    allow_shrink: bool = typer.Option(False, "--allow-shrink",
                                      help="Accept an empty corpus folder, or a run removing more than half of the "
                                      "indexed documents (refused by default: an unmounted share)."),
    follow_links: bool = typer.Option(False, "--follow-links",
                                      help="Follow symbolic links that leave the corpus folders (skipped by default)."),
) -> None:
    """Bring the index up to date with the corpus: only new and changed documents are parsed and
    embedded; a new generation is switched in atomically, and search keeps answering throughout.

    Exit status: 0 all good; 3 the index is up to date but some documents failed (each is
    reported; a document that failed to parse keeps its last good version); 2 fatal error,
    nothing changed (the previous generation still serves), or the report could not be written
    (to `--report` or the index's last_run.json: a full disk); 1 usage error. See docs/operations.md.
    """
    from ransearch.cli.progress import progress_bar
    from ransearch.cli.report import failure_lines, report_lines
    from ransearch.config import load_settings
    from ransearch.engine import Engine
    from ransearch.errors import ConfigError, RansearchError
    from ransearch.build_report import FAILED, BuildReport, now_iso
    from ransearch.store import serving_generation

    if rollback and (corpus or full or encoder or companion or allow_shrink or follow_links):
        fail("--rollback takes no corpus, --full, --encoder, --companion, --allow-shrink or --follow-links", 1)
    missing = [str(p) for p in corpus or () if not p.exists()]
    if missing:
        fail(f"no such corpus folder or file: {', '.join(missing)}", 1)
    try:
        settings = load_settings()
    except ConfigError as exc:  # a malformed setting is a usage error, as a malformed option is
        fail(str(exc), 1)
        return
    target = index_dir if index_dir is not None else settings.index_dir
    timeout = (lock_timeout or None) if wait else 0.0
    started = now_iso()
    try:
        if rollback:
            report = Engine.rollback(target, lock_timeout=timeout)
        else:
            with progress_bar(enabled=not as_json) as progress:
                report = Engine.index(corpus or None, target, encoder=encoder, settings=settings, progress=progress,
                                      full=full, lock_timeout=timeout, keep=keep,
                                      strict_template=strict_template, follow_links=follow_links,
                                      allow_shrink=allow_shrink, companion=companion)
    except RansearchError as exc:
        serving = serving_generation(target)  # with a damaged CURRENT: the generation readers fall back to
        failure = BuildReport(FAILED, serving, encoder or settings.encoder, error=str(exc), started_at=started,
                              finished_at=now_iso())
        _emit_report(failure.to_dict(), as_json, report_file)
        for line in failure_lines(str(exc), serving):
            print(f"ransearch: {line}", file=sys.stderr)
        raise typer.Exit(2)
    written = _emit_report(report.to_dict(), as_json, report_file)
    lines = report_lines(report)
    for line in lines:
        if line.startswith("error:") or (as_json and line.startswith(("failed:", "warning:"))):
            print(f"ransearch: {line}", file=sys.stderr)  # the log gets what went wrong, --json or not
    if not as_json:
        print("\n".join(line for line in lines if not line.startswith("error:")))
    raise typer.Exit(report.exit_status if written else 2)


@app.command()
def status(
    index_dir: Optional[Path] = typer.Option(None, "--index", help="Index folder (default: $RANSEARCH_INDEX or ./index)."),
    as_json: bool = typer.Option(False, "--json", help="Print the status as one JSON object."),
    verify: bool = typer.Option(False, "--verify", help="Hash every file of the generation again "
                                "(by default a file unchanged since it was last hashed here is trusted)."),
) -> None:
    """Show the generation serving the index: when it was built, encoder, counts, generations kept,
    and how the last indexing run went. Loads neither the index nor the encoder.
    """
    from ransearch.cli.report import status_lines
    from ransearch.engine import Engine

    state = Engine.status(index_dir, verify=verify)
    if as_json:
        sys.stdout.write(json.dumps(state.to_dict(), ensure_ascii=False) + "\n")
        return
    print("\n".join(status_lines(state)))
