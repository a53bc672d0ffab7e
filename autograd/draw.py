"""Drawing a graph: each Value as a box (its name, data and grad), each op as a small circle,
and on each edge the local derivative of the op's output with respect to that input.

DOT is built with the ``graphviz`` package and rendered by :mod:`autograd.render`. Nodes are
named by their position in the graph, never by ``id()``, so the same program draws the same DOT
and SVG, byte for byte, in every run. Every piece of text goes through ``html.escape`` into an
HTML-like label, so a label is always shown as the text it is and never read as markup.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Literal

import graphviz

from autograd.files import write_atomically
from autograd.render import render, renders_png
from autograd.trace import format_number, graph_nodes, node_names
from autograd.value import Constant, Value

EdgeLabels = Literal["local", "contribution"] | None

OP_SYMBOLS = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−x"}
"""How an op is written in its circle; other ops are written by name."""

# Fill colours that tell kinds of node apart.
COLOURS = {
    "root": "#fde68a",
    "parameter": "#bfdbfe",
    "leaf": "#e5e7eb",
    "constant": "#ffffff",
    "group": "#ede9fe",
}
HIGHLIGHT = "#dc2626"
DEFAULT_MAX_NODES = 2_500
"""The most Values a drawing has unless told otherwise: on a 2-core machine graphviz-pure lays
out a chain of 2,500 Values in about 2 s and MLP(2, [24, 24, 1]) (2,095) in about 5 s; the
time grows faster than the count (MLP(2, [32, 32, 1]), 3,559 Values: about 17 s)."""
LONGEST_NAME = 40
"""The longest name a box shows; a longer one is cut to this many characters, the last an
ellipsis, and its node's tooltip holds the whole name."""
MAX_EDGE_SPAN = 6
"""The most ranks an edge from a Value used more than once may cross; a longer one starts at a
copy of the Value's name beside the op. Graphviz lays a long edge out as a chain of hidden nodes,
one per rank it crosses, so a Value feeding every op of a long chain made a drawing of n Values
place about n**2 of them: minutes for 121 Values."""
PNG_DISPLAY_MAX_VALUES = 120
"""The most Values whose drawing a notebook is given as PNG too: a PNG of MLP(2, [4, 4, 1]) (103
Values) is about 650 KB and takes seconds to render, and both grow with the graph."""


def _text(text: str) -> str:
    """``text`` for an HTML-like label: markup escaped, each backslash doubled (Graphviz reads
    one backslash and a letter, ``\\N`` or ``\\G``, as a name to put in, and drops other
    lone backslashes), each newline a line break."""
    return html.escape(text, quote=True).replace("\\", "\\\\").replace("\n", "<BR/>")


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "root"
    if isinstance(node, Constant):
        return "constant"
    if not node.parents:
        return "parameter" if node.label else "leaf"
    return "interior"


