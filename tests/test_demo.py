"""``python -m autograd`` prints a gradient that agrees with the hand derivative."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest


def test_python_m_autograd_prints_the_gradient() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd"], capture_output=True, text=True, check=True
    )
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line[:20])
    backward = float(lines["  dy/dx backward "].strip())
    # backward sums cos(2) + 2 + 2 in its own order: equal to the hand value up to rounding
    assert backward == pytest.approx(2 * 2.0 + math.cos(2.0), rel=1e-15)


def test_make_demo_runs_a_module_that_exists() -> None:
    """The command of the Makefile's demo recipe, run as written (with this interpreter)."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip() for line in recipe.splitlines()[1:] if line.startswith("\t")]
    modules = [c.split(" -m ", 1)[1].split()[0] for c in commands if " -m " in c]
    assert modules, f"no `python -m` command in the demo recipe: {commands}"
    for module in modules:
        subprocess.run([sys.executable, "-m", module], capture_output=True, check=True)


def test_make_demo_writes_the_graph_the_backward_player_and_the_training_page(
    tmp_path: Path,
) -> None:
    """The demo recipe's command, pointed at a fresh folder: its three files, each a page or a
    drawing of the document's network, the training page with both runs' step counts."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "-m nn.seed --draw build" in recipe
    result = subprocess.run(
        [sys.executable, "-m", "nn.seed", "--draw", "build"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    build = tmp_path / "build"
    names = ["seed_graph.svg", "seed_backward.html", "seed_training.html"]
    assert result.stdout.splitlines()[-3:] == [f"wrote build/{name}" for name in names]
    assert sorted(p.name for p in build.iterdir()) == sorted(names)
    assert (build / "seed_graph.svg").read_text(encoding="utf-8").rstrip().endswith("</svg>")
    training = (build / "seed_training.html").read_text(encoding="utf-8")
    assert training.startswith("<!DOCTYPE html>")
    assert "Gradient descent (learning rate 1) · 111 steps" in training
    assert "RMSprop (learning rate 0.1, alpha 0.999, eps 0.01) · 11 steps" in training
    assert '"yp":"0.6902834929076443"' in training  # step 1, the document's digits
