"""IEEE-754 float functions that never raise: the float layer under every op rule.

Python's ``math`` raises where IEEE arithmetic (and PyTorch float64) returns a value:
``math.exp(1000)`` raises ``OverflowError`` where IEEE gives ``inf``; ``math.log(0)`` raises
``ValueError`` where IEEE gives ``-inf``; ``(-8.0) ** (1/3)`` is a complex number where IEEE gives
``nan``. Each function here returns the IEEE result instead, so no op raises on any float input.
"""

from __future__ import annotations

import math
from collections.abc import Callable

inf = math.inf
nan = math.nan


def _is_odd_integer(y: float) -> bool:
    return y.is_integer() and math.fmod(y, 2.0) != 0.0


def div(x: float, y: float) -> float:
    """x / y, with x / 0 = ±inf by the signs of x and 0, and 0 / 0 = nan."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0.0 or x != x:
            return nan
        return math.copysign(inf, x) * math.copysign(1.0, y)


def power(x: float, y: float) -> float:
    """x ** y as C99 ``pow``: a negative base with a non-integer exponent is nan, never complex;
    0 ** negative is ±inf; overflow is ±inf."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return -inf if x < 0.0 and _is_odd_integer(y) else inf
    except ValueError:
        if x == 0.0:  # a pole: 0 ** negative
            return -inf if math.copysign(1.0, x) < 0.0 and _is_odd_integer(y) else inf
        return nan  # negative ** non-integer


def exp(x: float) -> float:
    """e ** x; inf where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Natural logarithm: log(0) = -inf, log(x < 0) = nan."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -inf
    return nan  # negative, -inf or nan


def sqrt(x: float) -> float:
    """Square root: sqrt(x < 0) = nan."""
    return math.sqrt(x) if x >= 0.0 else nan


def sin(x: float) -> float:
    """Sine: sin(±inf) = nan."""
    return math.sin(x) if math.isfinite(x) else nan


def cos(x: float) -> float:
    """Cosine: cos(±inf) = nan."""
    return math.cos(x) if math.isfinite(x) else nan


def tanh(x: float) -> float:
    """Hyperbolic tangent; ``math.tanh`` is already stable for every float."""
    return math.tanh(x)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed so that e^|x| never overflows.

    sigmoid(-1000) = 0 and sigmoid(1000) = 1, with no OverflowError on the way.
    """
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    if x != x:
        return nan
    e = math.exp(x)  # x < 0, so e is in [0, 1) and cannot overflow
    return e / (1.0 + e)


def sign(x: float) -> float:
    """-1, 0 or 1 by the sign of x; sign(0) = 0 and sign(nan) = 0, as PyTorch's ``sign``."""
    return float((x > 0.0) - (x < 0.0))


def softplus(x: float) -> float:
    """log(1 + e^x), computed as log1p(e^-|x|) + max(x, 0) so that e^x never overflows:
    softplus(1000) = 1000, softplus(-1000) = 0 (PyTorch's ``logaddexp(x, 0)``)."""
    return math.log1p(math.exp(-abs(x))) + (x if x > 0.0 else 0.0)


def maximum(x: float, y: float) -> float:
    """The larger of x and y; nan if either is nan, as PyTorch's ``maximum``."""
    if x != x or y != y:
        return nan
    return x if x >= y else y


def minimum(x: float, y: float) -> float:
    """The smaller of x and y; nan if either is nan, as PyTorch's ``minimum``."""
    if x != x or y != y:
        return nan
    return x if x <= y else y


def log1p(x: float) -> float:
    """log(1 + x), exact for small x: log1p(-1) = -inf, log1p(x < -1) = nan."""
    if x > -1.0:
        return math.log1p(x)
    if x == -1.0:
        return -inf
    return nan  # below -1, or nan


def expm1(x: float) -> float:
    """e ** x - 1, exact for small x; inf where it overflows."""
    try:
        return math.expm1(x)
    except OverflowError:
        return inf


def tan(x: float) -> float:
    """Tangent: tan(±inf) = nan."""
    return math.tan(x) if math.isfinite(x) else nan


def sinh(x: float) -> float:
    """Hyperbolic sine; ±inf where it overflows."""
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(inf, x)


def cosh(x: float) -> float:
    """Hyperbolic cosine; inf where it overflows."""
    try:
        return math.cosh(x)
    except OverflowError:
        return inf


def atan(x: float) -> float:
    """Arctangent, in (-pi/2, pi/2); ``math.atan`` never raises."""
    return math.atan(x)


def atan2(x: float, y: float) -> float:
    """The angle of the point (y, x) (x over y, as ``torch.atan2(x, y)``), in [-pi, pi]; IEEE's
    signed zeros and infinities as C99 ``atan2``, which ``math.atan2`` follows."""
    return math.atan2(x, y)


def erf(x: float) -> float:
    """The error function 2/sqrt(pi) * integral of e^(-t^2) from 0 to x; ``math.erf`` never
    raises. The normal distribution's CDF is (1 + erf(x / sqrt(2))) / 2."""
    return math.erf(x)


MATH_EQUIVALENTS: dict[str, Callable[..., float]] = {
    "power": math.pow, "exp": math.exp, "expm1": math.expm1, "sinh": math.sinh,
    "cosh": math.cosh, "tanh": math.tanh, "atan": math.atan, "atan2": math.atan2,
    "erf": math.erf,
}  # fmt: skip
"""For each function above that is one function of :mod:`math` where that function returns:
that function. It returns the same float, bit for bit, wherever it returns; where the function
above gives inf or nan instead of an error, it raises an ``ArithmeticError`` or ``ValueError``
(``math.exp(1000)``, ``math.pow(-8.0, 0.5)``). The generated op methods
(:mod:`autograd.methods`) call these, a call of Python fewer per function, and hand every input
where one raises to the rule's own functions, which never do. (``log``, ``sqrt``, ``log1p``,
``sin``, ``cos`` and ``tan`` are not here: for a nan input they return the nan of this module,
where :mod:`math` passes on the input's, whose sign may differ.)"""
