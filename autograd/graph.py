"""Graph algorithms: the topological order of a graph and the backward pass over it.

Both are loops over an explicit stack, never recursion, so graph depth is bounded by memory,
not by Python's recursion limit (a 1,000,000-node chain runs at the default limit).
"""

from __future__ import annotations

import gc
import math
from typing import TYPE_CHECKING

from autograd.modes import current_mode

if TYPE_CHECKING:
    from autograd.value import Value


def topological_order(root: Value, *, leaves: bool = False) -> list[Value]:
    """The Values that ``root`` depends on, root included, each listed after every Value it
    depends on. Leaves are left out unless ``leaves``: backward needs only the interior nodes,
    since nothing flows out of a leaf; a drawing needs them all.

    The order is a depth-first post-order that follows ``parents`` in argument order, so the
    same program gives the same order in every run.
    """
    if root._first is None:
        return [root] if leaves else []
    order: list[Value] = []
    visited = {root}
    stack = [(root, iter((root._first, root._second)))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if (
                parent is not None
                and (leaves or parent._first is not None)
                and parent not in visited
            ):
                visited.add(parent)
                stack.append((parent, iter((parent._first, parent._second))))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def backward(root: Value, grad: float = 1.0) -> None:
    """Set ``v.grad`` to d(root)/dv for every interior v, and add it into every leaf's grad.

    Each interior Value's grad is reset to 0, then ``grad`` is added to the root's, then in
    reverse topological order every Value adds ``local_grad * upstream`` into each parent: by the
    time a Value is reached, every Value that uses it has contributed, so its grad is complete.
    See :meth:`autograd.Value.backward` for the accumulation rule.

    The garbage collector is paused during the pass (and restored as it was): the pass makes
    only short-lived objects without cycles, so a collection could free nothing and would only
    walk the whole graph again.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        order = topological_order(root)
        if current_mode.get().anomaly:
            _backward_checked(root, grad, order)
            return
        for node in order:
            node.grad = 0.0
        root.grad += grad
        _accumulate(order)
    finally:
        if collecting:
            gc.enable()


def _accumulate(order: list[Value]) -> None:
    """The chain rule over a topological order: ``parent.grad += local_grad * node.grad``."""
    for node in reversed(order):
        upstream = node.grad
        node._first.grad += node._d_first * upstream  # type: ignore[union-attr]  # interior
        second = node._second
        if second is not None:
            second.grad += node._d_second * upstream


def _backward_checked(root: Value, grad: float, order: list[Value]) -> None:
    """The backward pass of ``detect_anomaly``: raises at the first non-finite contribution made
    from a finite upstream gradient and finite inputs, and then leaves every grad as it was."""
    touched = {root: root.grad}
    for node in order:
        touched[node] = node.grad
        for parent in node.parents:
            touched[parent] = parent.grad
    try:
        for node in order:
            node.grad = 0.0
        root.grad += grad
        _accumulate_checked(order)
    except FloatingPointError:
        for value, saved_grad in touched.items():
            value.grad = saved_grad
        raise


def _accumulate_checked(order: list[Value]) -> None:
    from autograd.value import Constant, describe

    for node in reversed(order):
        upstream = node.grad
        inputs_finite = all(math.isfinite(p.data) for p in node.parents)
        for index, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local_grad * upstream
            if (
                not math.isfinite(contribution)
                and math.isfinite(upstream)
                and inputs_finite
                and not isinstance(parent, Constant)
            ):
                formula = f"; rule: {node.rule.formula}" if node.rule else ""
                described = ", ".join(describe(p) for p in node.parents)
                raise FloatingPointError(
                    f"detect_anomaly: the backward pass of {node.op} turned the finite upstream "
                    f"gradient {upstream!r} into {contribution!r} for its input {index} "
                    f"(local derivative {local_grad!r}); inputs: {described}{formula}"
                )
            parent.grad += contribution
