"""Higher-order gradients: closed forms to third order for every op, mixed partials, the
functional API, and worked examples (Newton's method; the seed network's Hessian)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autograd
from autograd import (
    RULES,
    Value,
    apply,
    derivative,
    grad,
    hessian,
    no_grad,
)
from nn import seed

Derivatives = list[float]


def _nth(f: Callable[[Value], Value], n: int) -> Callable[[Value | float], Value]:
    for _ in range(n):
        f = derivative(f)  # type: ignore[assignment]
    return f  # type: ignore[return-value]


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# f', f'', f''' by hand, for each one-input op at a point away from any kink.
def _unary_closed_forms() -> dict[str, tuple[float, Derivatives]]:
    t, s = math.tanh(0.6), _sigmoid(0.4)
    g = 2 / math.sqrt(math.pi) * math.exp(-(0.6**2))  # erf'(0.6)
    u, q = math.tan(0.5), 1 + 0.7**2
    return {
        "neg": (0.8, [-1.0, 0.0, 0.0]),
        "abs": (-1.3, [-1.0, 0.0, 0.0]),
        "exp": (0.7, [math.exp(0.7)] * 3),
        "log": (1.7, [1 / 1.7, -1 / 1.7**2, 2 / 1.7**3]),
        "sqrt": (2.5, [0.5 * 2.5**-0.5, -0.25 * 2.5**-1.5, 0.375 * 2.5**-2.5]),
        "tanh": (0.6, [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)]),
        "sigmoid": (
            0.4,
            [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)],
        ),
        "relu": (1.2, [1.0, 0.0, 0.0]),
        "softplus": (
            0.4,
            [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)],
        ),
        "sin": (0.9, [math.cos(0.9), -math.sin(0.9), -math.cos(0.9)]),
        "cos": (0.9, [-math.sin(0.9), -math.cos(0.9), math.sin(0.9)]),
        "log1p": (0.5, [1 / 1.5, -1 / 1.5**2, 2 / 1.5**3]),
        "expm1": (0.7, [math.exp(0.7)] * 3),
        "erf": (0.6, [g, -2 * 0.6 * g, (4 * 0.6**2 - 2) * g]),
        "tan": (0.5, [1 + u * u, 2 * u * (1 + u * u), 2 * (1 + u * u) * (1 + 3 * u * u)]),
        "atan": (0.7, [1 / q, -2 * 0.7 / q**2, (6 * 0.7**2 - 2) / q**3]),
        "sinh": (0.8, [math.cosh(0.8), math.sinh(0.8), math.cosh(0.8)]),
        "cosh": (0.8, [math.sinh(0.8), math.cosh(0.8), math.sinh(0.8)]),
    }


# d/dx to third order, d/dy to third order, and d2/dxdy, by hand, for each two-input op.
def _binary_closed_forms() -> dict[str, tuple[float, float, Derivatives, Derivatives, float]]:
    x, y = 1.7, 2.3
    p, ln = x**y, math.log(x)
    a, b = 1.5, -2.5
    r = 1 / (a * a + b * b)
    return {
        "add": (a, b, [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], 0.0),
        "sub": (a, b, [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], 0.0),
        "mul": (a, b, [b, 0.0, 0.0], [a, 0.0, 0.0], 1.0),
        "maximum": (a, b, [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], 0.0),
        "minimum": (a, b, [0.0, 0.0, 0.0], [1.0, 0.0, 0.0], 0.0),
        "div": (a, b, [1 / b, 0.0, 0.0], [-a / b**2, 2 * a / b**3, -6 * a / b**4], -1 / b**2),
        "pow": (
            x,
            y,
            [y * x ** (y - 1), y * (y - 1) * x ** (y - 2), y * (y - 1) * (y - 2) * x ** (y - 3)],
            [p * ln, p * ln**2, p * ln**3],
            x ** (y - 1) * (1 + y * ln),
        ),
        # atan2(x, y) with r = 1 / (x^2 + y^2): d/dx = y r, d/dy = -x r
        "atan2": (
            a,
            b,
            [b * r, -2 * a * b * r**2, 2 * b * r**3 * (3 * a * a - b * b)],
            [-a * r, 2 * a * b * r**2, 2 * a * r**3 * (a * a - 3 * b * b)],
            r**2 * (a * a - b * b),
        ),
    }


def test_every_op_has_closed_forms() -> None:
    assert set(_unary_closed_forms()) | set(_binary_closed_forms()) == set(RULES)


@pytest.mark.parametrize("name", sorted(_unary_closed_forms()))
def test_unary_op_to_third_order(name: str) -> None:
    point, expected = _unary_closed_forms()[name]
    rule = RULES[name]
    for order, want in enumerate(expected, start=1):
        got = _nth(lambda v: apply(rule, v), order)(point).data
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), f"{name}^({order})({point})"


@pytest.mark.parametrize("name", sorted(_binary_closed_forms()))
def test_binary_op_to_third_order_and_mixed(name: str) -> None:
    x, y, in_x, in_y, mixed = _binary_closed_forms()[name]
    rule = RULES[name]
    for order in (1, 2, 3):
        along_x = _nth(lambda v: apply(rule, v, Value(y)), order)(x).data
        along_y = _nth(lambda v: apply(rule, Value(x), v), order)(y).data
        assert along_x == pytest.approx(in_x[order - 1], rel=1e-12, abs=1e-15), f"d^{order}/dx"
        assert along_y == pytest.approx(in_y[order - 1], rel=1e-12, abs=1e-15), f"d^{order}/dy"
    x_value, y_value = Value(x), Value(y)
    (dx,) = grad(apply(rule, x_value, y_value), [x_value], create_graph=True)
    (dxy,) = grad(dx, [y_value])
    assert dxy.data == pytest.approx(mixed, rel=1e-12, abs=1e-15)


def test_mixed_partials_with_fan_out_and_reused_nodes() -> None:
    """f = (xy)(xy) + x^3, the product xy built once and used twice."""
    x, y = Value(1.3), Value(-0.7)
    xy = x * y
    f = xy * xy + x * x * x
    fx, fy = grad(f, [x, y], create_graph=True)
    assert fx.data == pytest.approx(2 * 1.3 * 0.49 + 3 * 1.69, rel=1e-15)  # 2xy^2 + 3x^2
    fxx, fxy = grad(fx, [x, y], create_graph=True)
    fyx, fyy = grad(fy, [x, y], create_graph=True)
    assert fxy.data == pytest.approx(4 * 1.3 * -0.7, rel=1e-15)  # 4xy
    assert fyx.data == fxy.data
    assert fxx.data == pytest.approx(2 * 0.49 + 6 * 1.3, rel=1e-15)  # 2y^2 + 6x
    assert fyy.data == pytest.approx(2 * 1.69, rel=1e-15)  # 2x^2
    fxxx, fxxy = grad(fxx, [x, y])
    (fyyy,) = grad(fyy, [y])
    assert (fxxx.data, fxxy.data, fyyy.data) == (6.0, pytest.approx(4 * -0.7), 0.0)


def test_grad_touches_no_grad_and_matches_backward() -> None:
    a, b = Value(0.3), Value(-1.2)
    out = (a * b).tanh() + a.exp() / b
    first = grad(out, [a, b])
    assert (a.grad, b.grad) == (0.0, 0.0)
    assert all(isinstance(g, Value) and not g.parents for g in first)
    out.backward()
    assert [g.data for g in first] == [a.grad, b.grad]  # the same arithmetic, bit for bit


def test_grad_of_an_unused_input_is_zero_and_bad_arguments_are_clear() -> None:
    x, unused = Value(2.0), Value(5.0)
    gx, gu = grad(x * x, [x, unused])
    assert (gx.data, gu.data) == (4.0, 0.0)
    with pytest.raises(TypeError, match="input 1 is float"):
        grad(x * x, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="output must be a Value, got float"):
        grad(4.0, [x])  # type: ignore[arg-type]


def test_backward_create_graph_keeps_differentiable_grads_and_accumulates() -> None:
    a = Value(3.0)
    b = 2 * a
    c = b**2
    c.backward(create_graph=True)
    assert (a.grad, b.grad, c.grad) == (24.0, 12.0, 1.0)
    assert a.grad_value.data == 24.0
    (second,) = grad(a.grad_value, [a])  # d/da of dc/da = 8a is 8
    assert second.data == 8.0
    c.backward(create_graph=True)  # leaves accumulate, as in PyTorch
    assert (a.grad, b.grad) == (48.0, 12.0)
    (second,) = grad(a.grad_value, [a])
    assert second.data == 16.0


def test_grad_value_follows_grad() -> None:
    a = Value(3.0)
    (a * a).backward()  # first order: no recorded gradient
    assert a.grad_value.data == 6.0
    assert not a.grad_value.parents
    (a * a * a).backward(create_graph=True)  # accumulates 27 on top of 6
    assert a.grad == 33.0
    assert a.grad_value.parents
    a.grad = 0.0  # a reset makes the recorded gradient stale: it is not returned
    assert a.grad_value.data == 0.0
    a.grad_value = None
    with pytest.raises(TypeError, match="a Value or None, got float"):
        a.grad_value = 1.0  # type: ignore[assignment]


def test_no_grad_and_detach_inside_a_differentiated_function() -> None:
    """As PyTorch: what no_grad computes, and what detach returns, are constants."""
    assert derivative(lambda x: x * x.detach())(3.0).data == 3.0  # d/dx (x * 3)

    def hidden_square(x: Value) -> Value:
        with no_grad():
            square = x * x
        return x * square

    assert derivative(hidden_square)(3.0).data == 9.0  # d/dx (x * 9)
    assert derivative(derivative(hidden_square))(3.0).data == 0.0


def test_derivative_nests_to_third_order_on_a_composition() -> None:
    f = lambda x: (x * x).sin()  # noqa: E731
    # f' = 2x cos x^2, f'' = 2 cos x^2 - 4x^2 sin x^2, f''' = -12x sin x^2 - 8x^3 cos x^2
    x = 0.8
    s, c = math.sin(x * x), math.cos(x * x)
    assert derivative(f)(x).data == pytest.approx(2 * x * c, rel=1e-14)
    assert _nth(f, 2)(x).data == pytest.approx(2 * c - 4 * x * x * s, rel=1e-14)
    assert _nth(f, 3)(x).data == pytest.approx(-12 * x * s - 8 * x**3 * c, rel=1e-13)
    assert derivative(lambda x: 5.0)(1.0).data == 0.0  # type: ignore[arg-type, return-value]


def newton_minimize(
    first: Callable[[float], float], second: Callable[[float], float], x: float
) -> tuple[float, int]:
    """x <- x - f'(x) / f''(x) until the step is below 1e-12; (x, number of steps)."""
    for steps in range(1, 100):
        step = first(x) / second(x)
        x -= step
        if abs(step) < 1e-12:
            return x, steps
    raise AssertionError("Newton's method did not converge")


