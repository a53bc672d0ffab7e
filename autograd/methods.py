"""``Value``'s op methods, generated from the rule table's own text, and its backward passes.

The generic path (:func:`autograd.record.apply`) calls a rule's compiled functions; these
methods instead inline the rule's value and local-derivative expressions into one function per
method, which costs about half as much per op. Nothing is written twice: the code is assembled
from each entry's ``value``, ``grads`` and ``methods``, and its docstring from ``doc``. Whenever
the fast path cannot decide (recording switched off, ``detect_anomaly`` on, float arithmetic
raising, as ``1 / 0.0`` does, or a function of :mod:`math` raising where the rule's own function
gives inf, as ``math.exp(1000.0)`` does) it hands the op to the generic path, so both give the
same Value bit for bit. The source of each method is in :mod:`linecache`, so
``inspect.getsource`` and tracebacks show it.

This module is the top of the engine's layers: importing ``autograd`` runs it first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import graph, higher, modes, numerics, record, value
from autograd.generated import compile_generated
from autograd.ops import RULES
from autograd.rule import FLOAT_NAMESPACE, Rule, float_text
from autograd.value import Value

_BINARY = """
def method(self, other):
    cls = other.__class__
    if cls is Value:
        number = other._data
    elif cls is float:  # a number is kept as it is, and made a Constant only when asked for
        number = other
    elif cls is int:
        try:
            number = other = float(other)
        except OverflowError:
            as_operand(other)  # raises, saying that the int is too large
            raise
    else:
        other = as_operand(other)
        if other is None:
            return NotImplemented
        number = other if other.__class__ is float else other._data
    a, b = {inputs}
    x, y = {numbers}
    if switched_modes and get_mode() is not DEFAULT_MODE:
        return apply2(rule, a, b)
    try:
        out = {value}
        d_first = {d_first}
        d_second = {d_second}
    except (ArithmeticError, ValueError):  # math raises where IEEE gives inf or nan
        return apply2(rule, a, b)
    node = new(Value)
    node._data = out
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
    x = self._data
    try:
        out = {value}
        d_first = {d_first}
    except (ArithmeticError, ValueError):
        return apply1(rule, self)
    node = new(Value)
    node._data = out
    node.grad = 0.0
    node._rule = rule
    node._first = self
    node._second = None
    node._d_first = d_first
    return node
"""

MACHINERY: dict[str, Any] = {
    "Value": Value,
    "new": record.new,
    "switched_modes": modes.switched_modes,
    "get_mode": modes.current_mode.get,
    "DEFAULT_MODE": modes.DEFAULT_MODE,
    "as_operand": record.as_operand,
    "apply1": record.apply1,
    "apply2": record.apply2,
}
"""What the generated methods call besides the rule functions."""

FAST_NAMESPACE: dict[str, Any] = {**FLOAT_NAMESPACE, **numerics.MATH_EQUIVALENTS, **MACHINERY}
"""The names of the generated methods: a rule function that wraps one function of :mod:`math`
is that function itself, which raises where the rule function gives inf or nan; the method
then hands the op to the generic path (:mod:`autograd.record`), so both give the same Value."""


def method_sources(rule: Rule) -> dict[str, str]:
    """The source of each method of ``rule``, by method name; for two inputs, the second
    method, if any, is the reflected one (``other`` is the first input)."""
    value, *grads = (float_text(text) for text in (rule.value, *rule.grads))
    if rule.arity == 1:
        return {name: _UNARY.format(value=value, d_first=grads[0]) for name in rule.methods}
    sources = {}
    for position, name in enumerate(rule.methods):
        reflected = position == 1
        sources[name] = _BINARY.format(
            inputs="other, self" if reflected else "self, other",
            numbers="number, self._data" if reflected else "self._data, number",
            value=value,
            d_first=grads[0],
            d_second=grads[1],
        )
    return sources


def generated_methods(rules: dict[str, Rule]) -> dict[str, Callable[..., Any]]:
    """One function per method named in the rules, compiled from their text."""
    methods: dict[str, Callable[..., Any]] = {}
    for rule in rules.values():
        for name, source in method_sources(rule).items():
            if name in methods:
                raise ValueError(f"two rules name the method {name!r}")
            namespace = {**FAST_NAMESPACE, "rule": rule, "__name__": __name__}
            exec(compile_generated(source, f"op {name}", "exec"), namespace)  # noqa: S102
            function: Callable[..., Any] = namespace["method"]
            function.__name__ = name
            function.__qualname__ = f"Value.{name}"
            function.__doc__ = f"{rule.doc}\n\nRule: ``{rule.formula}``. {rule.note}".rstrip()
            methods[name] = function
    return methods


def install() -> None:
    """Give Value its op methods and its backward passes."""
    methods = generated_methods(RULES)
    for name, function in methods.items():
        setattr(Value, name, function)
    value.install_constant_methods(methods)
    value.first_order_pass = graph.backward
    value.recorded_pass = higher.backward_create_graph


install()
