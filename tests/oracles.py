"""Every op of the rule table as an oracle: its entry's ``oracle`` text evaluated in mpmath or in
sympy, its ``torch`` text in PyTorch. The text is the entry's plain math, not the rule's own
code, so these are independent of the engine's formulas; a new op has its oracles at once."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import partial
from typing import Any

import mpmath
import sympy

from autograd import RULES, apply
from autograd.rule import Rule

MPMATH_NAMES: dict[str, Any] = {
    "exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt, "sin": mpmath.sin,
    "cos": mpmath.cos, "tanh": mpmath.tanh, "abs": mpmath.fabs, "max": max, "min": min,
    "power": mpmath.power, "erf": mpmath.erf, "atan": mpmath.atan, "atan2": mpmath.atan2,
    "tan": mpmath.tan, "sinh": mpmath.sinh, "cosh": mpmath.cosh, "log1p": mpmath.log1p,
    "expm1": mpmath.expm1,
}  # fmt: skip
SYMPY_NAMES: dict[str, Any] = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos,
    "tanh": sympy.tanh, "abs": sympy.Abs, "max": sympy.Max, "min": sympy.Min,
    "power": sympy.Pow, "erf": sympy.erf, "atan": sympy.atan, "atan2": sympy.atan2,
    "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "log1p": lambda x: sympy.log(1 + x), "expm1": lambda x: sympy.exp(x) - 1,
}  # fmt: skip


def _function(rule: Rule, text: str, names: dict[str, Any]) -> Callable[..., Any]:
    params = ", ".join(rule.inputs)
    return eval(f"lambda {params}: {text}", dict(names))  # type: ignore[no-any-return]


def mpmath_oracle(rule: Rule) -> Callable[..., Any]:
    """The op on mpmath numbers. A negative base with a non-integer exponent is nan (real pow)."""
    function = _function(rule, rule.oracle, MPMATH_NAMES)
    if rule.name != "pow":
        return function

    def real_power(x: Any, y: Any) -> Any:
        return mpmath.nan if x < 0 and y != int(y) else function(x, y)

    return real_power


def sympy_oracle(rule: Rule) -> Callable[..., Any]:
    return _function(rule, rule.oracle, SYMPY_NAMES)


def kink_distance(rule: Rule) -> Callable[..., Any] | None:
    """|kink expression| at a point, for the ops that have a kink."""
    if not rule.kink:
        return None
    return _function(rule, f"abs({rule.kink})", MPMATH_NAMES)


def torch_function(rule: Rule, torch: Any) -> Callable[..., Any]:
    """The op on tensors; numbers become float64 tensors."""
    function = _function(rule, rule.torch, {"torch": torch})

    def call(*args: Any) -> Any:
        return function(
            *(a if torch.is_tensor(a) else torch.tensor(a, dtype=torch.float64) for a in args)
        )

    return call


MPMATH: dict[str, Callable[..., Any]] = {name: mpmath_oracle(rule) for name, rule in RULES.items()}
VALUE_BACKEND: dict[str, Callable[..., Any]] = {
    name: partial(apply, rule) for name, rule in RULES.items()
}
"""Each op on Values (or numbers) through the generic path; programs.py uses the methods too."""
OPERATOR_METHODS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                    "div": operator.truediv, "neg": operator.neg, "pow": operator.pow,
                    "abs": abs}  # fmt: skip
