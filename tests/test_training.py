"""Training end to end: micrograd's demo setting on chainrule.

MLP(2, [16, 16, 1]) on 100 two-moons points, hinge loss plus 1e-4 times the sum of squared
parameters, full-batch SGD with micrograd's learning rate 1 - 0.9 k / 100 at step k.
"""

from __future__ import annotations

import random

import nn
from autograd import Value


def test_moons_reach_95_percent_training_accuracy_within_100_steps() -> None:
    points, labels = nn.datasets.make_moons(100, noise=0.1, rng=random.Random(0))
    signs = [2 * label - 1 for label in labels]
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    parameters = model.parameters()
    optimizer = nn.SGD(parameters, lr=1.0)
    accuracies = []
    for k in range(100):
        scores = [model(list(point)) for point in points]
        data_loss = nn.hinge_loss(scores, signs)  # type: ignore[arg-type]
        regularisation = 1e-4 * sum((p * p for p in parameters), Value(0.0))
        loss = data_loss + regularisation
        correct = sum((s.data > 0) == (y > 0) for s, y in zip(scores, signs))  # type: ignore[union-attr]
        accuracies.append(correct / len(signs))
        if accuracies[-1] >= 0.95:
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
    assert accuracies[-1] >= 0.95, f"accuracy after {len(accuracies)} steps: {accuracies[-1]}"
    assert accuracies[0] < 0.95  # it was learned, not given
