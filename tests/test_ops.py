"""Every op of the table: value and local derivatives at ordinary points and at the edges.

The oracle is independent of the engine: mpmath at 80 digits gives each op's exact value and its
partial derivatives by central differences (with a step far below float resolution), rounded to
float64 at the end. Where an op has no derivative (a kink, a pole, outside its domain), the
expected numbers are written out with their source: a hand derivation, IEEE arithmetic, or
PyTorch's convention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import MPMATH

from autograd import RULES, Value, apply, no_grad
from autograd.higher import local_grads_on_values

mpmath.mp.dps = 80
inf, nan = math.inf, math.nan


ORACLE: dict[str, Any] = MPMATH
"""An oracle per op: its table entry's plain-math text in mpmath (not the rule's code)."""


@dataclass(frozen=True)
class Case:
    """A point of an op's domain; ``value``/``grads`` are given where the oracle cannot decide."""

    args: tuple[float, ...]
    value: float | None = None
    grads: tuple[float, ...] | None = None
    why: str = ""


def C(
    *args: float, value: float | None = None, grads: tuple[float, ...] | None = None, why: str = ""
) -> Case:
    return Case(args, value, grads, why)


EDGES: dict[str, list[Case]] = {
    "div": [
        C(1.0, 0.0, value=inf, grads=(inf, -inf), why="IEEE 1/0 = inf; d/dy = -out/y = -inf/0"),
        C(0.0, 0.0, value=nan, grads=(inf, nan), why="IEEE 0/0 = nan; PyTorch gives (inf, nan)"),
    ],
    "pow": [
        C(0.0, 0.0, value=1.0, grads=(0.0, 0.0), why="0^0 = 1; PyTorch takes both to be 0"),
        C(0.0, -1.0, value=inf, grads=(-inf, -inf), why="pole: -1 * 0^-2 and inf * ln 0"),
        C(-8.0, 1 / 3, value=nan, grads=(nan, nan), why="negative base, non-integer exponent"),
        C(-2.0, 2.0, value=4.0, grads=(-4.0, nan), why="2 * (-2)^1; d/dy = 4 ln(-2) is nan"),
        C(-2.0, 3.0, value=-8.0, grads=(12.0, nan), why="3 * (-2)^2; d/dy = -8 ln(-2) is nan"),
    ],
    "abs": [
        C(0.0, value=0.0, grads=(0.0,), why="kink: abs'(0) = 0 by convention"),
    ],
    "log": [
        C(0.0, value=-inf, grads=(inf,), why="log 0 = -inf; 1/x at 0 = inf"),
        C(-1.0, value=nan, grads=(-1.0,), why="outside the domain; 1/x as PyTorch"),
    ],
    "sqrt": [
        C(0.0, value=0.0, grads=(inf,), why="1 / (2 sqrt 0) = inf"),
        C(-1.0, value=nan, grads=(nan,), why="outside the domain"),
    ],
    "relu": [
        C(0.0, value=0.0, grads=(0.0,), why="kink: relu'(0) = 0 by convention"),
    ],
    "maximum": [C(1.0, 1.0, value=1.0, grads=(0.5, 0.5), why="a tie: each takes half, as torch")],
    "minimum": [C(1.0, 1.0, value=1.0, grads=(0.5, 0.5), why="a tie: each takes half, as torch")],
}

DOMAINS: dict[str, list[Case]] = {
    name: [Case(point) for point in rule.domain] + EDGES.get(name, [])
    for name, rule in RULES.items()
}
"""Each op's smooth points from its table entry, and its edges (kinks, poles) from here."""
CASES = [(name, case) for name, cases in DOMAINS.items() for case in cases]


def _partial(name: str, args: tuple[float, ...], index: int) -> float:
    """d op / d args[index] by a central difference in mpmath.

    The step is 1e-30 times the smaller of |x| and 1, so it is tiny next to x and next to the
    scale on which sin or exp vary; the precision grows with the inputs' decimal exponents, so
    that x +- step and the op's values there are still told apart (sin(1e300) needs 380 digits).
    """
    exponents = [abs(math.log10(abs(a))) for a in args if a != 0.0]
    with mpmath.workdps(80 + int(max(exponents, default=0.0))):
        point = [mpmath.mpf(a) for a in args]
        step = mpmath.mpf(10) ** -30 * (min(abs(point[index]), 1) or 1)
        plus, minus = list(point), list(point)
        plus[index] += step
        minus[index] -= step
        return float((ORACLE[name](*plus) - ORACLE[name](*minus)) / (2 * step))


