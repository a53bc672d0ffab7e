"""``python -m autograd`` prints a gradient that agrees with the hand derivative."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest


def test_python_m_autograd_prints_the_gradient() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd"], capture_output=True, text=True, check=True
    )
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line[:20])
    backward = float(lines["  dy/dx backward "].strip())
    # backward sums cos(2) + 2 + 2 in its own order: equal to the hand value up to rounding
    assert backward == pytest.approx(2 * 2.0 + math.cos(2.0), rel=1e-15)
