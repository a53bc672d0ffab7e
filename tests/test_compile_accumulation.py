"""compile_loss adds each sample's gradient into ``.grad`` in eager's order, bit for bit.

The oracle is the eager engine: the same model and loss, ``loss.backward()`` sample by sample
into the same held grads. A parameter used twice in one sample (an L2 term inside the loss, a
weight shared by two neurons) receives several contributions; eager adds each into the held
grad in turn, ``(held + c1) + c2``, and so must the compiled code (``held + (c1 + c2)`` differs
in the low bits). A held None is eager's "no gradient yet": the first contribution becomes the
grad exactly, -0.0 included; a parameter the loss does not reach keeps its grad as it was.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable

import pytest
from c_compiler import BACKENDS

import autograd
import nn
from autograd import Value

pytestmark = pytest.mark.usefixtures("own_build_cache")
"""Builds go to a cache of this module's own."""

HELD = [None, 0.0, -0.0, 0.1, -3.0e-5, 7.0e12, 1.0e-300]
"""Grads held before the samples: no gradient yet, both zeros, arbitrary numbers."""

Loss = Callable[[Value | list[Value], float], Value]


def bits(model: nn.Module) -> list[str | None]:
    """Every parameter's grad as its exact bits, None kept as None."""
    return [None if p.grad is None else p.grad.hex() for p in model.parameters()]


class Unused(nn.Module):
    """An MLP and a parameter that no loss reaches."""

    def __init__(self) -> None:
        self.mlp = nn.MLP(2, [3, 1], rng=random.Random(1))
        self.spare = Value(0.25)

    def __call__(self, x: list[Value]) -> Value:
        return self.mlp(x)  # type: ignore[return-value]


def l2_inside(model: nn.Module) -> Loss:
    """Half squared error plus an L2 term over the model's own parameters (each used twice)."""

    def loss(out: Value | list[Value], target: float) -> Value:
        penalty = sum((p * p for p in model.parameters()), Value(0.0) * 0.0)
        return nn.half_squared_error(out, target) + 0.01 * penalty  # type: ignore[arg-type]

    return loss


def half_squared(out: Value | list[Value], target: float) -> Value:
    return nn.half_squared_error(out, target)  # type: ignore[arg-type]


def shared_weight() -> nn.MLP:
    """An MLP whose first two hidden neurons share one weight (one Value in both)."""
    model = nn.MLP(2, [3, 1], rng=random.Random(2))
    neurons = model.layers[0].neurons
    neurons[1].w[0] = neurons[0].w[0]
    return model


def cases() -> list[tuple[str, nn.Module, Loss]]:
    mlp = nn.MLP(2, [3, 1], rng=random.Random(0))
    unused = Unused()
    return [
        ("l2 inside the loss", mlp, l2_inside(mlp)),
        ("a shared weight", shared_weight(), half_squared),
        ("a parameter no loss reaches", unused, l2_inside(unused.mlp)),
    ]


def samples() -> tuple[list[list[float]], list[float]]:
    """50 samples, with zeros of both signs among the inputs (gradients that are -0.0)."""
    rng = random.Random(3)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(50)]
    xs[0], xs[1] = [-0.0, 0.0], [0.0, -0.0]
    return xs, [rng.choice([-1.0, 0.5, 2.0]) for _ in xs]


def hold(model: nn.Module, start: int) -> None:
    for i, parameter in enumerate(model.parameters()):
        parameter.grad = HELD[(start + i) % len(HELD)]


def eager(model: nn.Module, loss_fn: Loss, xs: list[list[float]], targets: list[float]) -> float:
    total = 0.0
    for x, target in zip(xs, targets):
        loss = loss_fn(model([Value(xi) for xi in x]), target)  # type: ignore[arg-type]
        loss.backward()
        total += loss.data
    return total


def twins(model: nn.Module, loss_fn: Loss) -> tuple[nn.Module, Loss]:
    """A deep copy of the model and the same loss bound to the copy (an L2 loss reads the
    parameters of its own model)."""
    memo: dict[int, object] = {}
    twin = copy.deepcopy(model, memo)
    if loss_fn is half_squared:
        return twin, loss_fn
    inner = twin.mlp if isinstance(twin, Unused) else twin
    return twin, l2_inside(inner)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("way", ["call", "batch"])
