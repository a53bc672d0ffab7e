"""The fast pass's sort: the same order as ``topological_order``, so the same grads, bit for bit.

``backward()`` sorts with loops and recursion of its own (:func:`autograd.graph._visit`); the
order in which contributions are added into each grad follows from that order, and floating-point
addition is not associative. These tests compare the sort with ``topological_order`` (a plain
stack, the definition) and the grads with ``float_pass`` (the shared walk, which sums in that
order) on random graphs: chains through first and through second inputs, fan-out, diamonds,
number operands, Constants, and leaves that start from None or from a gradient of their own.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_backward import backward_near_the_recursion_limit

from autograd import Constant, Value, graph, topological_order

BINARY = ("add", "mul", "sub", "radd", "rmul", "rsub")


def _apply(op: str, a: Value, b: Value | float) -> Value:
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    if op == "sub":
        return a - b
    if op == "radd":
        return b + a
    if op == "rmul":
        return b * a
    return b - a


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    """A random graph and its leaves; some leaves hold None, some a gradient of their own."""
    starts = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 0.1, 1e16, -3.0]))
    leaves: list[Value] = []
    for _ in range(draw(st.integers(1, 5))):
        leaf = Value(draw(st.floats(-2.0, 2.0)))
        leaf.grad = draw(starts)
        leaves.append(leaf)
    nodes: list[Value] = list(leaves)
    constant = Constant(0.5)
    for _ in range(draw(st.integers(1, 40))):
        recent = st.sampled_from(nodes[-3:])  # long chains, through either input
        anywhere = st.sampled_from(nodes)  # fan-out and diamonds
        a = draw(st.one_of(recent, anywhere))
        kind = draw(st.sampled_from(["value", "value", "number", "constant", "unary"]))
        if kind == "unary":
            nodes.append(a.tanh() if draw(st.booleans()) else -a)
            continue
        b: Value | float = draw(st.one_of(recent, anywhere)) if kind == "value" else 1.25
        if kind == "constant":
            b = constant
        nodes.append(_apply(draw(st.sampled_from(BINARY)), a, b))
    root = nodes[-1]
    if root._first is None:
        root = root * 1.5
    return root, leaves


def _grads(values: list[Value]) -> list[str]:
    """Each grad exactly: float.hex tells -0.0 from 0.0 and keeps every bit."""
    return [repr(v.grad) if v.grad is None else float(v.grad).hex() for v in values]


def _check(root: Value, leaves: list[Value]) -> None:
    starts = [leaf.grad for leaf in leaves]
    order = topological_order(root)
    assert graph._reset_in_order(root) == order
    for leaf, start in zip(leaves, starts):  # undo the sort's start of None leaves
        leaf.grad = start
    graph._STARTED.clear()
    everything = order + leaves
    root.backward()
    fast = _grads(everything)
    for leaf, start in zip(leaves, starts):
        leaf.grad = start
    graph.float_pass(root, 1.0)
    assert fast == _grads(everything)


@given(graphs())
def test_the_sort_is_topological_order_and_the_grads_are_the_shared_walks(
    graph_and_leaves: tuple[Value, list[Value]],
) -> None:
    _check(*graph_and_leaves)


@pytest.mark.parametrize("depth", [1, 2, 5])
@given(graph_and_leaves=graphs())
def test_the_same_when_the_sort_goes_on_with_its_stack(
    depth: int, graph_and_leaves: tuple[Value, list[Value]]
) -> None:
    """With a recursion budget of a few frames, the explicit stack takes over part way."""
    saved = graph._RECURSION
    graph._RECURSION = depth
    try:
        _check(*graph_and_leaves)
    finally:
        graph._RECURSION = saved


def test_a_chain_through_second_inputs_near_the_recursion_limit() -> None:
    """``0.0001 + 1.0001 * y`` puts the chain in the second inputs, where the sort recurses:
    called near Python's limit, it must fall back to its stack, not fail."""
    x = Value(1.0)
    y = x
    for _ in range(300):
        y = 0.0001 + 1.0001 * y
    expected = 1.0
    for _ in range(300):
        expected *= 1.0001
    backward_near_the_recursion_limit(y)
    assert x.grad == expected


@pytest.mark.slow
def test_a_deep_chain_through_second_inputs_of_a_million_nodes() -> None:
    x = Value(1.0)
    y = x
    for _ in range(500_000):
        y = 0.0 + 1.0 * y
    y.backward()
    assert x.grad == 1.0
    assert y.grad == 1.0
