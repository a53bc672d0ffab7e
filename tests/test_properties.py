"""Hypothesis: random expression graphs over every op, backward against central differences.

The reference derivative of each program is a central difference computed in mpmath at 60 digits
with a step of 1e-25 max(|x|, 1): independent of the engine's rules, and accurate far below float
resolution, so the tolerance only has to cover float64 rounding in the engine's own arithmetic.
"""

from __future__ import annotations

import math

import mpmath
from hypothesis import assume, given
from hypothesis import strategies as st
from programs import OP_NAMES, VALUE_BACKEND, Builder, MpmathBackend, Program

from autograd import RULES, Value


@st.composite
def programs(draw: st.DrawFn) -> Program:
    n_inputs = draw(st.integers(1, 3))
    builder = Builder(
        n_inputs,
        lambda n: draw(st.integers(0, n - 1)),
        lambda low, high: draw(st.floats(low, high)),
    )
    for _ in range(draw(st.integers(1, 10))):
        builder.step(draw(st.sampled_from(OP_NAMES)))
    return builder.program()


inputs = st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3)


def _mp_output(program: Program, point: list[mpmath.mpf]) -> tuple[mpmath.mpf, mpmath.mpf]:
    backend = MpmathBackend()
    return program.run(point, backend)[-1], backend.closest_to_kink


def _central_difference(program: Program, point: list[float], index: int) -> float:
    with mpmath.workdps(60):
        x = [mpmath.mpf(v) for v in point]
        step = mpmath.mpf(10) ** -25 * max(abs(x[index]), 1)
        plus, minus = list(x), list(x)
        plus[index] += step
        minus[index] -= step
        f_plus, kink_plus = _mp_output(program, plus)
        f_minus, kink_minus = _mp_output(program, minus)
        assume(min(kink_plus, kink_minus) > mpmath.mpf(10) ** -20)  # not across relu/abs kinks
        return float((f_plus - f_minus) / (2 * step))


@given(programs(), inputs)
def test_backward_matches_central_differences(program: Program, values: list[float]) -> None:
    point = values[: program.n_inputs]
    leaves = [Value(v) for v in point]
    slots = program.run(leaves, VALUE_BACKEND)
    assume(all(math.isfinite(float(s)) and abs(float(s)) < 1e6 for s in slots))
    output = slots[-1]
    assert isinstance(output, Value)
    output.backward()
    scale = 1.0 + max(abs(leaf.grad) for leaf in leaves)
    for index, leaf in enumerate(leaves):
        numeric = _central_difference(program, point, index)
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-7, abs_tol=1e-9 * scale), (
            f"input {index}: backward {leaf.grad!r}, central difference {numeric!r}; {program}"
        )


@given(programs(), inputs)
def test_forward_matches_mpmath(program: Program, values: list[float]) -> None:
    point = values[: program.n_inputs]
    slots = program.run([Value(v) for v in point], VALUE_BACKEND)
    assume(all(math.isfinite(float(s)) and abs(float(s)) < 1e6 for s in slots))
    with mpmath.workdps(60):
        exact, _ = _mp_output(program, [mpmath.mpf(v) for v in point])
    assert math.isclose(float(slots[-1]), float(exact), rel_tol=1e-9, abs_tol=1e-9)


def test_generator_reaches_every_op() -> None:
    import random

    seen: set[str] = set()
    for seed in range(40):
        seen |= random_ops(random.Random(seed))
    assert seen == set(RULES)


def random_ops(rng: object) -> set[str]:
    from programs import random_program

    return random_program(rng).ops_used  # type: ignore[arg-type]
