"""Every loss of ``nn`` compiles to code that is right for every input: each is traced on one
side of each of its branches (a clamp, a sign) and run on the other, and the compiled loss and
gradient equal the eager ones bit for bit; the clamped values are checked by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

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
}
# The model's output is its input (weight 1, bias 0), so each point is the loss's input itself:
# logits far out on either side reach BCE's clamp at log p = -100 and softplus's two regimes,
# and the hinge is on either side of its margin.
POINTS = [-1000.0, -300.0, -2.0, -0.5, 0.0, 0.5, 2.0, 300.0, 1000.0]
TARGETS = {"hinge_loss": [-1.0, 1.0]}


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
