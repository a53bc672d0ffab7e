"""Small data sets in pure Python, for demos, notebooks and benchmarks."""

from __future__ import annotations

import math
import random

from nn.layers import DEFAULT_SEED


def _half_circle_angles(count: int) -> list[float]:
    if count == 1:
        return [0.0]
    return [math.pi * i / (count - 1) for i in range(count)]


def make_moons(
    n: int, noise: float = 0.1, rng: random.Random | None = None
) -> tuple[list[tuple[float, float]], list[int]]:
    """Two interleaving half circles: ``n`` points in the plane and their labels, 0 or 1.

    Label 0 lies on the upper half circle (cos t, sin t), label 1 on the lower one
    (1 - cos t, 1/2 - sin t), t evenly spaced over [0, pi] (n // 2 points get label 0); Gaussian
    noise of standard deviation ``noise`` is added to each coordinate and the points are
    shuffled. The construction is scikit-learn's ``make_moons``; the numbers come from ``rng``
    (``random.Random(DEFAULT_SEED)`` when none is given), so a seed gives the same data every run.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not noise >= 0.0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = rng if rng is not None else random.Random(DEFAULT_SEED)
    n_upper = n // 2
    samples = (
        [(math.cos(t), math.sin(t), 0) for t in _half_circle_angles(n_upper)] if n_upper else []
    )
    samples += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _half_circle_angles(n - n_upper)]
    rng.shuffle(samples)
    points = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y, _ in samples]
    labels = [label for _, _, label in samples]
    return points, labels
