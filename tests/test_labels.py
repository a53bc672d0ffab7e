"""Names beyond the drawing (tests/test_draw_labels.py has the drawing's own): pages and
explanations show the same visible text; and a Value used all along a long chain draws in
moments, from copies of its name."""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograd import Value, draw, explain, step_through
from autograd.draw import DEFAULT_MAX_NODES, MAX_EDGE_SPAN
from autograd.trace import graph_nodes


def _renderers() -> list[str]:
    found = [str(Path(sys.executable).parent / "graphviz-pure")]
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("the system Graphviz `dot` is not installed")
    return [*found, dot]


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_a_newline_breaks_the_box_line_and_nothing_else() -> None:
    x = Value(2.0, label="two\nlines")
    assert _texts(draw(x * x).svg())[:2] == ["two", "lines"]


def test_pages_and_explanations_show_the_same_visible_names() -> None:
    x = Value(2.0, label="\x1b[31mx\x00")
    y = (x * x).tanh()
    page = step_through(y)._repr_html_()
    assert "\x1b" not in page
    assert "\x00" not in page
    assert r"&gt;\x1b[31mx\x00&lt;" in page  # the SVG's text, as HTML inside the page
    assert r"dv1/d\\x1b[31mx\\x00 = " in page  # a JSON string in the page
    text = explain(y)
    assert "\x1b" not in text
    assert r"so dv2/d\x1b[31mx\x00 = 0.0053638" in text


def _hub_chain(size: int) -> Value:
    """A Value ``a`` that feeds every op of a chain of ``size`` Values: a, a*a, a*a*a, ..."""
    a = Value(1.0001, label="a")
    v = a
    while len(graph_nodes(v)) < size:
        v = v * a
    return v


def test_a_value_used_all_along_a_chain_draws_from_copies_of_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before copies, 121 such Values took both renderers over two minutes (the render's
    timeout, a RenderError); each edge that would cross more than MAX_EDGE_SPAN ranks now
    starts at a copy of ``a`` beside its op, and the nearest use keeps its edge."""
    root = _hub_chain(241)
    graph = draw(root)
    copies = re.findall(r'class="copy of-v0"', graph.dot)
    edges_from_a = re.findall(r"^\tv0 -> ", graph.dot, flags=re.MULTILINE)
    assert len(copies) + len(edges_from_a) == 241  # every use of a once (a*a uses it twice)
    assert len(edges_from_a) == (MAX_EDGE_SPAN + 1) // 2 + 1
    for renderer in _renderers():
        monkeypatch.setenv("CHAINRULE_DOT", renderer)
        svg = graph.svg()
        assert _texts(svg).count("a") == 1 + len(copies)


def test_values_used_near_their_uses_are_drawn_without_copies() -> None:
    s = Value(0.5, label="s")
    y = s * s + s
    assert "copy" not in draw(y).dot


def test_the_default_max_nodes_refuses_a_larger_graph_as_the_how_to_says() -> None:
    how_to = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "draw.md"
    text = " ".join(how_to.read_text(encoding="utf-8").split())
    assert f"`max_nodes` ({DEFAULT_MAX_NODES:,} by default)" in text
    assert f"more than {MAX_EDGE_SPAN} ranks" in text
    x = Value(0.5, label="x")
    for _ in range(DEFAULT_MAX_NODES):
        x = x.tanh()
    with pytest.raises(ValueError, match="the graph has 2501 values, more than max_nodes=2500"):
        draw(x)
    assert len(draw(x, max_nodes=DEFAULT_MAX_NODES + 1).ids) == 2501
