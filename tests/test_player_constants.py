"""No gradient flows into a Constant: the drawings and the player neither label its edge with a
local derivative nor explain a share into it, even where that derivative is nan."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import autograd.player
from autograd import Constant, Value, draw, step_through

SVG_NS = "{http://www.w3.org/2000/svg}"


def _square_of_a_negative() -> tuple[Value, Value]:
    x = Value(-1.5, label="x")
    y = x**2  # d(y)/d(exponent) = y * log(x): nan for x < 0
    y.label = "y"
    return x, y


def _edge_texts(svg: str) -> dict[str, list[str]]:
    """Each edge's id and the texts it shows."""
    root = ET.fromstring(svg[svg.index("<svg") : svg.index("</svg>") + 6].encode("utf-8"))
    return {
        g.get("id", ""): [t.text or "" for t in g.iter(f"{SVG_NS}text")]
        for g in root.iter(f"{SVG_NS}g")
        if "edge" in (g.get("class") or "")
    }


def test_the_edge_into_a_constant_exponent_has_no_label_where_its_derivative_is_nan() -> None:
    x, y = _square_of_a_negative()
    assert math.isnan(y.local_grads[1])  # the case at hand: the label was "nan"
    exponent = y.parents[1]
    assert isinstance(exponent, Constant)
    for graph, shown in ((draw(y), ["-3"]), (draw(y, edges="contribution"), ["-0"])):
        exponent_edge = f"{graph.ids[y]}e1"
        assert f"id={exponent_edge} style=dashed]" in graph.dot  # dashed, and no label
        texts = _edge_texts(graph.svg())
        assert texts[exponent_edge] == []
        # d(y)/dx = 2x = -3, by hand; times grad 0 (no backward yet) for contributions
        assert texts[f"{graph.ids[y]}e0"] == shown
    player = step_through(y)
    texts = _edge_texts(player.html)
    assert texts[f"{player.graph.ids[y]}e1"] == []
    assert texts[f"{player.graph.ids[y]}e0"] == ["-3"]
    assert "nan" not in player.html[player.html.index("<svg") : player.html.index("</svg>")]
    frames = autograd.player.page_data(player.html)["frames"]
    assert "nan" not in json.dumps(frames)
    lines = [c["chain"] + c["local"] for f in frames for c in f["contributions"]]
    assert lines
    assert all("/d2 " not in line for line in lines), lines  # no share into the 2
    assert x.grad == -3.0


def test_a_boxs_edge_from_a_constant_has_no_label() -> None:
    x = Value(-1.5, label="x")
    c = Constant(2.0)
    a = x**c
    a.label = "a"
    b = a * c
    b.label = "b"
    player = step_through(b, collapse=[a, b])
    texts = _edge_texts(player.html)
    ids = player.graph.ids
    constant_edges = [f"{ids[a]}g0", f"{ids[b]}g1"]  # c, outside both boxes
    assert all(texts[edge] == [] for edge in constant_edges), texts
    assert texts[f"{ids[b]}g0"] == ["2"]  # d(a*c)/da = c = 2, by hand
    assert "nan" not in json.dumps(autograd.player.page_data(player.html)["frames"])
