"""softmax and log_softmax of a list of logits, stable for any logits, composed from ops.

Both subtract the largest logit m first: log_softmax_i = (z_i - m) - log(sum_j e^(z_j - m)),
which is log(e^z_i / sum_j e^z_j) for every m, and with m the largest no exp overflows (each
e^(z_j - m) is at most 1, and the sum at least 1). So logits of 1000 and -1000 give the exact
finite [0, -2000]. m is computed with the ``maximum`` op, not read from the data, so a compiled
function shifts by the largest logit of each input, not of the input it was traced on. The
gradient through m cancels (d/dm of log_softmax_i is -1 + sum_j softmax_j = 0), as PyTorch's,
whose max is a constant, so the gradient is softmax's: d log_softmax_i / dz_k = [i = k] - softmax_k.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from autograd import Value
from autograd.value import as_float, number_text

Number = Value | float


def _logits(logits: Sequence[Number], who: str) -> list[Value]:
    if isinstance(logits, Value) or not isinstance(logits, Sequence) or isinstance(logits, str):
        raise TypeError(f"{who} takes a list of logits, got {type(logits).__name__}")
    if not logits:
        raise ValueError(f"{who} needs at least one logit, got none")
    return [
        z if z.__class__ is Value else input_value(z, "logit", i, who) for i, z in enumerate(logits)
    ]


def given(x: object) -> str:
    """What was given, for a message: its type and a short repr (a huge int by its size)."""
    text = number_text(x)
    return f"{type(x).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def input_value(x: object, what: str, index: int, who: str) -> Value:
    """Input ``index`` of ``who`` (a ``what``: a logit, a prediction) as a Value: a Value as it
    is, a real number (not a bool) as a new leaf; a TypeError naming all four otherwise."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {what} {index} must be a Value or a real number, got {given(x)}")
    return Value(as_float(x, f"{who}: {what} {index}"))


def _shifted(logits: list[Value]) -> tuple[list[Value], list[Value], Value]:
    """z_i - m, e^(z_i - m) and their sum, for m the largest logit (by ``maximum`` ops)."""
    largest = logits[0]
    for z in logits[1:]:
        largest = largest.maximum(z)
    shifted = [z - largest for z in logits]
    exps = [s.exp() for s in shifted]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return shifted, exps, total


def shifted_and_log_total(logits: Sequence[Number], who: str) -> tuple[list[Value], Value]:
    """z_i - m and log(sum_j e^(z_j - m)), for m the largest logit: log_softmax_i is the first
    minus the second (``nn.cross_entropy`` takes the second minus the first, so that a loss of 0
    is +0.0, as PyTorch's, not -0.0)."""
    shifted, _, total = _shifted(_logits(logits, who))
    return shifted, total.log()


def log_softmax(logits: Sequence[Number]) -> list[Value]:
    """log softmax_i = z_i - log(sum_j e^z_j), computed as (z_i - m) - log(sum_j e^(z_j - m))
    for m the largest logit, as PyTorch's ``log_softmax``: finite for any finite logits.

    Examples:
        >>> [v.data for v in log_softmax([1000.0, -1000.0])]
        [0.0, -2000.0]
    """
    shifted, log_total = shifted_and_log_total(logits, "log_softmax")
    return [s - log_total for s in shifted]


def softmax(logits: Sequence[Number]) -> list[Value]:
    """softmax_i = e^z_i / sum_j e^z_j, computed as e^(z_i - m) / sum_j e^(z_j - m) for m the
    largest logit, as PyTorch's ``softmax``: no overflow, each in [0, 1].

    Examples:
        >>> [v.data for v in softmax([0.0, 0.0])]
        [0.5, 0.5]
    """
    _, exps, total = _shifted(_logits(logits, "softmax"))
    return [e / total for e in exps]
