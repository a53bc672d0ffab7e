"""The functions of ``math`` that the op methods call in place of :mod:`autograd.numerics`:
wherever one returns, the same float, bit for bit; elsewhere an error, never another number."""

from __future__ import annotations

import math
import struct

import pytest

from autograd import numerics

POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1e-300, -1e-300, 5e-324, 0.1,
          1e300, -1e300, 1.7976931348623157e308, 700.0, 710.0, -745.0, -750.0, 1000.0, -1000.0,
          1e16, math.pi, -math.pi, math.inf, -math.inf, math.nan, -math.nan,
          math.inf - math.inf]  # fmt: skip


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.mark.parametrize("name", sorted(numerics.MATH_EQUIVALENTS))
def test_a_math_equivalent_returns_the_same_bits_or_raises(name: str) -> None:
    fast, own = numerics.MATH_EQUIVALENTS[name], getattr(numerics, name)
    binary = name in ("power", "atan2")
    raised = 0
    for x in POINTS:
        for args in [(x, y) for y in POINTS] if binary else [(x,)]:
            expected = own(*args)
            try:
                got = fast(*args)
            except (ArithmeticError, ValueError):
                raised += 1
                continue
            assert _bits(got) == _bits(expected), args  # a nan's sign too
    if name in ("power", "exp", "expm1", "sinh", "cosh"):  # the others never raise
        assert raised, f"no point where math.{fast.__name__} raises: the test misses its edges"


def test_an_op_whose_math_function_raises_gives_the_ieee_value() -> None:
    from autograd import Value

    assert Value(1000.0).exp().data == math.inf
    assert Value(1000.0).cosh().data == math.inf
    assert Value(-1000.0).sinh().data == -math.inf
    assert (Value(0.0) ** -1.0).data == math.inf
    assert (Value(-0.0) ** -3.0).data == -math.inf
    assert (Value(10.0) ** 400.0).data == math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)
    x = Value(0.0)
    y = x**0.5  # d/dx = 0.5 * 0 ** -0.5: math.pow raises, the rule gives inf
    assert y.local_grads == (math.inf, 0.0)
