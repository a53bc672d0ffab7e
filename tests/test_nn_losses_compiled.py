"""Every loss of ``nn`` compiles to code that is right for every input: each is traced on one
side of each of its branches (a clamp, a sign) and run on the other, and the compiled loss and
gradient equal the eager ones bit for bit; the clamped values are checked by hand."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

import autograd
import nn
from autograd import Value

LossFunction = Callable[[Value, float], Value]

LOSSES: dict[str, LossFunction] = {
    "half_squared_error": lambda out, t: nn.half_squared_error(out, t),
    "mse_loss": lambda out, t: nn.mse_loss([out], [t]),
    "hinge_loss": lambda out, t: nn.hinge_loss([out], [int(t)]),
    "binary_cross_entropy": lambda out, t: nn.binary_cross_entropy([out.sigmoid()], [t]),
    "binary_cross_entropy_with_logits": lambda out, t: nn.binary_cross_entropy_with_logits(
        [out], [t]
    ),
    "cross_entropy": lambda out, t: nn.cross_entropy([out, -out, 1.0], int(t)),
}
# The model's output is its input (weight 1, bias 0), so each point is the loss's input itself:
# logits far out on either side reach BCE's clamp at log p = -100 and softplus's two regimes,
# and the hinge is on either side of its margin.
POINTS = [-1000.0, -300.0, -2.0, -0.5, 0.0, 0.5, 2.0, 300.0, 1000.0]
TARGETS = {"hinge_loss": [-1.0, 1.0], "cross_entropy": [0.0, 1.0, 2.0]}


def _identity_model() -> nn.MLP:
    return nn.MLP(1, [1], weights=[[[1.0]]], biases=[[0.0]])


def _eager(loss_fn: LossFunction, x: float, target: float) -> tuple[float, list[float]]:
    model = _identity_model()
    loss = loss_fn(model([Value(x)]), target)  # type: ignore[arg-type]
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def _bits(numbers: list[float]) -> list[str]:
    return [n.hex() for n in numbers]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_loss_traced_on_one_side_is_right_on_the_other(name: str) -> None:
    loss_fn = LOSSES[name]
    for target in TARGETS.get(name, [0.0, 1.0]):
        for traced_at in POINTS:
            model = _identity_model()
            compiled = nn.compile_loss(model, loss_fn)  # type: ignore[arg-type]
            compiled([traced_at], target)  # traced here
            for x in POINTS:
                for p in model.parameters():
                    p.grad = 0.0
                loss = compiled([x], target)
                want_loss, want_grads = _eager(loss_fn, x, target)
                got = [loss, *(p.grad for p in model.parameters())]
                assert _bits(got) == _bits([want_loss, *want_grads]), (name, traced_at, x, target)


def test_every_loss_of_nn_is_here() -> None:
    public = {
        name
        for name, function in vars(nn.losses).items()
        if callable(function) and not name.startswith("_") and function.__module__ == "nn.losses"
    }
    assert public == set(LOSSES)


def test_the_clamps_by_hand() -> None:
    # BCE of p = sigmoid(-1000) = 0 with target 1: -log(0) clamped to 100, gradient 0 there.
    loss, grads = _eager(LOSSES["binary_cross_entropy"], -1000.0, 1.0)
    assert (loss, grads) == (100.0, [0.0, 0.0])
    # with logits: softplus(-1000) - 1 * (-1000) = 0 + 1000; d/dz = sigmoid(z) - t = -1.
    loss, grads = _eager(LOSSES["binary_cross_entropy_with_logits"], -1000.0, 1.0)
    assert loss == 1000.0
    assert grads == [1000.0, -1.0]  # d/dw = x (sigmoid(z) - t) = (-1000)(0 - 1), d/db = -1
    loss, grads = _eager(LOSSES["binary_cross_entropy_with_logits"], 0.5, 0.0)
    assert loss == pytest.approx(math.log1p(math.exp(0.5)), rel=1e-15)


MULTI_CLASS_POINTS = [
    [0.0, 0.0, 0.0],
    [0.3, -1.2, 2.5],
    [1000.0, -1000.0, 0.0],
    [-1000.0, 1000.0, 1000.0],
    [1e300, 0.0, 1.0],
    [2.0, 2.0, 2.0],
    [-5.0, 30.0, -1e-300],
]


def _multi_class(
    compiled: autograd.CompiledFunction, eager: Callable[..., Value], point: list[float]
) -> None:
    value, grads = compiled(*point)
    inputs = [Value(x) for x in point]
    out = eager(*inputs)
    out.backward()
    assert _bits([value, *grads]) == _bits([out.data, *(v.grad for v in inputs)]), point


@pytest.mark.parametrize("traced_at", MULTI_CLASS_POINTS)
def test_multi_class_functions_compile_bit_for_bit_at_every_point(traced_at: list[float]) -> None:
    functions: list[Callable[..., Value]] = [
        *(lambda a, b, c, t=t: nn.cross_entropy([a, b, c], t) for t in range(3)),
        lambda a, b, c: nn.cross_entropy([a, b, c], [0.25, 0.0, 0.75]),
        lambda a, b, c: sum(w * s for w, s in zip([0.5, -1.0, 2.0], nn.softmax([a, b, c]))),
        lambda a, b, c: sum(w * s for w, s in zip([0.5, -1.0, 2.0], nn.log_softmax([a, b, c]))),
    ]
    for function in functions:
        compiled = autograd.compile(function)
        compiled(*traced_at)  # traced here: the largest logit is one input, or a tie
        for point in MULTI_CLASS_POINTS:
            _multi_class(compiled, function, point)


def test_a_classifier_trains_through_compile_loss_as_eagerly() -> None:
    def loss_fn(out: Value | list[Value], target: float) -> Value:
        return nn.cross_entropy(out, int(target))  # type: ignore[arg-type]

    samples = [([0.5, -1.0], 0), ([3.0, 2.0], 2), ([-400.0, 90.0], 1), ([1e3, -1e3], 2)]
    eager_model = nn.MLP(2, [3, 3], rng=random.Random(1), activation="tanh")
    compiled_model = nn.MLP(2, [3, 3], rng=random.Random(1), activation="tanh")
    sample_loss = nn.compile_loss(compiled_model, loss_fn)
    for x, target in samples:
        for p in [*eager_model.parameters(), *compiled_model.parameters()]:
            p.grad = 0.0
        eager_loss = loss_fn(eager_model(x), target)  # type: ignore[arg-type]
        eager_loss.backward()
        loss = sample_loss(x, target)
        assert loss.hex() == eager_loss.data.hex()
        assert _bits([p.grad for p in compiled_model.parameters()]) == _bits(
            [p.grad for p in eager_model.parameters()]
        )
        assert math.isfinite(loss)
