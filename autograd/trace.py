"""The backward pass, one step at a time: frames for stepping through it, and the chain rule as
text.

:func:`backward_steps` runs :func:`autograd.backward` through the shared walk of
:mod:`autograd.graph`, keeping a frame per node: the same arithmetic in the same order, so it
leaves every gradient bit for bit as ``backward`` does. :func:`explain` writes each contribution
as a line of the chain rule, in the notation of a hand derivation:
``dE/dw35 += dE/dz5 * dz5/dw35 = ...``; ``explain(root, wrt=v)`` writes one derivative as a
hand derivation does, the sum over the paths from v to root of the product of the local
derivatives along each (:func:`paths`, counted first by :func:`path_counts`;
:func:`nodes_on_paths` gives the Values on them).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from autograd.graph import (
    EdgeStep,
    Frame,
    chain_rule,
    float_pass,
    masked_zeros,
    topological_order,
)
from autograd.rule import worked_derivative
from autograd.value import Constant, Value, describe

DEFAULT_MAX_PATHS = 100
"""How many paths ``explain(root, wrt=v)`` writes out at most, unless told otherwise."""


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


_HIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})
"""Characters that show no glyph of their own: controls (ANSI colour codes, NUL, tab), lone
surrogates, unassigned code points and noncharacters (U+FFFE), line and paragraph separators."""
_DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that silently reorder the text around them (a label could read backwards)."""


def visible(text: str) -> str:
    r"""``text`` with every character that would not show as itself written as its Python
    escape (``\x1b``, ``\x00``, ``\ufffe``, ``\ud800``), so a name is shown as the
    characters it holds, and no renderer meets a control character or a lone surrogate. A
    newline stays a newline (a drawing breaks the line there).

    Examples:
        >>> print(visible("\x1b[31mred\x00"))
        \x1b[31mred\x00
        >>> print(visible("数据 \\N"))
        数据 \N
    """
    if text.isprintable():
        return text
    return "".join(
        char
        if char == "\n"
        or (
            unicodedata.category(char) not in _HIDDEN_CATEGORIES and char not in _DIRECTION_CONTROLS
        )
        else repr(char)[1:-1]
        for char in text
    )


def node_names(nodes: list[Value], precision: int = 4) -> dict[Value, str]:
    """A name for every node: its label, shown with :func:`visible`; a Constant's number;
    otherwise ``v`` and its position in ``nodes``, so unlabelled nodes are named by where they
    are, the same in every run."""
    names = {}
    for position, node in enumerate(nodes):
        if node.label:
            names[node] = visible(node.label)
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


def worked_local_derivative(
    node: Value, index: int, names: dict[Value, str], precision: int
) -> tuple[str, str | None]:
    """The local derivative d(node)/d(input ``index``) as its rule's formula, twice: with the
    names of the node and its inputs put in, and with their numbers put in (None if the
    numbers would only repeat the names, or if they no longer give the derivative the op
    recorded: a Value's data changed since). The formula is the rule table's own text
    (:func:`autograd.rule.worked_derivative`)."""
    rule = node.rule
    if rule is None:
        raise ValueError(f"{describe(node)} is a leaf: it has no local derivatives")
    inputs = [parent.data for parent in node.parents]
    point = {**dict(zip(rule.inputs, inputs)), "out": node.data}
    words = {**{x: names[p] for x, p in zip(rule.inputs, node.parents)}, "out": names[node]}
    local_grad = node.local_grads[index]
    recorded = rule.local_grads_ieee(*inputs, node.data)[index]
    with_names, with_numbers = worked_derivative(
        rule.grads[index], point, words, lambda x: format_number(x, precision)
    )
    unchanged = recorded == local_grad or (recorded != recorded and local_grad != local_grad)
    return with_names, with_numbers if unchanged else None


def local_derivative_line(
    frame: Frame, edge: EdgeStep, names: dict[Value, str], precision: int
) -> str:
    """The local derivative of one contribution as its rule's formula, with the names of the
    node and its inputs and then their numbers put in, and the derivative the op recorded:
    ``dy3/dz3 = y3 * (1 - y3) = 0.6803 * 0.3197 = 0.2175`` for a sigmoid. The formula is the
    rule table's own text (:func:`autograd.rule.worked_derivative`); the numbers are left out
    if they do not give the recorded derivative (a Value's data changed since)."""
    node = frame.node
    with_names, with_numbers = worked_local_derivative(node, edge.index, names, precision)
    parts = [f"d{_d(names[node])}/d{_d(names[edge.input])}", with_names]
    if with_numbers is not None:
        parts.append(with_numbers)
    parts.append(format_number(edge.local_grad, precision))
    return " = ".join(part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1])


