"""gradcheck: passes correct rules, catches a wrong one, reports clearly, changes nothing."""

from __future__ import annotations

import math

import pytest

from autograd import GradcheckError, Rule, Value, apply, gradcheck


def test_passes_for_correct_rules() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y - (y**2).log(), [0.3, -1.7])
    assert gradcheck(lambda x: x.sigmoid() * x.relu() + abs(x).sqrt(), [0.8])


def test_catches_a_deliberately_wrong_rule() -> None:
    wrong_sin = Rule("wrong_sin", "sin(x)", grads=("sin(x)",))  # sin' is cos, not sin
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: apply(wrong_sin, x) * y, [0.5, 2.0])
    message = str(info.value)
    assert "1 of 2 derivatives" in message
    assert "MISMATCH d/d[input 0 = 0.5]" in message
    assert "ok       d/d[input 1 = 2.0]" in message
    assert f"analytic {2 * math.sin(0.5)!r}" in message  # what the wrong rule gives
    assert "numeric 1.75516" in message  # 2 cos(0.5) = 1.7551651...
    right_sin = Rule("right_sin", "sin(x)", grads=("cos(x)",))
    assert gradcheck(lambda x, y: apply(right_sin, x) * y, [0.5, 2.0])


def test_catches_a_wrong_rule_of_two_inputs() -> None:
    wrong_div = Rule("wrong_div", "x / y", grads=("1.0 / y", "out / y"))  # sign error
    with pytest.raises(GradcheckError, match=r"MISMATCH d/d\[input 1 = 3\.0\]"):
        gradcheck(lambda x, y: apply(wrong_div, x, y), [1.0, 3.0])


def test_uses_labels_and_leaves_inputs_unchanged() -> None:
    w = Value(0.5, label="w")
    w.grad = 9.0
    wrong = Rule("wrong_exp", "exp(x)", grads=("2.0 * out",))
    with pytest.raises(GradcheckError, match=r"MISMATCH d/d\[w = 0\.5\]"):
        gradcheck(lambda x: apply(wrong, x), [w])
    assert (w.data, w.grad) == (0.5, 9.0)


def test_tolerances_and_bad_arguments() -> None:
    f = lambda x: x * x * x  # noqa: E731
    assert gradcheck(f, [1e3], rtol=1e-3)
    with pytest.raises(ValueError, match="eps > 0"):
        gradcheck(f, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="input 0 is str"):
        gradcheck(f, ["1"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must return a Value or a number, got str"):
        gradcheck(lambda x: "no", [1.0])  # type: ignore[arg-type, return-value]


def test_function_that_ignores_an_input() -> None:
    assert gradcheck(lambda x, y: x * 2.0, [1.0, 5.0])
    assert gradcheck(lambda x: 3.0, [1.0])


def test_order_2_checks_second_derivatives() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -1.7], order=2)
    # The first derivative is right, but float() hides that it depends on x: a backward pass
    # recorded through this rule sees cos(x) as a constant, so d2/dx2 comes out 0, not -sin(x).
    flat = Rule("flat_sin", "sin(x)", grads=("float(cos(x))",))
    assert gradcheck(lambda x: apply(flat, x), [0.5])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: apply(flat, x), [0.5], order=2)
    message = str(info.value)
    assert "MISMATCH d2/d[input 0]d[input 0]: analytic 0.0" in message
    assert f"numeric {-math.sin(0.5):.7f}" in message  # -0.4794255...
    with pytest.raises(ValueError, match="order 1 or 2, got 3"):
        gradcheck(lambda x: x, [1.0], order=3)