class Graph:
    """A drawn graph: ``.dot`` (DOT text), ``.svg()``, ``.png()``, ``.save(path)``, and rich
    display in Jupyter. ``.ids`` maps each Value to the id of its node in the DOT and SVG."""

    def __init__(self, dot: str, ids: dict[Value, str]) -> None:
        self.dot = dot
        self.ids = ids
        self._svg: str | None = None
        self._png: bytes | None = None

    def svg(self) -> str:
        """The SVG text (rendered once, then kept)."""
        if self._svg is None:
            self._svg = render(self.dot, "svg").decode("utf-8")
        return self._svg

    def png(self) -> bytes:
        """The PNG bytes (rendered once, then kept): the same drawing at Graphviz's bitmap
        resolution of 96 pixels per inch, so that one pixel is one CSS pixel and the picture
        shows at the size the SVG shows (the SVG counts 72 points per inch)."""
        if self._png is None:
            self._png = render(self.dot, "png")
        return self._png

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the drawing as ``.svg``, ``.png`` or ``.dot``, chosen by the path's suffix. The
        file is replaced atomically (:func:`autograd.files.write_atomically`): a save that fails,
        on a full disk or interrupted, leaves the old file as it was."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".dot":
            return write_atomically(target, self.dot)
        if suffix == ".svg":
            return write_atomically(target, self.svg())
        if suffix == ".png":
            return write_atomically(target, self.png())
        raise ValueError(f"save writes .svg, .png or .dot files, got {target.name!r}")

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Collection[str] | None = None, exclude: Collection[str] | None = None
    ) -> tuple[dict[str, str], dict[str, dict[str, bool]]]:
        """The drawing for Jupyter, as SVG and as PNG. A trusted notebook and nbconvert's HTML
        show the SVG; an untrusted notebook, which shows no SVG, shows the PNG, at its natural
        size (``unconfined``) as JupyterLab shows the SVG. A drawing of more than
        ``PNG_DISPLAY_MAX_VALUES`` Values comes as SVG alone, and so does every drawing in
        Pyodide, which renders no PNG."""
        renderings: dict[str, Callable[[], str]] = {
            "image/svg+xml": self.svg,
            "image/png": lambda: base64.b64encode(self.png()).decode("ascii"),
            "text/plain": lambda: repr(self),
        }
        if len(self.ids) > PNG_DISPLAY_MAX_VALUES or not renders_png():
            del renderings["image/png"]
        data = {
            mime: make()
            for mime, make in renderings.items()
            if (include is None or mime in include) and (exclude is None or mime not in exclude)
        }
        metadata = {"image/png": {"unconfined": True}} if "image/png" in data else {}
        return data, metadata

    def __repr__(self) -> str:
        return f"<Graph of {len(self.ids)} values>"


def _shown_name(name: str) -> str:
    """``name`` as a box shows it: at most ``LONGEST_NAME`` characters."""
    if len(name) <= LONGEST_NAME:
        return name
    return name[: LONGEST_NAME - 1] + "…"


def _tooltip(name: str) -> dict[str, str]:
    """The tooltip attribute that gives a cut name in full, escaped for a DOT string. Graphviz
    reads a tooltip's backslashes twice, as DOT and as a text where ``\\N`` and ``\\G`` are
    the node's and the graph's names, so each backslash is written four times; it reads
    ``&amp;`` as ``&``, and a quote would end the string."""
    if len(name) <= LONGEST_NAME:
        return {}
    escaped = name.replace("&", "&amp;").replace("\\", "\\" * 4).replace('"', '\\"')
    return {"tooltip": graphviz.nohtml(escaped)}  # a string, even one that reads <like this>


def _value_label(
    name: str,
    node: Value,
    kind: str,
    grad: str | None,
    grad_row: bool,
    precision: int,
    bold: bool,
    data: str | None = None,
) -> str:
    """A Value's box: its name, its data (or the text ``data``) and, unless ``grad`` is None,
    its grad, on one row or (``grad_row``) on a row of its own below."""
    shown = _text(_shown_name(name))
    name_cell = f"<B>{shown}</B>" if node.label else f'<FONT COLOR="#6b7280">{shown}</FONT>'

    data = f"data {format_number(node.data, precision)}" if data is None else data
    cells = [name_cell, _text(data)]
    rows = ["".join(f"<TD>{cell}</TD>" for cell in cells)]
    if grad is not None and grad_row:
        rows.append(f'<TD COLSPAN="2">{_text(grad)}</TD>')
    elif grad is not None:
        rows[0] += f"<TD>{_text(grad)}</TD>"
    border = f' BORDER="3" COLOR="{HIGHLIGHT}"' if bold else ' BORDER="1"'
    fill = COLOURS.get(kind, "#ffffff")
    return (
        f'<<TABLE{border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" BGCOLOR="{fill}">'
        + "".join(f"<TR>{row}</TR>" for row in rows)
        + "</TABLE>>"
    )


