"""``compile_loss``: a model's per-sample loss as straight-line Python (or C), for fast training.

The loss of one sample is traced once (per distinct target) and compiled with
:func:`autograd.compile`'s code generator, the model's parameters and the sample's inputs as
arguments. Each call reads the parameters' current numbers and adds the sample's gradient into
their ``.grad``, as ``loss.backward()`` would, so it drops into an ordinary training loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd import Value
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
        self._compiled: dict[tuple[int, float], tuple[Compiled, Compiled, str]] = {}

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
        key = (len(x), target)
        if key not in self._compiled:
            self._compiled[key] = self._trace(x, target)
        return self._compiled[key]

    def __call__(self, x: Sequence[float], target: float) -> float:
        numbers = [as_float(xi) for xi in x]
        fast, safe, _ = self._get(numbers, target)
        arguments = [p.data for p in self.parameters] + numbers
        try:
            loss, grads = fast(*arguments)
        except ArithmeticError:
            loss, grads = safe(*arguments)
        for parameter, gradient in zip(self.parameters, grads):
            held = parameter.grad  # None: no gradient since zero_grad, so this one starts it
            parameter.grad = gradient if held is None else held + gradient
        return loss

    def source(self, x: Sequence[float], target: float) -> str:
        """The generated code for samples of this size and this target."""
        return self._get([as_float(xi) for xi in x], target)[2]


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
