"""``step_through``: a page that plays the backward pass node by node over the drawn graph.

The page is one self-contained HTML file: the graph as one inline SVG, the frames as JSON, a
little JavaScript for the previous/next/play buttons, the slider and the arrow keys. Every
number on it comes from the frames of the shared walk (:func:`autograd.backward_steps`); the
script only writes the texts of a frame into the page, and computes nothing. The page loads
nothing from the network and needs no kernel once rendered. Text reaches the page only as
escaped SVG (from Graphviz), as JSON with ``<``, ``>`` and ``&`` written as escapes, and through
``textContent``, so a label holding ``<script>`` adds no script.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from functools import cached_property
from importlib import resources
from pathlib import Path
from string import Template

from autograd.draw import (
    DEFAULT_MAX_NODES,
    PNG_DISPLAY_MAX_VALUES,
    Graph,
    draw,
    draw_grad_rows,
    node_ids,
)
from autograd.graph import Frame, start_as_backward
from autograd.trace import (
    backward_steps,
    chain_rule_line,
    format_number,
    graph_nodes,
    local_derivative_line,
    node_names,
)
from autograd.value import Constant, Value

_TEMPLATE = Template(
    resources.files("autograd").joinpath("templates/step_through.html").read_text("utf-8")
)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "chainrule: the backward pass of {root}, step by step",
        "previous": "Previous",
        "previous_hint": "Previous step (left arrow)",
        "play": "Play",
        "pause": "Pause",
        "play_hint": "Play or pause",
        "next": "Next",
        "next_hint": "Next step (right arrow)",
        "slider": "step",
        "counter": "step {step} of {last}",
        "graph": "the computation graph",
        "key": "How to read the graph",
        "help": "In each box, data is the value and grad the gradient of {root} with respect to "
        "it. Red: the node whose gradient is complete, passing a share to each input along its "
        "edges (each labelled with its local derivative). Blue: the inputs receiving a share, "
        "their grad shown old → new. An italic grad is a running sum that still waits for "
        "shares; a blank one has received none yet. Faded: nodes already passed.",
        "where": "where",
        "start": "Start: the gradient of {root} with respect to itself is 1.",
        "node": "{node} ({op}): its gradient {grad} is complete; it passes a share to each input.",
        "done": "Done: every gradient is complete.",
        "parameters": "Done: every gradient is complete. The parameters' gradients:",
    },
    "zh": {
        "title": "chainrule：{root} 的反向传播，逐步演示",
        "previous": "上一步",
        "previous_hint": "上一步（左方向键）",
        "play": "播放",
        "pause": "暂停",
        "play_hint": "播放或暂停",
        "next": "下一步",
        "next_hint": "下一步（右方向键）",
        "slider": "步骤",
        "counter": "第 {step} 步，共 {last} 步",
        "graph": "计算图",
        "key": "如何阅读计算图",
        "help": "每个方框中，data 是该量的值，grad 是 {root} 对它的梯度。"
        "红色：梯度已经计算完成的节点，它沿着边把一份梯度传给每个输入（边上标注局部导数）。"
        "蓝色：正在接收一份梯度的输入，其 grad 显示为“旧值 → 新值”。"
        "斜体的 grad 是累加中的部分和，还有贡献没有传到；空白表示还没有收到任何贡献。"
        "淡色：已经处理过的节点。",
        "where": "其中",
        "start": "开始：{root} 对自身的梯度是 1。",
        "node": "{node}（{op}）：它的梯度 {grad} 已经计算完成，现在把一份梯度传给它的每个输入。",
        "done": "完成：所有梯度都已计算完成。",
        "parameters": "完成：所有梯度都已计算完成。各参数的梯度：",
    },
}
"""The player's words in each language it speaks, by what they are for."""

LANGUAGES = tuple(TEXTS)
"""The values ``step_through``'s ``lang`` takes."""

_ARROW = " → "
_PAGE_WORDS = ("title", "previous", "previous_hint", "play", "play_hint", "next", "next_hint",
               "slider", "graph", "key", "help")  # fmt: skip
"""The words written into the page's HTML; the others are the frames' and the script's."""


