"""Optimizers with the update rules of ``torch.optim``, step for step.

Each takes an iterable of parameter Values and updates their ``data`` from their ``grad`` in
``step()``; ``zero_grad()`` resets the gradients. Hyper-parameters are checked as PyTorch checks
them, with a ``ValueError`` naming the bad value, before any state is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight (end - start), computed from the nearer end as ``torch.lerp`` does."""
    if abs(weight) < 0.5:
        return weight * (end - start) + start
    return (weight - 1.0) * (end - start) + end


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


class Optimizer:
    """Holds the parameter list; subclasses define ``step``."""

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
        raise NotImplementedError


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

    def step(self) -> None:
        for index, p in enumerate(self.params):
            g = -p.grad if self.maximize else p.grad
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data
            if self.momentum != 0.0:
                buffer = self.momentum_buffers[index]
                if buffer is None:
                    buffer = g
                else:
                    buffer = self.momentum * buffer + (1.0 - self.dampening) * g
                self.momentum_buffers[index] = buffer
                g = g + self.momentum * buffer if self.nesterov else buffer
            p.data = p.data - self.lr * g


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

    def step(self) -> None:
        alpha = self.alpha
        for index, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data
            v = alpha * self.square_averages[index] + (1.0 - alpha) * g * g
            self.square_averages[index] = v
            if self.centered:
                m = _lerp(self.gradient_averages[index], g, 1.0 - alpha)
                self.gradient_averages[index] = m
                avg = math.sqrt(v - m * m) + self.eps
            else:
                avg = math.sqrt(v) + self.eps
            if self.momentum > 0.0:
                buffer = self.momentum * self.momentum_buffers[index] + g / avg
                self.momentum_buffers[index] = buffer
                p.data = p.data - self.lr * buffer
            else:
                p.data = p.data - self.lr * (g / avg)


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

    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.steps)
        bias_correction2_sqrt = (1.0 - beta2**self.steps) ** 0.5
        for index, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data
            m = _lerp(self.first_moments[index], g, 1.0 - beta1)
            v = beta2 * self.second_moments[index] + (1.0 - beta2) * g * g
            self.first_moments[index] = m
            self.second_moments[index] = v
            denominator = math.sqrt(v) / bias_correction2_sqrt + self.eps
            p.data = p.data + (-step_size) * (m / denominator)