def pass_gradients(frames: list[Frame]) -> dict[Value, float]:
    """What a pass's frames added into each input, summed in the order of the pass: for a leaf,
    d(root)/d(leaf) of this pass alone, whatever its grad held before."""
    sums: dict[Value, float] = {}
    for frame in frames:
        for edge in frame.edges:
            sums[edge.input] = sums.get(edge.input, 0.0) + edge.contribution
    return sums


def explain(
    root: Value,
    *,
    wrt: Value | None = None,
    precision: int = 6,
    max_paths: int = DEFAULT_MAX_PATHS,
) -> str:
    """The chain rule written out: the backward pass of ``root`` line by line, or, given
    ``wrt``, d(root)/d(wrt) as a hand derivation, path by path.

    **Without** ``wrt`` it runs ``root.backward()`` and returns its trace, one line per
    contribution. The first line seeds the root (dE/dE = 1); each following line adds one
    input's share, ``d(root)/d(input) += d(root)/d(node) * d(node)/d(input)``, with the
    numbers. The last line gives every labelled leaf's gradient from this pass (leaf grads that
    held something before the pass hold more). Grads change exactly as ``root.backward()``
    changes them: this is a record of that pass.

    **With** ``wrt`` it writes the derivative of ``root`` with respect to the one Value ``wrt``
    as the sum over every path from ``wrt`` to ``root`` of the product of the local derivatives
    along the path, the way a derivation by hand reads::

        d(root)/d(wrt) = sum over paths p of  prod over edges (node <- input) of p  d(node)/d(input)

    For each path it gives the route, the factors in d-notation (root first, as in
    dE/dy5 * dy5/dz5 * ...), the same factors as their rules' formulas with the names put in
    (from the rule table, :func:`autograd.rule.worked_derivative`), their numbers and their
    product; then the sum over the paths, beside the gradient the backward pass computes (the
    two can differ in the last digits where paths meet, since backward adds at the meeting node
    and then multiplies, and a path product multiplies first). A Value used twice by one op
    (``s * s``) lies on two paths, one per input it is. Along a path the products follow
    backward's rule, so a derivative that is zero by its rule's convention (relu below 0) stays
    exactly 0 even times inf or nan; a factor that is not finite is pointed out.

    With ``wrt`` nothing changes: no grad is written, so it can be called any number of times,
    before or after ``backward``, without adding into leaf grads (which accumulate); backward's
    number is taken from the same walk into a dictionary. It raises ``TypeError`` if ``wrt`` is
    not a Value, and ``ValueError`` if it is a Constant (a number operand, which takes no
    gradient), if it is not in root's graph (root does not depend on it), or if more than
    ``max_paths`` paths lead from it to the root (they are counted first, by dynamic
    programming; the error gives the count). ``wrt=root`` gives 1, the one path of no steps.

    Nodes are named by their labels (unlabelled ones ``v`` plus their position in the graph,
    Constants by their number), numbers are written to ``precision`` significant digits.

    Examples:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x
        >>> y.label = "y"
        >>> print(explain(y, wrt=x))
        dy/dx, summed over the 2 paths from x to y, each the product of its local derivatives:
        <BLANKLINE>
        path 1 of 2: x -> y (as its first input)
          dy/dx
          = x
          = 3
        <BLANKLINE>
        path 2 of 2: x -> y (as its second input)
          dy/dx
          = x
          = 3
        <BLANKLINE>
        so dy/dx = 3 + 3 = 6 (the backward pass: 6)
        >>> x.grad  # nothing was written
        0.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain needs a Value, got {type(root).__name__}: {root!r}")
    if wrt is not None:
        return explain_paths(root, wrt, precision=precision, max_paths=max_paths)
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


# --- the derivative of one Value, path by path -------------------------------------------------

_COUNT_CAP = 10**18
"""Path counts stop growing here: beyond it the exact number tells a reader nothing more, and
counting exactly could take big-number arithmetic on every node (``x = x * x`` doubles it)."""


def _check_wrt(root: Value, wrt: object, nodes: list[Value]) -> Value:
    """``wrt`` if it is a Value of root's graph that can take a gradient; a clear error if not."""
    if not isinstance(wrt, Value):
        raise TypeError(
            f"wrt must be a Value of the graph of root, got {type(wrt).__name__}: {wrt!r}"
        )
    if isinstance(wrt, Constant):
        raise ValueError(
            f"wrt is {describe(wrt)}, a number operand: a Constant takes no gradient (backward "
            "gives it none). To differentiate with respect to a number, make it a Value(...) "
            "and compute the graph again."
        )
    if wrt not in set(nodes):
        raise ValueError(
            f"wrt, {describe(wrt)}, is not in the graph of root, {describe(root)}: root does not "
            "depend on it (there is no path from it to root). Was root computed under "
            "autograd.no_grad(), or from a copy of wrt such as wrt.detach()?"
        )
    return wrt


