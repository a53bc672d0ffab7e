"""``compile_loss``: a model's per-sample loss as straight-line Python (or C), for fast training.

The loss of one sample is traced once (per distinct target) and compiled with
:func:`autograd.compile`'s code generator, the model's parameters and the sample's inputs as
arguments. Each call reads the parameters' current numbers and adds the sample's gradient into
their ``.grad``, as ``loss.backward()`` would, so it drops into an ordinary training loop.
"""

from __future__ import annotations

import ctypes
from array import array
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

from autograd import Value, cbuild
from autograd.compiler import _tracing, build_backend, check_backend, generate_source
from autograd.value import as_float
from nn.module import Module

LossFunction = Callable[[Value | list[Value], float], Value]
Compiled = Callable[..., tuple[float, tuple[float, ...]]]


class CompiledLoss:
    """``loss = compiled(x, target)``: one sample's loss as a float, its gradient added into
    every parameter's ``.grad``. ``source(target)`` shows the code for a target."""

    def __init__(self, model: Module, loss_fn: LossFunction, backend: str = "python") -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.requested_backend = check_backend(backend)
        self.backend = ""
        """The backend of the last trace: "python" or "c" ("auto" resolved)."""
        self.parameters = model.parameters()
        self._compiled: dict[tuple[int, str], tuple[Compiled, Compiled, str]] = {}

    def _trace(self, x: Sequence[float], target: float) -> tuple[Compiled, Compiled, str]:
        inputs = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
        with _tracing():
            out = self.loss_fn(self.model(inputs), target)  # type: ignore[operator]
        if not isinstance(out, Value):
            raise TypeError(f"compile_loss: loss_fn must return a Value, got {type(out).__name__}")
        source = generate_source(out, [*self.parameters, *inputs], "sample_loss")
        arguments = len(self.parameters) + len(inputs)
        fast, safe, self.backend = build_backend(source, arguments, self.requested_backend)
        return fast, safe, source

    def _get(self, x: Sequence[float], target: float) -> tuple[Compiled, Compiled, str]:
        key = (len(x), _target_key(target))
        if key not in self._compiled:
            self._compiled[key] = self._trace(x, target)
        return self._compiled[key]

    def __call__(self, x: Sequence[float], target: float) -> float:
        numbers = [as_float(xi) for xi in x]
        fast, safe, _ = self._get(numbers, target)
        loss, grads = _run(fast, safe, [p.data for p in self.parameters] + numbers)
        for parameter, gradient in zip(self.parameters, grads):
            held = parameter.grad  # None: no gradient since zero_grad, so this one starts it
            parameter.grad = gradient if held is None else held + gradient
        return loss

    def batch(self, xs: Sequence[Sequence[float]], targets: Sequence[float]) -> float:
        """The summed loss of the samples ``zip(xs, targets)``, their summed gradient added into
        the parameters' ``.grad``: bit for bit the loop ``total = 0.0; for x, t in zip(xs,
        targets): total += compiled(x, t)``, with sample 0, 1, 2, ... added in that order to
        the loss and to each ``.grad`` (a ``None`` grad starts at the first sample's gradient).
        On the C backend the whole loop is one call into C. Every sample is checked (and each
        new target traced) before anything is added, so a bad batch leaves ``.grad`` as it was.
        """
        rows, labels = _check_batch(xs, targets)
        if not rows:
            return 0.0
        keys = [_target_key(label) for label in labels]
        traced: dict[str, tuple[Compiled, Compiled]] = {}
        for label, key in zip(labels, keys):
            if key not in traced:
                traced[key] = self._get(rows[0], label)[:2]
        addresses = [getattr(fast, "address", None) for fast, _ in traced.values()]
        if None not in addresses:
            index = {key: i for i, key in enumerate(traced)}
            which = [index[key] for key in keys]
            total, sums = self._batch_in_c(rows, addresses, which)  # type: ignore[arg-type]
        else:
            total, sums = self._batch_in_python(rows, [traced[key] for key in keys])
        for parameter, gradient in zip(self.parameters, sums):
            parameter.grad = gradient
        return total

    def _batch_in_python(
        self, rows: list[list[float]], functions: list[tuple[Compiled, Compiled]]
    ) -> tuple[float, list[float]]:
        data = [p.data for p in self.parameters]
        held: list[float | None] = [p.grad for p in self.parameters]
        total = 0.0
        for row, (fast, safe) in zip(rows, functions):
            loss, grads = _run(fast, safe, data + row)
            total += loss
            held = [g if h is None else h + g for h, g in zip(held, grads)]
        return total, held  # type: ignore[return-value]  # every grad set by the first sample

    def _batch_in_c(
        self, rows: list[list[float]], addresses: list[int], which: list[int]
    ) -> tuple[float, list[float]]:
        """The C loop over the samples: sample s runs the function at addresses[which[s]]."""
        parameters = self.parameters
        n_parameters, n_x, n_samples = len(parameters), len(rows[0]), len(rows)
        total = ctypes.c_double(0.0)
        sums = array("d", [-0.0 if p.grad is None else p.grad for p in parameters])
        inputs = array("d", [p.data for p in parameters])
        inputs.extend([0.0] * n_x)
        cbuild.batch_driver()(
            ctypes.c_long(n_samples),
            ctypes.c_long(n_parameters),
            ctypes.c_long(n_x),
            (ctypes.c_void_p * len(addresses))(*addresses),
            _pointer(array("i", which), ctypes.c_int),
            _pointer(array("d", chain.from_iterable(rows)), ctypes.c_double),
            _pointer(inputs, ctypes.c_double),
            _pointer(array("d", bytes(8 * (1 + n_parameters + n_x))), ctypes.c_double),
            ctypes.byref(total),
            _pointer(sums, ctypes.c_double),
        )
        return total.value, sums.tolist()

    def source(self, x: Sequence[float], target: float) -> str:
        """The generated code for samples of this size and this target."""
        return self._get([as_float(xi) for xi in x], target)[2]