def _same(got: float, want: float, rel: float, absolute: float = 0.0) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return got == want or math.isclose(got, want, rel_tol=rel, abs_tol=absolute)


def test_every_op_has_a_test_domain_and_oracle() -> None:
    for name, rule in RULES.items():
        assert len(rule.domain) >= 3, f"{name} needs a test domain in its table entry"
        assert rule.oracle, f"{name} needs an oracle in its table entry"
        assert rule.torch, f"{name} needs a torch oracle in its table entry"
    assert set(EDGES) <= set(RULES), "edge cases of an op that is not in the table"


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}{c.args}" for n, c in CASES])
def test_value(name: str, case: Case) -> None:
    want = (
        case.value if case.value is not None else float(ORACLE[name](*map(mpmath.mpf, case.args)))
    )
    got = apply(RULES[name], *map(Value, case.args)).data
    assert type(got) is float
    assert _same(got, want, rel=4e-15), f"{name}{case.args} = {got!r}, expected {want!r}"


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}{c.args}" for n, c in CASES])
def test_local_grads(name: str, case: Case) -> None:
    out = apply(RULES[name], *map(Value, case.args))
    wants = case.grads or tuple(_partial(name, case.args, i) for i in range(len(case.args)))
    assert len(out.local_grads) == len(wants)
    for index, (got, want) in enumerate(zip(out.local_grads, wants)):
        assert type(got) is float
        # The absolute floor covers formulas that, as in PyTorch, reuse the rounded output:
        # tanh' = (1 - out)(1 + out) is 0 where out rounds to 1; the true value is below 1e-17.
        assert _same(got, want, rel=1e-12, absolute=1e-15), (
            f"d{name}/d{'xy'[index]} at {case.args} = {got!r}, expected {want!r} {case.why}"
        )


SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    -2.5,
    1000.0,
    -1000.0,
    1e308,
    -1e308,
    5e-324,
    inf,
    -inf,
    nan,
]


@pytest.mark.parametrize("name", sorted(RULES))
def test_no_op_raises_on_special_floats(name: str) -> None:
    rule = RULES[name]
    points = (
        [(x,) for x in SPECIAL] if rule.arity == 1 else [(x, y) for x in SPECIAL for y in SPECIAL]
    )
    for point in points:
        out = apply(rule, *map(Value, point))
        assert type(out.data) is float
        assert all(type(g) is float for g in out.local_grads), (name, point, out.local_grads)


@given(st.sampled_from(sorted(RULES)), st.floats(), st.floats())
def test_no_op_raises_on_any_float(name: str, x: float, y: float) -> None:
    rule = RULES[name]
    out = apply(rule, *map(Value, (x, y)[: rule.arity]))
    assert type(out.data) is float
    assert all(type(g) is float for g in out.local_grads)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_runs_on_values(name: str) -> None:
    """The local derivatives of every rule, evaluated on Values, are Values (or constants) whose
    numbers equal the float path's: the same text serves both, which higher order builds on."""
    rule = RULES[name]
    for case in DOMAINS[name]:
        inputs = [Value(x) for x in case.args]
        out = apply(rule, *inputs)
        on_values = local_grads_on_values(rule, *inputs, out)
        assert len(on_values) == rule.arity
        for float_grad, value_grad in zip(out.local_grads, on_values):
            assert isinstance(value_grad, (Value, float))
            assert _same(float(value_grad), float_grad, rel=0.0), (name, case.args)


def test_rule_on_values_is_differentiable() -> None:
    """A derivative computed on Values can be differentiated again: d/dx of sin'(x) = -sin(x)."""
    x = Value(0.7)
    out = x.sin()
    (derivative,) = local_grads_on_values(RULES["sin"], x, out)
    assert isinstance(derivative, Value)
    derivative.backward()
    assert x.grad == pytest.approx(-math.sin(0.7), rel=1e-15)


def test_no_grad_results_match_recorded_results() -> None:
    for name, case in CASES:
        recorded = apply(RULES[name], *map(Value, case.args)).data
        with no_grad():
            plain = apply(RULES[name], *map(Value, case.args)).data
        assert _same(plain, recorded, rel=0.0)
