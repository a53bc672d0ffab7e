"""The notebooks run top to bottom, and the outputs committed with them are current.

Each notebook is executed in a fresh kernel (as ``make notebooks`` does) and its text outputs,
printed lines and results, are compared with the committed ones: a notebook whose code changed
behaviour without being re-run fails here. Pictures are not compared (an SVG depends on which
Graphviz renderer the machine has), nor tqdm's progress bars (they hold timings)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOK_FOLDER))
from execute import NOTEBOOKS, execute  # noqa: E402


def _texts(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """Per code cell, its stdout and the text form of its results."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for output in cell.outputs:
            if output.output_type == "error":
                shown.append(f"ERROR {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stdout":
                shown.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                shown.append(output.data.get("text/plain", ""))
        texts.append(["".join(shown)])
    return texts


def test_the_four_notebooks_are_there() -> None:
    assert [path.name for path in NOTEBOOKS] == [
        "01_the_document_step_by_step.ipynb",
        "02_engine_tour.ipynb",
        "03_moons_classifier.ipynb",
        "04_exercises.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_and_its_committed_outputs_are_current(path: Path) -> None:
    committed = nbformat.read(path, as_version=4)
    counts = [cell.execution_count for cell in committed.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} is committed unexecuted or half executed: run `make notebooks`"
    )
    fresh = execute(path)
    assert _texts(fresh) == _texts(committed), f"{path.name} is stale: run `make notebooks`"


def test_the_first_notebook_shows_the_documents_numbers() -> None:
    cells = _texts(nbformat.read(NOTEBOOKS[0], as_version=4))
    text = "".join(line for cell in cells for line in cell)
    assert "y5 = 0.6902834929076443" in text
    assert "E = 0.01810390383656677" in text
    assert "111 forward passes, 110 updates" in text
    assert "11 forward passes, 10 updates" in text
    assert "the page's order: step = 2: yp = 0.6820312027460466" in text
