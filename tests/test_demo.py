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
