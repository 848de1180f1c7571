"""The exploration notebook: stored without outputs, and runs top to bottom on the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text("utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, "clear outputs before saving"


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason='pip install "ransearch[notebook]"')
    nbclient = pytest.importorskip("nbclient", reason='pip install "ransearch[notebook]"')
    pytest.importorskip("matplotlib", reason='pip install "ransearch[notebook]"')
    pytest.importorskip("sklearn", reason='pip install "ransearch[notebook]"')
    monkeypatch.setenv("RANSEARCH_NOTEBOOK_CORPUS", str(NOTEBOOK.parents[1] / "corpus"))
    monkeypatch.delenv("RANSEARCH_NOTEBOOK_INDEX", raising=False)
    monkeypatch.delenv("RANSEARCH_SAVE_FIGURES", raising=False)  # never overwrite docs/img from a test
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "practices" in text and "chunks" in text
    assert "no development set" in text or any("image/png" in o.get("data", {}) for o in outputs)
