"""Higher-order gradients: a backward pass that is itself recorded, and a functional API on it.

The rule table's local derivatives are written in ordinary arithmetic, so the same text runs on
Values (:func:`local_grads_on_values`). The shared walk of :mod:`autograd.graph`, multiplying
those Values by upstream Values, records a graph of its own: its gradients can be differentiated
again, to any order, with no second table. The first-order ``backward()`` does not come here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd import functions
from autograd.graph import GRADS_LOCK, RUNNING, Gradient, chain_rule, nested_pass
from autograd.modes import enable_grad, no_grad
from autograd.rule import RULE_FUNCTIONS, GradsFunction, Rule, compile_grads
from autograd.value import Constant, RecordedGradient, Value, as_float, check_takes_gradient

VALUE_NAMESPACE: dict[str, object] = {
    name: getattr(functions, name) for name in (*RULE_FUNCTIONS, "sign") if hasattr(functions, name)
}
"""What rule text's names mean on Values: the free functions of :mod:`autograd.functions`."""

_on_values: dict[Rule, GradsFunction] = {}


def local_grads_on_values(rule: Rule, *inputs_and_out: Any) -> tuple[Any, ...]:
    """The rule's local derivatives evaluated on Values (or numbers): each a differentiable
    Value, or a number where the rule gives a constant."""
    compiled = _on_values.get(rule)
    if compiled is None:
        compiled = _on_values[rule] = compile_grads(rule, VALUE_NAMESPACE)
    return compiled(*inputs_and_out)


def _recorded_local_grads(node: Value) -> tuple[Gradient, ...]:
    assert node.rule is not None
    return local_grads_on_values(node.rule, *node.parents, node)


def _nothing(value: Value) -> None:
    return None


def _zero(value: Value) -> float:
    return 0.0


def gradients(root: Value, seed: Gradient, create_graph: bool) -> dict[Value, Gradient]:
    """d(root)/dv for every Value v that root depends on (Constants excepted), as floats from the
    local derivatives recorded at forward time, or with ``create_graph`` as Values computed from
    the rules on Values (recorded, so differentiable). Touches no ``.grad``."""
    if create_graph:
        with enable_grad():
            return chain_rule(root, seed, _nothing, on_values=_recorded_local_grads)
    return chain_rule(root, seed, _zero)


def backward_create_graph(root: Value, seed: Value | float) -> None:
    """``root.backward(seed, create_graph=True)``: the accumulation of :meth:`Value.backward`,
    with each gradient also kept as a Value in ``grad_value``. A Value seed is part of the
    recorded pass (the gradients are differentiable with respect to it too). Nothing is
    written unless the whole pass succeeds."""
    check_takes_gradient(root)
    with GRADS_LOCK:
        if RUNNING[0]:
            raise nested_pass()
        try:
            RUNNING[0] = True
            grads = gradients(root, _as_value(seed), create_graph=True)
            with enable_grad():
                for node, gradient in grads.items():
                    gradient = gradient if isinstance(gradient, Value) else Constant(gradient)
                    held = node.grad  # None: a leaf with no gradient yet, which starts here
                    recorded = type(held) is RecordedGradient
                    if node._first is None and held is not None and (recorded or held != 0.0):
                        gradient = node.grad_value + gradient  # a leaf accumulates
                    node.grad_value = gradient
        finally:
            RUNNING[0] = False


def _check_inputs(inputs: Sequence[Value]) -> list[Value]:
    checked = list(inputs)
    for index, x in enumerate(checked):
        if not isinstance(x, Value):
            raise TypeError(f"inputs must be Values; input {index} is {type(x).__name__}: {x!r}")
    return checked


def grad(
    output: Value,
    inputs: Sequence[Value],
    grad_outputs: Value | float = 1.0,
    *,
    create_graph: bool = False,
) -> tuple[Value, ...]:
    """The gradient of ``output`` with respect to each input, as in ``torch.autograd.grad``:
    ``grad_outputs * d(output)/d(input)``, where ``grad_outputs`` (1 by default) is the gradient
    of some later result with respect to ``output`` (the vector of a vector-Jacobian product).

    No ``.grad`` changes. An input the output does not depend on gets 0. With
    ``create_graph=True`` each gradient is a Value recorded from the inputs (and from
    ``grad_outputs``, if it is a Value), so it can be differentiated again; otherwise each is a
    fresh leaf holding the number.

    Examples:
        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> (dx,) = grad(x ** 3, [x], create_graph=True)   # 3 x^2
        >>> (dxx,) = grad(dx, [x])                          # 6 x
        >>> dx.data, dxx.data
        (27.0, 18.0)
        >>> grad(x ** 3, [x], grad_outputs=0.5)[0].data    # 0.5 * 3 x^2
        13.5
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    wanted = _check_inputs(inputs)
    if isinstance(grad_outputs, Value):
        seed: Value | float = grad_outputs
    else:
        seed = as_float(grad_outputs, "grad_outputs")
    if create_graph:
        grads = gradients(output, _as_value(seed), create_graph=True)
        return tuple(_as_value(grads.get(x, 0.0)) for x in wanted)
    with no_grad():
        grads = gradients(output, float(seed), create_graph=False)
    return tuple(Value(grads.get(x, 0.0)) for x in wanted)


def _as_value(gradient: Gradient) -> Value:
    return gradient if isinstance(gradient, Value) else Constant(gradient)


def derivative(f: Callable[[Value], Value | float]) -> Callable[[Value | float], Value]:
    """f' as a function: ``derivative(f)(x)`` is df/dx at x, a Value (for a number or a Value x).

    It is differentiable, so it nests to any order: ``derivative(derivative(f))`` is f''.

    Examples:
        >>> from autograd import sin
        >>> round(derivative(derivative(sin))(0.5).data, 12)   # -sin(0.5)
        -0.479425538604
    """

    def f_prime(x: Value | float) -> Value:
        point = x if isinstance(x, Value) else Value(as_float(x))
        with enable_grad():
            y = f(point)
        if not isinstance(y, Value):
            return Constant(0.0)  # f does not depend on x
        (gradient,) = grad(y, [point], create_graph=True)
        return gradient

    f_prime.__name__ = f"derivative of {getattr(f, '__name__', 'f')}"
    return f_prime


def hessian(f: Callable[..., Value | float], inputs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives d^2 f / dx_i dx_j at ``inputs`` (a handful of numbers),
    from one recorded gradient and one backward pass per row.

    Examples:
        >>> hessian(lambda x, y: x * x * y, [2.0, 3.0])   # [[2y, 2x], [2x, 0]]
        [[6.0, 4.0], [4.0, 0.0]]
    """
    points = [Value(as_float(x)) for x in inputs]
    with enable_grad():
        y = f(*points)
    if not isinstance(y, Value):
        return [[0.0] * len(points) for _ in points]
    first = grad(y, points, create_graph=True)
    return [[g.data for g in grad(row, points)] for row in first]