@pytest.mark.parametrize("start", range(len(HELD)))
@pytest.mark.parametrize("case", range(3))
def test_compiled_gradients_add_up_as_eager(backend: str, way: str, start: int, case: int) -> None:
    name, model, loss_fn = cases()[case]
    oracle, oracle_loss = twins(model, loss_fn)
    xs, targets = samples()
    hold(model, start)
    hold(oracle, start)
    expected = eager(oracle, oracle_loss, xs, targets)
    compiled = nn.compile_loss(model, loss_fn, backend=backend)
    if way == "call":
        total = 0.0
        for x, target in zip(xs, targets):
            total += compiled(x, target)
    else:
        total = compiled.batch(xs, targets)
    assert total.hex() == expected.hex(), name
    assert bits(model) == bits(oracle), name


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_held_none_takes_a_first_contribution_of_minus_zero_exactly(backend: str) -> None:
    """x * w at x = -0.0 gives dw = -0.0: eager's None grad becomes -0.0 (not 0.0)."""
    model = nn.Neuron(1, activation="linear", rng=random.Random(0))
    compiled = nn.compile_loss(model, lambda out, t: out * t, backend=backend)  # type: ignore[operator]
    model.zero_grad()
    compiled([-0.0], 1.0)
    weight, bias = model.parameters()
    assert (weight.grad.hex(), bias.grad.hex()) == ("-0x0.0p+0", "0x1.0000000000000p+0")  # type: ignore[union-attr]
    model.zero_grad()
    (model([Value(-0.0)]) * 1.0).backward()  # type: ignore[operator]  # eager agrees
    assert (weight.grad.hex(), bias.grad.hex()) == ("-0x0.0p+0", "0x1.0000000000000p+0")  # type: ignore[union-attr]


@pytest.mark.parametrize("backend", BACKENDS)
def test_compile_gives_the_gradients_of_fresh_values(backend: str) -> None:
    """autograd.compile's gradients are eager's into Values just made (grad 0.0): each starts
    at 0.0, so a lone -0.0 contribution gives 0.0, as eager gives it."""
    f = lambda x, y: x * y + x * x  # noqa: E731
    compiled = autograd.compile(f, backend=backend)
    for point in ([1.0, -0.0], [-0.0, -0.0], [0.3, -1.7], [-0.0, 2.0]):
        leaves = [Value(p) for p in point]
        out = f(*leaves)
        out.backward()
        value, grads = compiled(*point)
        assert value.hex() == out.data.hex()
        assert [g.hex() for g in grads] == [leaf.grad.hex() for leaf in leaves]  # type: ignore[union-attr]


class Kinks(nn.Module):
    """Parameters that go straight into relu and abs, at their kinks' zero side."""

    def __init__(self) -> None:
        self.a = Value(-1.0)
        self.b = Value(0.0)

    def __call__(self, x: list[Value]) -> Value:
        return self.a.relu() * x[0] + abs(self.b) * x[1] + x[0] * x[1]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("way", ["call", "batch"])
def test_a_masked_zero_adds_into_a_held_grad_as_eager_adds_it(backend: str, way: str) -> None:
    """relu'(-1) = 0 and abs'(0) = 0: eager adds ``0.0 * upstream`` (-0.0 for a negative
    upstream, so a held -0.0 stays -0.0) where the upstream is finite, and exactly 0.0 where
    it is inf or nan."""
    inf, nan = float("inf"), float("nan")
    xs = [[1.0, 2.0], [-1.0, -2.0], [inf, 1.0], [1.0, -inf], [nan, 1.0], [-3.0, 0.5]]
    for start in range(len(HELD)):
        for target in (-1.0, 0.0, 1.0):
            for x in xs:  # each sample onto the held grads: the first contribution is the test
                model, oracle = Kinks(), Kinks()
                hold(model, start)
                hold(oracle, start)
                expected = eager(oracle, half_squared, [x], [target])
                compiled = nn.compile_loss(model, half_squared, backend=backend)
                got = compiled(x, target) if way == "call" else compiled.batch([x], [target])
                assert got.hex() == expected.hex()
                assert bits(model) == bits(oracle), (start, target, x)
