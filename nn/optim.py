"""Optimizers with the update rules of ``torch.optim``, step for step.

Each takes an iterable of parameter Values and updates their ``data`` from their ``grad`` in
``step()``; ``zero_grad()`` resets the gradients to None, "no gradient", as PyTorch's default
``zero_grad(set_to_none=True)``, and ``step()`` skips a parameter whose grad is None: one the
loss did not use since the reset takes no step, so neither momentum nor weight decay moves it,
and its state (momentum buffer, moments, step count) waits, as in PyTorch. ``step_explained()``
takes the same step and also returns, per parameter it moved, an :class:`Update`: the old and
new value, the gradient, and the update formula written out with its numbers.
Hyper-parameters are checked as PyTorch checks them, with a ``ValueError`` naming the bad
value (a ``TypeError`` for a value of the wrong type), before any state is made. A step that
fails changes nothing: every new value and state is computed first, then all are written.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from autograd import Value
from autograd.value import Constant, as_float

State = dict[str, float]
"""One parameter's optimizer state, by name (``"momentum_buffer"``, ``"step"``, ...), as the
entries of ``torch.optim.Optimizer.state``; empty until the parameter's first step."""

DUPLICATE_WARNING = (
    "optimizer contains a parameter group with duplicate parameters; in future, this will "
    "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information"
)
"""PyTorch's warning, word for word: a parameter listed twice is stepped twice per step, with
one state, as PyTorch does."""


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight (end - start), computed from the nearer end as ``torch.lerp`` does."""
    if abs(weight) < 0.5:
        return weight * (end - start) + start
    return (weight - 1.0) * (end - start) + end


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator in IEEE arithmetic, as a tensor divides: x / 0 is inf with the
    sign of x (and of the zero), 0 / 0 is nan, where Python would raise ZeroDivisionError."""
    try:
        return numerator / denominator
    except ZeroDivisionError:
        if numerator == 0.0 or numerator != numerator:
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)


def _sqrt(x: float) -> float:
    """sqrt(x), nan for x < 0 as for a tensor (rounding can make ``v - m^2`` slightly
    negative), where ``math.sqrt`` would raise ValueError."""
    return math.sqrt(x) if x >= 0.0 else math.nan


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _real(value: object, name: str) -> float:
    """A hyper-parameter as a float: any real number but bool; TypeError otherwise."""
    return as_float(value, name)


def _flag(value: object, name: str) -> bool:
    if type(value) is not bool:
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: {value!r}")
    return value


def _parameter_list(params: object) -> list[Value]:
    """``params`` as a list of leaf Values, or a TypeError/ValueError saying what was given."""
    if isinstance(params, Value):
        raise TypeError(
            "params must be an iterable of Values, such as model.parameters() or [w, b]; got a "
            f"single Value ({params!r}): put it in a list"
        )
    if callable(getattr(params, "parameters", None)):
        raise TypeError(
            f"params must be an iterable of Values: pass model.parameters(), not the "
            f"{type(params).__name__} itself"
        )
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            "params must be an iterable of Values, such as model.parameters() or [w, b]; got "
            f"{type(params).__name__}: {params!r}"
        )
    checked = list(params)
    for index, param in enumerate(checked):
        if not isinstance(param, Value):
            hint = " (parameter groups are not supported)" if isinstance(param, dict) else ""
            raise TypeError(
                f"optimizer parameters must be Values; item {index} is {type(param).__name__}{hint}"
            )
        if isinstance(param, Constant):
            raise TypeError(
                f"optimizer parameters must be Values that take gradients; item {index} is a "
                f"Constant ({param!r}), which takes none"
            )
        if param.rule is not None:
            raise ValueError(
                f"optimizer parameters must be leaves (made by Value(...)); item {index} was "
                f"computed by {param.op} ({param!r}): optimize the leaves it came from"
            )
    _check(len(checked) > 0, "optimizer got an empty parameter list")
    if len({id(param) for param in checked}) < len(checked):
        warnings.warn(DUPLICATE_WARNING, UserWarning, stacklevel=4)
    return checked


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


def _weight_decayed(
    grad: float, p: float, weight_decay: float, explain: _Explanation | None
) -> tuple[float, str]:
    """g = grad + weight_decay * p (grad itself when weight_decay is 0), with its line, and
    the name the next line calls it by."""
    if weight_decay == 0.0:
        return grad, "grad"
    g = grad + weight_decay * p
    if explain is not None:
        n = explain.number
        numbers = f"{n(grad)} + {n(weight_decay)} * {n(p)}"
        explain.line("g", f"grad + weight_decay * {explain.name}", numbers, g)
    return g, "g"


