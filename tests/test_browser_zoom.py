"""Zoom and pan of the step-through page, and a collapsed MLP, in a real browser (Chromium,
driven by Playwright; skipped, saying which, where either is absent)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium, embedded_in_a_long_page

from autograd import Value, step_through
from autograd.player import find_groups
from autograd.trace import format_number, graph_nodes
from nn import seed
from nn.layers import MLP
from nn.losses import mse_loss


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _mlp16() -> tuple[MLP, Value]:
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    assert isinstance(out, Value)
    return model, mse_loss([out], [1.0])


SVG_WIDTH = "document.querySelector('#graph svg').getBoundingClientRect().width"
SCROLL = "[document.getElementById('graph').scrollLeft, document.getElementById('graph').scrollTop]"


def test_zoom_buttons_keys_wheel_and_drag_move_only_the_players_viewport(
    tmp_path: Path, browser: Any
) -> None:
    page, player, problems = embedded_in_a_long_page(
        browser, tmp_path, step_through(seed.loss_graph()).html
    )
    player.wait_for_selector("#counter:has-text('forward 1 of 16')")
    start = player.evaluate(SVG_WIDTH)
    player.dispatch_event("#zoom-in", "click")
    assert player.evaluate(SVG_WIDTH) == pytest.approx(start * 1.25, rel=1e-3)
    player.dispatch_event("#zoom-out", "click")
    player.dispatch_event("#zoom-out", "click")
    assert player.evaluate(SVG_WIDTH) == pytest.approx(start / 1.25, rel=1e-3)
    player.dispatch_event("#zoom-fit", "click")
    fitted = player.evaluate(
        "(() => { const v = document.getElementById('graph'), s = v.querySelector('svg');"
        " return [s.clientWidth <= v.clientWidth, s.clientHeight <= v.clientHeight]; })()"
    )
    assert fitted == [True, True]  # the whole drawing in view
    player.evaluate("window.chainrulePlayer.zoom(1.6)")  # large: the viewport can scroll
    # focus for the keys, without the scroll into view that Playwright's focus would make
    player.evaluate("document.getElementById('next').focus({preventScroll: true})")
    before = player.evaluate(SVG_WIDTH)
    page.keyboard.press("-")
    assert player.evaluate(SVG_WIDTH) == pytest.approx(before / 1.25, rel=1e-3)
    page.keyboard.press("+")
    assert player.evaluate(SVG_WIDTH) == pytest.approx(before, rel=1e-3)
    # ctrl and the wheel zoom the drawing, not the page
    box = player.evaluate(
        "(() => { const r = document.getElementById('graph').getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    player.dispatch_event(
        "#graph", "wheel", {"deltaY": -200, "ctrlKey": True, "clientX": box[0], "clientY": box[1]}
    )
    assert player.evaluate(SVG_WIDTH) > before * 1.2
    # a drag pans: the viewport scrolls by the distance dragged
    player.evaluate("document.getElementById('graph').scrollTo(200, 100)")
    scrolled = player.evaluate(SCROLL)
    for kind, x, y in (
        ("pointerdown", 300, 300),
        ("pointermove", 260, 280),
        ("pointerup", 260, 280),
    ):
        player.dispatch_event(
            "#graph", kind,
            {"pointerId": 1, "button": 0, "clientX": x, "clientY": y, "bubbles": True},
        )  # fmt: skip
    assert player.evaluate(SCROLL) == [scrolled[0] + 40, scrolled[1] + 20]
    # stepping at this zoom still frames the current node, and nothing outside scrolls
    for _ in range(4):
        player.dispatch_event("#next", "click")
        current = player.evaluate(
            "(() => { const f = window.chainrulePlayer.frames[window.chainrulePlayer.index()];"
            " const r = document.getElementById(f.node).getBoundingClientRect();"
            " const v = document.getElementById('graph').getBoundingClientRect();"
            " return r.left >= v.left && r.right <= v.right && r.top >= v.top"
            " && r.bottom <= v.bottom; })()"
        )
        assert current
    assert page.evaluate("window.scrollY") == 0
    assert player.evaluate("window.scrollY") == 0
    assert problems == []


def test_on_a_phone_the_zoom_buttons_are_big_enough_for_a_finger(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True)
    page.set_content(step_through(seed.loss_graph()).html)
    for button in ("zoom-in", "zoom-out", "zoom-fit", "next"):
        box = page.locator(f"#{button}").bounding_box()
        assert box["width"] >= 44, button
        assert box["height"] >= 44, button
        assert box["x"] + box["width"] <= 390
    before = page.evaluate(SVG_WIDTH)
    page.tap("#zoom-in")
    assert page.evaluate(SVG_WIDTH) == pytest.approx(before * 1.25, rel=1e-3)
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize("width", [1280, 390])
def test_a_collapsed_mlp_steps_with_the_numbers_of_backward(width: int, browser: Any) -> None:
    _, loss = _mlp16()
    twin_model, twin = _mlp16()
    twin.backward()
    player = step_through(loss, collapse=True)
    page = browser.new_page(viewport={"width": width, "height": 844})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_content(player.html)
    assert page.text_content("#counter") == "forward 1 of 35"  # the inputs, 33 neurons, loss
    page.keyboard.press("End")
    assert page.text_content("#counter") == "backward 36 of 36"
    lines = (page.text_content("#lines") or "").replace("dmse_loss/d", "\n")
    for parameter in twin_model.parameters():
        assert f"\n{parameter.label} = {format_number(parameter.grad, 4)}" in lines
    # the step of the output neuron's box: its shares to the 16 boxes below, its parameters
    ids = player.graph.ids
    (out,) = [n for n in ids if n.label == "layers.2.neurons.0"]
    k = page.evaluate(
        f"window.chainrulePlayer.frames.findIndex(f => f.phase === 'backward'"
        f" && f.node === '{ids[out]}')"
    )
    page.evaluate(f"window.chainrulePlayer.show({k})")
    shown = page.eval_on_selector_all("#lines div", "d => d.map(x => x.textContent)")
    (twin_out,) = [n for n in twin_model.layers[2].neurons[0].parameters()][:1]
    assert f"dmse_loss/d{twin_out.label} = {format_number(twin_out.grad, 4)}" in shown
    assert sum(line.startswith("dmse_loss/dlayers.1.neurons.") for line in shown) >= 16
    grad_row = page.evaluate(
        f"(() => {{ const t = document.getElementById('{ids[out]}')"
        ".getElementsByTagName('text'); return t[t.length - 1].textContent; })()"
    )
    assert grad_row.startswith("grad ")
    assert page.evaluate("window.scrollY") == 0
    assert problems == []


def test_editing_an_input_of_a_collapsed_page_recomputes_its_boxes(browser: Any) -> None:
    model = MLP(2, [3, 1], activation="tanh", rng=random.Random(0))  # slopes move with x1
    x1 = Value(0.5, label="x1")
    out = model([x1, Value(-1.0, label="x2")])
    assert isinstance(out, Value)
    player = step_through(out, collapse=True)
    twin = MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
    edited = twin([Value(0.7, label="x1"), Value(-1.0, label="x2")])
    assert isinstance(edited, Value)
    edited.backward()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_content(player.html)
    page.click("#live summary")  # 15 fields: the panel opens closed
    page.fill("input[aria-label='x1']", "0.7")
    box = "live-" + player.graph.ids[out]
    texts = page.eval_on_selector_all(f"[id='{box}'] text", "t => t.map(x => x.textContent)")
    assert texts[-2:] == [f"data {edited.data:.4g}", "grad 1"]
    (hidden,) = [n for n in player.graph.ids if n.label == "layers.0.neurons.0"]
    (twin_hidden,) = [twin.layers[0].neurons[0]]
    row = page.eval_on_selector_all(
        f"[id='live-{player.graph.ids[hidden]}'] text", "t => t.map(x => x.textContent)"
    )
    assert row[-2] == f"data {twin_hidden([0.7, -1.0]).data:.4g}"
    # each box's edges: its derivative for the edited numbers, as the Python of the same
    # program gives it
    nodes = graph_nodes(edited)
    groups = find_groups(nodes, {n for n in nodes if n.parents and n.label})
    position = {n: k for k, n in enumerate(nodes)}
    for group in groups.values():
        for k, source in enumerate(group.inputs):
            label = page.text_content(f"[id='live-v{position[group.output]}g{k}'] text")
            assert label == format_number(group.locals[source], 4)
    assert problems == []


IN_VIEW = """(ids) => { const v = document.getElementById('graph').getBoundingClientRect();
  return ids.map((id) => { const r = document.getElementById(id).getBoundingClientRect();
    return r.left >= v.left && r.right <= v.right
      && r.top >= v.top && r.bottom <= v.bottom; }); }"""


def test_a_step_with_no_node_of_its_own_shows_where_the_drawing_starts(browser: Any) -> None:
    """The first step highlights the leaves and the last the parameters, all over the seed
    network's drawing, wider than a desktop. Neither frames a Constant at the far right: the
    view starts at the drawing's left, where the inputs are (in a left-to-right drawing they
    are the leaves in the first rank), so w13 and y1 are in view in both."""
    graph = seed.loss_graph()
    player = step_through(graph)
    names = {value.label: ident for value, ident in player.graph.ids.items()}
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(player.html)
    page.wait_for_selector("#counter:has-text('forward 1 of 16')")
    wide = page.evaluate("document.querySelector('#graph svg').getBoundingClientRect().width")
    assert wide > page.evaluate("document.getElementById('graph').clientWidth")  # it must scroll
    first = [names["w13"], names["y1"]]
    assert page.evaluate(IN_VIEW, first) == [True, True]
    page.keyboard.press("End")
    page.wait_for_selector("#counter:has-text('backward 17 of 17')")
    assert page.evaluate(IN_VIEW, [names["w13"], names["w23"]]) == [True, True]


def test_a_long_list_scrolls_in_its_box_and_leaves_the_graph_most_of_the_page(
    browser: Any,
) -> None:
    """The first step of MLP(2, [16, 16, 1]) lists its 339 leaves: the list scrolls inside a
    box at most 16rem (256 px) tall, and the graph keeps more of a desktop window than the list."""
    _, loss = _mlp16()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(step_through(loss).html)
    page.wait_for_selector("#counter:has-text('forward 1 of')")
    assert page.evaluate("document.querySelectorAll('#lines .line').length") > 300
    sizes = page.evaluate(
        "(() => { const e = document.getElementById('explanation');"
        " return [e.clientHeight, e.scrollHeight,"
        " document.getElementById('graph').clientHeight]; })()"
    )
    explanation, content, graph = sizes
    assert explanation <= 256 < content  # it scrolls in its box
    assert graph > explanation + 100
