"""Optimizers with the update rules of ``torch.optim``, step for step.

Each takes an iterable of parameter Values and updates their ``data`` from their ``grad`` in
``step()``; ``zero_grad()`` resets the gradients. ``step_explained()`` takes the same step and
also returns, per parameter, an :class:`Update`: the old and new value, the gradient, and the
update formula written out with its numbers. Hyper-parameters are checked as PyTorch checks
them, with a ``ValueError`` naming the bad value, before any state is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from autograd import Value


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight (end - start), computed from the nearer end as ``torch.lerp`` does."""
    if abs(weight) < 0.5:
        return weight * (end - start) + start
    return (weight - 1.0) * (end - start) + end


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class Update:
    """One parameter's change in one optimizer step: ``new = old - (the optimizer's rule)``.

    ``old`` and ``new`` are the parameter's data before and after the step, ``grad`` its
    gradient as the step read it (before any weight decay or sign change). ``lines`` is the
    update written out, one line per quantity the step computes for this parameter (each state
    it updates, then the parameter), first with names, then with the numbers put in, then the
    result, for example ``w35 = w35 - lr * grad = 0.3 - 1 * 0.08217 = 0.2178``. The numbers are
    the very floats the step computed, printed with ``%.{precision}g``.
    """

    parameter: Value
    old: float
    grad: float
    new: float
    lines: tuple[str, ...]


class _Explanation:
    """Collects one parameter's update lines: ``target = formula = numbers = result``.

    ``number`` prints a float with ``%.{precision}g``, a negative one in parentheses so that
    ``0.3 - 1 * (-0.08)`` reads as it computes.
    """

    def __init__(self, name: str, precision: int) -> None:
        self.name = name
        self.precision = precision
        self.lines: list[str] = []

    def number(self, x: float) -> str:
        text = self.result(x)
        return f"({text})" if text.startswith("-") else text

    def result(self, x: float) -> str:
        return f"{x:.{self.precision}g}"

    def line(self, target: str, formula: str, numbers: str, result: float) -> None:
        """Add ``target = formula = numbers = result``, leaving out ``numbers`` when they say
        nothing more than the result (``b = grad = 0.08``)."""
        parts = [target, formula, numbers, self.result(result)]
        if numbers == parts[3]:
            del parts[2]
        self.lines.append(" = ".join(parts))


