"""The ops as free functions: ``exp(v)`` for a Value, ``exp(2.0)`` for a number.

One function per table entry that names one (``Rule.function``), made from the entry: given a
Value (or, for two inputs, at least one Value) it applies the rule and returns a Value, the same
op as the method ``v.exp()``; given real numbers it returns the float computed by the same rule.
Rule text calls these names, which is how one rule runs on floats and on Values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, overload

from autograd import numerics
from autograd.ops import RULES
from autograd.record import apply, apply1
from autograd.rule import Rule
from autograd.value import Value, as_float


class UnaryFunction(Protocol):
    """A function of one Value (giving a Value) or of one number (giving a float)."""

    __name__: str

    @overload
    def __call__(self, x: Value) -> Value: ...
    @overload
    def __call__(self, x: float) -> float: ...


class BinaryFunction(Protocol):
    """A function of two operands: a Value if either is a Value, else a float."""

    __name__: str

    @overload
    def __call__(self, x: float, y: float) -> float: ...
    @overload
    def __call__(self, x: Value | float, y: Value | float) -> Value | float: ...


def _unary(rule: Rule) -> Any:
    def function(x: Value | float) -> Value | float:
        if isinstance(x, Value):
            return apply1(rule, x)
        number = as_float(x, f"the input of {rule.function}")
        try:
            return rule.forward(number)
        except ArithmeticError:
            return rule.forward_ieee(number)

    return function


def _binary(rule: Rule) -> Any:
    def function(x: Value | float, y: Value | float) -> Value | float:
        if isinstance(x, Value) or isinstance(y, Value):
            return apply(rule, x, y)
        a, b = (as_float(v, f"an input of {rule.function}") for v in (x, y))
        try:
            return rule.forward(a, b)
        except ArithmeticError:
            return rule.forward_ieee(a, b)

    return function


def op_function(rule: Rule) -> Any:
    """The free function of ``rule``, named and documented from its entry."""
    function = _unary(rule) if rule.arity == 1 else _binary(rule)
    function.__name__ = function.__qualname__ = rule.function or rule.name
    function.__module__ = __name__
    function.__doc__ = f"{rule.doc}\n\nRule: ``{rule.formula}``. {rule.note}".rstrip()
    return function


__all__ = [rule.function for rule in RULES.values() if rule.function]
globals().update({rule.function: op_function(rule) for rule in RULES.values() if rule.function})

if TYPE_CHECKING:  # the table's functions, for type checkers (tests/test_one_entry.py checks)
    exp: UnaryFunction
    log: UnaryFunction
    sqrt: UnaryFunction
    softplus: UnaryFunction
    tanh: UnaryFunction
    sigmoid: UnaryFunction
    relu: UnaryFunction
    sin: UnaryFunction
    cos: UnaryFunction
    power: BinaryFunction
    maximum: BinaryFunction
    minimum: BinaryFunction
    log1p: UnaryFunction
    expm1: UnaryFunction
    erf: UnaryFunction
    tan: UnaryFunction
    atan: UnaryFunction
    atan2: BinaryFunction
    sinh: UnaryFunction
    cosh: UnaryFunction


def sign(x: Value | float) -> float:
    """-1, 0 or 1 by the sign of x (0 at 0 and at nan). A step: its derivative is 0, so the
    result is a plain float even for a Value (rule text uses it: abs' = sign)."""
    return numerics.sign(float(x))
