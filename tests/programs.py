"""Random straight-line programs over every op of the table, runnable on any number type.

A program is a list of steps; each step applies one op to earlier slots (the inputs are the first
slots) or to constants. Slots used more than once make fan-out and diamonds. Operands are guarded
into each op's smooth domain (log, sqrt, pow and div get ``e * e + c`` with c > 0), so the same
program can be compared with finite differences and with PyTorch. The backends below evaluate a
program on Values, on mpmath numbers (the oracle) or on torch tensors.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
from oracles import MPMATH, OPERATOR_METHODS, kink_distance

import autograd
from autograd import RULES

Operand = tuple[str, Any]  # ("slot", index) or ("const", number)


@dataclass(frozen=True)
class Program:
    n_inputs: int
    steps: tuple[tuple[str, tuple[Operand, ...]], ...]

    @property
    def ops_used(self) -> set[str]:
        return {name for name, _ in self.steps}

    def run(self, inputs: Sequence[Any], backend: dict[str, Callable[..., Any]]) -> list[Any]:
        """Every slot's value; the last slot is the program's output."""
        slots = list(inputs)
        for name, operands in self.steps:
            args = [slots[x] if kind == "slot" else x for kind, x in operands]
            slots.append(backend[name](*args))
        return slots


class Builder:
    """Grows a program from choices made by ``choose`` (an index below n) and ``uniform``."""

    def __init__(
        self, n_inputs: int, choose: Callable[[int], int], uniform: Callable[[float, float], float]
    ) -> None:
        self.n_slots = n_inputs
        self.n_inputs = n_inputs
        self.steps: list[tuple[str, tuple[Operand, ...]]] = []
        self.choose = choose
        self.uniform = uniform

    def _emit(self, name: str, *operands: Operand) -> Operand:
        self.steps.append((name, operands))
        self.n_slots += 1
        return ("slot", self.n_slots - 1)

    def _operand(self) -> Operand:
        if self.choose(5) == 0:
            return ("const", round(self.uniform(-3.0, 3.0), 3))
        recent = min(self.n_slots, 6)  # prefer recent slots, so programs grow deep
        return ("slot", self.n_slots - 1 - self.choose(recent))

    def _positive(self, offset: float) -> Operand:
        """``e * e + offset`` for a random operand e: a value >= offset > 0."""
        e = ("slot", self.n_slots - 1 - self.choose(min(self.n_slots, 6)))
        square = self._emit("mul", e, e)
        return self._emit("add", square, ("const", offset))

    def step(self, name: str) -> None:
        if name == "log":
            self._emit("log", self._positive(0.5))
        elif name == "sqrt":
            self._emit("sqrt", self._positive(0.25))
        elif name == "div":
            self._emit("div", self._operand(), self._positive(0.5))
        elif name == "pow":
            base = self._positive(0.5)
            if self.choose(2):
                exponent: Operand = ("const", round(self.uniform(-2.5, 2.5), 2))
            else:  # a Value exponent in (-2, 2)
                exponent = self._emit("mul", self._emit("tanh", self._operand()), ("const", 2.0))
            self._emit("pow", base, exponent)
        elif name in ("exp", "expm1", "sinh", "cosh", "tan"):  # bounded: finite, no pole
            self._emit(name, self._emit("tanh", self._operand()))
        elif name == "log1p":
            self._emit("log1p", self._positive(0.5))
        elif name == "atan2":  # away from the origin, where it has no derivative
            self._emit("atan2", self._operand(), self._positive(0.5))
        elif RULES[name].arity == 2:
            self._emit(name, self._operand(), self._operand())
        else:
            self._emit(name, self._operand())

    def program(self) -> Program:
        """The program so far, ending with its last slot plus the first input, so that every
        program's output is a Value that depends on an input (a last step on constants alone
        would give a plain number, with nothing to differentiate)."""
        last = ("slot", self.n_slots - 1)
        return Program(self.n_inputs, (*self.steps, ("add", (last, ("slot", 0)))))


OP_NAMES = sorted(RULES)


def random_program(rng: random.Random, n_inputs: int = 3, n_steps: int = 12) -> Program:
    """A program of ``n_steps`` random ops (plus their guards) on ``n_inputs`` inputs."""
    builder = Builder(n_inputs, lambda n: rng.randrange(n), rng.uniform)
    for _ in range(n_steps):
        builder.step(rng.choice(OP_NAMES))
    return builder.program()


VALUE_BACKEND: dict[str, Callable[..., Any]] = {
    name: OPERATOR_METHODS.get(name) or getattr(autograd, rule.function or name)
    for name, rule in RULES.items()
}
"""Each op as users write it: an operator, or the free function of its table entry."""


class MpmathBackend(dict[str, Callable[..., Any]]):
    """Evaluates in mpmath (the table's oracles) and remembers how close any op with a kink
    (relu, abs, maximum, ...) came to it, and the largest input of tanh and sigmoid (which
    saturate: where tanh(x) is within 1e-7 of 1, float64 keeps only a few digits of 1 - tanh,
    and so of every derivative through it)."""

    SATURATING = ("tanh", "sigmoid")

    def __init__(self) -> None:
        super().__init__(VALUE_BACKEND)
        self.closest_to_kink = mpmath.inf
        self.largest_saturating_input = mpmath.mpf(0)
        for name, rule in RULES.items():
            self[name] = self._watched(MPMATH[name], kink_distance(rule))
        for name in self.SATURATING:
            self[name] = self._saturation_watched(self[name])

    def _saturation_watched(self, oracle: Callable[..., Any]) -> Any:
        def call(x: Any) -> Any:
            self.largest_saturating_input = max(self.largest_saturating_input, abs(x))
            return oracle(x)

        return call

    def _watched(self, oracle: Callable[..., Any], kink: Callable[..., Any] | None) -> Any:
        if kink is None:
            return oracle

        def call(*args: Any) -> Any:
            self.closest_to_kink = min(self.closest_to_kink, kink(*args))
            return oracle(*args)

        return call
