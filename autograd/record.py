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

from autograd.modes import DEFAULT_MODE, TracingError, current_mode, tracing
from autograd.rule import Rule
from autograd.value import Constant, Value, as_float, describe

new = object.__new__


def as_operand(x: object) -> Value | float | None:
    """``x`` as an op's operand: a Value as it is, a real number as a float (which the op keeps
    until its parents are asked for, see :attr:`Value.parents`), None for anything else. A bool
    is the number 1.0 or 0.0, as for a PyTorch tensor (``v * True`` is ``v * 1.0``). An int too
    large for a float raises OverflowError, saying so."""
    if isinstance(x, Value):
        return x
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            pass  # as_float says so
    elif not isinstance(x, numbers.Real):
        return None
    elif isinstance(x, bool):
        return float(x)
    return as_float(x)


def _record(rule: Rule, inputs: tuple[Value, ...]) -> Value:
    """The rule's value on the inputs' numbers, and, unless recording is off or every input is
    a Constant (then the result is a Constant), the edge."""
    numbers = tuple(v._data for v in inputs)
    try:
        data = rule.forward(*numbers)
    except ArithmeticError:
        data = rule.forward_ieee(*numbers)
    mode = current_mode.get()
    recording = mode is DEFAULT_MODE or mode.record
    if not recording and tracing.get():
        raise TracingError(
            f"{rule.name} ran under no_grad while autograd.compile was tracing; its result "
            "would be a number, and the compiled code would use the traced number for every "
            "input. Compute it outside no_grad, or do not compile this function."
        )
    if recording and all(isinstance(v, Constant) for v in inputs):
        recording = False  # from Constants alone: a Constant, as the op methods of Constant
    out: Value = new(Value if recording else Constant)  # under no_grad: a number, no gradient
    out._data = data
    out.grad = 0.0
    out._rule = None
    out._first = None
    out._second = None
    if recording:
        try:
            local_grads = rule.local_grads(*numbers, data)
        except ArithmeticError:
            local_grads = rule.local_grads_ieee(*numbers, data)
        out._rule = rule
        out._first = inputs[0]
        out._d_first = local_grads[0]
        if len(inputs) == 2:
            out._second = inputs[1]
            out._d_second = local_grads[1]
    if mode.anomaly:
        check_forward(rule, inputs, out)
    return out


def apply2(rule: Rule, a: Value | float, b: Value | float) -> Value:
    """The rule of two inputs applied to two operands (a number becomes a Constant)."""
    return _record(
        rule,
        (
            Constant(a) if isinstance(a, float) else a,
            Constant(b) if isinstance(b, float) else b,
        ),
    )


def apply1(rule: Rule, a: Value) -> Value:
    """The rule of one input applied to a Value."""
    return _record(rule, (a,))


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
