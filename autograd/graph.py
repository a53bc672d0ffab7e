"""Graph algorithms: the topological order of a graph, and the backward passes over it.

Two implementations of the chain rule, and no more:

- :func:`backward`, the fast float loop of ``Value.backward()``: one sort that resets and marks
  as it goes, then ``parent.grad += local_grad * upstream`` over the nodes in reverse order;
- :func:`chain_rule`, the one shared walk of every other pass: the checked pass of
  ``detect_anomaly``, the step-through frames (:mod:`autograd.trace`) and the recorded,
  differentiable pass of ``create_graph`` (:mod:`autograd.higher`). It sums into a dictionary,
  so a pass that fails or is interrupted changes no grad at all.

Both give the same numbers bit for bit. Neither recurses without bound: graph depth is limited
by memory, not by Python's recursion limit (a 1,000,000-node chain runs at the default limit).
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from autograd.modes import current_mode, switched_modes
from autograd.value import Constant, Value, check_takes_gradient, describe

Gradient = Any  # a float, or a Value when the pass is recorded

GRADS_LOCK = threading.RLock()
"""Held by every pass that writes grads, so that passes through one graph never interleave:
two threads backpropagating through the same graph add exactly two passes' gradients. (Under
the GIL threads take turns anyway; the lock makes each pass one turn.) It is re-entrant, so
that a pass begun inside another pass of the same thread reaches :data:`RUNNING` and raises,
where a plain lock would wait for itself forever."""

RUNNING = [False]
"""Whether the thread that holds :data:`GRADS_LOCK` is inside a pass. Set as the first step
inside each pass's ``try`` and cleared as the first step of its ``finally``."""


def nested_pass() -> RuntimeError:
    """The error for a pass begun inside another pass of the same thread."""
    return RuntimeError(
        "backward was called while another backward pass of the same thread was running (from "
        "a signal handler, a __del__ or a grad property?); passes cannot nest: run it after "
        "the first pass has returned"
    )


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


def nodes_on_paths(root: Value, source: Value) -> list[Value]:
    """The Values on some path from ``source`` to ``root`` (both included), in the order of
    ``topological_order(root, leaves=True)``: those that ``source`` flows into, root's
    gradient with respect to ``source`` being the sum over these paths of the products of
    their local derivatives. Every Value that uses one of them is one of them. Raises
    ValueError if ``source`` is not in root's graph.
    """
    order = topological_order(root, leaves=True)
    reached = {source}
    on_paths = []
    for node in order:
        if node is source or any(parent in reached for parent in node.parents):
            reached.add(node)
            on_paths.append(node)
    if not on_paths or on_paths[0] is not source:
        raise ValueError(
            f"wrt must be a Value of the graph of {describe(root)}, got {describe(source)}, "
            "which it was not computed from"
        )
    return on_paths


# --- the fast float pass ----------------------------------------------------------------------


class _Mark(float):
    """A 0.0 with an identity of its own on every Python implementation: PyPy compares plain
    floats by value under ``is``, but not instances of a subclass."""

    __slots__ = ()


_ZERO = 0.0


def _fresh_mark() -> float:
    """A 0.0 object that no grad holds: the visit mark of one backward pass.

    A pass writes its mark into each interior grad as its sort reaches it, so ``node.grad is
    mark`` means "visited by this pass", with no set of visited Values. Every such grad then
    receives a contribution, which replaces the mark, so no mark outlives a pass that completes.
    A pass interrupted anywhere leaves marks that are 0.0 and mean nothing to the next pass,
    which has a mark of its own: no clean-up is needed, and none can be cut short.

    On CPython ``is`` compares objects and a float computed at run time is a new object, so the
    mark is a plain float, and adding into it stays on the interpreter's fast path for floats
    (a :class:`_Mark` there costs about 2% of the document network's training step). Elsewhere
    it is a :class:`_Mark`.
    """
    return _ZERO * 1.0


if sys.implementation.name != "cpython":
    _fresh_mark = _Mark  # for implementations that compare floats by value under `is`


_RECURSION = 100
"""How deep backward's sort recurses before it goes on with a stack of its own. Recursion is
the faster, but Python limits it (to 1,000 frames by default, counting the caller's)."""


