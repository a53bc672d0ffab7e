"""Graph algorithms: the topological order of a graph and the backward pass over it.

Both are loops over an explicit stack, never recursion, so graph depth is bounded by memory,
not by Python's recursion limit (a 1,000,000-node chain runs at the default limit).
"""

from __future__ import annotations

import gc
import math
from typing import TYPE_CHECKING

from autograd import value as _value  # for Value; value imports this module as it loads
from autograd.modes import current_mode, switched_modes

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
    stack = [root]
    while stack:
        # The Value on top of the stack goes down into its first unvisited input, if any, and
        # is listed once it has none. A visited input is listed already: were it still on the
        # stack, below this Value, the graph would have a cycle.
        node = stack[-1]
        # With leaves, number operands are listed too: ``parents`` makes them Constants.
        inputs = node.parents if leaves else (node._first, node._second)
        for parent in inputs:
            if (
                parent is not None
                and parent.__class__ is not float  # a number operand, when leaves are left out
                and (leaves or parent._first is not None)  # type: ignore[union-attr]
                and parent not in visited
            ):
                visited.add(parent)  # type: ignore[arg-type]
                stack.append(parent)  # type: ignore[arg-type]
                break
        else:
            stack.pop()
            order.append(node)
    return order


_RESET = float("0.0")
"""The 0.0 that ``backward`` writes into each interior grad before the pass. Being a private
object, it also marks the Values visited: ``grad is _RESET`` replaces a set of visited Values.
No grad keeps it after a pass, since every interior Value then receives a contribution."""


_RECURSION = 100
"""How deep backward's sort recurses before it goes on with a stack of its own. Recursion is
the faster, but Python limits it (to 1,000 frames by default, counting the caller's)."""


def _reset_in_order(root: Value) -> list[Value]:
    """:func:`topological_order` for backward: also resets every interior grad to 0.0."""
    root.grad = _RESET
    order: list[Value] = []
    try:
        _visit(root, order, _RECURSION, _value.Value)
    except RecursionError:  # called near Python's limit: start again, without recursion
        _clear_marks(root)
        root.grad = _RESET
        order = []
        _visit_with_stack(root, order, _value.Value)
    return order


def _clear_marks(root: Value) -> None:
    """Replaces the mark in every grad below ``root`` by a plain 0.0."""
    for node in topological_order(root):
        if node.grad is _RESET:
            node.grad = 0.0


def _visit(node: Value, order: list[Value], depth: int, value_class: type[Value]) -> None:
    """Marks and lists, each after its inputs, the interior Values below ``node`` not yet
    reached, then ``node``; ``node`` is marked already. Interior Values are exactly those of
    class Value with inputs: ops make only Values, and a number operand is a float or a
    Constant. (The two inputs are written out, not looped over: a third faster.)"""
    if not depth:
        _visit_with_stack(node, order, value_class)
        return
    parent = node._first
    if parent.__class__ is value_class and parent._first is not None and parent.grad is not _RESET:
        parent.grad = _RESET
        _visit(parent, order, depth - 1, value_class)
    parent = node._second
    if parent.__class__ is value_class and parent._first is not None and parent.grad is not _RESET:
        parent.grad = _RESET
        _visit(parent, order, depth - 1, value_class)
    order.append(node)


def _visit_with_stack(node: Value, order: list[Value], value_class: type[Value]) -> None:
    """:func:`_visit` with an explicit stack, for any depth."""
    stack = [node]
    while stack:
        # The top Value goes down into its first input that is interior and not yet reached,
        # or is listed if there is none.
        node = stack[-1]
        parent = node._first
        if parent.__class__ is not value_class or parent._first is None or parent.grad is _RESET:
            parent = node._second
            if (
                parent.__class__ is not value_class
                or parent._first is None
                or parent.grad is _RESET
            ):
                stack.pop()
                order.append(node)
                continue
        parent.grad = _RESET
        stack.append(parent)


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
        if switched_modes and current_mode.get().anomaly:
            _backward_checked(root, grad, topological_order(root))
            return
        if root._first is None:
            root.grad += grad
            return
        try:
            order = _reset_in_order(root)
            root.grad += grad
            _accumulate(order)
        except BaseException:  # interrupted: no grad may keep the mark
            _clear_marks(root)
            raise
    finally:
        if collecting:
            gc.enable()


def _accumulate(order: list[Value]) -> None:
    """The chain rule over a topological order: ``parent.grad += local_grad * node.grad``.
    A number operand (a float) takes no gradient."""
    value_class = _value.Value
    for node in reversed(order):
        upstream = node.grad
        # A Constant ignores what is added; a leaf of a subclass of Value keeps it.
        parent = node._first
        if parent.__class__ is not float:
            parent.grad += node._d_first * upstream  # type: ignore[union-attr]
        parent = node._second
        if parent.__class__ is value_class or (  # the common case first
            parent is not None and parent.__class__ is not float
        ):
            parent.grad += node._d_second * upstream  # type: ignore[union-attr]


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
