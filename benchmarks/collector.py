"""The collector's share of an eager training step, and what ``fewer_collections`` saves.

    python benchmarks/collector.py [ROUNDS]

Times W2 (one full-batch step of MLP(2, [16, 16, 1]) on 100 two-moons points, as in
``suite.py``) three ways, interleaved round by round: with the collector's default thresholds,
inside ``autograd.fewer_collections()``, and with the collector off. Prints the medians of CPU
time (``time.process_time``) and wall time per step, and the ratios to the default.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engines import Chainrule

from autograd import fewer_collections

STEPS_PER_SAMPLE = 3


@contextmanager
def collector_off() -> Any:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


WAYS: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "default thresholds": nullcontext,
    "fewer_collections()": fewer_collections,
    "collector off": collector_off,
}


def main(rounds: int) -> None:
    step = Chainrule().w2()
    step()  # untimed: warm up
    cpu: dict[str, list[float]] = {way: [] for way in WAYS}
    wall: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(rounds):
        for way, block in WAYS.items():
            with block():
                started_cpu, started_wall = time.process_time(), time.perf_counter()
                for _ in range(STEPS_PER_SAMPLE):
                    step()
                cpu[way].append((time.process_time() - started_cpu) / STEPS_PER_SAMPLE)
                wall[way].append((time.perf_counter() - started_wall) / STEPS_PER_SAMPLE)
    base_cpu = statistics.median(cpu["default thresholds"])
    base_wall = statistics.median(wall["default thresholds"])
    print(f"W2 eager step, medians of {rounds} interleaved rounds of {STEPS_PER_SAMPLE} steps")
    for way in WAYS:
        c, w = statistics.median(cpu[way]), statistics.median(wall[way])
        print(
            f"- {way}: CPU {c * 1e3:.1f} ms ({c / base_cpu:.2f}x), "
            f"wall {w * 1e3:.1f} ms ({w / base_wall:.2f}x)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
