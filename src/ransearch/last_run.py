"""``<index>/last_run.json``: the report of the last indexing run, read by ``ransearch status``.

It never goes on showing an earlier run: :func:`record_last_run` replaces a report that cannot
be written (a full disk, a file size limit) by a short record saying so, or removes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ransearch.durable import write_atomic

__all__ = ["LAST_RUN", "write_last_run", "record_last_run", "read_last_run"]

LAST_RUN = "last_run.json"

_SHORT_RECORD = ("outcome", "exit_status", "generation", "previous_generation", "encoder", "started_at",
                 "finished_at", "error")


def write_last_run(index_dir: Path, report: Mapping[str, object]) -> None:
    """Record the report of a run (atomically).

    Raises:
        OSError: it could not be written.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(index_dir / LAST_RUN, json.dumps(dict(report), indent=1, ensure_ascii=False))


def record_last_run(index_dir: Path, report: Mapping[str, object]) -> str | None:
    """Record the report of a run; why it could not be, if so.

    When the report cannot be written, ``last_run.json`` is replaced by a short record of this
    run that says so (``record_error``; ``exit_status`` 2, the status of such a run: see
    :mod:`ransearch.build_report`), and if even that cannot be written, it is removed.
    """
    try:
        write_last_run(index_dir, report)
        return None
    except OSError as exc:
        problem = f"cannot record the report of this run in {index_dir / LAST_RUN}: {exc.strerror or exc}"
    try:
        (index_dir / LAST_RUN).unlink(missing_ok=True)  # first: the earlier run's report must go, and it frees space
    except OSError:
        pass
    short = {k: report.get(k) for k in _SHORT_RECORD} | {"exit_status": 2, "record_error": problem}
    try:
        write_last_run(index_dir, short)
    except OSError:
        pass
    return problem


def read_last_run(index_dir: Path | str) -> dict[str, Any] | None:
    """The report of the last run, or None if there is none (or it is unreadable)."""
    try:
        data = json.loads((Path(index_dir) / LAST_RUN).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
