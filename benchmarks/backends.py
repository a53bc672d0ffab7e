"""``autograd.compile``'s backends against each other: W1 and W2 (see engines.py) per step, and
the time to compile, for backend="python" and backend="c"; for W2 also the hand-written floor
and the C backend's ``batch`` (the samples loop in C).

Run from the repository root: ``python benchmarks/backends.py``. Steps are timed in interleaved
rounds (python, c, python, c, ...) so that a slower moment of a shared machine falls on both;
CPU time (``time.process_time``) and wall time (``time.perf_counter``) are both reported, as
medians over the rounds. The first C build goes to an empty cache (compiler included); the
second, in a fresh process state, loads it from the cache.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import ChainruleCompiled, Hand

ROUNDS = 15
STEPS = {"w1": 2000, "w2": 3}


def engine(backend: str, batch: bool = False) -> ChainruleCompiled:
    chosen = ChainruleCompiled()
    chosen.backend = backend
    chosen.batch = batch
    return chosen


def first_call(make: Callable[[], Callable[[], float]]) -> tuple[Callable[[], float], float]:
    """The workload's step, and the wall time of its first call (which traces and builds)."""
    start = time.perf_counter()
    step = make()
    step()
    return step, time.perf_counter() - start


def main() -> None:
    os.environ["CHAINRULE_CACHE"] = tempfile.mkdtemp(prefix="chainrule-bench-")
    for workload, steps in STEPS.items():
        made = {}
        for backend, label in (("python", "python"), ("c", "c, cold cache"), ("c", "c, cached")):
            step, seconds = first_call(getattr(engine(backend), workload))
            print(f"{workload} compile ({label}): {seconds * 1e3:.1f} ms")
            made[backend] = step
        if workload == "w2":  # the floor, and the per-sample loop in C
            made["hand-written"] = Hand().w2()
            made["c, batch"] = engine("c", batch=True).w2()
        times: dict[str, list[tuple[float, float]]] = {backend: [] for backend in made}
        for _ in range(ROUNDS):
            for backend, step in made.items():
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(steps):
                    step()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                times[backend].append((cpu / steps, wall / steps))
        medians = {
            backend: (statistics.median(s[0] for s in samples),
                      statistics.median(s[1] for s in samples))
            for backend, samples in times.items()
        }  # fmt: skip
        floor = medians.get("hand-written")
        for backend, (cpu, wall) in medians.items():
            line = f"{workload} step ({backend}): cpu {cpu * 1e6:.1f} us, wall {wall * 1e6:.1f} us"
            if floor is not None:
                line += f" ({cpu / floor[0]:.3f}x hand-written cpu, {wall / floor[1]:.3f}x wall)"
            print(line)


if __name__ == "__main__":
    main()