def backward(root: Value, grad: float = 1.0) -> None:
    """Set ``v.grad`` to d(root)/dv for every interior v, and add it into every leaf's grad.

    Each interior Value's grad is reset to 0, then ``grad`` is added to the root's, then in
    reverse topological order every Value adds ``local_grad * upstream`` into each parent: by the
    time a Value is reached, every Value that uses it has contributed, so its grad is complete.
    See :meth:`autograd.Value.backward` for the accumulation rule. Where the upstream gradient
    is inf or nan, a local derivative that is zero by its rule's convention contributes exactly
    0 (:mod:`autograd.rule`); elsewhere ``0 * upstream`` is 0 already.

    The garbage collector is paused during the pass (and restored as it was): the pass makes
    only short-lived objects without cycles, so a collection could free nothing and would only
    walk the whole graph again.
    """
    if root._first is None:
        check_takes_gradient(root)
    with GRADS_LOCK:
        if RUNNING[0]:
            raise nested_pass()
        collecting = gc.isenabled()
        try:
            RUNNING[0] = True
            if collecting:
                gc.disable()  # inside the try: a Ctrl-C as it returns must not leave it off
            if switched_modes and current_mode.get().anomaly:
                _backward_checked(root, grad)
            elif root._first is None:
                root.grad = grad if root.grad is None else root.grad + grad
            else:
                try:
                    order = _reset_in_order(root)
                    root.grad += grad  # type: ignore[operator]  # the mark, a float
                    _accumulate(order)
                except BaseException:
                    _unstart_leaves()
                    raise
                _STARTED.clear()
        finally:
            RUNNING[0] = False
            if collecting:
                gc.enable()


def _reset_in_order(root: Value) -> list[Value]:
    """The interior Values below ``root`` in topological order, each with its grad reset to 0
    (to this pass's mark)."""
    mark = root.grad = _fresh_mark()
    order: list[Value] = []
    try:
        _visit(root, order, _RECURSION, Value, mark)
    except RecursionError:  # called near Python's limit: start again, without recursion
        mark = root.grad = _fresh_mark()  # the marks of the first try mean nothing now
        order = []
        try:
            _visit_with_stack(root, order, Value, mark)
        except RecursionError:
            raise RecursionError(
                "backward was called within a few frames of Python's recursion limit "
                "(sys.getrecursionlimit()) and could not sort the graph; no grad was changed "
                "but interior grads were reset. Call it from a shallower frame."
            ) from None
    return order


_NO_GRADIENT_YET = -_fresh_mark()
"""What the sort puts in the grad of a leaf whose grad is None (no gradient yet): -0.0, the
identity of float addition (``-0.0 + x`` is ``x`` for every float x, -0.0 and 0.0 included),
so that the leaf's first contribution becomes its grad exactly, and the chain rule's loop
needs no test for None (nor an exception, which would cost more than a whole edge per leaf).
A completed pass adds into every leaf it started, which replaces this object; a pass that
fails puts None back in every leaf that still holds it (:data:`_STARTED`)."""

if sys.implementation.name != "cpython":
    _NO_GRADIENT_YET = _Mark(-0.0)

_STARTED: list[Value] = []
"""The leaves the current pass started from None; passes run one at a time (the lock)."""


def _start_leaf(leaf: Value) -> None:
    leaf.grad = _NO_GRADIENT_YET
    _STARTED.append(leaf)


def _unstart_leaves() -> None:
    """After a failed pass: None again in every leaf that received nothing."""
    for leaf in _STARTED:
        if leaf.grad is _NO_GRADIENT_YET:
            leaf.grad = None
    _STARTED.clear()


