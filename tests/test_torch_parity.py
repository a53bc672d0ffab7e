"""Marked torch: random expression graphs over every op, values and gradients equal to PyTorch
float64 within 1e-12 relative. PyTorch is the reference for semantics and numerics."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from oracles import torch_function
from programs import VALUE_BACKEND, random_program

import autograd
from autograd import RULES, Value

torch = pytest.importorskip("torch", reason="torch is not installed (CI installs torch==2.13.0)")
pytestmark = pytest.mark.torch

SEEDS = range(300)


TORCH_BACKEND: dict[str, Callable[..., Any]] = {
    name: torch_function(rule, torch) for name, rule in RULES.items()
}


def _close(ours: float, theirs: float) -> bool:
    # The absolute floor: a last-bit difference of libm's tanh can grow through cos(175) and
    # cancel in a sum to about 1e-13 (seed 291).
    return ours == theirs or math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)


def test_programs_cover_every_op() -> None:
    used = set().union(*(random_program(random.Random(seed)).ops_used for seed in SEEDS))
    assert used == set(RULES)


@pytest.mark.parametrize("seed", SEEDS)
def test_values_and_gradients_equal_pytorch(seed: int) -> None:
    rng = random.Random(seed)
    program = random_program(rng, n_inputs=3, n_steps=14)
    point = [rng.uniform(-2.0, 2.0) for _ in range(3)]

    leaves = [Value(x) for x in point]
    ours = program.run(leaves, VALUE_BACKEND)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    theirs = program.run(tensors, TORCH_BACKEND)
    if not all(math.isfinite(float(v)) for v in ours):
        pytest.fail(f"seed {seed} left the finite domain; the generator should guard it")

    for slot, (mine, reference) in enumerate(zip(ours, theirs)):
        assert _close(float(mine), reference.item()), f"slot {slot}: {float(mine)!r} vs {reference}"
    assert isinstance(ours[-1], Value)
    ours[-1].backward()
    reference_grads = torch.autograd.grad(theirs[-1], tensors, allow_unused=True)
    for index, (leaf, reference) in enumerate(zip(leaves, reference_grads)):
        expected = 0.0 if reference is None else reference.item()
        assert _close(leaf.grad, expected), f"d/dx{index}: {leaf.grad!r} vs {expected!r}"


def test_edge_values_equal_pytorch() -> None:
    """At the numerics edges (overflow, poles, kinks, outside domains) the rules follow
    PyTorch float64: same values, same gradients, nan where it gives nan."""
    specials = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -2.5,
        3.0,
        1000.0,
        -1000.0,
        1e-300,
        math.inf,
        -math.inf,
        math.nan,
    ]
    for name, rule in RULES.items():
        for point in _points(rule.arity, specials):
            leaves = [Value(x) for x in point]
            out = VALUE_BACKEND[name](*leaves)
            tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
            reference = TORCH_BACKEND[name](*tensors)
            assert _same_float(out.data, reference.item()), (name, point, out.data, reference)
            out.backward()
            expected = torch.autograd.grad(reference, tensors, allow_unused=True)
            for leaf, grad in zip(leaves, expected):
                assert _same_float(leaf.grad, 0.0 if grad is None else grad.item()), (
                    f"d{name}{point}: ours {leaf.grad!r}, torch {grad}"
                )


def _points(arity: int, numbers: list[float]) -> list[tuple[float, ...]]:
    return [(x,) for x in numbers] if arity == 1 else [(x, y) for x in numbers for y in numbers]


def _same_float(ours: float, theirs: float) -> bool:
    return (math.isnan(ours) and math.isnan(theirs)) or _close(ours, theirs)


UPSTREAMS = [math.inf, -math.inf, math.nan]
MASK_POINTS = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 1e-300, math.inf, -math.inf, math.nan]


def _with_upstream(rule_name: str, point: tuple[float, ...], upstream: float) -> list[float]:
    """Our input gradients of op(point) when the op's upstream gradient is ``upstream``, by
    the eager pass, the recorded pass and compiled code, which must agree bit for bit."""
    leaves = [Value(x) for x in point]
    (VALUE_BACKEND[rule_name](*leaves) * upstream).backward()
    eager = [leaf.grad for leaf in leaves]
    recorded = [Value(x) for x in point]
    (VALUE_BACKEND[rule_name](*recorded) * upstream).backward(create_graph=True)
    compiled = autograd.compile(lambda *v: VALUE_BACKEND[rule_name](*v) * upstream)
    _, compiled_grads = compiled(*point)
    for other in ([leaf.grad for leaf in recorded], list(compiled_grads)):
        assert [g.hex() for g in other] == [g.hex() for g in eager], (rule_name, point, upstream)
    return eager


def test_every_op_under_an_infinite_or_nan_upstream_gradient_equals_pytorch() -> None:
    """Where a local derivative is zero by convention (PyTorch's where), the input gradient is
    0 whatever comes from above; elsewhere 0 * inf is nan, in both engines."""
    for name, rule in RULES.items():
        for point in _points(rule.arity, MASK_POINTS):
            for upstream in UPSTREAMS:
                ours = _with_upstream(name, point, upstream)
                tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
                out = TORCH_BACKEND[name](*tensors)
                expected = torch.autograd.grad(out * upstream, tensors, allow_unused=True)
                for got, want in zip(ours, expected):
                    want_float = 0.0 if want is None else want.item()
                    assert _same_float(got, want_float), (name, point, upstream, got, want_float)


SECOND_ORDER_POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 30.0, -30.0, 1000.0, -1000.0, 1e-300]


def _torch_gives_nan_at_second_order(name: str, point: tuple[float, ...]) -> bool:
    """Where a second derivative is 0 here and nan in torch (docs/explanations/pytorch.md): a
    masked zero's derivative is exactly 0 at every order, where torch's double backward
    multiplies the zero of a masked branch by the branch's infinite derivative. These are the
    points where pow has x = 0 or y = 0, where atan2's x^2 + y^2 is 0, and softplus at -1000."""
    if name == "pow":
        return 0.0 in point
    if name == "atan2":
        return point[0] * point[0] + point[1] * point[1] == 0.0
    return name == "softplus" and point == (-1000.0,)


def test_every_op_to_second_order_and_compiled_equals_pytorch_at_ordinary_and_extreme_points() -> (
    None
):
    """Each op of the table, at ordinary points, kinks and extremes (±1000, 1e-300): its
    Hessian by ``autograd.hessian`` and its gradient by compiled code against torch float64
    (nan where torch gives nan)."""
    for name, rule in RULES.items():
        op = VALUE_BACKEND[name]
        compiled = autograd.compile(op)
        for point in _points(rule.arity, SECOND_ORDER_POINTS):
            tensors = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
            t_hessian = torch.autograd.functional.hessian(
                lambda *t: TORCH_BACKEND[name](*t),  # noqa: B023
                tensors,
            )
            hessian = autograd.hessian(op, list(point))
            for i in range(rule.arity):
                for j in range(rule.arity):
                    got, want = hessian[i][j], t_hessian[i][j].item()
                    assert _same_float(got, want) or (
                        _torch_gives_nan_at_second_order(name, point)
                        and math.isnan(want)
                        and got == 0.0
                    ), (name, point, i, j, hessian, want)
            _, grads = compiled(*point)
            leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
            expected = torch.autograd.grad(TORCH_BACKEND[name](*leaves), leaves, allow_unused=True)
            for got, want_tensor in zip(grads, expected):
                want = 0.0 if want_tensor is None else want_tensor.item()
                assert _same_float(got, want), (name, point, "compiled", got, want)


def test_a_function_named_as_an_op_compiles_without_calling_itself() -> None:
    def exp(x: Value) -> Value:
        return x.exp()

    for function in (exp, abs, autograd.exp):
        value, (gradient,) = autograd.compile(function)(-1.5)
        x = Value(-1.5)
        out = function(x)
        out.backward()
        assert (value, gradient) == (out.data, x.grad)
