"""Commands that query an index: ``ask``, ``show``, ``practices``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from types import ModuleType

import typer

from ransearch import Filters
from ransearch.cli import app
from ransearch.cli.options import AUDIENCE, COUNTRY, JSON_OPTION, K_OPTION, LANG, THEME, IndexOption, OptionalPath, OptionalStr


def open_engine(index: OptionalPath):  # noqa: ANN201 (typer reads the signature)
    from ransearch import Engine
    from ransearch.display import visible

    engine = Engine.open(index)
    for warning in engine.warnings:  # e.g. a damaged current generation: an older one serves
        print(f"ransearch: warning: {visible(warning)}", file=sys.stderr)
    return engine


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def emit(data: object, as_json: bool, readable: Callable[[ModuleType], object]) -> None:
    """``data`` as one JSON object on stdout, or what ``readable`` prints with the
    :mod:`ransearch.cli.render` module (imported only then)."""
    if as_json:
        emit_json(data)
        return
    from ransearch.cli import render

    readable(render)


@app.command()
def ask(
    text: str = typer.Argument(..., help="What you are looking for, in any EU language."),
    index: OptionalPath = IndexOption,
    k: int = K_OPTION,
    as_json: bool = JSON_OPTION,
    country: OptionalStr = COUNTRY,
    theme: OptionalStr = THEME,
    audience: OptionalStr = AUDIENCE,
    lang: OptionalStr = LANG,
    mode: OptionalStr = typer.Option(None, "--mode", help="Ranking: hybrid, dense or lexical (default: the [search] mode setting, else hybrid)."),
) -> None:
    """Rank the practices that fit TEXT, with the sections that matched."""
    engine = open_engine(index)
    result = engine.ask(text, k=k, filters=Filters.of(country, theme, audience, lang), mode=mode)
    emit(result.to_dict(), as_json, lambda render: render.print_hits(result))


@app.command()
def show(
    practice_id: str = typer.Argument(..., help="A practice id, as shown by ask or practices."),
    index: OptionalPath = IndexOption,
    as_json: bool = JSON_OPTION,
    no_contacts: bool = typer.Option(False, "--no-contacts", help="Leave contact details out."),
) -> None:
    """Show one practice, section by section."""
    practice = open_engine(index).practice(practice_id)
    emit(practice.to_dict(contacts=not no_contacts), as_json,
         lambda render: render.print_practice(practice, contacts=not no_contacts))


@app.command()
def practices(
    index: OptionalPath = IndexOption,
    as_json: bool = JSON_OPTION,
    country: OptionalStr = COUNTRY,
    theme: OptionalStr = THEME,
    audience: OptionalStr = AUDIENCE,
    lang: OptionalStr = LANG,
) -> None:
    """List the indexed practices with their facets."""
    found = open_engine(index).practices(Filters.of(country, theme, audience, lang))
    emit({"practices": [p.to_dict(contacts=False) | {"sections": None} for p in found]}, as_json,
         lambda render: render.print_practice_table(found))
