"""Commands for recommendation: ``match``, ``similar``, ``facets``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ransearch import Filters
from ransearch.cli import app, fail
from ransearch.cli.options import AUDIENCE, COUNTRY, JSON_OPTION, K_OPTION, LANG, THEME, IndexOption, OptionalPath, OptionalStr
from ransearch.cli.search import emit, open_engine


@app.command()
def match(
    text: Optional[str] = typer.Argument(None, help="The situation, in a few sentences (any language)."),
    file: Optional[Path] = typer.Option(None, "--file", help="Read the situation from this file."),
    index: OptionalPath = IndexOption,
    k: int = K_OPTION,
    as_json: bool = JSON_OPTION,
    country: OptionalStr = COUNTRY,
    theme: OptionalStr = THEME,
    audience: OptionalStr = AUDIENCE,
    lang: OptionalStr = LANG,
) -> None:
    """Recommend practices that cover the needs a municipality's situation describes."""
    if (text is None) == (file is None):
        fail("give the situation as TEXT or with --file, not both", 2)
    if file is not None:
        from ransearch.inputs import read_text_file

        text = read_text_file(file)  # UTF-8, UTF-16 or cp1252; else one line (QueryError, status 2)
    result = open_engine(index).match(text or "", k=k, filters=Filters.of(country, theme, audience, lang))
    emit(result.to_dict(), as_json, lambda render: render.print_match(result))


@app.command()
def similar(
    practice_id: str = typer.Argument(..., help="A practice id."),
    index: OptionalPath = IndexOption,
    k: int = K_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Practices most alike to PRACTICE_ID in what they do, with the sections that make them alike."""
    result = open_engine(index).similar(practice_id, k=k)
    emit(result.to_dict(), as_json, lambda render: render.print_hits(result))


@app.command()
def facets(
    index: OptionalPath = IndexOption,
    as_json: bool = JSON_OPTION,
    lang: str = typer.Option("en", "--lang", help="Language of the labels (en, fr, de, nl)."),
) -> None:
    """Facet values (countries, themes, audiences, languages) with practice counts."""
    facets = open_engine(index).facets(lang)
    emit(facets.to_dict(), as_json, lambda render: render.print_facets(facets))
