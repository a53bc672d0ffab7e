"""Losses: values against their formulas, gradients against finite differences, stability."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import mpmath
import pytest

import autograd
from autograd import Value, gradcheck
from nn import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    half_squared_error,
    hinge_loss,
    log_softmax,
    mse_loss,
    softmax,
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
    with pytest.raises(ValueError, match="labels must be -1 or 1, got int 0"):
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
        "cross_entropy": cross_entropy([p, 0.5], 0),
    }
    for name, loss in losses.items():
        assert loss.label == name
        assert loss.op  # a Value of its own, not one of the inputs
    assert p.label == "p"
    unlabelled = Value(0.3)
    mse_loss([unlabelled], [1.0])
    assert unlabelled.label == ""  # only the result is labelled, never an input
    assert mse_loss([unlabelled], [1.0]).parents[0].label == ""  # nor a value on the way


# --- multi-class: softmax, log_softmax, cross_entropy, against torch float64 ------------------

LOGITS = [
    [0.3, -1.2, 2.5],  # ordinary
    [0.1, 0.2, 0.3, 0.4, 0.5],
    [1000.0, -1000.0],  # extreme: e^2000 would overflow without the shift
    [1000.0, -1000.0, 0.0],
    [-1000.0, -1000.0],
    [2.0, 2.0, 2.0],  # equal logits: the max is a tie
    [1e300, 0.0, 1.0],  # one huge logit
    [-1e300, 0.0, 1.0],
    [30.0, 0.0],  # softmax_0 - 1 is -9.4e-14: a cancellation
    [5.0],  # one class
]
ULP_OF_ONE = 2.0**-52
"""Each softmax and each gradient entry is at most 1 in size; it agrees with torch's to a few
units in the last place of 1 (the two round differently, and neither is exact)."""


def _torch() -> Any:
    return pytest.importorskip("torch", reason="torch is not installed")


def _close(got: list[float], want: list[float], ulps: float = 4.0) -> bool:
    return all(
        a == b or abs(a - b) <= ulps * ULP_OF_ONE * max(1.0, abs(b)) for a, b in zip(got, want)
    )


@pytest.mark.parametrize("z", LOGITS)
def test_softmax_and_log_softmax_values_and_gradients_match_torch(z: list[float]) -> None:
    torch = _torch()
    weights = [0.7, -1.3, 0.4, 2.0, -0.6][: len(z)]  # a vector-Jacobian product
    for ours, theirs in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        logits = [Value(x) for x in z]
        out = ours(logits)
        total = out[0] * weights[0]
        for w, o in zip(weights[1:], out[1:]):
            total = total + w * o
        total.backward()
        tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        t_out = theirs(tz, dim=0)
        (t_out * torch.tensor(weights, dtype=torch.float64)).sum().backward()
        assert all(math.isfinite(o.data) for o in out)
        assert _close([o.data for o in out], t_out.tolist()), (ours.__name__, z)
        assert _close([v.grad for v in logits], tz.grad.tolist()), (ours.__name__, z)


def test_extreme_logits_give_exact_finite_results() -> None:
    assert [v.data for v in log_softmax([1000.0, -1000.0])] == [0.0, -2000.0]
    assert [v.data for v in softmax([1000.0, -1000.0])] == [1.0, 0.0]
    assert [v.data for v in softmax([-1000.0, -1000.0])] == [0.5, 0.5]
    assert cross_entropy([1000.0, -1000.0], 1).data == 2000.0
    assert cross_entropy([1000.0, -1000.0], 0).data.hex() == "0x0.0p+0"  # +0.0, as torch
    logits = [Value(1000.0), Value(-1000.0)]
    cross_entropy(logits, 1).backward()
    assert [v.grad for v in logits] == [1.0, -1.0]  # softmax - onehot, exactly


@pytest.mark.parametrize("z", LOGITS)
def test_cross_entropy_with_a_class_index_matches_torch_to_second_order(z: list[float]) -> None:
    torch = _torch()
    functional = torch.nn.functional
    for target in range(len(z)):
        logits = [Value(x) for x in z]
        loss = cross_entropy(logits, target)
        gradient = autograd.grad(loss, logits, create_graph=True)
        tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        t_loss = functional.cross_entropy(tz, torch.tensor(target))
        (t_gradient,) = torch.autograd.grad(t_loss, tz, create_graph=True)
        assert loss.data == pytest.approx(t_loss.item(), rel=4 * ULP_OF_ONE, abs=0.0)
        assert math.copysign(1.0, loss.data) == math.copysign(1.0, t_loss.item())  # +0.0
        assert _close([g.data for g in gradient], t_gradient.tolist()), (z, target)
        hessian = autograd.hessian(lambda *xs: cross_entropy(list(xs), target), z)  # noqa: B023
        t_hessian = torch.autograd.functional.hessian(
            lambda x: functional.cross_entropy(x, torch.tensor(target)),  # noqa: B023
            torch.tensor(z, dtype=torch.float64),
        )
        for row, t_row in zip(hessian, t_hessian.tolist()):
            assert _close(row, t_row), (z, target)


def test_the_cancellation_is_exact_against_mpmath() -> None:
    # d/dz_0 of cross_entropy([30, 0], 0) = softmax_0 - 1 = -1 / (1 + e^30), about -9.36e-14.
    logits = [Value(30.0), Value(0.0)]
    cross_entropy(logits, 0).backward()
    with mpmath.workdps(50):
        exact = float(-1 / (1 + mpmath.exp(30)))
    assert logits[0].grad == pytest.approx(exact, rel=1e-15)
    assert logits[1].grad == pytest.approx(-exact, rel=1e-15)


@pytest.mark.parametrize("z", LOGITS)
def test_cross_entropy_with_class_probabilities_matches_torch(z: list[float]) -> None:
    torch = _torch()
    probabilities = [1.0 / len(z)] * len(z) if len(z) != 3 else [0.2, 0.0, 0.8]
    logits = [Value(x) for x in z]
    loss = cross_entropy(logits, probabilities)
    loss.backward()
    tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(tz, torch.tensor(probabilities, dtype=torch.float64))
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=8 * ULP_OF_ONE, abs=0.0)
    assert math.copysign(1.0, loss.data) == math.copysign(1.0, t_loss.item())  # +0.0
    assert _close([v.grad for v in logits], tz.grad.tolist()), z


def test_cross_entropy_against_finite_differences() -> None:
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 2), [0.3, -1.2, 2.5])
    assert gradcheck(lambda a, b: cross_entropy([a, b], [0.25, 0.75]), [0.5, -0.5])


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        (3, IndexError, r"target class 3 is out of range for 3 logits \(classes 0 to 2\)"),
        (-1, IndexError, r"target class -1 is out of range"),
        (-100, IndexError, r"target class -100 is out of range"),
        (True, TypeError, r"class index \(an int\).*got bool True"),
        (1.0, TypeError, r"class index \(an int\).*got float 1.0"),
        (Value(1.0), TypeError, r"class index \(an int\).*got Value"),
        ("1", TypeError, r"class index \(an int\).*got str"),
        (None, TypeError, r"class index \(an int\).*got NoneType"),
        ([0.5, 0.5], ValueError, r"one probability per logit, got 3 logits and 2 probabilities"),
        ([0.5, "a", 0.5], TypeError, r"target probability must be a real number"),
        ([True, False, False], TypeError, r"target probability must be a real number"),
    ],
)
def test_cross_entropy_refuses_bad_targets(target: object, error: type, message: str) -> None:
    logits = [Value(0.1), Value(0.2), Value(0.3)]
    with pytest.raises(error, match=message):
        cross_entropy(logits, target)  # type: ignore[arg-type]
    assert [v.grad for v in logits] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("function", [softmax, log_softmax, cross_entropy])
def test_empty_or_non_list_logits_are_refused(function: Any) -> None:
    arguments = (0,) if function is cross_entropy else ()
    with pytest.raises(ValueError, match="at least one logit, got none"):
        function([], *arguments)
    with pytest.raises(TypeError, match="takes a list of logits, got Value"):
        function(Value(1.0), *arguments)
    with pytest.raises(TypeError, match="takes a list of logits, got str"):
        function("12", *arguments)


def test_a_logit_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(
        TypeError, match="softmax: logit 1 must be a Value or a real number, got str"
    ):
        softmax([Value(1.0), "2"])  # type: ignore[list-item]


def test_the_multi_class_example_of_the_training_how_to_prints_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    how_to = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "train.md"
    text = how_to.read_text(encoding="utf-8")
    section = text[text.index("## Several classes") :]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    exec(compile(block.group(1), str(how_to), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "first loss 0.954, log(3) = 1.099",
        "last loss 0.003",
        "[1.0, 0.0, 0.0]",
    ]
    assert "the first loss is 0.954 and the last 0.003" in section
    for bad in (True, 1.0, 3):
        with pytest.raises((TypeError, IndexError)):
            cross_entropy([0.0, 0.0, 0.0], bad)  # type: ignore[arg-type]


# --- bad input, and one prediction with one target --------------------------------------------

PAIR_LOSSES = [mse_loss, hinge_loss, binary_cross_entropy, binary_cross_entropy_with_logits]


@pytest.mark.parametrize("loss", PAIR_LOSSES)
@pytest.mark.parametrize(("predictions", "targets", "error", "message"), [
    ([Value(0.5)], 1.0, ValueError, r"got a list of 1 predictions and one target \(a float\)"),
    (Value(0.5), (1.0,), ValueError, r"got one prediction \(a Value\) and a tuple of 1 targets"),
    (["a"], [1.0], TypeError, "prediction 0 must be a Value or a real number, got str 'a'"),
    ([True], [1.0], TypeError, "prediction 0 must be a Value or a real number, got bool True"),
    ([[Value(0.5)]], [1.0], TypeError, "prediction 0 must be a Value or a real number, got list"),
    ([Value(0.5)], ["a"], TypeError, "target 0 must be a Value or a real number, got str 'a'"),
    ([Value(0.5)], [None], TypeError, "target 0 must be a Value or a real number, got NoneType"),
    ("ab", "cd", TypeError, r"takes a list of predictions \(Values or real numbers\).*got str"),
    ({1: 2}, {1: 2}, TypeError, "takes a list of predictions .*got dict"),
    ({Value(0.5)}, [1.0], TypeError, "takes a list of predictions .*got set"),
    ((x for x in [0.5]), [1.0], TypeError, "takes a list of predictions .*got generator"),
    ([Value(0.5)], {1.0}, TypeError, "takes a list of targets .*got set"),
    ([Value(0.5)], [10**400], OverflowError, "target 0 .an int of 401 digits. is too large"),
    ([Value(0.5)], [1.0, 1.0], ValueError, "got 1 predictions and 2 targets"),
    ([], [], ValueError, "at least one prediction, got none"),
])  # fmt: skip
def test_bad_input_to_a_loss_says_what_was_expected_and_given(
    loss: Any, predictions: object, targets: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        loss(predictions, targets)


@pytest.mark.parametrize("given", [[Value(0.5)], ["a"], None, [0.5, 0.5], "a"])
def test_half_squared_error_takes_one_prediction_and_one_target(given: object) -> None:
    with pytest.raises(TypeError, match=r"one prediction and one target.*for lists, use mse_loss"):
        half_squared_error(given, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"one prediction and one target.*for lists, use mse_loss"):
        half_squared_error(Value(0.5), given)  # type: ignore[arg-type]


@pytest.mark.parametrize(("label", "shown"), [
    (0, "int 0"), (2.0, "float 2.0"), (math.nan, "float nan"),
    (10**40, "int (an int of 41 digits)"), (Value(1.0), "Value"),
])  # fmt: skip
def test_hinge_labels_other_than_plus_or_minus_one_are_named_briefly(
    label: object, shown: str
) -> None:
    with pytest.raises(ValueError, match=f"labels must be -1 or 1, got {re.escape(shown)}") as e:
        hinge_loss([Value(0.5)], [label])  # type: ignore[list-item]
    assert len(str(e.value)) < 120


@pytest.mark.parametrize(("probability", "target", "what"), [
    (1.5, 1.0, "probability 0 is 1.5"), (-0.1, 1.0, "probability 0 is -0.1"),
    (math.nan, 1.0, "probability 0 is nan"), (0.5, 2.0, "target 0 is 2.0"),
    (0.5, -1.0, "target 0 is -1.0"), (0.5, math.nan, "target 0 is nan"),
])  # fmt: skip
def test_binary_cross_entropy_refuses_numbers_outside_zero_and_one_as_torch(
    probability: float, target: float, what: str
) -> None:
    torch = _torch()
    p = Value(probability)
    with pytest.raises(ValueError, match=f"must be between 0 and 1, {what}"):
        binary_cross_entropy([Value(0.5), p][1:], [target])
    with pytest.raises(RuntimeError, match="should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(
            torch.tensor(probability, dtype=torch.float64),
            torch.tensor(target, dtype=torch.float64),
        )
    assert p.grad == 0.0


SINGLE_PAIRS = [
    ("mse_loss", mse_loss, 0.3, 1.0),
    ("mse_loss", mse_loss, -2.0, True),  # a bool target is 1.0, as torch promotes a bool tensor
    ("binary_cross_entropy", binary_cross_entropy, 0.3, 1.0),
    ("binary_cross_entropy", binary_cross_entropy, 1e-3, 1.0),
    ("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, 0.3, 0.25),
    ("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, -40.0, 2.0),
    ("mse_loss", mse_loss, 0.3, math.nan),  # nan targets give nan, as in torch
    ("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, 0.3, math.nan),
]


@pytest.mark.parametrize(("name", "ours", "prediction", "target"), SINGLE_PAIRS)
def test_one_prediction_and_one_target_match_torchs_zero_dim_tensors(
    name: str, ours: Any, prediction: float, target: float
) -> None:
    torch = _torch()
    theirs = getattr(torch.nn.functional, name)
    leaf = Value(prediction)
    loss = ours(leaf, target)
    loss.backward()
    tensor = torch.tensor(prediction, dtype=torch.float64, requires_grad=True)
    their_loss = theirs(tensor, torch.tensor(float(target), dtype=torch.float64))
    their_loss.backward()
    for got, want in ((loss.data, their_loss.item()), (leaf.grad, tensor.grad.item())):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-14)
    assert loss.label == name
    assert ours([leaf], [target]).data.hex() == loss.data.hex()  # the same as a list of one


@pytest.mark.parametrize("function", [softmax, log_softmax, cross_entropy])
@pytest.mark.parametrize(("logits", "error", "message"), [
    ([1.0, True], TypeError, "logit 1 must be a Value or a real number, got bool True"),
    ([1.0, None], TypeError, "logit 1 must be a Value or a real number, got NoneType None"),
    ([[1.0], 2.0], TypeError, r"logit 0 must be a Value or a real number, got list \[1.0\]"),
    ([1.0, 10**400], OverflowError, r"logit 1 \(an int of 401 digits\) is too large"),
    ({1.0: 2.0}, TypeError, "NAME takes a list of logits, got dict"),
    ((z for z in [1.0]), TypeError, "NAME takes a list of logits, got generator"),
])  # fmt: skip
def test_bad_logits_name_the_function_the_logit_and_what_it_is(
    function: Any, logits: object, error: type, message: str
) -> None:
    arguments = (0,) if function is cross_entropy else ()
    name = function.__name__
    expected = message.replace("NAME", name) if "NAME" in message else f"{name}: {message}"
    with pytest.raises(error, match=expected):
        function(logits, *arguments)


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_a_nan_logit_gives_nan_as_torch(function: str) -> None:
    torch = _torch()
    ours = [
        v.data for v in {"softmax": softmax, "log_softmax": log_softmax}[function]([1.0, math.nan])
    ]
    theirs = getattr(torch, function)(torch.tensor([1.0, math.nan], dtype=torch.float64), dim=0)
    assert all(math.isnan(a) for a in ours)
    assert all(math.isnan(b) for b in theirs.tolist())
