"""Marked torch: the document's PyTorch program reproduced, and every optimizer configuration
step for step against torch.optim in float64."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

import nn
from autograd import Value
from nn import seed

torch = pytest.importorskip("torch", reason="torch is not installed (CI installs torch==2.13.0)")
pytestmark = pytest.mark.torch


def document_pytorch_run(dtype: Any) -> list[float]:
    """The document's PyTorch version: Linear(2, 2) + Sigmoid + Linear(2, 1) + Sigmoid without
    biases, loss 1/2 mean((pred - act)^2), RMSprop(lr=0.1, alpha=0.999, eps=1e-2); the
    prediction of every forward pass until the loss falls below 1e-7."""
    hidden = torch.nn.Linear(2, 2, bias=False)
    output = torch.nn.Linear(2, 1, bias=False)
    hidden.weight.data = torch.tensor([[0.1, 0.8], [0.4, 0.6]], dtype=dtype)
    output.weight.data = torch.tensor([0.3, 0.9], dtype=dtype)  # 1-D, as the document sets it
    net = torch.nn.Sequential(hidden, torch.nn.Sigmoid(), output, torch.nn.Sigmoid())
    x = torch.tensor([0.35, 0.9], dtype=dtype)
    y = torch.tensor(0.5, dtype=dtype)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=0.1, alpha=0.999, eps=1e-2)
    predictions = []
    for _ in range(1000):
        optimizer.zero_grad()
        prediction = net(x)
        loss = 1 / 2 * torch.mean((prediction - y) ** 2)
        loss.backward()
        optimizer.step()
        predictions.append(prediction.item())
        if loss.item() < 1e-7:
            break
    return predictions


def test_the_documents_pytorch_version_agrees_with_the_engine() -> None:
    ours = [record.prediction for record in seed.train("rmsprop")]
    in_float32 = document_pytorch_run(torch.float32)
    assert len(in_float32) == len(ours) == 11
    for mine, theirs in zip(ours, in_float32):
        assert mine == pytest.approx(theirs, rel=1e-6)  # float32 carries about 7 digits
    in_float64 = document_pytorch_run(torch.float64)
    assert len(in_float64) == 11
    for mine, theirs in zip(ours, in_float64):
        assert mine == pytest.approx(theirs, rel=1e-12, abs=0.0)


def mirror_forward(weights: list[list[tuple[list[Any], Any]]], x: list[float]) -> Any:
    """An MLP(2, [4, 1]) forward pass (relu, then linear) written out for torch scalars.

    Relu's backward multiplies by an exact 0 or 1, so both sides get bit-identical gradients and
    the comparison measures the optimizers' update rules alone. (With tanh, PyTorch's backward
    computes 1 - y * y with a fused multiply-add and chainrule computes (1 - y)(1 + y): the
    gradients then differ in the last bit.)"""
    values: list[Any] = x
    for index, layer in enumerate(weights):
        outputs = []
        for w, b in layer:
            total = w[0] * values[0]
            for wi, xi in zip(w[1:], values[1:]):
                total = total + wi * xi
            total = total + b
            outputs.append(torch.relu(total) if index < len(weights) - 1 else total)
        values = outputs
    return values[0]


CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    (
        "RMSprop",
        {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.01},
    ),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.01}),
]


@pytest.mark.parametrize(("name", "settings"), CONFIGS, ids=[f"{n}{s}" for n, s in CONFIGS])
def test_optimizer_matches_torch_for_100_steps(name: str, settings: dict[str, Any]) -> None:
    model = nn.MLP(2, [4, 1], rng=random.Random(11))
    points, labels = nn.datasets.make_moons(6, noise=0.1, rng=random.Random(4))
    targets = [2.0 * label - 1.0 for label in labels]

    tensors = {
        name: torch.tensor(p.data, dtype=torch.float64, requires_grad=True)
        for name, p in model.named_parameters()
    }
    layout = [
        [([tensors[f"layers.{k}.neurons.{j}.w.{i}"] for i in range(len(neuron.w))],
          tensors[f"layers.{k}.neurons.{j}.b"]) for j, neuron in enumerate(layer.neurons)]
        for k, layer in enumerate(model.layers)
    ]  # fmt: skip
    ours = getattr(nn, name)(model.parameters(), **settings)
    theirs = getattr(torch.optim, name)(list(tensors.values()), foreach=False, **settings)

    # Maximizing is tested on the negated loss, so that both runs stay bounded.
    sign = -1.0 if settings.get("maximize") else 1.0
    for step in range(100):
        ours.zero_grad()
        loss = nn.mse_loss([model(list(p)) for p in points], targets)  # type: ignore[misc]
        (sign * loss).backward()
        ours.step()
        theirs.zero_grad()
        predictions = [mirror_forward(layout, list(p)) for p in points]
        torch_loss = sum((q - t) ** 2 for q, t in zip(predictions, targets)) / len(targets)
        (sign * torch_loss).backward()
        theirs.step()
        # Within 1e-12 of the parameter vector's size. PyTorch computes p + (-lr) g with one
        # rounding (a fused multiply-add), Python with two: a last-bit difference, which is no
        # small *relative* error for a parameter that happens to pass close to 0.
        expected = [reference.item() for reference in tensors.values()]
        scale = max(abs(x) for x in expected)
        for (key, parameter), reference in zip(model.named_parameters(), expected):
            assert abs(parameter.data - reference) <= 1e-12 * scale, (
                f"step {step + 1}, {key}: {parameter.data!r} vs {reference!r}"
            )
    assert math.isfinite(sum(p.data for p in model.parameters()))


def _compare_loss(ours: Any, theirs: Any, inputs: list[float], targets: list[float]) -> None:
    leaves = [Value(x) for x in inputs]
    our_loss = ours(leaves, targets)
    our_loss.backward()
    tensor = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    their_loss = theirs(tensor, torch.tensor(targets, dtype=torch.float64))
    their_loss.backward()
    assert our_loss.data == pytest.approx(their_loss.item(), rel=1e-13)
    assert [leaf.grad for leaf in leaves] == pytest.approx(tensor.grad.tolist(), rel=1e-12)


def test_bce_losses_match_torch() -> None:
    functional = torch.nn.functional
    targets = [0.0, 1.0, 0.25]
    _compare_loss(
        nn.binary_cross_entropy, functional.binary_cross_entropy, [0.2, 0.7, 0.95], targets
    )
    _compare_loss(
        nn.binary_cross_entropy_with_logits,
        functional.binary_cross_entropy_with_logits,
        [-3.0, 0.4, 25.0],
        targets,
    )
    _compare_loss(nn.mse_loss, functional.mse_loss, [-3.0, 0.4, 25.0], targets)