def test_newtons_method_converges_as_by_hand() -> None:
    """Minimise g(x) = x^4 - 3x^3 + 2 from x = 3: the minimum is at x = 9/4, where
    g'(x) = 4x^3 - 9x^2 = x^2 (4x - 9) vanishes and g''(9/4) = 81/4 > 0."""
    g = lambda x: x**4 - 3 * x**3 + 2  # noqa: E731
    by_hand = newton_minimize(lambda x: 4 * x**3 - 9 * x**2, lambda x: 12 * x**2 - 18 * x, 3.0)
    first, second = derivative(g), derivative(derivative(g))
    engine = newton_minimize(lambda x: first(x).data, lambda x: second(x).data, 3.0)
    # By hand: x = 3, 2.5, 2.2917, 2.2514, then the error shrinks as e -> e^2 g3 / (2 g2) =
    # 0.89 e^2 (g2, g3: the 2nd and 3rd derivatives at 9/4): 1.4e-3, 1.7e-6, 2.6e-12; the 7th
    # step, about 6e-24, is the first below 1e-12.
    assert engine[1] == by_hand[1] == 7
    assert engine[0] == pytest.approx(2.25, abs=1e-15)


def _seed_loss(*weights: Value) -> Value:
    """The document's E, with the six weights (w13 w23 w14 w24 w35 w45) given as Values."""
    model = seed.network()
    places = [(n.w, i) for layer in model.layers for n in layer.neurons for i in range(2)]
    for (weights_list, index), weight in zip(places, weights):
        weights_list[index] = weight
    return seed.half_squared_error(seed.output(model), seed.TARGET)


