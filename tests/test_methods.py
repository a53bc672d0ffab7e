"""The generated operator methods against the generic path they hand off to: the same Value,
bit for bit, for every op and every special float (0, -0, ±inf, nan, huge, tiny)."""

from __future__ import annotations

import inspect
import math
import operator
import struct

import pytest

from autograd import RULES, Constant, Value, apply
from autograd.rule import float_text

BINARY_METHODS = {
    method: (name, position == 1)
    for name, rule in RULES.items()
    if rule.arity == 2
    for position, method in enumerate(rule.methods)
}
UNARY_METHODS = {
    method: name for name, rule in RULES.items() if rule.arity == 1 for method in rule.methods
}

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1000.0, -1000.0, 1e308, -1e308, 5e-324,
           math.inf, -math.inf, math.nan]  # fmt: skip


def _bits(value: Value) -> tuple[str, ...]:
    """The value and local derivatives bit for bit (``float.hex`` would hide a nan's sign)."""
    numbers = (value.data, *value.local_grads)
    return (value.op, *(struct.pack("<d", number).hex() for number in numbers))


def test_every_method_is_generated_from_a_rule_and_documented() -> None:
    for method, (name, _) in BINARY_METHODS.items():
        assert getattr(Value, method).__doc__.startswith(RULES[name].doc)
    for method, name in UNARY_METHODS.items():
        assert getattr(Value, method).__doc__.startswith(RULES[name].doc)
    for method in (*BINARY_METHODS, *UNARY_METHODS):
        assert "Rule: ``out = " in getattr(Value, method).__doc__


@pytest.mark.parametrize("method", sorted(BINARY_METHODS))
def test_binary_methods_equal_the_generic_path(method: str) -> None:
    name, reflected = BINARY_METHODS[method]
    for x in SPECIAL:
        for y in SPECIAL:
            a, b = Value(x), Value(y)
            fast = getattr(a, method)(b)
            generic = apply(RULES[name], b, a) if reflected else apply(RULES[name], a, b)
            assert _bits(fast) == _bits(generic), (method, x, y)
            assert fast.parents == generic.parents


@pytest.mark.parametrize("method", sorted(UNARY_METHODS))
def test_unary_methods_equal_the_generic_path(method: str) -> None:
    for x in SPECIAL:
        a = Value(x)
        fast = getattr(a, method)()
        generic = apply(RULES[UNARY_METHODS[method]], a)
        assert _bits(fast) == _bits(generic), (method, x)
        assert fast.parents == (a,)


def test_numbers_on_either_side_become_constants() -> None:
    a = Value(2.0)
    for result, constant_index in ((a * 3, 1), (3 * a, 0), (2**a, 0), (a**2, 1)):
        constant = result.parents[constant_index]
        assert isinstance(constant, Constant)
        assert type(constant.data) is float
    assert operator.truediv(1, Value(0.0)).data == math.inf


def test_float_calls_are_dropped_from_code_that_runs_on_floats() -> None:
    """Rule text calls float() for Values; on floats the call is the identity and is dropped."""
    assert float_text("0.0 if float(y) == 0.0 else y * power(x, y - 1.0)") == (
        "0.0 if y == 0.0 else y * power(x, y - 1.0)"
    )
    derivatives = inspect.getsource(Value.__pow__).split("d_first = ")[1].split("except")[0]
    assert "power(" in derivatives
    assert "float(" not in derivatives
    assert RULES["pow"].local_grads(0.0, 2.0, 0.0) == (0.0, 0.0)
