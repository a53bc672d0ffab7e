"""Specialised operator methods for ``Value``, generated from the rule table's own text.

The generic path (:func:`autograd.value.apply`) calls a rule's compiled functions; these methods
instead inline the rule's value and local-derivative expressions into one function per op, which
costs about half as much per op. Nothing is written twice: the code below is assembled from
``Rule.value`` and ``Rule.grads``. Whenever the fast path cannot decide (recording switched off,
``detect_anomaly`` on, or float arithmetic raising, as ``1 / 0.0`` does) it hands the op to the
generic path, so both give the same Value bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import numerics
from autograd.rule import RULE_FUNCTIONS, Rule, float_text

BINARY_METHODS = {
    "__add__": ("add", False),
    "__radd__": ("add", True),
    "__sub__": ("sub", False),
    "__rsub__": ("sub", True),
    "__mul__": ("mul", False),
    "__rmul__": ("mul", True),
    "__truediv__": ("div", False),
    "__rtruediv__": ("div", True),
    "__pow__": ("pow", False),
    "__rpow__": ("pow", True),
}
"""Binary methods and the rule each applies; reflected ones take ``other`` as the first input."""

DOCS = {
    "__add__": "self + other.",
    "__radd__": "other + self.",
    "__sub__": "self - other.",
    "__rsub__": "other - self.",
    "__mul__": "self * other.",
    "__rmul__": "other * self.",
    "__truediv__": "self / other: ±inf for a zero divisor, nan for 0 / 0.",
    "__rtruediv__": "other / self.",
    "__pow__": "self ** other: nan, never complex, for a negative base and non-integer exponent.",
    "__rpow__": "other ** self.",
    "__neg__": "-self.",
    "__abs__": "|self|, with derivative 0 at 0.",
    "exp": "e ** self.",
    "log": "Natural logarithm: -inf at 0, nan below.",
    "sqrt": "Square root: nan below 0.",
    "tanh": "Hyperbolic tangent.",
    "sigmoid": "1 / (1 + e ** -self), stable for every input.",
    "relu": "max(0, self), with derivative 0 at 0.",
    "sin": "Sine.",
    "cos": "Cosine.",
}
"""Each method's docstring (the same as the stubs in ``Value``'s class body)."""

UNARY_METHODS = {
    "__neg__": "neg",
    "__abs__": "abs",
    **{name: name for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos")},
}

_BINARY = """
def method(self, other):
    cls = other.__class__
    if cls is Value:
        number = other.data
    elif cls is float:  # a number is kept as it is, and made a Constant only when asked for
        number = other
    elif cls is int:
        try:
            number = other = float(other)
        except OverflowError:
            operand_or_none(other)  # raises, saying that the int is too large
            raise
    else:
        other = operand_or_none(other)
        if other is None:
            return NotImplemented
        number = other if other.__class__ is float else other.data
    a, b = {inputs}
    x, y = {numbers}
    if switched_modes and get_mode() is not DEFAULT_MODE:
        return apply2(rule, a, b)
    try:
        out = {value}
        d_first = {d_first}
        d_second = {d_second}
    except ArithmeticError:
        return apply2(rule, a, b)
    node = new(Value)
    node.data = out
    node.grad = 0.0
    node._rule = rule
    node._first = a
    node._second = b
    node._d_first = d_first
    node._d_second = d_second
    return node
"""

_UNARY = """
def method(self):
    if switched_modes and get_mode() is not DEFAULT_MODE:
        return apply1(rule, self)
    x = self.data
    try:
        out = {value}
        d_first = {d_first}
    except ArithmeticError:
        return apply1(rule, self)
    node = new(Value)
    node.data = out
    node.grad = 0.0
    node._rule = rule
    node._first = self
    node._second = None
    node._d_first = d_first
    return node
"""


def specialised_methods(
    rules: dict[str, Rule], machinery: dict[str, Any]
) -> dict[str, Callable[..., Any]]:
    """One function per operator method, compiled from the rules' text. ``machinery`` provides
    Value, new, switched_modes, get_mode, DEFAULT_MODE, operand_or_none, apply1 and apply2."""
    methods: dict[str, Callable[..., Any]] = {}
    functions = {name: getattr(numerics, name) for name in RULE_FUNCTIONS}
    for method, (name, reflected) in BINARY_METHODS.items():
        rule = rules[name]
        inputs = "other, self" if reflected else "self, other"
        numbers = "number, self.data" if reflected else "self.data, number"
        value, d_first, d_second = (float_text(text) for text in (rule.value, *rule.grads))
        source = _BINARY.format(inputs=inputs, numbers=numbers, value=value, d_first=d_first,
                                d_second=d_second)  # fmt: skip
        methods[method] = _compile(source, method, {**functions, **machinery, "rule": rule})
    for method, name in UNARY_METHODS.items():
        rule = rules[name]
        source = _UNARY.format(value=float_text(rule.value), d_first=float_text(rule.grads[0]))
        methods[method] = _compile(source, method, {**functions, **machinery, "rule": rule})
    return methods


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    # Compiled as `method`, so that a method named like a rule function (sin) cannot hide it.
    exec(compile(source, f"<chainrule op {name}>", "exec"), namespace)  # noqa: S102 - rule text
    function: Callable[..., Any] = namespace["method"]
    function.__name__ = name
    function.__doc__ = f"{DOCS[name]}\n\nRule: ``{namespace['rule'].formula}``."
    function.__source__ = source  # type: ignore[attr-defined]
    return function