def path_counts(root: Value, wrt: Value) -> dict[Value, int]:
    """For ``wrt`` and every Value of root's graph that depends on it, the number of paths from
    ``wrt`` to it, by dynamic programming over the topological order: ``wrt`` has 1 (the path of
    no steps), and every other node the sum of its inputs' counts, an input counted once per
    position (``s * s`` has two paths from s). Values that do not depend on ``wrt`` are left
    out. Counts stop at 10^18. Raises ``ValueError`` as :func:`explain` does for a bad ``wrt``.

    Examples:
        >>> from autograd import Value
        >>> s = Value(0.5, label="s")
        >>> y = s * s + s
        >>> path_counts(y, s)[y]
        3
    """
    nodes = graph_nodes(root)
    _check_wrt(root, wrt, nodes)
    counts = {wrt: 1}
    for node in nodes:
        if node is wrt:
            continue
        total = sum(counts.get(parent, 0) for parent in node.parents)
        if total:
            counts[node] = min(total, _COUNT_CAP)
    return counts


def nodes_on_paths(root: Value, wrt: Value) -> list[Value]:
    """The Values on some path from ``wrt`` to ``root`` (both included), in topological order:
    those that depend on ``wrt``. Every other Value of the graph is off the derivation."""
    counts = path_counts(root, wrt)
    return [node for node in graph_nodes(root) if node in counts]


Edge = tuple[Value, int]
"""An edge of a path: a node and the position of the input the path comes from."""


@dataclass(frozen=True)
class _Link:
    """A path under construction, from the root down: its last edge and the rest."""

    edge: Edge
    rest: _Link | None


