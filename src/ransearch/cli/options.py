"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

IndexOption = typer.Option(None, "--index", help="Index folder (default: $RANSEARCH_INDEX or ./index).")
K_OPTION = typer.Option(5, "-k", "--k", min=1, max=100, help="Number of practices to return.")
JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of a readable list.")
COUNTRY = typer.Option(None, "--country", help="Only practices from this country (ISO code or name, any language).")
THEME = typer.Option(None, "--theme", help="Only practices with this RAN theme (label in any language).")
AUDIENCE = typer.Option(None, "--audience", help="Only practices for this target audience (any language).")
LANG = typer.Option(None, "--lang", help="Only practices written in this language (ISO 639-1 code).")

OptionalPath = Optional[Path]
OptionalStr = Optional[str]
