"""``gradcheck``: compare the gradients of backward with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.modes import no_grad
from autograd.value import Value, _as_float


class GradcheckError(Exception):
    """Backward and finite differences disagree; the message lists both for every input."""


def _input_point(x: object, index: int) -> tuple[float, str]:
    if isinstance(x, Value):
        return x.data, x.label or f"input {index}"
    try:
        return _as_float(x), f"input {index}"
    except TypeError:
        raise TypeError(
            f"gradcheck inputs must be Values or real numbers; input {index} is "
            f"{type(x).__name__}: {x!r}"
        ) from None


def _evaluate(f: Callable[..., Value | float], point: Sequence[float]) -> float:
    out = f(*(Value(x) for x in point))
    if not isinstance(out, (Value, int, float)):
        raise TypeError(f"gradcheck: f must return a Value or a number, got {type(out).__name__}")
    return float(out)


def _agree(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    return analytic == numeric or abs(analytic - numeric) <= atol + rtol * abs(numeric)


def gradcheck(
    f: Callable[..., Value | float],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check d f / d input_i from backward against the central difference
    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for every input.

    ``f`` takes one Value per input and returns a Value. The inputs are read, never changed:
    ``f`` runs on fresh leaves. An input passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|`` (as ``math.isclose`` with both
    tolerances, or ``torch.allclose``). Returns True, or raises :class:`GradcheckError` listing
    the analytic and numeric derivative of every input.

    >>> gradcheck(lambda x, y: x * y.sin(), [2.0, 0.5])
    True
    """
    if not (eps > 0.0 and atol >= 0.0 and rtol >= 0.0):
        raise ValueError(
            f"gradcheck needs eps > 0, atol >= 0, rtol >= 0; got {eps}, {atol}, {rtol}"
        )
    points, names = zip(*(_input_point(x, i) for i, x in enumerate(inputs))) if inputs else ((), ())
    leaves = [Value(x) for x in points]
    out = f(*leaves)
    if isinstance(out, Value):
        out.backward()
    elif not isinstance(out, (int, float)):
        raise TypeError(f"gradcheck: f must return a Value or a number, got {type(out).__name__}")
    analytic = [leaf.grad for leaf in leaves]
    numeric = []
    with no_grad():
        for i in range(len(points)):
            plus = list(points)
            minus = list(points)
            plus[i] += eps
            minus[i] -= eps
            numeric.append((_evaluate(f, plus) - _evaluate(f, minus)) / (2.0 * eps))
    failed = [i for i in range(len(points)) if not _agree(analytic[i], numeric[i], atol, rtol)]
    if failed:
        lines = [
            f"gradcheck: backward disagrees with finite differences for {len(failed)} of "
            f"{len(points)} inputs (eps={eps}, atol={atol}, rtol={rtol}):"
        ]
        for i, (name, point) in enumerate(zip(names, points)):
            mark = "MISMATCH" if i in failed else "ok"
            difference = analytic[i] - numeric[i]
            lines.append(
                f"  {mark:8} {name} = {point!r}: analytic {analytic[i]!r}, "
                f"numeric {numeric[i]!r}, difference {difference:.3g}"
            )
        raise GradcheckError("\n".join(lines))
    return True


__all__ = ["GradcheckError", "gradcheck"]
