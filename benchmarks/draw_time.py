"""How long drawing takes: one sample through MLP(2, [16, 16, 1]), with each renderer found.

    python benchmarks/draw_time.py

Prints the number of Values, the time to build the DOT text, and the time each renderer (the
system `dot` if installed, and graphviz-pure) takes to lay it out as SVG. Best of three runs.
"""

from __future__ import annotations

import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import autograd
import nn
from autograd.render import render


def best_of_three(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    out = model([0.5, -0.3])
    assert isinstance(out, autograd.Value)
    out.backward()
    graph = autograd.draw(out)
    print(f"values in the graph: {len(graph.ids)}")
    print(f"build DOT:           {best_of_three(lambda: autograd.draw(out)):.3f} s")
    renderers = {
        "system dot": shutil.which("dot"),
        "graphviz-pure": str(Path(sys.executable).parent / "graphviz-pure"),
    }
    for name, program in renderers.items():
        if program is None or not Path(program).exists():
            print(f"{name:20} not installed")
            continue
        seconds = best_of_three(lambda program=program: render(graph.dot, "svg", program))
        print(f"render ({name}): {seconds:.2f} s")


if __name__ == "__main__":
    main()
