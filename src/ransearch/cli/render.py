"""Readable terminal renderings of records, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ransearch.records import Practice
from ransearch.template import SECTION_KEYS, catalogue

__all__ = ["console", "print_practice"]

console = Console(highlight=False, soft_wrap=False)


def _facet_line(p: Practice) -> str:
    parts = [f"{p.country or '?'} ({p.country_code or '?'})", f"language {p.language}", f"layout {p.layout}"]
    if p.start_year:
        parts.append(f"since {p.start_year}")
    if p.last_update:
        parts.append(f"updated {p.last_update}")
    if p.peer_reviewed is not None:
        parts.append("peer reviewed" if p.peer_reviewed else "not peer reviewed")
    if p.organisation_type:
        parts.append(p.organisation_type)
    return " · ".join(parts)


def print_practice(p: Practice, contacts: bool = True) -> None:
    """A practice section by section, labels in the practice's language."""
    cat = catalogue()
    console.rule(f"[bold]{escape(p.title or p.id)}[/bold]")
    console.print(f"[dim]{escape(p.id)} · {escape(p.source)}[/dim]")
    console.print(escape(_facet_line(p)))
    if p.themes:
        console.print(f"[bold]Themes:[/bold] {escape(', '.join(p.themes))}")
    if p.audience:
        console.print(f"[bold]Audience:[/bold] {escape(', '.join(p.audience))}")
    for key in SECTION_KEYS:
        text = p.sections.get(key, "")
        if key in {"name", "peer_reviewed", "themes", "audience", "country", "last_update"} or not text:
            continue
        console.print(f"\n[bold cyan]{escape(cat.field(key).label(p.language))}[/bold cyan]")
        console.print(escape(text))
    if contacts and p.contacts:
        console.print(f"\n[bold cyan]{escape(cat.field('contacts').label(p.language))}[/bold cyan]")
        console.print(escape(p.contacts))
    for warning in p.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print()