def paths(root: Value, wrt: Value, max_paths: int = DEFAULT_MAX_PATHS) -> list[tuple[Edge, ...]]:
    """Every path from ``wrt`` to ``root``, each as its edges from the root down, in the order
    of the inputs (the first input's paths first). Raises ``ValueError`` if there are more than
    ``max_paths`` (counted first, so none is built), or for a bad ``wrt`` (see :func:`explain`).

    Examples:
        >>> from autograd import Value
        >>> s = Value(0.5, label="s")
        >>> y = s * s + s
        >>> [[index for _, index in path] for path in paths(y, s)]
        [[0, 0], [0, 1], [1]]
    """
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ValueError(f"max_paths must be a positive int, got {max_paths!r}")
    counts = path_counts(root, wrt)
    count = counts[root]
    if count > max_paths:
        raise ValueError(
            f"{_count_text(count)} paths lead from {_who(wrt)} to {_who(root)}, more than "
            f"max_paths={max_paths}: too many to write out one by one. Pass a larger max_paths, "
            "or call explain(root) without wrt, which writes the backward pass: it adds the "
            "paths where they meet instead of following each."
        )
    found: list[tuple[Edge, ...]] = []
    stack: list[tuple[Value, _Link | None]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is wrt:
            edges = []
            while link is not None:
                edges.append(link.edge)
                link = link.rest
            found.append(tuple(reversed(edges)))
            continue
        parents = node.parents
        for index in reversed(range(len(parents))):  # popped first input first
            if parents[index] in counts:
                stack.append((parents[index], _Link((node, index), link)))
    return found


def _count_text(count: int) -> str:
    return f"at least {_COUNT_CAP:.0e}".replace("e+", "e") if count >= _COUNT_CAP else str(count)


def _who(value: Value) -> str:
    return repr(value.label) if value.label else describe(value)


def _as_factor(text: str) -> str:
    """``text`` as one factor of a product: bracketed if it holds a space outside brackets
    (``y3 * (1 - y3)``), has unbalanced brackets or begins with a minus; a name, a number or a
    function call stays as it is."""
    depth = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0 or (depth == 0 and character == " "):
            return f"({text})"
    return f"({text})" if depth or text.startswith("-") else text


def path_product(path: tuple[Edge, ...]) -> tuple[float, bool]:
    """The product of the local derivatives along ``path`` (root first), with backward's rule at
    each edge: ``local * upstream``, or exactly 0 for a derivative that is zero by its rule's
    convention where the upstream product is inf or nan. So a path with one edge gives its
    recorded local derivative bit for bit, as backward does. Also returns whether such a zero
    stopped an inf or nan."""
    product = 1.0
    masked = False
    for node, index in path:
        if not -math.inf < product < math.inf and masked_zeros(node)[index]:
            product, masked = 0.0, True
        else:
            product = node.local_grads[index] * product
    return product, masked


def _route(path: tuple[Edge, ...], names: dict[Value, str], wrt: Value) -> str:
    """The nodes of a path from ``wrt`` up, with the input position where an op has the same
    input twice: ``s -> v1 (as its second input) -> y``."""
    steps = [names[wrt]]
    for node, index in reversed(path):
        parents = node.parents
        twice = len(parents) == 2 and parents[0] is parents[1]
        steps.append(f"{names[node]} (as its {('first', 'second')[index]} input)" if twice
                     else names[node])  # fmt: skip
    return " -> ".join(steps)


def explain_paths(
    root: Value, wrt: Value, *, precision: int = 6, max_paths: int = DEFAULT_MAX_PATHS
) -> str:
    """d(root)/d(wrt) as the sum over paths of products of local derivatives: the text of
    ``explain(root, wrt=wrt)``, which documents it."""
    found = paths(root, wrt, max_paths)
    names = node_names(graph_nodes(root), precision)
    r, x = _d(names[root]), _d(names[wrt])
    backward_number = chain_rule(root, 1.0, lambda value: None)[wrt]

    def number(value: float) -> str:
        return _as_factor(format_number(value, precision))

    if wrt is root:
        return (
            f"d{r}/d{r}: {names[root]} is the root itself, so its one path to the root has no "
            "steps, and the product of no local derivatives is 1.\n"
            f"so d{r}/d{r} = 1 (the backward pass: {format_number(backward_number, precision)})"
        )
    route = f"from {names[wrt]} to {names[root]}"
    lines = [
        f"d{r}/d{x}, along the one path {route}, the product of its local derivatives:"
        if len(found) == 1
        else f"d{r}/d{x}, summed over the {len(found)} paths {route}, each the product of its "
        "local derivatives:"
    ]
    products = []
    for position, path in enumerate(found, 1):
        factors = [f"d{_d(names[node])}/d{_d(names[node.parents[i]])}" for node, i in path]
        formulas = [_as_factor(worked_local_derivative(n, i, names, precision)[0]) for n, i in path]
        locals_ = [node.local_grads[index] for node, index in path]
        product, masked = path_product(path)
        products.append(product)
        lines += ["", f"path {position} of {len(found)}: {_route(path, names, wrt)}"]
        lines.append("  " + " * ".join(factors))
        worked = [
            " * ".join(formulas),
            " * ".join(number(value) for value in locals_),
            format_number(product, precision),
        ]
        lines += [f"  = {text}" for i, text in enumerate(worked) if i == 0 or text != worked[i - 1]]
        if masked:
            lines.append(
                "  (exactly 0: a derivative that is zero by its rule's convention stays 0 even "
                "times inf or nan, as in backward)"
            )
        for factor, value in zip(factors, locals_):
            if not -math.inf < value < math.inf:
                lines.append(f"  note: {factor} = {format_number(value, precision)} is not finite")
    total = 0.0
    for product in products:
        total += product
    sum_text = format_number(total, precision)
    if len(products) > 1:
        sum_text = " + ".join(number(product) for product in products) + f" = {sum_text}"
    lines += [
        "",
        f"so d{r}/d{x} = {sum_text} "
        f"(the backward pass: {format_number(backward_number, precision)})",
    ]
    return "\n".join(lines)