def _pointer(numbers: array[Any], kind: type[Any]) -> Any:
    """A C array over the memory of ``numbers`` (no copy; it keeps ``numbers`` alive)."""
    return (kind * len(numbers)).from_buffer(numbers)


def _run(fast: Compiled, safe: Compiled, arguments: list[float]) -> tuple[float, tuple[float, ...]]:
    try:
        return fast(*arguments)
    except ArithmeticError:  # 1 / 0.0 and the like: the IEEE version, as the eager engine
        return safe(*arguments)


def _check_batch(
    xs: Sequence[Sequence[float]], targets: Sequence[float]
) -> tuple[list[list[float]], list[float]]:
    """The batch's samples as lists of floats, with their targets; a clear error for a batch
    whose lengths differ, whose samples differ in size, or that holds what is not a number."""
    for name, given in (("xs", xs), ("targets", targets)):
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
            raise TypeError(f"batch: {name} must be a sequence, got {type(given).__name__}")
    if len(xs) != len(targets):
        raise ValueError(
            f"batch: xs and targets must have the same length, got {len(xs)} and {len(targets)}"
        )
    if (
        {type(x) for x in xs} <= {list, tuple}
        and len({len(x) for x in xs}) <= 1
        and {type(xi) for x in xs for xi in x} <= {float}
    ):  # the common case, checked at once: rows of floats of one size
        rows = list(map(list, xs))
    else:
        rows = _checked_rows(xs)
    if not {type(t) for t in targets} <= {float, int}:
        for s, target in enumerate(targets):
            as_float(target, f"batch: targets[{s}]")
    return rows, list(targets)


def _checked_rows(xs: Sequence[Sequence[float]]) -> list[list[float]]:
    """Each sample as a list of floats, or the error for the first that is not one."""
    rows = []
    size = len(xs[0]) if len(xs) else 0
    for s, x in enumerate(xs):
        if type(x) not in (list, tuple) and (
            isinstance(x, (str, bytes)) or not isinstance(x, Sequence)
        ):
            raise TypeError(f"batch: xs[{s}] must be a sequence of numbers, got {x!r}")
        if len(x) != size:
            raise ValueError(
                f"batch: every sample must have the size of xs[0], {size} numbers; "
                f"xs[{s}] has {len(x)}"
            )
        rows.append([as_float(xi, f"batch: xs[{s}][{i}]") for i, xi in enumerate(x)])
    return rows


def _target_key(target: float) -> str:
    """A target as the key of its trace: its bits, so that 0.0 and -0.0 (equal, but a loss can
    tell them apart: 1 / t) get traces of their own, and a nan (equal to nothing) is traced once."""
    return float(target).hex()


def compile_loss(model: Module, loss_fn: LossFunction, backend: str = "python") -> CompiledLoss:
    """Compile ``loss_fn(model(x), target)`` for one sample ``x``.

    Calling the result with ``(x, target)`` returns the loss and adds its gradient into the
    parameters' ``.grad``; sum over a batch, then step an optimizer. The trace fixes Python
    control flow, and each distinct target value is traced once (a hinge loss's labels are
    checked in Python, so the label is part of the trace). ``backend`` is as for
    :func:`autograd.compile`: ``"c"`` runs the same code as C, with the same bits.

    Examples:
        >>> import random
        >>> from nn import MLP, SGD, mse_loss
        >>> model = MLP(2, [4, 1], rng=random.Random(0))
        >>> sample_loss = compile_loss(model, lambda out, t: mse_loss([out], [t]))
        >>> loss = sample_loss([0.5, -1.0], 1.0)
        >>> SGD(model.parameters(), lr=0.1).step()
    """
    if not isinstance(model, Module):
        raise TypeError(f"compile_loss needs an nn.Module, got {type(model).__name__}")
    return CompiledLoss(model, loss_fn, backend)