def _script_safe_json(data: object) -> str:
    text = json.dumps(
        data, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _number(x: float) -> float | str:
    """``x`` for JSON, which has no inf or nan: those as ``repr`` writes them."""
    return x if math.isfinite(x) else repr(x)


def _sum_text(terms: list[float], precision: int) -> str:
    """``1 + 0.3894 - 0.2``: the terms of a sum, each to ``precision`` digits."""
    text = format_number(terms[0], precision)
    for term in terms[1:]:
        sign, size = ("-", -term) if term < 0 else ("+", term)
        text += f" {sign} {format_number(size, precision)}"
    return text


def _d(name: str) -> str:
    return f"({name})" if any(c in name for c in " +-*/^·()") else name


class _GradRows:
    """The grad row of every Value but the Constants, frame by frame: each row's text and its
    state, ``blank`` (nothing arrived yet), ``receiving`` (shares arrive in this frame, shown
    old → new), ``partial`` (a running sum, more shares to come) or ``complete``. Every number
    is one the pass computed: a share (``EdgeStep.contribution``) or a running sum
    (``EdgeStep.total``)."""

    def __init__(self, nodes: list[Value], ids: dict[Value, str], precision: int) -> None:
        self.ids = ids
        self.precision = precision
        self.totals: dict[Value, float] = {}
        self.terms: dict[Value, list[float]] = {}
        self.last_frame: dict[Value, int] = {}
        self.shown: dict[Value, list[str]] = {}
        """Every text each row shows, so that the drawing can make room for the widest."""
        for node in nodes:
            if not isinstance(node, Constant):
                start = start_as_backward(node)  # what backward's sum starts from
                self.totals[node] = start
                self.terms[node] = [start] if start != 0.0 else []
                self.shown[node] = [self.write(start)]

    def write(self, x: float) -> str:
        return format_number(x, self.precision)

    def first(self, root: Value) -> list[list[str]]:
        """Every row but the root's as the pass begins: blank, or what a leaf's grad holds."""
        return [
            [self.ids[node], self.write(total), "partial"]
            if self.terms[node]
            else [self.ids[node], "", "blank"]
            for node, total in self.totals.items()
            if node is not root
        ]

    def receive(self, node: Value, shares: list[float], total: float) -> list[str]:
        """Adds shares to a row: its text old → new in this frame."""
        text = f"{self.write(self.totals[node])}{_ARROW}{self.write(total)}"
        self.terms[node] += shares
        self.totals[node] = total
        self.shown[node].append(text)
        return [self.ids[node], text, "receiving"]

    def settle(self, nodes: list[Value], frame: int) -> list[list[str]]:
        """The rows that received in the frame before: complete if that was their last share."""
        return [
            [self.ids[node], self.write(self.totals[node]),
             "complete" if self.last_frame[node] == frame - 1 else "partial"]
            for node in nodes
        ]  # fmt: skip

    def last_frames(self, frames: list[Frame], offset: int) -> None:
        """Notes, for each Value, the frame of its last share (page frames start at offset)."""
        for position, frame in enumerate(frames):
            for edge in frame.edges:
                if not isinstance(edge.input, Constant):
                    self.last_frame[edge.input] = position + offset

    def gradient(self, node: Value) -> str:
        """A complete gradient, with its shares where there are several: 1 + 0.39 = 1.39."""
        total = self.write(self.totals[node])
        terms = self.terms[node]
        return f"{_sum_text(terms, self.precision)} = {total}" if len(terms) > 1 else total


class StepThrough:
    """The backward pass of a graph as a player: ``.html`` (a standalone page), ``.save(path)``,
    and display in Jupyter. ``.frames`` are the frames played, ``.graph`` the drawing."""

    def __init__(
        self, html_page: str, frames: list[Frame], graph: Graph, title: str = "backward pass"
    ) -> None:
        self.html = html_page
        self.frames = frames
        self.graph = graph
        self.title = title
        """What the page is, in its language: the title of its frame in a notebook."""

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the standalone page."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    @cached_property
    def _picture(self) -> Graph | None:
        """The graph as the pass leaves it, every box with its data and complete gradient: what
        a notebook shows where it runs no script (drawn once, when first displayed); None for a
        graph of more than ``PNG_DISPLAY_MAX_VALUES`` Values."""
        if len(self.graph.ids) > PNG_DISPLAY_MAX_VALUES:
            return None
        root = list(self.graph.ids)[-1]  # the drawing lists each Value after its inputs
        return draw(root, max_nodes=len(self.graph.ids))

    def _repr_html_(self) -> str:
        """The player in an iframe (which keeps its script and styles apart from the notebook's)
        over a picture of the graph, in the same cell of a grid, the iframe on top. Where the
        HTML is shown as it is (a trusted notebook, nbconvert's HTML) the player covers the
        picture, and ``aria-hidden`` hides it from screen readers too. Where a sanitizer removes
        the iframe (an untrusted notebook, a static preview) the picture is left, in a box that
        scrolls; such sanitizers also drop ``aria-hidden`` (JupyterLab's keeps no aria
        attribute), so a screen reader reads the picture's text. A graph too large for a
        picture leaves a sentence saying so instead."""
        page = html.escape(self.html, quote=True)
        title = html.escape(self.title, quote=True)
        if self._picture is None:
            under = (
                f"<p>A graph of {len(self.graph.ids)} values, too large to show as a picture "
                "here: run this cell to step through its backward pass.</p>"
            )
        else:
            png = base64.b64encode(self._picture.png()).decode("ascii")
            under = (
                f'<img src="data:image/png;base64,{png}" alt="{title}" '
                'style="display: block; max-width: none">'
            )
        return (
            '<div style="display: grid; grid-template-columns: minmax(0, 1fr)">'
            '<div style="grid-area: 1 / 1; overflow: auto; max-height: 640px" aria-hidden="true">'
            f"{under}</div>"
            f'<iframe srcdoc="{page}" title="{title}" style="grid-area: 1 / 1; width: 100%; '
            'height: 640px; border: 1px solid #d1d5db; background: #ffffff"></iframe></div>'
        )

    def __repr__(self) -> str:
        return f"<StepThrough of {len(self.frames)} backward steps>"


def step_through(
    root: Value,
    *,
    precision: int = 4,
    rankdir: str = "LR",
    max_nodes: int = DEFAULT_MAX_NODES,
    lang: str = "en",
) -> StepThrough:
    """Run ``root.backward()`` step by step (grads change exactly as ``backward`` changes them)
    and return a player of those steps over the drawing of the graph, its words in ``lang``
    (``"en"`` or ``"zh"``).

    Step 0 seeds the root's gradient with 1; each later step is one node passing its complete
    gradient to its inputs: for each input, the chain-rule line (see :func:`autograd.explain`)
    and the local derivative as its rule's formula with the numbers put in. Every box shows its
    grad as it stands at that step: blank before anything reached it, the running sum while
    shares arrive (old → new in the step that adds them), and where a Value is used more than
    once, every share and their total. The last step lists every parameter's gradient.
    """
    if lang not in TEXTS:
        allowed = ", ".join(repr(name) for name in LANGUAGES)
        raise ValueError(f"lang must be one of {allowed}, got {lang!r}")
    words = TEXTS[lang]
    nodes = graph_nodes(root)
    names = node_names(nodes, precision)
    ids = node_ids(nodes)
    rows = _GradRows(nodes, ids, precision)
    frames = list(backward_steps(root))
    root_name = names[root]
    r = _d(root_name)

    # Page frame 0 seeds the root; frame k is the pass's frame k - 1; the last one sums up.
    rows.last_frame[root] = 0
    rows.last_frames(frames, offset=1)
    seeded = frames[0].upstream if frames else root.grad  # a leaf root has no frame
    first_rows = rows.first(root)
    first_rows.append(rows.receive(root, [1.0], seeded))
    played: list[dict[str, object]] = [
        {
            "node": ids[root],
            "op": "",  # nothing passes yet: the root receives the seed
            "edges": [],
            "inputs": [ids[root]],
            "title": words["start"].format(root=root_name),
            "lines": [f"d{r}/d{r} = 1"],
            "contributions": [],
            "sums": [],
            "boxes": first_rows,
        }
    ]
    receivers = [root]
    for frame in frames:
        node = frame.node
        page_frame = len(played)
        boxes = rows.settle(receivers, page_frame)
        edges = [edge for edge in frame.edges if not isinstance(edge.input, Constant)]
        receivers = list(dict.fromkeys(edge.input for edge in edges))  # a Value used twice once
        sums = []
        for receiver in receivers:
            into = [edge for edge in edges if edge.input is receiver]
            shares = [edge.contribution for edge in into]
            boxes.append(rows.receive(receiver, shares, into[-1].total))
            if len(rows.terms[receiver]) > 1:
                sums.append(f"d{r}/d{_d(names[receiver])} = {rows.gradient(receiver)}")
        played.append(
            {
                "node": ids[node],
                "op": f"{ids[node]}op",
                "edges": [f"{ids[node]}e{edge.index}" for edge in frame.edges],
                "inputs": [ids[receiver] for receiver in receivers],
                "title": words["node"].format(
                    node=names[node], op=node.op, grad=rows.gradient(node)
                ),
                "lines": [],
                "contributions": [
                    {
                        "input": ids[edge.input],
                        "chain": chain_rule_line(frame, edge, root_name, names, precision),
                        "local": local_derivative_line(frame, edge, names, precision),
                        "contribution": _number(edge.contribution),
                        "total": _number(edge.total),
                    }
                    for edge in edges
                ],
                "sums": sums,
                "boxes": boxes,
            }
        )
    parameters = [node for node in nodes if not node.parents and node.label and node in rows.totals]
    played.append(
        {
            "node": "",
            "op": "",
            "edges": [],
            "inputs": [],
            "title": words["parameters" if parameters else "done"],
            "lines": [f"d{r}/d{_d(names[v])} = {rows.write(rows.totals[v])}" for v in parameters],
            "gradients": [
                {"node": ids[v], "name": names[v], "grad": _number(rows.totals[v])}
                for v in parameters
            ],
            "contributions": [],
            "sums": [],
            "boxes": rows.settle(receivers, len(played)),
        }
    )
    # Each grad row is drawn holding the widest text it will show, so that every text fits.
    widest = {
        node: "grad " + max(texts, key=len).replace(_ARROW, " -> ")
        for node, texts in rows.shown.items()
    }
    graph = draw_grad_rows(root, widest, rankdir=rankdir, precision=precision, max_nodes=max_nodes)
    svg = graph.svg()
    data = {
        "frames": played,
        "grads": [ids[node] for node in rows.totals],
        "words": {key: words[key] for key in ("play", "pause", "counter", "where")},
    }
    page = _TEMPLATE.substitute(
        lang=lang,
        svg=svg[svg.index("<svg") :],
        frames=_script_safe_json(data),
        **{key: html.escape(words[key].format(root=root_name)) for key in _PAGE_WORDS},
    )
    return StepThrough(page, frames, graph, words["title"].format(root=root_name))
