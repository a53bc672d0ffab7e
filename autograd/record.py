"""Applying a rule: an op's value, and the graph edge it records.

:func:`apply` is the generic path every op can take: it computes the rule's value on the
operands' numbers and, unless recording is off (``no_grad``), stores the inputs and the local
derivatives in the result. The generated op methods (:mod:`autograd.methods`) inline the same
rule text and hand every case they do not handle (a mode switched on, float arithmetic that
raises) to the functions here, so both paths give the same Value, bit for bit.
"""

from __future__ import annotations

import math
import numbers

from autograd.modes import DEFAULT_MODE, current_mode
from autograd.rule import Rule
from autograd.value import Constant, Value, as_float, describe

new = object.__new__


def as_operand(x: object) -> Value | float | None:
    """``x`` as an op's operand: a Value as it is, a real number as a float (which the op keeps
    until its parents are asked for, see :attr:`Value.parents`), None for anything else. An int
    too large for a float raises OverflowError, saying so."""
    if isinstance(x, Value):
        return x
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            pass  # as_float says so
    elif not isinstance(x, numbers.Real) or isinstance(x, bool):
        return None
    return as_float(x)


def apply2(rule: Rule, a: Value | float, b: Value | float) -> Value:
    """The rule of two inputs applied to two operands (a number becomes a Constant)."""
    if isinstance(a, float):
        a = Constant(a)
    if isinstance(b, float):
        b = Constant(b)
    x = a.data
    y = b.data
    try:
        data = rule.forward(x, y)
    except ArithmeticError:
        data = rule.forward_ieee(x, y)
    out: Value = new(Value)
    out.data = data
    out.grad = 0.0
    mode = current_mode.get()
    if mode is DEFAULT_MODE or mode.record:
        try:
            out._d_first, out._d_second = rule.local_grads(x, y, data)
        except ArithmeticError:
            out._d_first, out._d_second = rule.local_grads_ieee(x, y, data)
        out._rule = rule
        out._first = a
        out._second = b
    else:
        out._rule = None
        out._first = None
        out._second = None
    if mode.anomaly:
        check_forward(rule, (a, b), out)
    return out


def apply1(rule: Rule, a: Value) -> Value:
    """The rule of one input applied to a Value."""
    x = a.data
    try:
        data = rule.forward(x)
    except ArithmeticError:
        data = rule.forward_ieee(x)
    out: Value = new(Value)
    out.data = data
    out.grad = 0.0
    mode = current_mode.get()
    if mode is DEFAULT_MODE or mode.record:
        try:
            (out._d_first,) = rule.local_grads(x, data)
        except ArithmeticError:
            (out._d_first,) = rule.local_grads_ieee(x, data)
        out._rule = rule
        out._first = a
        out._second = None
    else:
        out._rule = None
        out._first = None
        out._second = None
    if mode.anomaly:
        check_forward(rule, (a,), out)
    return out


def apply(rule: Rule, *operands: Value | float) -> Value:
    """Apply a rule to Values or numbers (numbers become Constants) and record the result.

    This is how every op of :class:`Value` runs; it also runs a rule that is not in the table.

    Examples:
        >>> from autograd.ops import MUL
        >>> apply(MUL, Value(3.0), 4).data
        12.0
    """
    if len(operands) != rule.arity:
        raise TypeError(f"rule {rule.name!r} takes {rule.arity} operand(s), got {len(operands)}")
    values = [as_operand(x) for x in operands]
    if any(value is None for value in values):
        given = ", ".join(type(x).__name__ for x in operands)
        raise TypeError(f"rule {rule.name!r} takes Values or real numbers, got {given}")
    first = values[0]
    if rule.arity == 1:
        return apply1(rule, Constant(first) if isinstance(first, float) else first)  # type: ignore[arg-type]
    return apply2(rule, first, values[1])  # type: ignore[arg-type]


def check_forward(rule: Rule, inputs: tuple[Value, ...], out: Value) -> None:
    """``detect_anomaly``'s forward check: raises if finite inputs gave a non-finite value."""
    if all(math.isfinite(v.data) for v in inputs) and not math.isfinite(out.data):
        described = ", ".join(f"{name} = {describe(v)}" for name, v in zip(rule.inputs, inputs))
        raise FloatingPointError(
            f"detect_anomaly: {rule.name} turned finite inputs into {out.data!r} in the forward "
            f"pass; inputs: {described}; rule: {rule.formula}"
        )
