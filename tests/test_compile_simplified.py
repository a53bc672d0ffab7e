"""The generated code's simplifications are bit-exact: at -0.0, 0.0, infinities and nan (its
sign too), each rewritten program gives eager's bits; and the IEEE version is built lazily."""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Callable

import pytest
from c_compiler import BACKENDS

import autograd
from autograd import Value

pytestmark = pytest.mark.usefixtures("own_build_cache")
"""Builds go to a cache of this module's own."""

NEGATIVE_NAN = -math.nan
EDGES = [0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan, NEGATIVE_NAN, 5e-324, -1e308]
"""Points at which each rewrite could go wrong: signed zeros, infinities, nans of both signs,
the smallest subnormal (0.5 * it is 0.0) and a number that overflows when doubled."""


def bits(x: float, backend: str) -> str:
    """The 64 bits of x; on the C backend every nan is "nan" (a C compiler may commute a
    product, which changes only which nan comes out: see tests/test_compile_c.py)."""
    if backend == "c" and math.isnan(x):
        return "nan"
    return struct.pack("<d", x).hex()


def eager(f: Callable[..., Value], point: tuple[float, ...]) -> list[float]:
    leaves = [Value(x) for x in point]
    out = f(*leaves)
    out.backward()
    return [out.data, *(leaf.grad for leaf in leaves)]  # type: ignore[misc]


INF_CONSTANT = Value(math.inf)
NAN_CONSTANT = Value(NEGATIVE_NAN)

PROGRAMS: dict[str, tuple[Callable[..., Value], list[str], list[str]]] = {
    # name: (f, lines its source has, texts its source lacks)
    "a sum: local derivative 1.0": (lambda x, y: (x + y) * y, ["d_x = d_t0"], ["1.0 * d_"]),
    "a difference: -1.0 stays": (lambda x, y: (x - y) * y, ["-1.0 * d_t0"], []),
    "sums of sums: their inputs' gradients are the sum's, not copied": (
        lambda x, y: ((x + y) + (x - y)) * y,
        ["d_t2 = 0.0 + y * d_t3", "d_x = d_t2", "d_x += d_t2", "-1.0 * d_t2"],
        ["d_t0 =", "d_t1 ="],
    ),
    "a square: its test and 2.0 - 1.0 decided": (
        lambda x, y: x**2 + y,
        ["2.0 * power(x, 1.0) * d_t1"],
        ["2.0 == 0.0", "2.0 - 1.0"],
    ),
    "relu and abs: masked zeros": (
        lambda x, y: x.relu() * y + abs(y) * x,
        ["if t0 <= 0.0 else d_t0"],
        [],
    ),
    "a constant inf and a negative nan": (
        lambda x, y: x * INF_CONSTANT + y * NAN_CONSTANT,
        ["x * inf", "y * (-nan)"],
        ["float("],
    ),
    "a division by a constant": (lambda x, y: x / 4.0 + y / 0.5, ["0.25"], []),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_each_simplified_program_gives_eager_bits_at_the_ieee_edges(
    name: str, backend: str
) -> None:
    f, has, lacks = PROGRAMS[name]
    compiled = autograd.compile(f, backend=backend)
    for point in itertools.product(EDGES, repeat=2):
        value, grads = compiled(*point)
        got = [bits(n, backend) for n in (value, *grads)]
        assert got == [bits(n, backend) for n in eager(f, point)], (name, point)
    for text in has:
        assert text in compiled.source, (text, compiled.source)
    for text in lacks:
        assert text not in compiled.source, (text, compiled.source)


def test_a_negative_nan_constant_keeps_its_sign() -> None:
    """``float('nan')`` would have lost it; eager passes it on (x86 and ARM keep a nan
    operand's sign in a product)."""
    compiled = autograd.compile(lambda x: x * NAN_CONSTANT)
    value, _ = compiled(1.0)
    assert math.copysign(1.0, value) == math.copysign(1.0, (Value(1.0) * NAN_CONSTANT).data)


def test_the_ieee_version_is_built_on_the_first_division_by_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd import compiler

    built: list[str] = []
    real = compiler.compile_generated

    def counted(source: object, what: str, mode: str) -> object:
        built.append(what)
        return real(source, what, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler, "compile_generated", counted)
    reciprocal = autograd.compile(lambda x: 1 / x)
    assert reciprocal(2.0) == (0.5, (-0.25,))
    assert built == ["compiled compiled"]  # the fast version only
    assert reciprocal(0.0) == (math.inf, (-math.inf,))  # as eager: see test_compile.py
    assert reciprocal(-0.0) == (-math.inf, (-math.inf,))
    assert built == ["compiled compiled", "compiled compiled, IEEE"]  # built once