def _far_uses(nodes: list[Value], drawn: set[Value]) -> set[tuple[Value, int]]:
    """The (Value, input index) pairs whose edge is drawn from a copy of the input: the input is
    used more than once and, by the longest path from the leaves (two ranks an op, one for its
    circle and one for its output), the edge would cross more than ``MAX_EDGE_SPAN`` ranks. The
    nearest use of each input keeps its edge."""
    rank: dict[Value, int] = {}
    uses: dict[Value, list[tuple[int, Value, int]]] = {}
    for node in nodes:
        if not node.parents or not drawn.issuperset(node.parents):
            rank[node] = 0
            continue
        rank[node] = max(rank[parent] for parent in node.parents) + 2
        for index, parent in enumerate(node.parents):
            span = rank[node] - 1 - rank[parent]
            uses.setdefault(parent, []).append((span, node, index))
    far: set[tuple[Value, int]] = set()
    for edges in uses.values():
        nearest = min(span for span, _, _ in edges)
        far.update((node, index) for span, node, index in edges
                   if span > MAX_EDGE_SPAN and span > nearest)  # fmt: skip
    return far


def node_ids(nodes: list[Value]) -> dict[Value, str]:
    """The id of each Value's node in the DOT and SVG: ``v`` and its position in ``nodes``
    (:func:`autograd.trace.graph_nodes`); its op circle is that id and ``op``, the edge from
    its input i ``e`` and i."""
    return {node: f"v{position}" for position, node in enumerate(nodes)}