def _visit(
    node: Value, order: list[Value], depth: int, value_class: type[Value], mark: float
) -> None:
    """Marks and lists, each after its inputs, the interior Values below ``node`` not yet
    reached, then ``node``; ``node`` is marked already. Interior Values are exactly those of
    class Value with inputs: ops make only Values, and a number operand is a float or a
    Constant.

    The depth-first post-order of the recursive definition (first input, second input, then
    the node), with the recursion into first inputs written as a loop: the chain of first
    inputs not yet reached is marked on the way down, then each link, deepest first, has its
    second input visited and is listed. This is the same order: while a link's second input is
    visited, every link of the chain is marked in both (those above it are on the path, those
    below it are done), and no link can be reached from that input, the graph being acyclic."""
    if not depth:
        _visit_with_stack(node, order, value_class, mark)
        return
    parent = node._first
    if parent.__class__ is value_class and parent._first is not None and parent.grad is not mark:
        chain = [node]
        while True:  # down the first inputs not yet reached, marking each
            parent.grad = mark
            chain.append(parent)
            parent = parent._first
            if parent.__class__ is not value_class or parent.grad is mark:
                break
            if parent._first is None:
                if parent.grad is None:  # a leaf with no gradient yet (inlined _start_leaf)
                    parent.grad = _NO_GRADIENT_YET
                    _STARTED.append(parent)
                break
        chain.reverse()  # in place: cheaper than reversed() for the short chains of most graphs
        for node in chain:
            parent = node._second
            if parent.__class__ is value_class:
                if parent._first is not None:
                    if parent.grad is not mark:
                        parent.grad = mark
                        _visit(parent, order, depth - 1, value_class, mark)
                elif parent.grad is None:
                    parent.grad = _NO_GRADIENT_YET
                    _STARTED.append(parent)
            order.append(node)
        return
    if parent.__class__ is value_class and parent.grad is None:  # a leaf: interior grads are marks
        parent.grad = _NO_GRADIENT_YET
        _STARTED.append(parent)
    parent = node._second
    if parent.__class__ is value_class:
        if parent._first is not None:
            if parent.grad is not mark:
                parent.grad = mark
                _visit(parent, order, depth - 1, value_class, mark)
        elif parent.grad is None:
            parent.grad = _NO_GRADIENT_YET
            _STARTED.append(parent)
    order.append(node)


def _visit_with_stack(
    node: Value, order: list[Value], value_class: type[Value], mark: float
) -> None:
    """:func:`_visit` with an explicit stack, for any depth."""
    stack = [node]
    while stack:
        # The top Value goes down into its first input that is interior and not yet reached,
        # or is listed if there is none.
        node = stack[-1]
        parent = node._first
        if parent.__class__ is not value_class or parent._first is None or parent.grad is mark:
            parent = node._second
            if parent.__class__ is not value_class or parent._first is None or parent.grad is mark:
                stack.pop()
                order.append(node)
                for parent in (node._first, node._second):
                    if (
                        parent.__class__ is value_class
                        and parent._first is None
                        and parent.grad is None
                    ):
                        _start_leaf(parent)
                continue
        parent.grad = mark
        stack.append(parent)


def _accumulate(order: list[Value], inf: float = math.inf, minus_inf: float = -math.inf) -> None:
    """The chain rule over a topological order: ``parent.grad += local_grad * node.grad``.
    A number operand (a float) takes no gradient.

    A leaf of class Value whose grad was None holds -0.0 by now (the sort started it, see
    :data:`_NO_GRADIENT_YET`). Any other grad that ``+=`` refuses (None in a leaf of a subclass
    of Value, or no number at all) raises TypeError before anything is written, and
    :func:`_add_into_none` takes over: None becomes the contribution; anything else is left as
    it is, and once every other grad is complete the pass raises TypeError naming it, so no
    grad is ever left half-summed. (A ``try`` costs nothing on CPython 3.11+ until something
    raises. Interior grads are never None here: the sort reset them to the mark.)
    """
    value_class = Value
    refused: list[Value] = []
    for node in reversed(order):
        upstream: float = node.grad  # type: ignore[assignment]  # interior: a float
        if not minus_inf < upstream < inf and node._rule.maskable:  # type: ignore[union-attr]
            _pass_on_masked(node, upstream, refused)  # inf or nan: masked zeros give exactly 0
            continue
        # A Constant ignores what is added; a leaf of a subclass of Value keeps it.
        parent = node._first
        if parent.__class__ is not float:
            try:
                parent.grad += node._d_first * upstream  # type: ignore[union-attr, operator]
            except TypeError:
                _add_into_none(parent, node._d_first * upstream, refused)  # type: ignore[arg-type]
        parent = node._second
        if parent.__class__ is value_class or (  # the common case first
            parent is not None and parent.__class__ is not float
        ):
            try:
                parent.grad += node._d_second * upstream  # type: ignore[union-attr, operator]
            except TypeError:
                _add_into_none(parent, node._d_second * upstream, refused)  # type: ignore[arg-type]
    if refused:
        raise _refused_grads(refused)


