"""make_moons: the two half circles, their labels, noise and reproducibility."""

from __future__ import annotations

import math
import random

import pytest

from nn.datasets import make_moons


def test_noise_free_points_lie_on_their_half_circles() -> None:
    points, labels = make_moons(21, noise=0.0, rng=random.Random(0))
    assert len(points) == len(labels) == 21
    assert labels.count(0) == 10
    assert labels.count(1) == 11
    for (x, y), label in zip(points, labels):
        if label == 0:  # upper half circle around (0, 0)
            assert math.hypot(x, y) == pytest.approx(1.0, abs=1e-15)
            assert y >= -1e-15
        else:  # lower half circle around (1, 0.5)
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0, abs=1e-15)
            assert y <= 0.5 + 1e-15


def test_noise_moves_points_by_about_its_size() -> None:
    clean, _ = make_moons(400, noise=0.0, rng=random.Random(1))
    noisy, _ = make_moons(400, noise=0.1, rng=random.Random(1))
    radii = [math.hypot(x, y) for x, y in noisy]
    assert clean != noisy
    assert 0.9 < sum(radii) / len(radii) < 1.3


def test_reproducible_from_a_seed() -> None:
    assert make_moons(50, rng=random.Random(3)) == make_moons(50, rng=random.Random(3))
    assert make_moons(50) == make_moons(50)
    assert make_moons(50, rng=random.Random(3)) != make_moons(50, rng=random.Random(4))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive int, got 0"):
        make_moons(0)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_moons(10, noise=-0.1)
    assert make_moons(1, noise=0.0) == ([(1.0 - 1.0, 0.5 - 0.0)], [1])
