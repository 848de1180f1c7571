"""Commands that query an index: ``ask``, ``show``, ``practices``."""

from __future__ import annotations

import json
import sys

import typer

from ransearch.cli import app
from ransearch.cli.options import AUDIENCE, COUNTRY, JSON_OPTION, K_OPTION, LANG, THEME, IndexOption, OptionalPath, OptionalStr


def open_engine(index: OptionalPath):  # type: ignore[no-untyped-def]
    from ransearch.engine import Engine

    engine = Engine.open(index)
    for warning in engine.warnings:  # e.g. a damaged current generation: an older one serves
        print(f"ransearch: warning: {warning}", file=sys.stderr)
    return engine


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


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
    mode: str = typer.Option("hybrid", "--mode", help="Ranking: hybrid, dense or lexical."),
) -> None:
    """Rank the practices that fit TEXT, with the sections that matched."""
    engine = open_engine(index)
    result = engine.ask(text, k=k, country=country, theme=theme, audience=audience, language=lang, mode=mode)
    if as_json:
        emit_json(result.to_dict())
        return
    from ransearch.cli.render import print_hits

    print_hits(result)


@app.command()
def show(
    practice_id: str = typer.Argument(..., help="A practice id, as shown by ask or practices."),
    index: OptionalPath = IndexOption,
    as_json: bool = JSON_OPTION,
    no_contacts: bool = typer.Option(False, "--no-contacts", help="Leave contact details out."),
) -> None:
    """Show one practice, section by section."""
    practice = open_engine(index).practice(practice_id)
    if as_json:
        emit_json(practice.to_dict(contacts=not no_contacts))
        return
    from ransearch.cli.render import print_practice

    print_practice(practice, contacts=not no_contacts)


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
    from ransearch.filters import resolve_filters

    filters = resolve_filters(country=country, theme=theme, audience=audience, language=lang)
    found = open_engine(index).practices(filters)
    if as_json:
        emit_json({"practices": [p.to_dict(contacts=False) | {"sections": None} for p in found]})
        return
    from ransearch.cli.render import print_practice_table

    print_practice_table(found)
