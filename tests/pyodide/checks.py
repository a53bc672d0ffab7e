"""chainrule's core checks inside Pyodide (WebAssembly), run by run.mjs beside this file: the
document's network against its hand-derived gradients and step counts, gradcheck, and drawings
rendered by the host's JavaScript Graphviz. Expected numbers come from FACTS.md (via
document.py), never from the engine."""

from __future__ import annotations

import hashlib
import math
import os
import sys
import xml.etree.ElementTree as ET

import pytest
from document import DOCUMENT_RMSPROP, DOCUMENT_SGD, TRUE_STEP_2, hand_derived_gradients

import autograd
import nn.seed
from autograd import RenderError, Value, draw, gradcheck, step_through

SVG = "{http://www.w3.org/2000/svg}"


def test_this_is_pyodide_and_chainrule_comes_from_the_wheel() -> None:
    assert sys.platform == "emscripten"
    assert "site-packages" in autograd.__file__, autograd.__file__


def test_backward_gives_the_hand_derived_gradients_and_step_1() -> None:
    model = nn.seed.network()
    loss = nn.seed.loss_graph(model)
    loss.backward()
    y5 = nn.seed.output(model)
    assert str(nn.seed.Record(1, y5.data, loss.data)) == DOCUMENT_SGD[1]
    expected = hand_derived_gradients()
    for parameter in model.parameters():
        assert parameter.label is not None
        assert math.isclose(parameter.grad, expected[parameter.label], rel_tol=1e-12), parameter


@pytest.mark.parametrize(
    ("optimizer", "steps", "printed"),
    [("sgd", 111, DOCUMENT_SGD), ("rmsprop", 11, DOCUMENT_RMSPROP)],
)
def test_training_stops_at_the_documents_step(
    optimizer: nn.seed.OptimizerName, steps: int, printed: dict[int, str]
) -> None:
    log = nn.seed.train(optimizer)
    assert len(log) == steps
    assert str(log[0]) == printed[1]
    assert log[1].prediction == TRUE_STEP_2[optimizer]
    assert log[-1].loss < nn.seed.THRESHOLD <= log[-2].loss


def test_gradcheck_passes_on_smooth_functions_and_catches_a_wrong_gradient() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.7, -1.3], order=2)
    with pytest.raises(autograd.GradcheckError):
        gradcheck(lambda x: x.relu(), [0.0])  # no derivative at 0: the two sides differ


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_draw_renders_svg_through_javascript_with_the_node_labels() -> None:
    loss = nn.seed.loss_graph()
    loss.backward()
    graph = draw(loss)
    svg = graph.svg()
    assert ET.fromstring(svg).tag == f"{SVG}svg"
    texts = _texts(svg)
    for label in ("w13", "w45", "y5", "z3", "E"):
        assert label in texts, (label, texts)
    if os.environ["SEED_DOT_SHA256"]:  # the DOT drawn on the machine that runs the harness
        assert hashlib.sha256(graph.dot.encode()).hexdigest() == os.environ["SEED_DOT_SHA256"]
    data, metadata = graph._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "text/plain"}  # no PNG in Pyodide
    assert metadata == {}
    with pytest.raises(RenderError, match="svg only, not png"):
        graph.png()


def test_step_through_renders_and_its_picture_is_the_svg() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    player = step_through((x * w).tanh())
    assert "<svg" in player.html
    assert '<img src="data:image/svg+xml;base64,' in player._repr_html_()


def test_without_the_hosts_renderer_the_error_says_what_to_define() -> None:
    import js

    renderer = js.chainruleRenderDot
    del js.chainruleRenderDot
    try:
        with pytest.raises(RenderError, match=r"define globalThis\.chainruleRenderDot"):
            draw(Value(1.0, label="x")).svg()
    finally:
        js.chainruleRenderDot = renderer


def test_a_viz_url_that_cannot_be_loaded_gives_an_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Node.js has no synchronous XMLHttpRequest, so the fetch of the script fails: the error
    # names the variable and the URL. (Its success is checked in JupyterLite, in a browser.)
    import js

    from autograd import render

    renderer = js.chainruleRenderDot
    del js.chainruleRenderDot
    monkeypatch.setenv("CHAINRULE_VIZ_URL", "static/nowhere/viz-global.js")
    monkeypatch.setattr(render, "_starting", None)
    try:
        with pytest.raises(
            RenderError,
            match=r"could not load Graphviz from CHAINRULE_VIZ_URL='static/nowhere/viz-global\.js'",
        ):
            draw(Value(1.0, label="x")).svg()
    finally:
        js.chainruleRenderDot = renderer
