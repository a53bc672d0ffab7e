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


# --- parameters a loss does not use: torch's zero_grad(set_to_none=True) ------------------------

UNUSED_CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True, "weight_decay": 0.2}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.9, "centered": True}),
    ("RMSprop", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.3}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.5}),
]

SCHEDULE: list[tuple[str, Any]] = [  # per step: which parameters the loss uses, and the loss
    ("a b c", lambda a, b, c, d: a * b + c * c),
    ("a", lambda a, b, c, d: a * a),  # b and c unused: torch skips them
    ("none", None),  # zero_grad, no backward, step: nothing moves
    ("b c", lambda a, b, c, d: (b * c).sin() - b),
    ("a b c", lambda a, b, c, d: a * b * c + a),
    ("c", lambda a, b, c, d: c.exp() * 0.5),  # a stops being used from here on
    ("b c", lambda a, b, c, d: b * b - c * 3.0),
    ("b", lambda a, b, c, d: (b * 2.0).tanh()),
]


@pytest.mark.parametrize(
    ("name", "settings"), UNUSED_CONFIGS, ids=[f"{n}{s}" for n, s in UNUSED_CONFIGS]
)
def test_optimizers_skip_parameters_the_loss_does_not_use_as_torch(
    name: str, settings: dict[str, Any]
) -> None:
    starts = [0.5, -1.5, 0.25, 2.0]  # d is never used
    ours_params = [Value(x, label=n) for x, n in zip(starts, "abcd")]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in starts]
    ours = getattr(nn, name)(ours_params, **settings)
    theirs = getattr(torch.optim, name)(tensors, foreach=False, **settings)
    for step, (used, loss_of) in enumerate(SCHEDULE * 2):
        if step % 3 == 1:  # torch's other way to reset: leaf.grad = None
            for p, t in zip(ours_params, tensors):
                p.grad = None
                t.grad = None
        else:
            ours.zero_grad()
            theirs.zero_grad()
        if loss_of is not None:
            loss_of(*ours_params).backward()
            loss_of(*tensors).backward()
        for p, t in zip(ours_params, tensors):
            assert (p.grad is None) == (t.grad is None), f"step {step + 1}, {p.label}"
            if p.grad is not None:  # sin, exp, tanh: libm and torch may differ in a last bit
                assert p.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-300)
                t.grad = torch.tensor(p.grad, dtype=torch.float64)  # the optimizers from one input
        before = [p.data for p in ours_params]
        ours.step()
        theirs.step()
        for p, t, old in zip(ours_params, tensors, before):
            reference = t.item()
            assert abs(p.data - reference) <= 1e-13 * max(1.0, abs(reference)), (
                f"step {step + 1} ({used}), {p.label}: {p.data!r} vs torch {reference!r}"
            )
            if p.label not in used.split():
                assert p.data == old  # bit for bit: a parameter without a gradient stays
    assert ours_params[3].data == starts[3]


def test_adam_leaves_b_where_torch_does_when_the_next_loss_does_not_use_it() -> None:
    # issue 13: loss a*b, then a*a. Torch leaves b at 0.9 after its first step, lr 0.1.
    a, b = Value(1.0), Value(1.0)
    ta, tb = (torch.tensor(1.0, dtype=torch.float64, requires_grad=True) for _ in range(2))
    ours, theirs = nn.Adam([a, b], lr=0.1), torch.optim.Adam([ta, tb], lr=0.1, foreach=False)
    for loss_of in (lambda x, y: x * y, lambda x, y: x * x):
        ours.zero_grad()
        theirs.zero_grad()
        loss_of(a, b).backward()
        loss_of(ta, tb).backward()
        ours.step()
        theirs.step()
    assert tb.item() == pytest.approx(0.9, abs=1e-7)
    assert b.data == tb.item()
    assert a.data == pytest.approx(ta.item(), rel=1e-15)
    assert ours.state[b]["step"] == theirs.state[tb]["step"].item() == 1.0


def test_weight_decay_before_any_backward_moves_nothing_as_torch() -> None:
    w = Value(2.0)
    tw = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ours, theirs = (
        nn.SGD([w], lr=0.1, weight_decay=0.5),
        torch.optim.SGD([tw], lr=0.1, weight_decay=0.5),
    )
    ours.zero_grad()
    theirs.zero_grad()
    ours.step()
    theirs.step()
    assert w.data == tw.item() == 2.0
    assert ours.state == {}


DUPLICATE_CONFIGS = [
    ("Adam", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),  # a buffer made afresh by each listing, then shared
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.1, "momentum": 0.5, "centered": True}),
]


@pytest.mark.parametrize(("name", "settings"), DUPLICATE_CONFIGS)
def test_a_duplicate_parameter_warns_and_steps_twice_as_torch(
    name: str, settings: dict[str, Any]
) -> None:
    w, v = Value(1.0), Value(-0.5)
    tw, tv = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (1.0, -0.5))
    with pytest.warns(UserWarning, match="duplicate parameters") as ours_warnings:
        ours = getattr(nn, name)([w, v, w], **settings)
    with pytest.warns(UserWarning, match="duplicate parameters") as torch_warnings:
        theirs = getattr(torch.optim, name)([tw, tv, tw], foreach=False, **settings)
    assert str(ours_warnings[0].message) == str(torch_warnings[0].message)
    for step in range(4):
        ours.zero_grad()
        theirs.zero_grad()
        (w * w + v * w).backward()
        (tw * tw + tv * tw).backward()
        ours.step()
        theirs.step()
        for mine, reference in ((w, tw), (v, tv)):
            assert mine.data == pytest.approx(reference.item(), rel=1e-13, abs=1e-15), step


@pytest.mark.parametrize("name", ["Adam", "RMSprop"])
def test_eps_zero_with_a_zero_gradient_gives_nan_as_torch(name: str) -> None:
    w = Value(1.0)
    tw = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    ours = getattr(nn, name)([w], lr=0.1, eps=0.0)
    theirs = getattr(torch.optim, name)([tw], lr=0.1, eps=0.0, foreach=False)
    (w * 0.0).backward()
    (tw * 0.0).backward()
    ours.step()
    theirs.step()
    assert math.isnan(tw.item())
    assert math.isnan(w.data)
