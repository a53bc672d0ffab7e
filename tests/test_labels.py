"""Labels that are not plain text: control characters, lone surrogates, Graphviz's own escapes
and very long names are shown as visible text in every drawing, page and explanation, by both
renderers alike; and a Value used all along a long chain draws in moments."""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograd import Value, draw, explain, step_through
from autograd.draw import LABEL_MAX_CHARS, MAX_EDGE_SPAN
from autograd.trace import graph_nodes

# Each label and, written out by hand, the text its box shows.
SHOWN = [
    ("\x1b[31mred\x1b[0m", r"\x1b[31mred\x1b[0m"),
    ("nul\x00here", r"nul\x00here"),
    ("tab\tand\rreturn", r"tab\tand\rreturn"),
    ("bell\x07 del\x7f", r"bell\x07 del\x7f"),
    ("nonchar \ufffe \uffff", r"nonchar \ufffe \uffff"),
    ("lone \ud800 surrogate \udfff", r"lone \ud800 surrogate \udfff"),
    ("right-to-left \u202e override", r"right-to-left \u202e override"),
    ("separators \u2028\u2029", r"separators \u2028\u2029"),
    (r"\N node name", r"\N node name"),
    (r"\G graph name", r"\G graph name"),
    (r"\E \H \T \L \n \l \r", r"\E \H \T \L \n \l \r"),
    ("back\\slash and \\\\ two", "back\\slash and \\\\ two"),
    ("ends in a backslash\\", "ends in a backslash\\"),
    ("数据 梯度 ß∂ƒ 👍🏽", "数据 梯度 ß∂ƒ 👍🏽"),
]


def _renderers() -> list[str]:
    found = [str(Path(sys.executable).parent / "graphviz-pure")]
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("the system Graphviz `dot` is not installed")
    return [*found, dot]


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _tooltips(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'xlink:title="([^"]*)"', svg)]


@pytest.mark.parametrize(("label", "shown"), SHOWN)
def test_every_label_shows_as_visible_text_with_both_renderers(
    label: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = Value(2.0, label=label)
    y = x * x
    y.backward()
    for renderer in _renderers():
        monkeypatch.setenv("CHAINRULE_DOT", renderer)
        graph = draw(y)
        svg = graph.svg()
        assert _texts(svg)[:3] == [shown, "data 2", "grad 4"], renderer
        assert graph.png().startswith(b"\x89PNG")
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", svg)


def test_a_newline_breaks_the_box_line_and_nothing_else() -> None:
    x = Value(2.0, label="two\nlines")
    assert _texts(draw(x * x).svg())[:2] == ["two", "lines"]


def test_a_long_name_is_cut_with_an_ellipsis_and_given_whole_in_a_tooltip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert LABEL_MAX_CHARS == 40
    long = 'weights of "layer" 3 & <b>4</b> \\N ' + "x" * 60
    x = Value(2.0, label=long)
    short = Value(1.0, label="b")
    y = x * short
    for renderer in _renderers():
        monkeypatch.setenv("CHAINRULE_DOT", renderer)
        svg = draw(y).svg()
        assert _texts(svg)[0] == 'weights of "layer" 3 & <b>4</b> \\N xxxx…'
        assert len(_texts(svg)[0]) == 40
        assert _tooltips(svg) == [long], renderer  # only the cut name has one
    assert "b" in _texts(svg)


def test_pages_and_explanations_show_the_same_visible_names() -> None:
    x = Value(2.0, label="\x1b[31mx\x00")
    y = (x * x).tanh()
    page = step_through(y)._repr_html_()
    assert "\x1b" not in page and "\x00" not in page
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
