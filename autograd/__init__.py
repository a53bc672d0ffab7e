"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.sin()
>>> y.backward()
>>> round(x.grad, 6)  # 2x + cos(x)
3.583853

The derivative rules of every op live in one table, :mod:`autograd.ops`.
"""

from autograd.functions import cos, exp, log, power, relu, sigmoid, sin, sqrt, tanh
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.graph import backward, topological_order
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.ops import RULES
from autograd.rule import Rule
from autograd.value import Constant, Value, apply

__all__ = [
    "RULES",
    "Constant",
    "GradcheckError",
    "Rule",
    "Value",
    "apply",
    "backward",
    "cos",
    "detect_anomaly",
    "enable_grad",
    "exp",
    "gradcheck",
    "is_grad_enabled",
    "log",
    "no_grad",
    "power",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
    "topological_order",
]
