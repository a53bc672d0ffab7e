"""``step_through``: a page that plays the backward pass node by node over the drawn graph.

The page is one self-contained HTML file: the graph as inline SVG, the frames as JSON, a little
JavaScript for the previous/next/play buttons, the slider and the arrow keys. It loads nothing
from the network and needs no kernel once rendered. Text reaches the page only as escaped SVG
(from Graphviz), as JSON with ``<``, ``>`` and ``&`` written as escapes, and through
``textContent``, so a label holding ``<script>`` adds no script.
"""

from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path
from string import Template

from autograd.draw import DEFAULT_MAX_NODES, Graph, draw
from autograd.graph import Frame
from autograd.trace import (
    backward_steps,
    explain_lines,
    format_number,
    graph_nodes,
    node_names,
)
from autograd.value import Value

_TEMPLATE = Template(
    resources.files("autograd").joinpath("templates/step_through.html").read_text("utf-8")
)


def _script_safe_json(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class StepThrough:
    """The backward pass of a graph as a player: ``.html`` (a standalone page), ``.save(path)``,
    and display in Jupyter. ``.frames`` are the frames played, ``.graph`` the drawing."""

    def __init__(self, html_page: str, frames: list[Frame], graph: Graph) -> None:
        self.html = html_page
        self.frames = frames
        self.graph = graph

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the standalone page."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script and styles apart from the notebook's.
        document = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{document}" style="width: 100%; height: 640px; border: 1px solid '
            '#d1d5db;" title="backward pass, step by step"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<StepThrough of {len(self.frames)} backward steps>"


def step_through(
    root: Value, *, precision: int = 4, rankdir: str = "LR", max_nodes: int = DEFAULT_MAX_NODES
) -> StepThrough:
    """Run ``root.backward()`` step by step (grads change exactly as ``backward`` changes them)
    and return a player of those steps over the drawing of the graph.

    Step 0 seeds the root's gradient with 1; each later step is one node passing its complete
    gradient to its inputs, with one chain-rule line per input (see :func:`autograd.explain`).
    """
    graph = draw(root, rankdir=rankdir, grads=False, precision=precision, max_nodes=max_nodes)
    names = node_names(graph_nodes(root), precision)
    root_id = graph.ids[root]
    root_name = names[root]
    played = [
        {
            "node": root_id,
            "op": f"{root_id}op" if root.parents else "",
            "edges": [],
            "inputs": [],
            "title": f"Start: the gradient of {root_name} with respect to itself is 1.",
            "lines": [f"d{root_name}/d{root_name} = 1"],
        }
    ]
    frames = list(backward_steps(root))
    for frame in frames:
        node_id = graph.ids[frame.node]
        upstream = format_number(frame.upstream, precision)
        played.append(
            {
                "node": node_id,
                "op": f"{node_id}op",
                "edges": [f"{node_id}e{edge.index}" for edge in frame.edges],
                "inputs": [graph.ids[edge.input] for edge in frame.edges],
                "title": (
                    f"{names[frame.node]} ({frame.node.op}): its gradient {upstream} is complete; "
                    "it passes a share to each input."
                ),
                "lines": explain_lines(frame, root_name, names, precision),
            }
        )
    svg = graph.svg()
    page = _TEMPLATE.substitute(
        title=html.escape(f"chainrule: the backward pass of {root_name}, step by step"),
        svg=svg[svg.index("<svg") :],
        frames=_script_safe_json({"frames": played}),
    )
    return StepThrough(page, frames, graph)
