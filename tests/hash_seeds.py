"""Running a program in fresh interpreters under several hash seeds, for determinism tests."""

from __future__ import annotations

import os
import subprocess
import sys


def outputs_under_hash_seeds(program: str, seeds: tuple[str, ...] = ("0", "1", "2")) -> set[str]:
    """What ``python -c program`` prints under each PYTHONHASHSEED: one element if the
    program's output does not depend on the seed."""
    return {
        subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in seeds
    }
