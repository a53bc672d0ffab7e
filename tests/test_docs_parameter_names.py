"""The docs name an nn parameter as the code labels it: ``layers.0.neurons.3.w.0``, a weight's
index after a dot, never ``w0`` or ``neurons.3.w0``."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from nn import MLP

ROOT = Path(__file__).resolve().parent.parent
PATH_NAME = re.compile(r"\b(?:layers\.\d+\.)?neurons\.\d+\.(?:w\S*|b)\b")
"""A parameter's path as the docs write it, right or stale."""
STALE = re.compile(r"\b(?:neurons\.\d+\.w\d|Neuron[^.\n]*\bw\d, w\d)")


def _texts() -> dict[str, str]:
    """The text of every doc page, the README, every notebook's cells and every module."""
    paths = [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    paths += [*(ROOT / "autograd").glob("*.py"), *(ROOT / "nn").rglob("*.py")]
    texts = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in paths}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        texts[path.name] = "\n".join(cell.source for cell in notebook.cells)
    return texts


def test_every_parameter_path_in_the_docs_is_one_the_code_gives() -> None:
    model = MLP(2, [16, 16, 1])
    labels = {parameter.label for parameter in model.parameters()}
    layer_free = {label.split(".", 2)[2] for label in labels}  # neurons.3.w.0, as in a Layer
    found = 0
    for name, text in _texts().items():
        assert not STALE.search(text), (name, STALE.search(text))
        for match in PATH_NAME.finditer(text):
            path = match.group(0).rstrip(".,`'\")")
            if path.endswith(".w") or "{" in path or "..." in path:
                continue  # a prefix, a pattern or a range: `neurons.3.w`, `w.{nin-1}`
            found += 1
            assert path in labels | layer_free, (name, path)
    assert found >= 5  # the docs do name parameters by path
