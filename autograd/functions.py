"""The ops as free functions: ``exp(v)`` for a Value, ``exp(2.0)`` for a number.

One function per table entry that names one (``Rule.function``), made from the entry: given a
Value (or, for two inputs, at least one Value) it applies the rule and returns a Value, the same
op as the method ``v.exp()``; given real numbers it returns the float computed by the same rule.
Rule text calls these names, which is how one rule runs on floats and on Values.

:func:`where` is here too: a choice between two inputs by a bool, which needs no rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, overload

from autograd import numerics
from autograd.modes import TracingError, tracing
from autograd.ops import RULES
from autograd.record import apply, apply1
from autograd.rule import Rule
from autograd.value import Constant, Value, as_float


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


__all__ = [rule.function for rule in RULES.values() if rule.function] + ["where"]
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


@overload
def where(cond: bool, a: float, b: float) -> float: ...
@overload
def where(cond: bool, a: Value | float, b: Value | float) -> Value | float: ...
def where(cond: bool, a: Value | float, b: Value | float) -> Value | float:
    """``a`` if ``cond`` else ``b``, with PyTorch's ``where`` gradient: the chosen input takes the
    whole upstream gradient g (d/da = 1 where cond holds, else 0; d/db the other way round) and
    the other takes exactly 0, even where g is inf or nan (0 * inf would be nan).

    ``cond`` is a Python bool, such as ``v > 0`` (a comparison of Values compares their data).
    No op is recorded: the result is the chosen input itself (a number becomes a
    :class:`Constant`; two numbers give the chosen float), so the gradient reaches it unchanged
    and the other input is not in the graph at all, which leaves its ``.grad`` as it was (0
    after ``zero_grad``), as PyTorch's masked zero does.

    While :func:`autograd.compile` traces, ``where`` raises :class:`TracingError`: the compiled
    code would replay the branch chosen for the first input for every input. Write the choice
    with ops (``relu``, ``maximum``, ``minimum``) or do not compile the function.

    Examples:
        >>> x = Value(-2.0)
        >>> y = where(x > 0, x, 0.1 * x)   # leaky relu
        >>> y.backward()
        >>> y.data, x.grad
        (-0.2, 0.1)
    """
    if tracing.get():
        raise TracingError(
            "where() was called while autograd.compile was tracing; the compiled code would take "
            "the branch chosen now for every input. Write the choice with ops (relu, maximum, "
            "minimum) or do not compile this function."
        )
    if type(cond) is not bool:
        raise TypeError(
            f"where() takes a bool condition (such as v > 0), got {type(cond).__name__} {cond!r}"
        )
    numbers = {
        name: as_float(x, f"where()'s {name}")
        for name, x in (("a", a), ("b", b))
        if not isinstance(x, Value)
    }
    chosen, other, name = (a, b, "a") if cond else (b, a, "b")
    if isinstance(chosen, Value):
        return chosen
    return Constant(numbers[name]) if isinstance(other, Value) else numbers[name]
