"""The op functions as free functions: ``exp(v)`` for a Value, ``exp(2.0)`` for a number.

Given a Value each returns a Value (the same op as the method ``v.exp()``); given a real number
it returns a float computed by the same rule. Rule text uses these names, which is how one rule
runs on both floats and Values.
"""

from __future__ import annotations

from typing import Protocol, overload

from autograd import numerics, ops
from autograd.rule import Rule
from autograd.value import Value, _as_float, _unary, apply


class UnaryFunction(Protocol):
    """A function of one Value (giving a Value) or of one number (giving a float)."""

    __name__: str

    @overload
    def __call__(self, x: Value) -> Value: ...
    @overload
    def __call__(self, x: float) -> float: ...


def _function(rule: Rule, doc: str) -> UnaryFunction:
    def function(x: Value | float) -> Value | float:
        if isinstance(x, Value):
            return _unary(rule, x)
        number = _as_float(x)
        try:
            return rule.forward(number)
        except ArithmeticError:
            return rule.forward_ieee(number)

    function.__name__ = function.__qualname__ = rule.name
    function.__doc__ = f"{doc}\n\nRule: ``{rule.formula}``. {rule.note}".rstrip()
    return function  # type: ignore[return-value]


exp = _function(ops.EXP, "e ** x for a Value or a number; inf where it overflows.")
log = _function(ops.LOG, "The natural logarithm: log(0) = -inf, log(x < 0) = nan.")
sqrt = _function(ops.SQRT, "The square root: nan below 0.")
tanh = _function(ops.TANH, "The hyperbolic tangent.")
sigmoid = _function(ops.SIGMOID, "The logistic function 1 / (1 + e ** -x), stable for every x.")
relu = _function(ops.RELU, "max(0, x), with relu'(0) = 0.")
sin = _function(ops.SIN, "The sine.")
cos = _function(ops.COS, "The cosine.")


@overload
def power(x: float, y: float) -> float: ...
@overload
def power(x: Value | float, y: Value | float) -> Value | float: ...
def power(x: Value | float, y: Value | float) -> Value | float:
    """x ** y; a Value if either is a Value, else the float of C99 ``pow`` (nan, not complex,
    for a negative x and a non-integer y)."""
    if isinstance(x, Value) or isinstance(y, Value):
        return apply(ops.POW, x, y)
    return numerics.power(_as_float(x), _as_float(y))


def sign(x: Value | float) -> float:
    """-1, 0 or 1 by the sign of x (0 at 0 and at nan). A step: its derivative is 0, so the
    result is a plain float even for a Value."""
    return numerics.sign(float(x))


def step(x: Value | float) -> float:
    """0 where x <= 0, else 1 (see :func:`autograd.numerics.step`); a plain float, as ``sign``."""
    return numerics.step(float(x))
