"""The backward pass, one step at a time: frames for stepping through it, and the chain rule as
text.

:func:`backward_steps` is :func:`autograd.backward` cut into frames: the same loop, the same
arithmetic in the same order, so consuming it leaves every gradient bit for bit as ``backward``
does. :func:`explain` writes each contribution as a line of the chain rule, in the notation of
a hand derivation: ``dE/dw35 += dE/dz5 * dz5/dw35 = ...``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from autograd.graph import topological_order
from autograd.value import Constant, Value


@dataclass(frozen=True)
class EdgeStep:
    """One contribution: ``input.grad += local_grad * upstream``."""

    input: Value
    """The op's input that receives the contribution."""
    index: int
    """Its position among the op's inputs."""
    local_grad: float
    """d(node)/d(input), recorded when the op ran."""
    contribution: float
    """local_grad * upstream: what the chain rule adds to input.grad (nothing for a Constant)."""


@dataclass(frozen=True)
class Frame:
    """One node of the backward pass: its complete gradient, passed on to each of its inputs."""

    node: Value
    upstream: float
    """d(root)/d(node), complete when the node is reached."""
    edges: tuple[EdgeStep, ...]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Frame]:
    """Run ``root.backward(grad)`` one node at a time, yielding a Frame after each node has
    passed its gradient to its inputs. Only nodes made by ops have frames (a leaf passes nothing
    on). When the iterator is exhausted every grad is exactly what ``backward`` leaves.

    Examples:
        >>> from autograd import Value
        >>> a = Value(3.0, label="a")
        >>> frames = list(backward_steps(a * a))
        >>> [(f.node.op, f.upstream, [e.contribution for e in f.edges]) for f in frames]
        [('mul', 1.0, [3.0, 3.0])]
        >>> a.grad
        6.0
    """
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += grad
    for node in reversed(order):
        upstream = node.grad
        edges = []
        for index, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            contribution = local_grad * upstream
            parent.grad += contribution
            edges.append(EdgeStep(parent, index, local_grad, contribution))
        yield Frame(node, upstream, tuple(edges))


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


def explain_lines(
    frame: Frame, root_name: str, names: dict[Value, str], precision: int
) -> list[str]:
    """One chain-rule line per contribution of a frame; Constants, which take none, are left out."""
    node, r = _d(names[frame.node]), _d(root_name)
    lines = []
    for edge in frame.edges:
        if isinstance(edge.input, Constant):
            continue
        x = _d(names[edge.input])
        numbers = " * ".join(format_number(v, precision) for v in (frame.upstream, edge.local_grad))
        lines.append(
            f"d{r}/d{x} += d{r}/d{node} * d{node}/d{x} = {numbers} = "
            f"{format_number(edge.contribution, precision)}"
        )
    return lines


def explain(root: Value, *, precision: int = 6) -> str:
    """Run ``root.backward()`` and return its chain-rule trace, one line per contribution.

    The first line seeds the root (dE/dE = 1); each following line adds one input's share,
    ``d(root)/d(input) += d(root)/d(node) * d(node)/d(input)``, with the numbers. Nodes are
    named by their labels (unlabelled ones ``v`` plus their position). The last lines give
    the gradient of every labelled leaf. Grads change exactly as ``root.backward()`` changes them.
    """
    names = node_names(graph_nodes(root), precision)
    r = _d(names[root])
    lines = [f"d{r}/d{r} = 1"]
    for frame in backward_steps(root):
        lines += explain_lines(frame, names[root], names, precision)
    leaves = [
        v for v in graph_nodes(root) if not v.parents and v.label and not isinstance(v, Constant)
    ]
    if leaves:
        lines.append(
            "so "
            + ", ".join(
                f"d{r}/d{_d(names[v])} = {format_number(v.grad, precision)}" for v in leaves
            )
        )
    return "\n".join(lines)
