"""chainrule's engine: scalar reverse-mode automatic differentiation.

Examples:
    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.sin()
    >>> y.backward()
    >>> round(x.grad, 6)  # 2x + cos(x)
    3.583853

The derivative rules of every op live in one table, :mod:`autograd.ops`. The modules form
layers, each importing only those below it: ``files``, ``collector``, ``numerics``,
``generated``, ``rule``, ``ops``, ``modes``, ``pickling``, ``value``, ``record``, ``graph``,
``functions``, ``higher``, ``methods`` (which gives Value its op methods), then the features
``trace``, ``gradcheck``, ``render``, ``draw``, ``javascript`` (a graph as a JavaScript program,
for the player), ``player``, ``cgen`` (the compiled program as C), ``cbuild`` (building it,
cached), ``simplify`` (the generated code's bit-exact simplifications) and ``compiler``. At the
bottom, ``files`` writes a file atomically, for every ``save``, and ``collector`` holds
:func:`fewer_collections`, for training loops.
"""

from typing import TYPE_CHECKING

from autograd import functions as _functions
from autograd import methods as _methods  # noqa: F401 - gives Value its op methods
from autograd.collector import fewer_collections
from autograd.compiler import CompiledFunction
from autograd.compiler import compile_function as compile
from autograd.draw import Graph, draw
from autograd.functions import where as where
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.graph import EdgeStep, Frame, backward, topological_order
from autograd.higher import derivative, grad, hessian
from autograd.modes import TracingError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.ops import RULES
from autograd.player import StepThrough, step_through
from autograd.record import apply
from autograd.render import RenderError
from autograd.rule import Rule
from autograd.trace import backward_steps, explain
from autograd.value import Constant, Value

# Every op's free function (exp, power, maximum, ...), from the rule table.
globals().update({name: getattr(_functions, name) for name in _functions.__all__})
if TYPE_CHECKING:
    from autograd.functions import atan as atan
    from autograd.functions import atan2 as atan2
    from autograd.functions import cos as cos
    from autograd.functions import cosh as cosh
    from autograd.functions import erf as erf
    from autograd.functions import exp as exp
    from autograd.functions import expm1 as expm1
    from autograd.functions import log as log
    from autograd.functions import log1p as log1p
    from autograd.functions import maximum as maximum
    from autograd.functions import minimum as minimum
    from autograd.functions import power as power
    from autograd.functions import relu as relu
    from autograd.functions import sigmoid as sigmoid
    from autograd.functions import sin as sin
    from autograd.functions import sinh as sinh
    from autograd.functions import softplus as softplus
    from autograd.functions import sqrt as sqrt
    from autograd.functions import tan as tan
    from autograd.functions import tanh as tanh

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
    "derivative",
    "detect_anomaly",
    "draw",
    "enable_grad",
    "explain",
    "fewer_collections",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "step_through",
    "topological_order",
    *_functions.__all__,
]
