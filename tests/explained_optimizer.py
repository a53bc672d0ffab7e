"""A stand-in optimizer with ``step_explained``, for the player's tests: w -= lr * grad."""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value


@dataclass(frozen=True)
class Update:
    parameter: Value
    old: float
    grad: float
    new: float
    lines: tuple[str, ...]


class GradientDescent:
    """Plain gradient descent that explains its step; with ``lie``, it reports wrong values."""

    def __init__(self, parameters: list[Value], lr: float, lie: bool = False) -> None:
        self.parameters = parameters
        self.lr = lr
        self.lie = lie

    def step_explained(self, precision: int = 4) -> list[Update]:
        updates = []
        for p in self.parameters:
            old = p.data
            p.data = old - self.lr * p.grad
            g = f"{{:.{precision}g}}".format
            lines = (f"{p.label} -= lr * grad", f"{g(old)} - {g(self.lr)} * {g(p.grad)}")
            updates.append(Update(p, old, p.grad, p.data + (1.0 if self.lie else 0.0), lines))
        return updates
