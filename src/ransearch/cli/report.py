"""Plain-text renderings of indexing reports and index status (no colour: they end up in logs).

Every line is passed through :func:`ransearch.display.visible`: a file name holding an escape
sequence or a newline cannot act on the terminal or forge a log line.
"""

from __future__ import annotations

from typing import Any

from ransearch.display import visible
from ransearch.build_report import FAILED, ROLLED_BACK, UNCHANGED, BuildReport, IndexStatus

__all__ = ["report_lines", "failure_lines", "status_lines"]

PARSED_SHOWN = 10
"""Parsed documents named in the human summary (all of them are in the JSON report)."""


def _took(durations: dict[str, float]) -> str:
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in durations.items() if v >= 0.005)
    return f"{sum(durations.values()):.1f}s" + (f" ({stages})" if stages else "")


def report_lines(r: BuildReport) -> list[str]:
    """The human summary of a run, a few lines."""
    return [visible(line) for line in _report_lines(r)]


def _companion(r: BuildReport) -> str:
    if not r.companion:
        return ""
    embedded = r.companion_embedded_chunks
    return f", companion {r.companion}" + (f" ({_chunks(embedded)} embedded for it)" if embedded else "")


def _chunks(n: int) -> str:
    return f"{n} chunk" if n == 1 else f"{n} chunks"


def _report_lines(r: BuildReport) -> list[str]:
    if r.outcome == ROLLED_BACK:
        lines = [f"rolled back: generation {r.generation} now serves (was {r.previous or 'none'}); "
                 f"{r.practices} practices, {r.chunks} chunks, encoder {r.encoder}"]
        lines.extend(f"warning: {w}" for w in r.warnings)
        return lines + ([f"error: {r.record_error}"] if r.record_error else [])
    counts = (f"{len(r.added)} added, {len(r.changed)} changed, {len(r.removed)} removed, "
              f"{r.unchanged} unchanged, {len(r.failed)} failed")
    if r.outcome == UNCHANGED:
        lines = [f"index unchanged: {counts}; generation {r.generation} still serves "
                 f"({r.practices} practices, {r.chunks} chunks, encoder {r.encoder}{_companion(r)})"]
    else:
        lines = [f"index updated: {counts}",
                 f"generation {r.generation} now serves (was {r.previous or 'none'}): {r.practices} practices, "
                 f"{_chunks(r.chunks)}; {_chunks(r.embedded_chunks)} embedded, {r.reused_chunks} reused; "
                 f"encoder {r.encoder}{_companion(r)}"]
        if r.full_rebuild:
            lines.append(f"full rebuild: {r.full_reason}")
    lines.append(f"took {_took(r.durations)}")
    if r.parsed:
        shown = "; ".join(f"{d.source} ({d.format}, {d.layout})" for d in r.parsed[:PARSED_SHOWN])
        more = f"; and {len(r.parsed) - PARSED_SHOWN} more (see --json)" if len(r.parsed) > PARSED_SHOWN else ""
        lines.append(f"parsed: {shown}{more}")
    if r.formats:
        lines.append("formats: " + ", ".join(f"{k} {n}" for k, n in sorted(r.formats.items())))
    for g in r.duplicates:
        lines.append(f"duplicates: {g.kept} indexed as {g.practice_id}; same practice in " + ", ".join(g.duplicates))
    for f in r.failed:
        lines.append(f"failed: {f.path}: {f.reason} "
                     + ("(kept its last good version)" if f.kept else "(not in the index)"))
    lines.extend(f"warning: {w}" for w in r.warnings)
    if r.record_error:
        lines.append(f"error: {r.record_error}")
    return lines


def failure_lines(error: str, serving: str | None) -> list[str]:
    """What to say when a run failed before switching: the error, and what still serves."""
    still = f"generation {serving} still serves" if serving else "there is no index yet"
    return [visible(error), visible(f"nothing changed: {still}")]


def _last_run(run: dict[str, Any]) -> str:
    outcome = run.get("outcome", "?")
    head = f"{run.get('finished_at') or run.get('started_at') or '?'} {outcome} (exit {run.get('exit_status', '?')})"
    if run.get("record_error"):  # the short record of a run whose report could not be written
        error = f"{run.get('error')}; " if run.get("error") else ""
        return f"{head}: {error}{run['record_error']}"
    if outcome == FAILED:
        return f"{head}: {run.get('error')}"
    if outcome == ROLLED_BACK:
        return f"{head}: from {run.get('previous_generation')} to {run.get('generation')}"
    c = run.get("counts", {})
    took = sum(run.get("durations", {}).values())
    return (f"{head}: {c.get('added', 0)} added, {c.get('changed', 0)} changed, {c.get('removed', 0)} removed, "
            f"{c.get('unchanged', 0)} unchanged, {c.get('failed', 0)} failed; took {took:.1f}s")


def status_lines(s: IndexStatus) -> list[str]:
    """The human rendering of ``ransearch status``."""
    return [visible(line) for line in _status_lines(s)]


def _status_lines(s: IndexStatus) -> list[str]:
    c = s.counts
    gens = ", ".join(g + (" *" if g == s.generation else "") for g in s.generations)
    lines = [
        f"index        {s.index_dir}",
        f"generation   {s.generation} (built {s.built_at})",
        f"encoder      {s.encoder} ({s.dimension} dimensions)" + (f", companion {s.companion}" if s.companion else ""),
        f"contents     {c.get('practices', 0)} practices, {c.get('chunks', 0)} chunks, "
        f"{c.get('documents', 0)} documents",
        f"generations  {len(s.generations)} kept: {gens}",
        f"last run     {_last_run(s.last_run) if s.last_run else 'not recorded'}",
    ]
    if s.last_run:
        lines.extend(f"  failed: {f.get('path')}: {f.get('reason')}"
                     + (" (kept its last good version)" if f.get("kept_last_good_version") else "")
                     for f in s.last_run.get("failed", []))
    lines.extend(f"warning: {w}" for w in s.warnings)
    return lines
