"""The backward pass, one step at a time: frames for stepping through it, and the chain rule as
text.

:func:`backward_steps` runs :func:`autograd.backward` through the shared walk of
:mod:`autograd.graph`, keeping a frame per node: the same arithmetic in the same order, so it
leaves every gradient bit for bit as ``backward`` does. :func:`explain` writes each contribution
as a line of the chain rule, in the notation of a hand derivation:
``dE/dw35 += dE/dz5 * dz5/dw35 = ...``.
"""

from __future__ import annotations

from collections.abc import Iterator

from autograd.graph import EdgeStep, Frame, float_pass, topological_order
from autograd.rule import worked_derivative
from autograd.value import Constant, Value


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Frame]:
    """Run ``root.backward(grad)`` and return its frames, one per node made by an op, in the
    order of the pass: each holds the node's complete gradient and what it passed to each
    input (a leaf passes nothing on). The grads are written once the pass has succeeded, exactly
    as ``backward`` leaves them.

    Examples:
        >>> from autograd import Value
        >>> a = Value(3.0, label="a")
        >>> frames = list(backward_steps(a * a))
        >>> [(f.node.op, f.upstream, [e.contribution for e in f.edges]) for f in frames]
        [('mul', 1.0, [3.0, 3.0])]
        >>> a.grad
        6.0
    """
    frames: list[Frame] = []
    float_pass(root, grad, frames)
    return iter(frames)


def graph_nodes(root: Value) -> list[Value]:
    """Every Value of root's graph, leaves and Constants included, each after its inputs, in
    the same deterministic order as :func:`autograd.topological_order`."""
    return topological_order(root, leaves=True)


def format_number(x: float, precision: int) -> str:
    """x to ``precision`` significant digits (``%g``)."""
    return f"{x:.{precision}g}"


def node_names(nodes: list[Value], precision: int = 4) -> dict[Value, str]:
    """A name for every node: its label; a Constant's number; otherwise ``v`` and its position
    in ``nodes``, so unlabelled nodes are named by where they are, the same in every run."""
    names = {}
    for position, node in enumerate(nodes):
        if node.label:
            names[node] = node.label
        elif isinstance(node, Constant):
            names[node] = format_number(node.data, precision)
        else:
            names[node] = f"v{position}"
    return names


def _d(name: str) -> str:
    """``name`` as it reads after a d: bracketed when it holds an operator or a space."""
    return f"({name})" if any(c in name for c in " +-*/^·()") else name


def chain_rule_line(
    frame: Frame, edge: EdgeStep, root_name: str, names: dict[Value, str], precision: int
) -> str:
    """One contribution as a line of the chain rule:
    ``dE/dw35 += dE/dz5 * dz5/dw35 = 0.04068 * 0.6803 = 0.02767``."""
    node, x, r = _d(names[frame.node]), _d(names[edge.input]), _d(root_name)
    numbers = " * ".join(format_number(v, precision) for v in (frame.upstream, edge.local_grad))
    return (
        f"d{r}/d{x} += d{r}/d{node} * d{node}/d{x} = {numbers} = "
        f"{format_number(edge.contribution, precision)}"
    )


def explain_lines(
    frame: Frame, root_name: str, names: dict[Value, str], precision: int
) -> list[str]:
    """One chain-rule line per contribution of a frame; Constants, which take none, are left out."""
    return [
        chain_rule_line(frame, edge, root_name, names, precision)
        for edge in frame.edges
        if not isinstance(edge.input, Constant)
    ]


def local_derivative_line(
    frame: Frame, edge: EdgeStep, names: dict[Value, str], precision: int
) -> str:
    """The local derivative of one contribution as its rule's formula, with the names of the
    node and its inputs and then their numbers put in, and the derivative the op recorded:
    ``dy3/dz3 = y3 * (1 - y3) = 0.6803 * 0.3197 = 0.2175`` for a sigmoid. The formula is the
    rule table's own text (:func:`autograd.rule.worked_derivative`); the numbers are left out
    if they do not give the recorded derivative (a Value's data changed since)."""
    node = frame.node
    rule = node.rule
    assert rule is not None  # a frame's node was made by an op
    inputs = [parent.data for parent in node.parents]
    point = {**dict(zip(rule.inputs, inputs)), "out": node.data}
    words = {**{x: names[p] for x, p in zip(rule.inputs, node.parents)}, "out": names[node]}
    local_grad = edge.local_grad
    recorded = rule.local_grads_ieee(*inputs, node.data)[edge.index]
    with_names, with_numbers = worked_derivative(
        rule.grads[edge.index], point, words, lambda x: format_number(x, precision)
    )
    parts = [f"d{_d(names[node])}/d{_d(names[edge.input])}", with_names]
    unchanged = recorded == local_grad or (recorded != recorded and local_grad != local_grad)
    if with_numbers is not None and unchanged:
        parts.append(with_numbers)
    parts.append(format_number(local_grad, precision))
    return " = ".join(part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1])


def pass_gradients(frames: list[Frame]) -> dict[Value, float]:
    """What a pass's frames added into each input, summed in the order of the pass: for a leaf,
    d(root)/d(leaf) of this pass alone, whatever its grad held before."""
    sums: dict[Value, float] = {}
    for frame in frames:
        for edge in frame.edges:
            sums[edge.input] = sums.get(edge.input, 0.0) + edge.contribution
    return sums


def explain(root: Value, *, precision: int = 6) -> str:
    """Run ``root.backward()`` and return its chain-rule trace, one line per contribution.

    The first line seeds the root (dE/dE = 1); each following line adds one input's share,
    ``d(root)/d(input) += d(root)/d(node) * d(node)/d(input)``, with the numbers. Nodes are
    named by their labels (unlabelled ones ``v`` plus their position). The last line gives
    every labelled leaf's gradient from this pass (leaf grads that held something before the
    pass hold more). Grads change exactly as ``root.backward()`` changes them.
    """
    nodes = graph_nodes(root)
    names = node_names(nodes, precision)
    r = _d(names[root])
    lines = [f"d{r}/d{r} = 1"]
    frames = list(backward_steps(root))
    for frame in frames:
        lines += explain_lines(frame, names[root], names, precision)
    leaves = [v for v in nodes if not v.parents and v.label and not isinstance(v, Constant)]
    if leaves:
        gradients = pass_gradients(frames)
        if root in leaves:
            gradients[root] = 1.0
        lines.append(
            "so "
            + ", ".join(
                f"d{r}/d{_d(names[v])} = {format_number(gradients.get(v, 0.0), precision)}"
                for v in leaves
            )
        )
    return "\n".join(lines)