def _add_into_none(leaf: Value, contribution: float, refused: list[Value]) -> None:
    """``leaf.grad += contribution`` for a grad that ``+=`` refused: None (no gradient yet)
    becomes the contribution; anything else is left as it is and listed in ``refused``."""
    if leaf.grad is None:
        leaf.grad = contribution
    elif leaf not in refused:
        refused.append(leaf)


def _refused_grads(refused: list[Value]) -> TypeError:
    shown = ", ".join(
        f"{describe(leaf)} holds {type(leaf.grad).__name__}: {leaf.grad!r}"[:200]
        for leaf in refused[:3]
    )
    more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
    return TypeError(
        f"backward: a grad must be a float, or None for no gradient; {shown}{more}. Those "
        "grads were left as they were; every other grad of the pass is complete."
    )


def _pass_on_masked(node: Value, upstream: float, refused: list[Value]) -> None:
    masks = masked_zeros(node)
    for parent, local_grad, masked in zip((node._first, node._second), node.local_grads, masks):
        if parent.__class__ is not float:
            contribution = 0.0 if masked else local_grad * upstream
            try:
                parent.grad += contribution  # type: ignore[union-attr, operator]
            except TypeError:
                _add_into_none(parent, contribution, refused)  # type: ignore[arg-type]


# --- what every pass needs to know of a node ---------------------------------------------------


def _numbers(node: Value) -> tuple[float, ...]:
    inputs = (node._first,) if node._second is None else (node._first, node._second)
    return tuple(x if x.__class__ is float else x._data for x in inputs)  # type: ignore[union-attr]


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def check_recorded(node: Value) -> None:
    """Raises RuntimeError if the inputs of ``node`` no longer give the value and the local
    derivatives recorded when it was made: some Value's ``data`` changed since (as PyTorch's
    version counter, which raises for a tensor modified in place after use)."""
    rule = node._rule
    assert rule is not None
    numbers = _numbers(node)
    try:
        value = rule.forward(*numbers)
        local_grads = rule.local_grads(*numbers, value)
    except ArithmeticError:
        value = rule.forward_ieee(*numbers)
        local_grads = rule.local_grads_ieee(*numbers, value)
    if _same(value, node.data) and all(map(_same, local_grads, node.local_grads)):
        return
    inputs = ", ".join(describe(parent) for parent in node.parents)
    raise RuntimeError(
        f"backward: {describe(node)} was recorded from other numbers than its inputs hold now "
        f"({inputs}, which give {rule.name} = {value!r}): a Value's data changed after the "
        "graph was computed (an optimizer step between the forward pass and backward?). "
        "Compute the graph again from the current values."
    )


def masked_zeros(node: Value) -> tuple[bool, ...]:
    """For each input of ``node``, whether its local derivative is zero by the rule's
    convention, and so contributes exactly 0; evaluated on the inputs' numbers, after
    :func:`check_recorded` has made sure they are the recorded ones."""
    rule = node._rule
    assert rule is not None
    if not rule.maskable:
        return (False,) * rule.arity
    check_recorded(node)
    return rule.masks(*_numbers(node), node.data)


# --- the shared walk --------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeStep:
    """One contribution: ``input.grad += local_grad * upstream``."""

    input: Value
    """The op's input that receives the contribution."""
    index: int
    """Its position among the op's inputs."""
    local_grad: Gradient
    """d(node)/d(input): recorded when the op ran, or computed on Values."""
    contribution: Gradient
    """local_grad * upstream (exactly 0 for a masked zero): what the chain rule adds to
    input.grad (nothing for a Constant, which takes no gradient)."""
    total: Gradient = None
    """The input's gradient so far, this contribution included: the pass's running sum, which
    the input's last contribution leaves complete (None for a Constant)."""


@dataclass(frozen=True)
class Frame:
    """One node of the backward pass: its complete gradient, passed on to each of its inputs."""

    node: Value
    upstream: Gradient
    """d(root)/d(node), complete when the node is reached."""
    edges: tuple[EdgeStep, ...]


Start = Callable[[Value], Gradient]
"""What a Value's sum starts from, before the pass's first contribution; None for nothing."""


