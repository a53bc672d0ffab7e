"""Second derivatives of random expression graphs against two independent oracles: sympy's
symbolic differentiation, and (marked torch) PyTorch's ``autograd.grad(create_graph=True)``."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
import sympy
from oracles import OPERATOR_METHODS, sympy_oracle
from programs import VALUE_BACKEND, MpmathBackend, Program, random_program

from autograd import RULES, Value, grad

# Python's operators and abs() build sympy expressions as they are; the functions are the table's
# oracles in sympy.
SYMPY_BACKEND: dict[str, Callable[..., Any]] = {
    **VALUE_BACKEND,
    **{name: sympy_oracle(rule) for name, rule in RULES.items() if name not in OPERATOR_METHODS},
}


def _case(seed: int, n_steps: int) -> tuple[Program, list[float]]:
    rng = random.Random(seed)
    program = random_program(rng, n_inputs=2, n_steps=n_steps)
    return program, [rng.uniform(-1.5, 1.5) for _ in range(2)]


def _away_from_kinks(seed: int, n_steps: int) -> bool:
    program, point = _case(seed, n_steps)
    backend = MpmathBackend()
    with mpmath.workdps(30):
        program.run([mpmath.mpf(x) for x in point], backend)
    # sympy's exact numbers are met to 1e-9 where float64 can give them: away from kinks, and
    # where no tanh or sigmoid saturates (at 8, 1 - tanh is 2e-7 and still has 9 good digits)
    return bool(backend.closest_to_kink > 1e-6 and backend.largest_saturating_input < 8)


def our_hessian(program: Program, point: list[float]) -> list[list[float]]:
    leaves = [Value(x) for x in point]
    out = program.run(leaves, VALUE_BACKEND)[-1]
    first = grad(out, leaves, create_graph=True)
    return [[g.data for g in grad(row, leaves)] for row in first]


def _close(ours: float, theirs: float, relative: float) -> bool:
    return ours == theirs or math.isclose(ours, theirs, rel_tol=relative, abs_tol=1e-300)


SYMPY_SEEDS = [seed for seed in range(60) if _away_from_kinks(seed, 6)][:40]


@pytest.mark.parametrize("seed", SYMPY_SEEDS)
def test_second_derivatives_equal_sympys(seed: int) -> None:
    program, point = _case(seed, 6)
    symbols = sympy.symbols("x0 x1", real=True)
    expression = program.run(list(symbols), SYMPY_BACKEND)[-1]
    at = dict(zip(symbols, point))
    ours = our_hessian(program, point)
    for i in range(2):
        for j in range(2):
            exact = sympy.diff(expression, symbols[i], symbols[j]).subs(at).evalf(30)
            assert _close(ours[i][j], float(exact), 1e-9), (i, j, ours[i][j], exact)


def test_the_sympy_cases_cover_every_op() -> None:
    from autograd import RULES

    used = set().union(*(_case(seed, 6)[0].ops_used for seed in SYMPY_SEEDS))
    assert used == set(RULES)


TORCH_SEEDS = range(150)


@pytest.mark.torch
@pytest.mark.parametrize("seed", TORCH_SEEDS)
def test_second_derivatives_equal_pytorchs(seed: int) -> None:
    torch = pytest.importorskip(
        "torch", reason="torch is not installed (CI installs torch==2.13.0)"
    )
    from test_torch_parity import TORCH_BACKEND

    rng = random.Random(seed)
    program = random_program(rng, n_inputs=3, n_steps=10)
    point = [rng.uniform(-2.0, 2.0) for _ in range(3)]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = program.run(tensors, TORCH_BACKEND)[-1]
    first = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    expected = []
    for row in first:
        if row is None or not row.requires_grad:
            expected.append([0.0] * 3)
            continue
        second = torch.autograd.grad(row, tensors, retain_graph=True, allow_unused=True)
        expected.append([0.0 if g is None else g.item() for g in second])
    ours = our_hessian(program, point)
    for i in range(3):
        for j in range(3):
            assert _close(ours[i][j], expected[i][j], 1e-10), (i, j, ours[i][j], expected[i][j])
