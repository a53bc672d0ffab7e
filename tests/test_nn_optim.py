"""Optimizers: updates derived by hand, and PyTorch's checks of hyper-parameters."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn import SGD, Adam, RMSprop


def _param(data: float, grad: float) -> Value:
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_plain() -> None:
    p = _param(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_buffer_starts_as_the_first_gradient() -> None:
    p = _param(1.0, 2.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    optimizer.step()  # b = g = 2 (no dampening on the first step)
    assert p.data == 1.0 - 0.1 * 2.0
    p.grad = 1.0
    optimizer.step()  # b = 0.9 * 2 + (1 - 0.5) * 1 = 2.3
    assert p.data == pytest.approx(0.8 - 0.1 * 2.3, rel=1e-15)


def test_sgd_nesterov_weight_decay_and_maximize() -> None:
    p = _param(2.0, 1.0)
    SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.25).step()
    g = 1.0 + 0.25 * 2.0  # 1.5; b = 1.5; nesterov: g + 0.5 b = 2.25
    assert p.data == pytest.approx(2.0 - 0.1 * (g + 0.5 * g), rel=1e-15)
    q = _param(2.0, 1.0)
    SGD([q], lr=0.1, maximize=True).step()
    assert q.data == 2.0 + 0.1


def test_rmsprop_first_step() -> None:
    p = _param(1.0, 0.5)
    RMSprop([p], lr=0.1, alpha=0.9, eps=1e-3).step()
    v = 0.1 * 0.25  # (1 - alpha) g^2, starting from v = 0
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5 / (math.sqrt(v) + 1e-3), rel=1e-15)


def test_rmsprop_centered_with_momentum() -> None:
    p = _param(1.0, 0.5)
    RMSprop([p], lr=0.1, alpha=0.9, eps=1e-3, momentum=0.5, centered=True).step()
    v, m = 0.1 * 0.25, 0.1 * 0.5
    b = 0.5 / (math.sqrt(v - m * m) + 1e-3)  # momentum buffer from 0
    assert p.data == pytest.approx(1.0 - 0.1 * b, rel=1e-15)


def test_adam_first_steps_have_bias_correction() -> None:
    p = _param(1.0, 0.5)
    optimizer = Adam([p], lr=0.01)
    optimizer.step()
    # m = 0.05, v = 0.00025; m / (1 - 0.9) = 0.5 and sqrt(v / (1 - 0.999)) = 0.5: a step of lr
    assert p.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), rel=1e-12)
    p.grad = 0.5
    optimizer.step()  # the same gradient again: still a step of about lr
    assert p.data == pytest.approx(1.0 - 0.02 * 0.5 / (0.5 + 1e-8), rel=1e-12)


def test_zero_grad() -> None:
    p, q = _param(1.0, 3.0), _param(2.0, -1.0)
    SGD([p, q], lr=0.1).zero_grad()
    assert (p.grad, q.grad) == (0.0, 0.0)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda p: RMSprop(p, lr=-1), "Invalid learning rate"),
    (lambda p: RMSprop(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: RMSprop(p, momentum=-1), "Invalid momentum value"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: Adam(p, eps=-1), "Invalid epsilon value"),
    (lambda p: Adam(p, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: SGD([], lr=0.1), "empty parameter list"),
])  # fmt: skip
def test_bad_hyper_parameters_raise_value_error(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])  # type: ignore[operator]


def test_parameters_must_be_values() -> None:
    with pytest.raises(TypeError, match="item 1 is float"):
        SGD([Value(1.0), 2.0], lr=0.1)  # type: ignore[list-item]
