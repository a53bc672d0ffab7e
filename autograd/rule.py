"""An op rule: a primitive's forward value and local derivatives, written once as expressions.

A rule is text such as ``Rule("mul", "x * y", grads=("y", "x"))``: the output and the partial
derivative of the output with respect to each input, in ordinary arithmetic over the inputs
``x`` (and ``y``) and the output ``out``. The text is compiled three ways, so it is written once
and read everywhere (the formula shown to people is the code that runs):

- ``forward`` / ``local_grads``: on floats, the fast path (where ``float(a)``, written for Values,
  is just ``a``);
- ``forward_ieee`` / ``local_grads_ieee``: on floats, with ``/`` replaced by the IEEE division of
  :mod:`autograd.numerics`, used when the fast path raises (``1 / 0.0`` gives ``inf``, not
  ``ZeroDivisionError``);
- :meth:`Rule.local_grads_on_values`: on :class:`~autograd.Value` inputs, so a derivative is itself
  differentiable (higher-order gradients).

In rule text, names such as ``exp`` or ``power`` are the functions of :mod:`autograd.numerics` on
floats and the functions of :mod:`autograd.functions` on Values. ``**`` is not allowed: on floats
it can return a complex number, so rules write ``power(x, y)``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from autograd import numerics

FloatFunction = Callable[..., float]
GradsFunction = Callable[..., tuple[Any, ...]]

RULE_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "power", "sign", "step")
"""The functions rule text may call, by name."""

_FLOAT_NAMESPACE: dict[str, object] = {name: getattr(numerics, name) for name in RULE_FUNCTIONS}
_IEEE_NAMESPACE: dict[str, object] = {**_FLOAT_NAMESPACE, "_ieee_div": numerics.div}
_INPUT_NAMES = ("x", "y")


class _DivisionToIEEE(ast.NodeTransformer):
    """Rewrites ``a / b`` as ``_ieee_div(a, b)``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            call = ast.Call(ast.Name("_ieee_div", ast.Load()), [node.left, node.right], [])
            return ast.copy_location(call, node)
        return node


class _FloatCallsRemoved(ast.NodeTransformer):
    """Rewrites ``float(a)`` as ``a``: rule text calls float() to compare a Value's number
    (``float(y) == 0.0``), and on floats it is the identity, which costs a call."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1:
            return node.args[0]
        return node


def float_text(text: str) -> str:
    """Rule text as it runs on floats: with ``float(a)`` written ``a``."""
    return ast.unparse(_FloatCallsRemoved().visit(ast.parse(text, mode="eval")))


def _check_text(name: str, text: str, allowed: set[str]) -> None:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            raise ValueError(f"rule {name!r}: write power(a, b) instead of a ** b in {text!r}")
        if isinstance(node, ast.Name) and node.id not in allowed:
            raise ValueError(f"rule {name!r}: unknown name {node.id!r} in {text!r}")


def _lambda(params: str, body: str, namespace: dict[str, object], ieee: bool) -> Any:
    tree = ast.parse(f"lambda {params}: {body}", mode="eval")
    if ieee:
        tree = ast.fix_missing_locations(_DivisionToIEEE().visit(tree))
    return eval(compile(tree, "<rule>", "eval"), dict(namespace))  # noqa: S307 - our own rule text


class Rule:
    """One primitive op: its name, its value and the local derivative of each input.

    Examples:
        >>> mul = Rule("mul", "x * y", grads=("y", "x"))
        >>> mul.forward(3.0, 4.0), mul.local_grads(3.0, 4.0, 12.0)
        (12.0, (4.0, 3.0))
        >>> print(mul.formula)
        out = x * y;  dout/dx = y;  dout/dy = x
    """

    __slots__ = (
        "_grads_on_values",
        "arity",
        "forward",
        "forward_ieee",
        "grads",
        "inputs",
        "local_grads",
        "local_grads_ieee",
        "name",
        "note",
        "value",
    )

    def __init__(self, name: str, value: str, *, grads: tuple[str, ...], note: str = "") -> None:
        if not 1 <= len(grads) <= len(_INPUT_NAMES):
            raise ValueError(f"rule {name!r}: expected 1 or 2 local derivatives, got {len(grads)}")
        self.name = name
        self.value = value
        self.grads = grads
        self.note = note
        self.arity = len(grads)
        self.inputs = _INPUT_NAMES[: self.arity]
        _check_text(name, value, set(self.inputs) | set(RULE_FUNCTIONS) | {"abs"})
        for text in grads:
            _check_text(
                name, text, set(self.inputs) | set(RULE_FUNCTIONS) | {"out", "float", "abs"}
            )
        params = ", ".join(self.inputs)
        grads_tuple = f"({', '.join(grads)},)"
        float_value, float_grads = float_text(value), float_text(grads_tuple)
        self.forward: FloatFunction = _lambda(params, float_value, _FLOAT_NAMESPACE, ieee=False)
        self.forward_ieee: FloatFunction = _lambda(params, float_value, _IEEE_NAMESPACE, ieee=True)
        self.local_grads: GradsFunction = _lambda(
            f"{params}, out", float_grads, _FLOAT_NAMESPACE, ieee=False
        )
        self.local_grads_ieee: GradsFunction = _lambda(
            f"{params}, out", float_grads, _IEEE_NAMESPACE, ieee=True
        )
        self._grads_on_values: GradsFunction | None = None

    @property
    def formula(self) -> str:
        """The rule as one line of math: the output, then each local derivative."""
        parts = [f"out = {self.value}"]
        parts += [f"dout/d{name} = {text}" for name, text in zip(self.inputs, self.grads)]
        return ";  ".join(parts)

    def local_grads_on_values(self, *inputs_and_out: Any) -> tuple[Any, ...]:
        """The local derivatives evaluated on Values (or numbers), each a differentiable Value."""
        if self._grads_on_values is None:
            from autograd import functions  # a cycle at import time: functions needs Value

            namespace = {name: getattr(functions, name) for name in RULE_FUNCTIONS}
            params = ", ".join(self.inputs)
            grads_tuple = f"({', '.join(self.grads)},)"
            self._grads_on_values = _lambda(f"{params}, out", grads_tuple, namespace, ieee=False)
        return self._grads_on_values(*inputs_and_out)

    def __repr__(self) -> str:
        return f"Rule({self.name!r}: {self.formula})"
