"""Readable terminal renderings of records, with rich.

Every text that comes from documents (titles, ids, file names, section text, snippets, labels)
goes through :func:`escape` or :func:`paragraphs`: control characters and escape sequences are
shown as escapes (:func:`ransearch.display.visible`) and rich markup in it is not obeyed.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape as _markup_escape

from ransearch import AskResult, Facets, MatchResult, Practice, SimilarResult
from ransearch.display import visible
from ransearch.evaluation import EvalReport
from ransearch.template import SECTION_KEYS, catalogue

__all__ = ["console", "print_practice", "print_hits", "print_practice_table", "print_eval", "print_match", "print_facets"]

console = Console(highlight=False, soft_wrap=False)


def escape(value: object) -> str:
    """One line of document text, safe to print: escapes visible, markup not obeyed."""
    return _markup_escape(visible(value))


def paragraphs(value: object) -> str:
    """Document text of several lines (a section, contacts), safe to print; line breaks kept."""
    return _markup_escape(visible(value, newlines=True))


def _facet_line(p: Practice) -> str:
    parts = [f"{p.country or '?'} ({p.country_code or '?'})", f"language {p.language}", f"{p.format} · {p.layout}"]
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
    if p.url:  # the official page: terminals that know OSC 8 make it clickable
        # never wrapped: a copied or clicked address must be whole
        console.print(f"[link={escape(p.url)}]{escape(p.url)}[/link]", soft_wrap=True)
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
        console.print(paragraphs(text))
    if contacts and p.contacts:
        console.print(f"\n[bold cyan]{escape(cat.field('contacts').label(p.language))}[/bold cyan]")
        console.print(paragraphs(p.contacts))
    for warning in p.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print()


def _relevance(relevance: int | None, score: float) -> str:
    """A bar of ten cells and the relevance out of 100 (the raw score only if there is none)."""
    if relevance is None:
        return f"[dim]{score:.3f}[/dim]"
    full = int(round(relevance / 10))
    return f"[green]{'█' * full}[/green][dim]{'░' * (10 - full)}[/dim] {relevance}/100"


def _notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if notes:
        console.print()


def print_hits(result: AskResult | SimilarResult) -> None:
    """A ranked list: title, relevance, country, themes, and the matching sections with snippets."""
    _notes(getattr(result, "notes", ()))
    if not result.results:
        console.print("No practice matches these filters.")
        return
    for hit in result.results:
        console.print(f"[bold]{hit.rank}. {escape(hit.title)}[/bold]  {_relevance(hit.relevance, hit.score)}")
        facets = [hit.country_code or "?", hit.language] + list(hit.themes)
        console.print(f"   [dim]{escape(' · '.join(facets))} · {escape(hit.practice_id)}[/dim]")
        console.print(f"   [dim]{escape(hit.url or hit.source)}[/dim]", soft_wrap=True)
        for s in hit.sections:
            console.print(f"   [cyan]{escape(s.label)}[/cyan]: {escape(s.snippet)}")
        console.print()


def print_practice_table(practices: list[Practice]) -> None:
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("id", "title", "country", "lang", "themes", "audience"):
        table.add_column(column, overflow="fold")
    for p in practices:
        table.add_row(*(escape(v) for v in (p.id, p.title, p.country_code or "?", p.language, ", ".join(p.themes),
                                            ", ".join(p.audience))))
    console.print(table)
    console.print(f"{len(practices)} practices")


def print_eval(reports: list[EvalReport], title: str | None = None) -> None:
    """One table: a row per query group, nDCG@10 / MRR@10 / R@5 per configuration."""
    from rich.table import Table

    table = Table(title=escape(title) if title else None)
    table.add_column("group", no_wrap=True)
    table.add_column("n", justify="right")
    for r in reports:
        for metric in ("nDCG@10", "MRR@10", "R@5"):
            table.add_column(f"{escape(r.name)}\n{metric}", justify="right")
    averages = [r.averages() for r in reports]
    for group, first in averages[0].items():
        row = [escape(group), str(first["n"])]
        for avg in averages:
            g = avg[group]
            row += [f"{g['ndcg@10']:.3f}", f"{g['mrr@10']:.3f}", f"{g['recall@5']:.3f}"]
        table.add_row(*row)
    console.print(table)


def print_eval_mean(mean: dict[str, dict[str, dict[str, float]]], sets: list[str]) -> None:
    """The mean over sets: a row per query group, nDCG@10 / MRR@10 / R@5 and the largest gap
    in nDCG@10 between two sets, per configuration."""
    from rich.table import Table

    table = Table(title=escape(f"mean of {len(sets)} sets ({', '.join(sets)}); gap = largest difference between sets"))
    table.add_column("group", no_wrap=True)
    table.add_column("sets", justify="right")
    for name in mean:
        for metric in ("nDCG@10", "MRR@10", "R@5", "gap nDCG"):
            table.add_column(f"{escape(name)}\n{metric}", justify="right")
    first = next(iter(mean.values()))
    for group, g0 in first.items():
        row = [group, str(int(g0["sets"]))]
        for avg in mean.values():
            g = avg[group]
            row += [f"{g['ndcg@10']:.3f}", f"{g['mrr@10']:.3f}", f"{g['recall@5']:.3f}", f"{g['gap@ndcg@10']:.3f}"]
        table.add_row(*row)
    console.print(table)


def print_match(result: MatchResult) -> None:
    """Needs found, then each recommended practice with the needs it covers."""
    _notes(result.notes)
    console.print("[bold]Needs found[/bold]")
    for need in result.needs:
        flag = "  [yellow](no practice covers this well)[/yellow]" if need.id in result.uncovered else ""
        console.print(f"  {escape(need.id)}: {escape(need.text)}{flag}")
    console.print()
    for r in result.results:
        console.print(f"[bold]{r.rank}. {escape(r.title)}[/bold]  {_relevance(r.relevance, r.score)}")
        console.print(f"   [dim]{escape(' · '.join([r.country_code or '?', r.language] + list(r.themes)))} · {escape(r.practice_id)}[/dim]")
        for c in r.covers:
            console.print(f"   [green]covers {escape(c.need)}[/green] [cyan]{escape(c.label)}[/cyan]: {escape(c.snippet)}")
        console.print()


def print_facets(facets: Facets) -> None:
    """Facet values with their practice counts, one block per facet."""
    for name, values in facets.items():
        console.print(f"[bold]{escape(name)}[/bold]")
        for v in values:
            console.print(f"  {v.count:4d}  {escape(v.label)}  [dim]({escape(v.value)})[/dim]")
