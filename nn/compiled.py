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
from typing import Any, NamedTuple

from autograd import Value, cbuild
from autograd.compiler import (
    _tracing,
    build_backend,
    check_backend,
    generate_source,
    reached,
    warn_fallback,
)
from autograd.value import as_float
from nn.module import Module

LossFunction = Callable[[Value | list[Value], float], Value]
Compiled = Callable[..., tuple[float, tuple[float, ...]]]


class _Trace(NamedTuple):
    """One target's compiled sample loss: the function of (parameters, x, held gradients), the
    one to call where it raises ArithmeticError, its source, and the indices of the parameters
    its loss depends on (the others keep their ``.grad`` as it was, as with ``backward()``)."""

    fast: Compiled
    safe: Compiled
    source: str
    reached: list[int]


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
        self._compiled: dict[tuple[int, str], _Trace] = {}

    def _trace(self, x: Sequence[float], target: float) -> _Trace:
        inputs = [Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
        with _tracing():
            out = self.loss_fn(self.model(inputs), target)  # type: ignore[operator]
        if not isinstance(out, Value):
            raise TypeError(f"compile_loss: loss_fn must return a Value, got {type(out).__name__}")
        parameters = self.parameters
        source = generate_source(out, [*parameters, *inputs], "sample_loss", held=parameters)
        arguments = 2 * len(parameters) + len(inputs)
        # the warning of a fallback names the caller of __call__, batch or source (via _get)
        fast, safe, self.backend = build_backend(
            source, arguments, self.requested_backend, stacklevel=4
        )
        return _Trace(fast, safe, source, reached(out, parameters))

    def _get(self, x: Sequence[float], target: float) -> _Trace:
        key = (len(x), _target_key(target))
        if key not in self._compiled:
            self._compiled[key] = self._trace(x, target)
        return self._compiled[key]

    def _held(self) -> list[float]:
        """The parameters' grads as the generated code takes them: None (no gradient yet) as
        -0.0, the identity of addition, so that the first contribution becomes the grad."""
        return [-0.0 if p.grad is None else p.grad for p in self.parameters]

    def __call__(self, x: Sequence[float], target: float) -> float:
        """The loss of the sample ``x``; its gradient is added into each ``.grad`` as
        ``loss.backward()`` adds it, contribution by contribution in the same order, so with
        the same bits (a parameter used twice in the loss gets ``(held + c1) + c2``)."""
        numbers = [as_float(xi) for xi in x]
        trace = self._get(numbers, target)
        parameters = self.parameters
        arguments = [p.data for p in parameters] + numbers + self._held()
        loss, grads = _run(trace.fast, trace.safe, arguments)
        for i in trace.reached:
            parameters[i].grad = grads[i]
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
        traced: dict[str, _Trace] = {}
        for label, key in zip(labels, keys):
            if key not in traced:
                traced[key] = self._get(rows[0], label)
        addresses = [getattr(trace.fast, "address", None) for trace in traced.values()]
        driver = self._driver() if None not in addresses else None
        if driver is not None:
            index = {key: i for i, key in enumerate(traced)}
            which = [index[key] for key in keys]
            total, sums = self._batch_in_c(driver, rows, addresses, which)  # type: ignore[arg-type]
        else:
            total, sums = self._batch_in_python(rows, [traced[key] for key in keys])
        reached_by_any = sorted({i for trace in traced.values() for i in trace.reached})
        for i in reached_by_any:
            self.parameters[i].grad = sums[i]
        return total

    def _driver(self) -> Callable[..., None] | None:
        """The C loop over the samples; under ``backend="auto"``, None (the loop in Python, with
        a warning) where it cannot be built."""
        try:
            return cbuild.batch_driver()
        except (cbuild.CompilerNotFoundError, cbuild.CBuildError, OSError) as error:
            if self.requested_backend != "auto":
                raise
            warn_fallback(error, stacklevel=3)  # the caller of batch
            return None

    def _batch_in_python(
        self, rows: list[list[float]], traces: list[_Trace]
    ) -> tuple[float, list[float]]:
        data = [p.data for p in self.parameters]
        held = self._held()
        n_parameters = len(held)
        total = 0.0
        for row, trace in zip(rows, traces):
            loss, grads = _run(trace.fast, trace.safe, data + row + held)
            total += loss
            held = list(grads[:n_parameters])
        return total, held

    def _batch_in_c(
        self,
        driver: Callable[..., None],
        rows: list[list[float]],
        addresses: list[int],
        which: list[int],
    ) -> tuple[float, list[float]]:
        """The C loop over the samples: sample s runs the function at addresses[which[s]]."""
        parameters = self.parameters
        n_parameters, n_x, n_samples = len(parameters), len(rows[0]), len(rows)
        total = ctypes.c_double(0.0)
        sums = array("d", self._held())
        inputs = array("d", [p.data for p in parameters])
        inputs.extend([0.0] * (n_x + n_parameters))  # x and the held gradients: the driver's
        driver(
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
        return self._get([as_float(xi) for xi in x], target).source


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
