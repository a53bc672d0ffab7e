"""``gradcheck``: compare derivatives from backward with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.higher import hessian
from autograd.modes import no_grad
from autograd.value import Value, as_float


class GradcheckError(Exception):
    """Backward and finite differences disagree; the message lists both for every entry."""


def _input_point(x: object, index: int) -> tuple[float, str]:
    if isinstance(x, Value):
        return x.data, x.label or f"input {index}"
    try:
        return as_float(x), f"input {index}"
    except TypeError:
        raise TypeError(
            f"gradcheck inputs must be Values or real numbers; input {index} is "
            f"{type(x).__name__}: {x!r}"
        ) from None


def _checked_output(out: object) -> Value | float:
    if not isinstance(out, (Value, int, float)):
        raise TypeError(f"gradcheck: f must return a Value or a number, got {type(out).__name__}")
    return out


def _value_at(f: Callable[..., Value | float], point: Sequence[float]) -> float:
    with no_grad():
        return float(_checked_output(f(*(Value(x) for x in point))))


def _gradient_at(f: Callable[..., Value | float], point: Sequence[float]) -> list[float]:
    leaves = [Value(x) for x in point]
    out = _checked_output(f(*leaves))
    if isinstance(out, Value):
        out.backward()
    return [0.0 if leaf.grad is None else leaf.grad for leaf in leaves]  # fresh: never None


def _shifted(point: Sequence[float], index: int, step: float) -> list[float]:
    moved = list(point)
    moved[index] += step
    return moved


def _agree(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    return analytic == numeric or abs(analytic - numeric) <= atol + rtol * abs(numeric)


def gradcheck(
    f: Callable[..., Value | float],
    inputs: Sequence[Value | float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """Check the derivatives of ``f`` at ``inputs`` against central differences.

    ``order=1`` checks d f / d x_i from backward against (f(x + eps e_i) - f(x - eps e_i)) / 2 eps.
    ``order=2`` also checks every second derivative d^2 f / dx_i dx_j from a recorded backward
    pass (:func:`autograd.hessian`) against the central difference of the backward gradient,
    (g_i(x + eps e_j) - g_i(x - eps e_j)) / 2 eps.

    ``f`` takes one Value per input and returns a Value. The inputs are read, never changed:
    ``f`` runs on fresh leaves. An entry passes when ``|analytic - numeric| <= atol + rtol *
    |numeric|`` (as ``torch.allclose``). Returns True, or raises :class:`GradcheckError` listing
    the analytic and numeric value of every entry.

    Examples:
        >>> gradcheck(lambda x, y: x * y.sin(), [2.0, 0.5], order=2)
        True
    """
    if not (eps > 0.0 and atol >= 0.0 and rtol >= 0.0):
        raise ValueError(
            f"gradcheck needs eps > 0, atol >= 0, rtol >= 0; got {eps}, {atol}, {rtol}"
        )
    if order not in (1, 2):
        raise ValueError(f"gradcheck checks order 1 or 2, got {order!r}")
    checked = [_input_point(x, i) for i, x in enumerate(inputs)]
    points = [point for point, _ in checked]
    names = [name for _, name in checked]
    entries = []  # (description, analytic, numeric)
    analytic = _gradient_at(f, points)
    for i, name in enumerate(names):
        numeric = (
            _value_at(f, _shifted(points, i, eps)) - _value_at(f, _shifted(points, i, -eps))
        ) / (2.0 * eps)
        entries.append((f"d/d[{name} = {points[i]!r}]", analytic[i], numeric))
    if order == 2:
        second = hessian(f, points)
        for j, name_j in enumerate(names):
            plus = _gradient_at(f, _shifted(points, j, eps))
            minus = _gradient_at(f, _shifted(points, j, -eps))
            for i, name_i in enumerate(names):
                numeric = (plus[i] - minus[i]) / (2.0 * eps)
                entries.append((f"d2/d[{name_i}]d[{name_j}]", second[i][j], numeric))
    failed = [entry for entry in entries if not _agree(entry[1], entry[2], atol, rtol)]
    if failed:
        lines = [
            f"gradcheck: backward disagrees with finite differences for {len(failed)} of "
            f"{len(entries)} derivatives (eps={eps}, atol={atol}, rtol={rtol}):"
        ]
        for entry in entries:
            description, got, expected = entry
            mark = "MISMATCH" if entry in failed else "ok"
            lines.append(
                f"  {mark:8} {description}: analytic {got!r}, numeric {expected!r}, "
                f"difference {got - expected:.3g}"
            )
        raise GradcheckError("\n".join(lines))
    return True