def chain_rule(
    root: Value,
    seed: Gradient,
    start: Start,
    on_values: Callable[[Value], tuple[Gradient, ...]] | None = None,
    frames: list[Frame] | None = None,
) -> dict[Value, Gradient]:
    """d(root)/dv for root and every Value v below it (Constants take none), summed from
    ``start(v)`` plus one contribution per edge, in reverse topological order. Writes no grad.

    On floats (``on_values`` None) the local derivatives are the recorded ones, and where the
    upstream gradient is inf or nan a masked zero contributes 0.0, as in :func:`backward`. With
    ``on_values(node)`` giving each node's local derivatives as Values, the pass is recorded:
    every node is first checked against its recorded numbers (:func:`check_recorded`), and a
    masked zero contributes the number 0.0. Given a list, ``frames`` receives one
    :class:`Frame` per node.
    """
    first = start(root)
    totals: dict[Value, Gradient] = {root: seed if first is None else first + seed}
    for node in reversed(topological_order(root)):
        upstream = totals[node]  # every edge into it has contributed, a masked zero too
        if on_values is not None:
            check_recorded(node)
            local_grads: tuple[Gradient, ...] = on_values(node)
            masks = masked_zeros(node)
        else:  # as backward: masks matter only where the upstream gradient is inf or nan
            local_grads = node.local_grads
            finite = -math.inf < upstream < math.inf
            masks = (False, False) if finite else masked_zeros(node)
        edges = []
        for index, (parent, local_grad, masked) in enumerate(zip(node.parents, local_grads, masks)):
            contribution: Gradient = 0.0 if masked else local_grad * upstream
            if isinstance(parent, Constant):
                if frames is not None:
                    edges.append(EdgeStep(parent, index, local_grad, contribution))
                continue
            if parent in totals:
                total = totals[parent] + contribution
            else:
                begin = start(parent)
                total = contribution if begin is None else begin + contribution
            totals[parent] = total
            if frames is not None:
                edges.append(EdgeStep(parent, index, local_grad, contribution, total))
        if frames is not None:
            frames.append(Frame(node, upstream, tuple(edges)))
    return totals


def start_as_backward(value: Value) -> float:
    """The start of :func:`backward`'s sums, as a number: an interior grad is reset to 0, a
    leaf's accumulates from its grad, and a leaf with no gradient (grad None) starts at 0."""
    grad = value.grad
    return 0.0 if value._first is not None or grad is None else grad


def _start_of_pass(value: Value) -> float | None:
    """:func:`start_as_backward` for the passes themselves: None (nothing) for a leaf with no
    gradient, so that its first contribution becomes its grad bit for bit as in
    :func:`backward` (``0.0 + -0.0`` would be ``0.0``)."""
    return 0.0 if value._first is not None else value.grad


def float_pass(root: Value, grad: float, frames: list[Frame] | None = None) -> None:
    """:func:`backward` through the shared walk: the same grads, bit for bit, written only once
    the whole pass has succeeded. Holds the lock; ``frames`` receives the pass's frames."""
    check_takes_gradient(root)
    with GRADS_LOCK:
        if RUNNING[0]:
            raise nested_pass()
        try:
            RUNNING[0] = True
            totals = chain_rule(root, grad, _start_of_pass, frames=frames)
            _write_grads(totals.items())
        finally:
            RUNNING[0] = False


def _write_grads(totals: Iterable[tuple[Value, float]]) -> None:
    for value, gradient in totals:
        value.grad = gradient


def _backward_checked(root: Value, grad: float) -> None:
    """The backward pass of ``detect_anomaly``: raises at the first non-finite contribution made
    from a finite upstream gradient and finite inputs, and then leaves every grad as it was."""
    frames: list[Frame] = []
    totals = chain_rule(root, grad, _start_of_pass, frames=frames)
    for frame in frames:
        node, upstream = frame.node, frame.upstream
        inputs_finite = all(math.isfinite(p.data) for p in node.parents)
        for edge in frame.edges:
            if (
                not math.isfinite(edge.contribution)
                and math.isfinite(upstream)
                and inputs_finite
                and not isinstance(edge.input, Constant)
            ):
                formula = f"; rule: {node.rule.formula}" if node.rule else ""
                described = ", ".join(describe(p) for p in node.parents)
                raise FloatingPointError(
                    f"detect_anomaly: the backward pass of {node.op} turned the finite upstream "
                    f"gradient {upstream!r} into {edge.contribution!r} for its input {edge.index} "
                    f"(local derivative {edge.local_grad!r}); inputs: {described}{formula}"
                )
    _write_grads(totals.items())
