"""Losses: values against their formulas, gradients against finite differences, stability."""

from __future__ import annotations

import math

import pytest

from autograd import Value, gradcheck
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    hinge_loss,
    mse_loss,
)


def test_half_squared_error_and_its_gradient() -> None:
    prediction = Value(0.8)
    loss = half_squared_error(prediction, 0.5)
    loss.backward()
    assert loss.data == 0.5 * (0.8 - 0.5) ** 2
    assert prediction.grad == 0.8 - 0.5  # dE/dp = p - target, exactly
    assert half_squared_error(0.75, 0.5).data == 0.03125


def test_mse_loss() -> None:
    loss = mse_loss([Value(1.0), Value(2.0), 4.0], [0.0, 2.5, 1.0])
    assert loss.data == pytest.approx((1.0 + 0.25 + 9.0) / 3, rel=1e-15)
    assert gradcheck(lambda a, b: mse_loss([a, b], [0.3, -0.7]), [0.1, 0.9])


def test_hinge_loss() -> None:
    # margins: 1 - 1*2 = -1 -> 0; 1 - (-1)*0.5 = 1.5; 1 - 1*(-0.25) = 1.25
    loss = hinge_loss([Value(2.0), Value(0.5), Value(-0.25)], [1, -1, 1])
    assert loss.data == pytest.approx((0.0 + 1.5 + 1.25) / 3, rel=1e-15)
    assert gradcheck(lambda a, b: hinge_loss([a, b], [1, -1]), [0.3, 0.2])
    with pytest.raises(ValueError, match="labels must be -1 or 1, got 0"):
        hinge_loss([Value(1.0)], [0])


def test_binary_cross_entropy() -> None:
    p, t = 0.8, 1.0
    q, u = 0.3, 0.0
    expected = -(t * math.log(p) + u * math.log(1 - q) + (1 - u) * math.log(1 - q)) / 2
    assert binary_cross_entropy([p, q], [t, u]).data == pytest.approx(expected, rel=1e-15)
    assert gradcheck(lambda a, b: binary_cross_entropy([a, b], [0.25, 1.0]), [0.4, 0.6])


def test_binary_cross_entropy_clamps_each_log_at_minus_100() -> None:
    confident_and_wrong = binary_cross_entropy([Value(0.0)], [1.0])
    assert confident_and_wrong.data == 100.0


def test_binary_cross_entropy_with_logits_matches_the_sigmoid_form() -> None:
    for z, t in [(0.3, 1.0), (-2.0, 0.0), (1.5, 0.25)]:
        s = 1 / (1 + math.exp(-z))
        direct = -(t * math.log(s) + (1 - t) * math.log(1 - s))
        assert binary_cross_entropy_with_logits([z], [t]).data == pytest.approx(direct, rel=1e-13)
    assert gradcheck(lambda a, b: binary_cross_entropy_with_logits([a, b], [1.0, 0.0]), [0.7, -0.4])


@pytest.mark.parametrize("z", [1000.0, -1000.0, 0.0, 40.0, -40.0])
def test_binary_cross_entropy_with_logits_is_stable(z: float) -> None:
    """The gradient is sigmoid(z) - t everywhere, including at 0 and far from it."""
    for t in (0.0, 1.0):
        logit = Value(z)
        loss = binary_cross_entropy_with_logits([logit], [t])
        loss.backward()
        assert math.isfinite(loss.data)
        sigmoid = 1 / (1 + math.exp(-z)) if z > -700 else 0.0
        assert logit.grad == pytest.approx(sigmoid - t, abs=1e-15)
        # The loss is log(1 + e^-|z|) + ..., without log1p: where e^-|z| < 1e-16 the log term
        # rounds to 0, an absolute error below 1e-16 (the gradient above is exact).
        expected = max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z)))
        assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-16)


@pytest.mark.parametrize("loss", [mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits])
def test_length_mismatch_and_empty_input(loss: object) -> None:
    with pytest.raises(ValueError, match="2 predictions and 1 targets"):
        loss([Value(0.5), Value(0.5)], [1.0])  # type: ignore[operator]
    with pytest.raises(ValueError, match="at least one prediction"):
        loss([], [])  # type: ignore[operator]


def test_each_loss_is_labelled_by_what_it_is_and_leaves_the_users_labels() -> None:
    p = Value(0.3, label="p")
    losses = {
        "half_squared_error": half_squared_error(p, 0.5),
        "mse_loss": mse_loss([p], [1.0]),
        "hinge_loss": hinge_loss([p], [1]),
        "binary_cross_entropy": binary_cross_entropy([p], [1.0]),
        "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits([p], [1.0]),
    }
    for name, loss in losses.items():
        assert loss.label == name
        assert loss.op  # a Value of its own, not one of the inputs
    assert p.label == "p"
    unlabelled = Value(0.3)
    mse_loss([unlabelled], [1.0])
    assert unlabelled.label == ""  # only the result is labelled, never an input
    assert mse_loss([unlabelled], [1.0]).parents[0].label == ""  # nor a value on the way
