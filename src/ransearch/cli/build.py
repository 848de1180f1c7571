"""Commands that read documents: ``parse`` (and, with the search core, ``index``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from ransearch.cli import app
from ransearch.cli.render import print_practice
from ransearch.errors import ParseError
from ransearch.ingest import DOCUMENT_SUFFIXES, parse_file


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
) -> None:
    """Parse practice documents and print each practice record.

    Exit status: 0 when every document parsed, 1 when some failed (each failure is one line on
    stderr), 2 on usage errors.
    """
    documents, problems = expand_documents(files)
    failed = len(problems)
    for line in problems:
        print(f"ransearch: {line}", file=sys.stderr)
    for path, root in documents:
        try:
            practice = parse_file(path, root)
        except ParseError as exc:
            failed += 1
            print(f"ransearch: {exc}", file=sys.stderr)
            continue
        if as_json:
            sys.stdout.write(json.dumps(practice.to_dict(), ensure_ascii=False) + "\n")
        else:
            print_practice(practice)
    if failed:
        raise typer.Exit(1)
