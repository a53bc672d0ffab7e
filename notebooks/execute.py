"""Execute chainrule's notebooks: in place (``make notebooks``), or in memory for the tests.

    python notebooks/execute.py [NOTEBOOK ...]

Each notebook runs top to bottom in a fresh kernel of the running Python, with this folder as its
working directory. Timing metadata is not recorded, so that a re-run changes only what the code
computes; every random generator in the notebooks is seeded, so that is nothing but tqdm's
progress bars. ``make notebooks`` draws with the graphviz-pure installed beside this Python
(unless CHAINRULE_DOT names another renderer), so that the committed pictures do not change with
the Graphviz a machine happens to have.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_SECONDS = 900


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, executed; raises ``nbclient.exceptions.CellExecutionError`` with
    the cell and its traceback if a cell fails."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_SECONDS,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    return notebook


def main(names: list[str]) -> None:
    os.environ.setdefault(
        "CHAINRULE_DOT", str(Path(sysconfig.get_path("scripts")) / "graphviz-pure")
    )
    paths = [HERE / name for name in names] if names else NOTEBOOKS
    for path in paths:
        print(f"executing {path.name}")
        nbformat.write(execute(path), path)


if __name__ == "__main__":
    main(sys.argv[1:])