class Optimizer:
    """Holds the parameter list and each parameter's state; subclasses define the update
    ``_update``.

    ``step()`` and ``step_explained()`` both run ``_update`` once per parameter that has a
    gradient, so the step that explains itself is the same float arithmetic as the step that
    does not. ``state[p]`` is parameter p's state, absent before its first step (and for an
    optimizer that keeps none, such as SGD without momentum).
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _parameter_list(params)
        self.lr = _real(lr, "lr")
        _check(self.lr >= 0.0, f"Invalid learning rate: {lr}")
        self.state: dict[Value, State] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None, "no gradient" (as PyTorch's default), or
        with ``set_to_none=False`` to 0.0, a gradient of zero, which ``step()`` does apply
        (so momentum and weight decay still move the parameter)."""
        reset = None if _flag(set_to_none, "set_to_none") else 0.0
        for param in self.params:
            param.grad = reset

    def step(self) -> None:
        """Update the data of every parameter that has a gradient (grad not None) by the
        optimizer's rule; a parameter whose grad is None is left as it is, state and all."""
        self._step(None)

    def step_explained(self, precision: int = 4) -> list[Update]:
        """Take exactly the step ``step()`` takes, and return one :class:`Update` per parameter
        it moved (each whose grad is not None), in parameter order.

        Lines name a parameter by its label, or ``p<i>`` by its position ``i`` in the list when
        it has none; numbers are printed with ``%.{precision}g``.
        """
        if type(precision) is not int or precision < 1:
            raise ValueError(f"precision must be an int of at least 1, got {precision!r}")
        return self._step(precision)

    def _step(self, precision: int | None) -> list[Update]:
        """Compute every new value and state, then write them all: a step that raises part way
        changes nothing. A parameter listed twice is stepped twice, the second time from the
        first's result, as in PyTorch."""
        staged: dict[Value, tuple[float, State]] = {}
        states, update = self.state, self._update
        updates = []
        for index, param in enumerate(self.params):
            grad = param.grad
            if grad is None:
                continue
            if grad.__class__ is not float:
                grad = as_float(grad, f"the grad of {param.label or f'p{index}'}")
            if param in staged:  # listed twice: the second update starts from the first's
                old, state = staged[param]
                state = self._repeated(state, states.get(param, {}))
            else:
                before = states.get(param)
                old, state = param._data, {} if before is None else before.copy()
            if precision is None:
                new = update(state, old, grad, None)
            else:
                explanation = _Explanation(param.label or f"p{index}", precision)
                new = update(state, old, grad, explanation)
                updates.append(Update(param, old, grad, new, tuple(explanation.lines)))
            staged[param] = (new, state)
        for param, (new, state) in staged.items():
            if new.__class__ is float:
                param._data = new
            else:  # a subclass's update: the checked setter
                param.data = new
            if state:  # plain SGD keeps none
                states[param] = state
        return updates

    def _repeated(self, state: State, before: State) -> State:
        """The state a parameter listed again in the same step starts from, given the state the
        step left it so far and the one it had ``before`` the step: the former, as PyTorch."""
        return state

    def _update(self, state: State, p: float, grad: float, explain: _Explanation | None) -> float:
        """Update one parameter's ``state`` (in place) from its data ``p`` and gradient, and
        return its new data (writing lines to ``explain`` if given)."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no _update(state, p, grad, explain), which both "
            "step() and step_explained() run for each parameter"
        )


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, as ``torch.optim.SGD``.

    For each parameter p with gradient g (not None), every step::

        g = -g if maximize else g
        g = g + weight_decay * p                      (if weight_decay != 0)
        if momentum != 0:
            b = g on p's first step, else momentum * b + (1 - dampening) * g
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
        momentum, dampening = _real(momentum, "momentum"), _real(dampening, "dampening")
        weight_decay = _real(weight_decay, "weight_decay")
        nesterov, maximize = _flag(nesterov, "nesterov"), _flag(maximize, "maximize")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum:g}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay:g}")
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
        self._distinct: list[Value] = []
        """A copy of ``params`` as last found free of duplicates: while ``params`` equals it
        (Values compare by identity), the check need not build a set again."""

    def step(self) -> None:
        """Update the data of every parameter that has a gradient (grad not None) by the
        update above; a parameter whose grad is None is left as it is, state and all."""
        params = self.params
        if self.momentum != 0.0 or self.weight_decay != 0.0 or self.maximize:
            self._step(None)
            return
        # Plain SGD, the common case, keeps no state: p - lr * g, the same float arithmetic as
        # _update, and float arithmetic never raises, so each parameter can be written as it
        # is computed. A grad that is not a plain float, a subclass of Value, or a parameter
        # listed twice takes the general path instead, before anything is written.
        lr = self.lr
        plain = params == self._distinct or self._no_duplicates(params)
        for param in params if plain else ():
            grad = param.grad
            if grad is not None and (grad.__class__ is not float or param._data.__class__
                                     is not float or param.__class__ is not Value):  # fmt: skip
                plain = False
                break
        if not plain:
            self._step(None)
            return
        for param in params:
            grad = param.grad
            if grad is not None:
                param._data = param._data - lr * grad

    def _no_duplicates(self, params: list[Value]) -> bool:
        """Whether no parameter is listed twice; if so, ``params`` is remembered as such."""
        if len(set(params)) < len(params):
            return False
        self._distinct = list(params)
        return True

    def _repeated(self, state: State, before: State) -> State:
        """PyTorch reads every momentum buffer before the step: one that did not exist then is
        made afresh by each listing of the parameter (the last one is kept)."""
        if "momentum_buffer" in before:
            return state
        return {key: value for key, value in state.items() if key != "momentum_buffer"}

    def _update(self, state: State, p: float, grad: float, explain: _Explanation | None) -> float:
        g = -grad if self.maximize else grad
        g_name = "grad"
        if explain is not None and self.maximize:
            explain.line("g", "-grad", f"-{explain.number(grad)}", g)
            g_name = "g"
        if self.weight_decay != 0.0:
            g_before = g
            g = g + self.weight_decay * p
            if explain is not None:
                n = explain.number
                formula = f"{g_name} + weight_decay * {explain.name}"
                explain.line("g", formula, f"{n(g_before)} + {n(self.weight_decay)} * {n(p)}", g)
                g_name = "g"
        if self.momentum != 0.0:
            if "momentum_buffer" not in state:
                buffer = g
                if explain is not None:
                    explain.line("b", g_name, explain.number(g), buffer)
            else:
                old_buffer = state["momentum_buffer"]
                buffer = self.momentum * old_buffer + (1.0 - self.dampening) * g
                if explain is not None:
                    n = explain.number
                    numbers = (
                        f"{n(self.momentum)} * {n(old_buffer)} + (1 - {n(self.dampening)}) * {n(g)}"
                    )
                    formula = f"momentum * b + (1 - dampening) * {g_name}"
                    explain.line("b", formula, numbers, buffer)
            state["momentum_buffer"] = buffer
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
        new = p - self.lr * g
        if explain is not None:
            n, name = explain.number, explain.name
            numbers = f"{n(p)} - {n(self.lr)} * {n(g)}"
            explain.line(name, f"{name} - lr * {g_name}", numbers, new)
        return new


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``: divide each step by a running RMS of the gradient.

    For each parameter p with gradient g (not None), every step::

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
    Division and square root are IEEE, as on tensors: with eps 0 a zero gradient gives 0 / 0 =
    nan, and a negative ``v - m * m`` (rounding) a nan, where Python floats would raise.
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
        eps, alpha = _real(eps, "eps"), _real(alpha, "alpha")
        momentum, weight_decay = _real(momentum, "momentum"), _real(weight_decay, "weight_decay")
        centered = _flag(centered, "centered")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps:g}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum:g}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay:g}")
        _check(alpha >= 0.0, f"Invalid alpha value: {alpha:g}")
        super().__init__(params, lr)
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered

    def _update(self, state: State, p: float, grad: float, explain: _Explanation | None) -> float:
        alpha = self.alpha
        g, g_name = _weight_decayed(grad, p, self.weight_decay, explain)
        state["step"] = state.get("step", 0.0) + 1.0
        old_v = state.get("square_avg", 0.0)
        v = alpha * old_v + (1.0 - alpha) * g * g
        state["square_avg"] = v
        if explain is not None:
            n = explain.number
            numbers = f"{n(alpha)} * {n(old_v)} + (1 - {n(alpha)}) * {n(g)}^2"
            explain.line("v", f"alpha * v + (1 - alpha) * {g_name}^2", numbers, v)
        if self.centered:
            old_m = state.get("grad_avg", 0.0)
            m = _lerp(old_m, g, 1.0 - alpha)
            state["grad_avg"] = m
            avg = _sqrt(v - m * m) + self.eps
            if explain is not None:
                n = explain.number
                numbers = f"{n(alpha)} * {n(old_m)} + (1 - {n(alpha)}) * {n(g)}"
                explain.line("m", f"alpha * m + (1 - alpha) * {g_name}", numbers, m)
                root, root_numbers = "sqrt(v - m^2)", f"sqrt({n(v)} - {n(m)}^2)"
        else:
            avg = _sqrt(v) + self.eps
            if explain is not None:
                root, root_numbers = "sqrt(v)", f"sqrt({explain.number(v)})"
        if self.momentum > 0.0:
            old_buffer = state.get("momentum_buffer", 0.0)
            buffer = self.momentum * old_buffer + _divide(g, avg)
            state["momentum_buffer"] = buffer
            new = p - self.lr * buffer
            if explain is not None:
                n, name = explain.number, explain.name
                numbers = (
                    f"{n(self.momentum)} * {n(old_buffer)} + {n(g)} / "
                    f"({root_numbers} + {n(self.eps)})"
                )
                formula = f"momentum * b + {g_name} / ({root} + eps)"
                explain.line("b", formula, numbers, buffer)
                numbers = f"{n(p)} - {n(self.lr)} * {n(buffer)}"
                explain.line(name, f"{name} - lr * b", numbers, new)
        else:
            new = p - self.lr * _divide(g, avg)
            if explain is not None:
                n, name = explain.number, explain.name
                numbers = f"{n(p)} - {n(self.lr)} * {n(g)} / ({root_numbers} + {n(self.eps)})"
                explain.line(name, f"{name} - lr * {g_name} / ({root} + eps)", numbers, new)
        return new


def _betas(betas: object) -> tuple[float, float]:
    """Adam's betas as two floats; a TypeError or ValueError saying what was given."""
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)):
        raise TypeError(
            "betas must be a pair of numbers (beta1, beta2) such as (0.9, 0.999), got "
            f"{type(betas).__name__}: {betas!r}"
        )
    if len(betas) != 2:
        raise ValueError(
            "betas must be a pair of numbers (beta1, beta2) such as (0.9, 0.999), got "
            f"{len(betas)} number{'' if len(betas) == 1 else 's'}: {betas!r}"
        )
    return _real(betas[0], "betas[0]"), _real(betas[1], "betas[1]")


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (weight decay added to the gradient, not decoupled).

    For each parameter p with gradient g (not None), at p's step t = 1, 2, ...::

        g = g + weight_decay * p                      (if weight_decay != 0)
        m = m + (1 - beta1) * (g - m)                 (= beta1 m + (1 - beta1) g)
        v = beta2 * v + (1 - beta2) * g * g
        p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    m and v start at 0; the two bias corrections undo that start. t counts the steps that
    parameter took, as in PyTorch: a step that skips p (grad None) does not advance its t. The
    division is IEEE, as on tensors: with eps 0 a zero gradient gives 0 / 0 = nan. Defaults:
    lr 0.001, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        eps, weight_decay = _real(eps, "eps"), _real(weight_decay, "weight_decay")
        beta1, beta2 = _betas(betas)
        _check(eps >= 0.0, f"Invalid epsilon value: {eps:g}")
        _check(0.0 <= beta1 < 1.0, f"Invalid beta parameter at index 0: {beta1}")
        _check(0.0 <= beta2 < 1.0, f"Invalid beta parameter at index 1: {beta2}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay:g}")
        super().__init__(params, lr)
        self.betas = (beta1, beta2)
        self.eps = eps
        self.weight_decay = weight_decay

    def _update(self, state: State, p: float, grad: float, explain: _Explanation | None) -> float:
        beta1, beta2 = self.betas
        steps = state["step"] = state.get("step", 0.0) + 1.0
        t = int(steps)
        step_size = self.lr / (1.0 - beta1**t)
        bias_correction2_sqrt: float = (1.0 - beta2**t) ** 0.5
        g, g_name = _weight_decayed(grad, p, self.weight_decay, explain)
        old_m, old_v = state.get("exp_avg", 0.0), state.get("exp_avg_sq", 0.0)
        m = _lerp(old_m, g, 1.0 - beta1)
        v = beta2 * old_v + (1.0 - beta2) * g * g
        state["exp_avg"], state["exp_avg_sq"] = m, v
        denominator = math.sqrt(v) / bias_correction2_sqrt + self.eps
        new = p + (-step_size) * _divide(m, denominator)
        if explain is not None:
            n, name = explain.number, explain.name
            numbers = f"{n(beta1)} * {n(old_m)} + (1 - {n(beta1)}) * {n(g)}"
            explain.line("m", f"beta1 * m + (1 - beta1) * {g_name}", numbers, m)
            numbers = f"{n(beta2)} * {n(old_v)} + (1 - {n(beta2)}) * {n(g)}^2"
            explain.line("v", f"beta2 * v + (1 - beta2) * {g_name}^2", numbers, v)
            formula = f"{name} - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)"
            numbers = (
                f"{n(p)} - {n(self.lr)} / (1 - {n(beta1)}^{t}) * {n(m)} / "
                f"(sqrt({n(v)}) / sqrt(1 - {n(beta2)}^{t}) + {n(self.eps)})"
            )
            explain.line(name, formula, numbers, new)
        return new