def test_hessian_of_the_seed_network_equals_differences_of_gradients() -> None:
    point = list(seed.WEIGHTS.values())
    analytic = hessian(_seed_loss, point)
    eps = 1e-5

    def gradient(at: list[float]) -> list[float]:
        leaves = [Value(w) for w in at]
        _seed_loss(*leaves).backward()
        return [leaf.grad for leaf in leaves]

    for j in range(6):
        plus, minus = list(point), list(point)
        plus[j] += eps
        minus[j] -= eps
        column = [(p - m) / (2 * eps) for p, m in zip(gradient(plus), gradient(minus))]
        for i in range(6):
            assert analytic[i][j] == pytest.approx(column[i], rel=1e-6, abs=1e-10), (i, j)
            assert analytic[i][j] == pytest.approx(analytic[j][i], rel=1e-14)  # symmetric
    assert analytic[4][4] > 0  # d2E/dw35^2 = (f'(z5) y3)^2 + (y5 - ya) f''(z5) y3^2, positive here


def test_grad_outputs_scales_the_gradient_as_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ts = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
    (tdx,) = torch.autograd.grad(tx.sin() * tx, [tx], grad_outputs=ts, create_graph=True)
    tdxx, tdxs = torch.autograd.grad(tdx, [tx, ts])
    x, s = Value(0.7), Value(-1.5)
    (dx,) = autograd.grad(x.sin() * x, [x], grad_outputs=s, create_graph=True)
    dxx, dxs = autograd.grad(dx, [x, s])
    assert dx.data == pytest.approx(float(tdx.detach()), rel=1e-15)
    assert (dxx.data, dxs.data) == pytest.approx((float(tdxx), float(tdxs)), rel=1e-15)
    (number,) = autograd.grad(x.sin() * x, [x], grad_outputs=-1.5)
    assert number.data == dx.data


def test_a_value_seed_of_backward_is_part_of_the_recorded_pass() -> None:
    x, s = Value(2.0), Value(0.25)
    (x**3).backward(s, create_graph=True)  # x.grad_value = s * 3 x^2
    assert x.grad == 3.0
    d_ds, d_dx = autograd.grad(x.grad_value, [s, x])
    assert (d_ds.data, d_dx.data) == (12.0, 3.0)  # 3 x^2 and 6 x s
    y = Value(2.0)
    (y**3).backward(s)  # without create_graph the seed's number is used
    assert y.grad == 3.0


def test_grad_outputs_must_be_a_number_or_a_value() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="grad_outputs must be a real number"):
        autograd.grad(x * x, [x], grad_outputs="1")  # type: ignore[arg-type]
