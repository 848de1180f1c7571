"""The ``ransearch`` command line: a thin typer front end over the library.

Commands live in one module per area; this module builds the app and maps the library's
exceptions to one clear line on stderr and an exit status, in one place.
"""

from __future__ import annotations

import sys

import typer

from ransearch.errors import (
    ConfigError,
    EncoderUnavailable,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ParseError,
    PracticeNotFound,
    QueryError,
    RansearchError,
)

__all__ = ["app", "main", "exit_code"]

app = typer.Typer(
    name="ransearch",
    help="Find the RAN practices against radicalisation that fit your situation, in any EU language.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs are re-wrapped to the terminal
)


@app.callback()
def _root() -> None:
    """Find the RAN practices against radicalisation that fit your situation, in any EU language."""


def exit_code(exc: RansearchError) -> int:
    """Exit status for a library error: 2 for bad input (a query, a setting), 1 for a missing or
    unusable index."""
    if isinstance(exc, (QueryError, ConfigError)):
        return 2
    if isinstance(exc, (IndexNotFound, IndexCorrupt, IndexMismatch, EncoderUnavailable,
                        PracticeNotFound, ParseError)):
        return 1
    return 1


def fail(message: str, code: int) -> None:
    """Print one line on stderr and leave with ``code``."""
    from ransearch.display import visible

    print(f"ransearch: {visible(message)}", file=sys.stderr)
    raise typer.Exit(code)


_MODULES = {  # command -> the module that defines it (imported for its @app.command side effect)
    "parse": "build", "index": "build", "status": "build",
    "ask": "search", "show": "search", "practices": "search",
    "match": "recommend", "similar": "recommend", "facets": "recommend",
    "eval": "evaluate", "serve": "serve",
    "fetch": "fetch", "update": "fetch",
}


def _register(command: str | None = None) -> None:
    """Define ``command`` (every command when it is None or unknown, as ``--help`` needs).

    A command's module alone is imported: ``ransearch ask`` does not pay for indexing or
    evaluation imports.
    """
    import importlib

    names = [_MODULES[command]] if command in _MODULES else sorted(set(_MODULES.values()))
    for name in names:
        importlib.import_module(f"ransearch.cli.{name}")


def main() -> None:
    """Console-script entry point."""
    _register(next((a for a in sys.argv[1:2] if not a.startswith("-")), None))
    try:
        app()
    except RansearchError as exc:
        from ransearch.display import visible

        print(f"ransearch: {visible(exc)}", file=sys.stderr)  # one line, whatever file names it holds
        sys.exit(exit_code(exc))
    except KeyboardInterrupt:
        print("ransearch: interrupted", file=sys.stderr)
        sys.exit(130)
