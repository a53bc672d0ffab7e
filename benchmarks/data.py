"""The numbers every engine's workloads start from, the same for all, reachable without chainrule.

The suite computes them once with chainrule's ``nn`` (the document's weights, inputs and target
from ``nn.seed``; W2's initial MLP weights, uniform(-1, 1) from ``random.Random(1)``; 100
two-moons points from ``nn.datasets.make_moons`` with ``random.Random(2)``, labels as -1.0 and
1.0) and hands them to each worker as JSON, which round-trips every float exactly. A worker that
must not import chainrule (HIPS autograd's package is also called ``autograd``) gets them this
way; elsewhere they are computed on first use.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

SIZES = [2, 16, 16, 1]
L2 = 1e-4
N_MOONS = 100

_shared: dict[str, Any] | None = None


def compute() -> dict[str, Any]:
    """The shared numbers, computed with chainrule's ``nn`` (as JSON-ready lists)."""
    from nn.datasets import make_moons
    from nn.seed import INPUTS, TARGET, WEIGHTS

    rng = random.Random(1)
    mlp = [
        [[[rng.uniform(-1, 1) for _ in range(nin)], rng.uniform(-1, 1)] for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]
    points, labels = make_moons(N_MOONS, noise=0.1, rng=random.Random(2))
    return {
        "weights": list(WEIGHTS.values()),
        "inputs": list(INPUTS),
        "target": TARGET,
        "mlp": mlp,
        "points": [list(point) for point in points],
        "labels": [2.0 * label - 1.0 for label in labels],
    }


def use(shared: dict[str, Any]) -> None:
    """Take the shared numbers as given (a worker gets them from the suite)."""
    global _shared
    _shared = shared


def shared() -> dict[str, Any]:
    global _shared
    if _shared is None:
        _shared = compute()
    return _shared


def weights() -> list[float]:
    """The document's six weights, in the order w13 w23 w14 w24 w35 w45 (a fresh list)."""
    return list(shared()["weights"])


def inputs() -> tuple[float, float]:
    y1, y2 = shared()["inputs"]
    return y1, y2


def target() -> float:
    return float(shared()["target"])


def initial_mlp() -> list[list[tuple[list[float], float]]]:
    """The W2 network's weights: per layer, per neuron, (input weights, bias) (fresh lists)."""
    return [[(list(ws), b) for ws, b in layer] for layer in shared()["mlp"]]


def moons() -> tuple[list[tuple[float, float]], list[float]]:
    """The 100 two-moons points and their labels, -1.0 or 1.0."""
    points = [(x, y) for x, y in shared()["points"]]
    return points, list(shared()["labels"])