def check_drawing(rankdir: str, precision: int, nodes: list[Value], max_nodes: int) -> None:
    """Raises ValueError for drawing options that :func:`draw` refuses."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 1:
        raise ValueError(f"precision must be a positive int, got {precision!r}")
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes)} values, more than max_nodes={max_nodes}; drawing it "
            "would take long and show little. Draw a smaller graph or raise max_nodes."
        )


def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    grads: bool = True,
    edges: EdgeLabels = "local",
    highlight: Value | Iterable[Value] | None = None,
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Graph:
    """Draw the graph that ``root`` was computed by.

    Each Value is a box with its name (label, or ``v`` and its position), its data and, if
    ``grads``, its grad, to ``precision`` significant digits. Each op is its own circle. The edge
    from an input to an op shows the local derivative d(output)/d(input) (``edges="local"``),
    that times the output's grad, which is what backward adds to the input (``"contribution"``),
    or nothing (``None``); the edge from a Constant, which takes no gradient, is dashed and has no
    label. A Value used twice (``a + a``) has two edges. The root is amber,
    parameters (labelled leaves) blue, other leaves grey, Constants white; ``highlight``
    outlines the given Values in red. An edge from a Value used more than once that would cross
    more than ``MAX_EDGE_SPAN`` ranks starts at a dashed copy of its name (see there). Graphs of
    more than ``max_nodes`` Values raise ``ValueError`` rather than take minutes to lay out.
    """
    if edges not in ("local", "contribution", None):
        raise ValueError(f"edges must be 'local', 'contribution' or None, got {edges!r}")
    nodes = graph_nodes(root)
    check_drawing(rankdir, precision, nodes, max_nodes)
    if isinstance(highlight, Value):
        highlight = [highlight]
    marked = set(highlight or ())
    grad_texts = {
        node: "no grad" if node.grad is None else f"grad {format_number(node.grad, precision)}"
        for node in nodes
        if grads and not isinstance(node, Constant)
    }
    return _drawing(root, nodes, rankdir, edges, marked, grad_texts, False, precision, {})


def draw_grad_rows(
    root: Value,
    grad_texts: Mapping[Value, str],
    *,
    data_texts: Mapping[Value, str] | None = None,
    only: Collection[Value] | None = None,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
    groups: Mapping[Value, Mapping[Value, float]] | None = None,
) -> Graph:
    """The drawing of :func:`draw`, with local derivatives on the edges, for a page that
    writes the grads itself (:func:`autograd.step_through`): each Value in ``grad_texts`` has
    a row of its own under its name and data holding that text, which sets the row's width.
    In the SVG the row's text is the last ``<text>`` of the Value's node, its data the one
    before (the last, for a Value without a grad row). ``data_texts`` gives a Value's data
    cell a text of its own (``data`` and its number otherwise).

    ``only`` draws only those Values of the graph (each op whose output and inputs are all
    among them), named and numbered as in the whole graph. ``groups`` draws each of its Values
    as a box that stands for the Values inside it (purple, and without its op's circle), with
    an edge straight from each input outside the box it is given, labelled with the
    derivative given, d(box)/d(input); the edge from the k-th has the id of the box and
    ``g`` and k, and the class ``boxed``."""
    every = graph_nodes(root)
    nodes = every if only is None else [node for node in every if node in only]
    check_drawing(rankdir, precision, nodes, max_nodes)
    spacing = {"ranksep": "0.35", "nodesep": "0.15"}  # compact: a phone shows more of it
    return _drawing(root, nodes, rankdir, "local", set(), grad_texts, True, precision, spacing,
                    every, data_texts or {}, groups or {})  # fmt: skip


def _drawing(
    root: Value,
    nodes: list[Value],
    rankdir: str,
    edges: EdgeLabels,
    marked: set[Value],
    grad_texts: Mapping[Value, str],
    grad_rows: bool,
    precision: int,
    spacing: dict[str, str],
    every: list[Value] | None = None,
    data_texts: Mapping[Value, str] | None = None,
    groups: Mapping[Value, Mapping[Value, float]] | None = None,
) -> Graph:
    """Draws ``nodes``, named and numbered by their places in ``every`` (``nodes`` itself
    by default), each op whose inputs are all drawn."""
    every = nodes if every is None else every
    names = node_names(every, precision)
    all_ids = node_ids(every)
    drawn = set(nodes)
    ids = {node: all_ids[node] for node in nodes}
    far = _far_uses(nodes, drawn)
    dot = graphviz.Digraph(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", **spacing},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#4b5563"},
    )
    groups = groups or {}
    for node in nodes:
        node_id = ids[node]
        kind = "group" if node in groups and node is not root else _kind(node, root)
        label = _value_label(
            names[node],
            node,
            kind,
            grad_texts.get(node),
            grad_rows,
            precision,
            node in marked,
            (data_texts or {}).get(node),
        )
        dot.node(node_id, label=label, shape="plain", id=node_id, **{"class": f"value {kind}"},
                 **_tooltip(names[node]))  # fmt: skip
        if node in groups:
            for index, (source, derivative) in enumerate(groups[node].items()):
                edge = {"label": format_number(derivative, precision)}
                if isinstance(source, Constant):  # it takes no gradient: no label
                    edge = {"style": "dashed"}
                dot.edge(ids[source], node_id, id=f"{node_id}g{index}",
                         **{"class": "input boxed", **edge})  # fmt: skip
            continue
        if not node.parents or not drawn.issuperset(node.parents):
            continue
        op_id = f"{node_id}op"
        symbol = _text(OP_SYMBOLS.get(node.op, node.op))
        dot.node(op_id, label=f"<{symbol}>", shape="circle", width="0.3", margin="0.02",
                 id=op_id, **{"class": "op"})  # fmt: skip
        for index, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            attributes = {"id": f"{node_id}e{index}", "class": "input"}
            upstream = node.grad  # None (no gradient, if reset by hand): no contribution shown
            if isinstance(parent, Constant):
                attributes["style"] = "dashed"  # a Constant takes no gradient: no label
            elif edges == "local" or (edges is not None and upstream is not None):
                number = (
                    local_grad if edges == "local" or upstream is None else local_grad * upstream
                )
                attributes["label"] = format_number(number, precision)
            start = ids[parent]
            if (node, index) in far:
                start = f"{node_id}c{index}"
                dot.node(start, label=f"<{_text(_shown_name(names[parent]))}>", shape="box",
                         style="dashed,rounded", id=start, **{"class": f"copy of-{ids[parent]}"},
                         **_tooltip(names[parent]))  # fmt: skip
            dot.edge(start, op_id, **attributes)
        dot.edge(op_id, node_id, id=f"{node_id}out", **{"class": "output"})
    return Graph(dot.source, ids)
