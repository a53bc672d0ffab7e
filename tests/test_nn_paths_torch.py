"""Marked torch: explain(loss, wrt=p) for every parameter of an MLP, its paths summed, against
PyTorch's gradient of the same network in float64; and the parameters' names against the
network's structure."""

from __future__ import annotations

import random

import pytest

from autograd import explain
from nn import MLP, mse_loss

torch = pytest.importorskip("torch", reason="torch is not installed (CI installs torch==2.13.0)")
pytestmark = pytest.mark.torch


def _sum_over_paths(text: str) -> float:
    last = text.splitlines()[-1]
    return float(last.split(" (the backward pass: ")[0].rsplit(" = ", 1)[1])


def test_every_parameters_paths_sum_to_torchs_gradient() -> None:
    model = MLP(2, [4, 4, 1], activation="tanh", rng=random.Random(3))
    x, target = [0.5, -1.0], 0.25
    output = model(x)
    assert not isinstance(output, list)
    loss = mse_loss([output], [target])

    # The same network in torch, from the parameters' names: layers.l.neurons.j.w.i and .b.
    state = model.state_dict()
    tensors = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
               for name, value in state.items()}  # fmt: skip
    activations = [torch.tensor(v, dtype=torch.float64) for v in x]
    for n, layer in enumerate(model.layers):
        sums = [
            sum(tensors[f"layers.{n}.neurons.{j}.w.{i}"] * a for i, a in enumerate(activations))
            + tensors[f"layers.{n}.neurons.{j}.b"]
            for j in range(len(layer.neurons))
        ]
        activations = [torch.tanh(s) for s in sums] if n < len(model.layers) - 1 else sums
    ((activations[0] - target) ** 2).backward()

    for name, parameter in model.named_parameters():
        assert parameter.label == name
        expected = tensors[name].grad.item()
        got = _sum_over_paths(explain(loss, wrt=parameter, precision=17))
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), name
        paths = 4 if name.startswith("layers.0.") else 1  # through each second-layer neuron
        first_line = explain(loss, wrt=parameter).splitlines()[0]
        assert (f"summed over the {paths} paths" in first_line) == (paths > 1), first_line