class Optimizer:
    """Holds the parameter list; subclasses define the per-parameter update ``_update``.

    ``step()`` and ``step_explained()`` both run ``_update`` once per parameter, so the step
    that explains itself is the same float arithmetic as the step that does not.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        for index, param in enumerate(self.params):
            if not isinstance(param, Value):
                raise TypeError(
                    f"optimizer parameters must be Values; item {index} is {type(param).__name__}"
                )
        _check(len(self.params) > 0, "optimizer got an empty parameter list")
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for param in self.params:
            param.grad = 0.0

    def step(self) -> None:
        """Update every parameter's data from its gradient, by the optimizer's rule."""
        self._start_step()
        for index, param in enumerate(self.params):
            param.data = self._update(index, param, None)

    def step_explained(self, precision: int = 4) -> list[Update]:
        """Take exactly the step ``step()`` takes, and return one :class:`Update` per parameter.

        Every parameter is updated (one whose gradient is 0 may keep its value, or move by its
        momentum), so the list has one entry per parameter, in parameter order. Lines name a
        parameter by its label, or ``p<i>`` by its position ``i`` in the list when it has none;
        numbers are printed with ``%.{precision}g``.
        """
        if type(precision) is not int or precision < 1:
            raise ValueError(f"precision must be an int of at least 1, got {precision!r}")
        self._start_step()
        updates = []
        for index, param in enumerate(self.params):
            old, grad = param.data, param.grad
            explanation = _Explanation(param.label or f"p{index}", precision)
            param.data = self._update(index, param, explanation)
            updates.append(Update(param, old, grad, param.data, tuple(explanation.lines)))
        return updates

    def _start_step(self) -> None:
        """Advance any per-step state (Adam's step count) before the parameters are updated."""

    def _update(self, index: int, param: Value, explain: _Explanation | None) -> float:
        """Update parameter ``index``'s state and return its new data (writing lines if asked)."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no _update(index, param, explain), which both step() "
            "and step_explained() run for each parameter"
        )


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, as ``torch.optim.SGD``.

    For each parameter p with gradient g, every step::

        g = -g if maximize else g
        g = g + weight_decay * p                      (if weight_decay != 0)
        if momentum != 0:
            b = g on the first step, else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g

    The momentum buffer b starts as the first gradient itself (not as zero). Defaults:
    momentum 0, dampening 0, nesterov False, weight_decay 0, maximize False. Nesterov needs a
    positive momentum and zero dampening.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(
            not nesterov or (momentum > 0.0 and dampening == 0.0),
            "Nesterov momentum requires a momentum and zero dampening",
        )
        super().__init__(params, lr)
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.maximize = maximize
        self.momentum_buffers: list[float | None] = [None] * len(self.params)

    def _update(self, index: int, param: Value, explain: _Explanation | None) -> float:
        g = -param.grad if self.maximize else param.grad
        g_name = "grad"
        if explain is not None and self.maximize:
            explain.line("g", "-grad", f"-{explain.number(param.grad)}", g)
            g_name = "g"
        if self.weight_decay != 0.0:
            g_before = g
            g = g + self.weight_decay * param.data
            if explain is not None:
                n = explain.number
                formula = f"{g_name} + weight_decay * {explain.name}"
                explain.line(
                    "g", formula, f"{n(g_before)} + {n(self.weight_decay)} * {n(param.data)}", g
                )
                g_name = "g"
        if self.momentum != 0.0:
            buffer = self.momentum_buffers[index]
            if buffer is None:
                buffer = g
                if explain is not None:
                    explain.line("b", g_name, explain.number(g), buffer)
            else:
                old_buffer = buffer
                buffer = self.momentum * buffer + (1.0 - self.dampening) * g
                if explain is not None:
                    n = explain.number
                    numbers = (
                        f"{n(self.momentum)} * {n(old_buffer)} + (1 - {n(self.dampening)}) * {n(g)}"
                    )
                    formula = f"momentum * b + (1 - dampening) * {g_name}"
                    explain.line("b", formula, numbers, buffer)
            self.momentum_buffers[index] = buffer
            if self.nesterov:
                g_before = g
                g = g + self.momentum * buffer
                if explain is not None:
                    n = explain.number
                    numbers = f"{n(g_before)} + {n(self.momentum)} * {n(buffer)}"
                    explain.line("g", f"{g_name} + momentum * b", numbers, g)
                    g_name = "g"
            else:
                g = buffer
                g_name = "b"
        new = param.data - self.lr * g
        if explain is not None:
            n, name = explain.number, explain.name
            numbers = f"{n(param.data)} - {n(self.lr)} * {n(g)}"
            explain.line(name, f"{name} - lr * {g_name}", numbers, new)
        return new


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: divide each step by a running RMS of the gradient.

    For each parameter p with gradient g, every step::

        g = g + weight_decay * p                      (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            m = alpha * m + (1 - alpha) * g
            avg = sqrt(v - m * m) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg

    The averages v and m and the buffer b start at 0, and eps is added after the square root.
    Defaults: lr 0.01, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0, centered False.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        super().__init__(params, lr)
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered
        count = len(self.params)
        self.square_averages = [0.0] * count
        self.gradient_averages = [0.0] * count
        self.momentum_buffers = [0.0] * count

    def _update(self, index: int, param: Value, explain: _Explanation | None) -> float:
        alpha = self.alpha
        g = param.grad
        g_name = "grad"
        if self.weight_decay != 0.0:
            g = g + self.weight_decay * param.data
            if explain is not None:
                n = explain.number
                numbers = f"{n(param.grad)} + {n(self.weight_decay)} * {n(param.data)}"
                explain.line("g", f"grad + weight_decay * {explain.name}", numbers, g)
                g_name = "g"
        old_v = self.square_averages[index]
        v = alpha * old_v + (1.0 - alpha) * g * g
        self.square_averages[index] = v
        if explain is not None:
            n = explain.number
            numbers = f"{n(alpha)} * {n(old_v)} + (1 - {n(alpha)}) * {n(g)}^2"
            explain.line("v", f"alpha * v + (1 - alpha) * {g_name}^2", numbers, v)
        if self.centered:
            old_m = self.gradient_averages[index]
            m = _lerp(old_m, g, 1.0 - alpha)
            self.gradient_averages[index] = m
            avg = math.sqrt(v - m * m) + self.eps
            if explain is not None:
                n = explain.number
                numbers = f"{n(alpha)} * {n(old_m)} + (1 - {n(alpha)}) * {n(g)}"
                explain.line("m", f"alpha * m + (1 - alpha) * {g_name}", numbers, m)
                root, root_numbers = "sqrt(v - m^2)", f"sqrt({n(v)} - {n(m)}^2)"
        else:
            avg = math.sqrt(v) + self.eps
            if explain is not None:
                root, root_numbers = "sqrt(v)", f"sqrt({explain.number(v)})"
        if self.momentum > 0.0:
            old_buffer = self.momentum_buffers[index]
            buffer = self.momentum * old_buffer + g / avg
            self.momentum_buffers[index] = buffer
            new = param.data - self.lr * buffer
            if explain is not None:
                n, name = explain.number, explain.name
                numbers = (
                    f"{n(self.momentum)} * {n(old_buffer)} + {n(g)} / "
                    f"({root_numbers} + {n(self.eps)})"
                )
                formula = f"momentum * b + {g_name} / ({root} + eps)"
                explain.line("b", formula, numbers, buffer)
                numbers = f"{n(param.data)} - {n(self.lr)} * {n(buffer)}"
                explain.line(name, f"{name} - lr * b", numbers, new)
        else:
            new = param.data - self.lr * (g / avg)
            if explain is not None:
                n, name = explain.number, explain.name
                numbers = (
                    f"{n(param.data)} - {n(self.lr)} * {n(g)} / ({root_numbers} + {n(self.eps)})"
                )
                explain.line(name, f"{name} - lr * {g_name} / ({root} + eps)", numbers, new)
        return new


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (weight decay added to the gradient, not decoupled).

    For each parameter p with gradient g, at step t = 1, 2, ...::

        g = g + weight_decay * p                      (if weight_decay != 0)
        m = m + (1 - beta1) * (g - m)                 (= beta1 m + (1 - beta1) g)
        v = beta2 * v + (1 - beta2) * g * g
        p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    m and v start at 0; the two bias corrections undo that start. Defaults: lr 0.001,
    betas (0.9, 0.999), eps 1e-8, weight_decay 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, lr)
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.steps = 0
        self.first_moments = [0.0] * len(self.params)
        self.second_moments = [0.0] * len(self.params)

    def _start_step(self) -> None:
        self.steps += 1

    def _update(self, index: int, param: Value, explain: _Explanation | None) -> float:
        beta1, beta2 = self.betas
        t = self.steps
        step_size = self.lr / (1.0 - beta1**t)
        bias_correction2_sqrt: float = (1.0 - beta2**t) ** 0.5
        g = param.grad
        g_name = "grad"
        if self.weight_decay != 0.0:
            g = g + self.weight_decay * param.data
            if explain is not None:
                n = explain.number
                numbers = f"{n(param.grad)} + {n(self.weight_decay)} * {n(param.data)}"
                explain.line("g", f"grad + weight_decay * {explain.name}", numbers, g)
                g_name = "g"
        old_m, old_v = self.first_moments[index], self.second_moments[index]
        m = _lerp(old_m, g, 1.0 - beta1)
        v = beta2 * old_v + (1.0 - beta2) * g * g
        self.first_moments[index] = m
        self.second_moments[index] = v
        denominator = math.sqrt(v) / bias_correction2_sqrt + self.eps
        new = param.data + (-step_size) * (m / denominator)
        if explain is not None:
            n, name = explain.number, explain.name
            numbers = f"{n(beta1)} * {n(old_m)} + (1 - {n(beta1)}) * {n(g)}"
            explain.line("m", f"beta1 * m + (1 - beta1) * {g_name}", numbers, m)
            numbers = f"{n(beta2)} * {n(old_v)} + (1 - {n(beta2)}) * {n(g)}^2"
            explain.line("v", f"beta2 * v + (1 - beta2) * {g_name}^2", numbers, v)
            formula = f"{name} - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)"
            numbers = (
                f"{n(param.data)} - {n(self.lr)} / (1 - {n(beta1)}^{t}) * {n(m)} / "
                f"(sqrt({n(v)}) / sqrt(1 - {n(beta2)}^{t}) + {n(self.eps)})"
            )
            explain.line(name, formula, numbers, new)
        return new
