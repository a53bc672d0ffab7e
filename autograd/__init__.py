"""chainrule's engine: scalar reverse-mode automatic differentiation.

Examples:
    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.sin()
    >>> y.backward()
    >>> round(x.grad, 6)  # 2x + cos(x)
    3.583853

The derivative rules of every op live in one table, :mod:`autograd.ops`.
"""

from autograd.compiler import CompiledFunction
from autograd.compiler import compile_function as compile
from autograd.draw import Graph, draw
from autograd.functions import cos, exp, log, power, relu, sigmoid, sin, sqrt, tanh
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.graph import backward, topological_order
from autograd.higher import derivative, grad, hessian
from autograd.modes import TracingError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.ops import RULES
from autograd.player import StepThrough, step_through
from autograd.render import RenderError
from autograd.rule import Rule
from autograd.trace import EdgeStep, Frame, backward_steps, explain
from autograd.value import Constant, Value, apply

__all__ = [
    "RULES",
    "CompiledFunction",
    "Constant",
    "EdgeStep",
    "Frame",
    "GradcheckError",
    "Graph",
    "RenderError",
    "Rule",
    "StepThrough",
    "TracingError",
    "Value",
    "apply",
    "backward",
    "backward_steps",
    "compile",
    "cos",
    "derivative",
    "detect_anomaly",
    "draw",
    "enable_grad",
    "exp",
    "explain",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "log",
    "no_grad",
    "power",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "step_through",
    "tanh",
    "topological_order",
]
