"""The step-through page in a real browser: Chromium, driven by Playwright.

Skips, saying which, where Chromium or the playwright package is absent; CI installs both
(Debian's chromium, PyPI's playwright, no browser download)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import CHROMIUM, FLAGS, chromium, embedded_in_a_long_page
from document import hand_derived_gradients
from explained_optimizer import GradientDescent

from autograd import Constant, Value, step_through
from nn import seed
from nn.layers import MLP

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


GRAD_ROWS = "#graph text.blank, #graph text.receiving, #graph text.partial, #graph text.complete"


def _grad_rows(frame: Any) -> dict[str, str]:
    """The grad row each box shows, by the box's id."""
    return frame.eval_on_selector_all(  # type: ignore[no-any-return]
        GRAD_ROWS,
        "texts => Object.fromEntries(texts.map(t => [t.parentNode.id, t.textContent]))",
    )


def test_arrow_key_and_next_button_step_through_backward(tmp_path: Path) -> None:
    path = step_through(seed.loss_graph(), forward=False).save(tmp_path / "seed_backward.html")
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "request", lambda r: None if r.url.startswith("file:") else problems.append(r.url)
            )
            page.goto(path.as_uri())

            def state() -> tuple[list[str], str, str]:
                current = page.eval_on_selector_all(
                    "#graph g.current", "elements => elements.map(e => e.id)"
                )
                return (
                    current,
                    page.text_content("#lines") or "",
                    page.text_content("#counter") or "",
                )

            start = state()
            assert start[1] == "dE/dE = 1"
            assert start[2] == "backward 1 of 17"
            page.keyboard.press("ArrowRight")
            after_key = state()
            assert after_key[2] == "backward 2 of 17"
            assert after_key[1].startswith("dE/d((y5-ya)^2) += dE/dE * ")
            page.click("#next")
            after_click = state()
            assert after_click[2] == "backward 3 of 17"
            assert after_click[0] != after_key[0]  # another node is highlighted
            assert after_click[1] != after_key[1]  # and another chain-rule line shown
            assert page.eval_on_selector_all("#graph g.active", "e => e.length") >= 1
            page.keyboard.press("ArrowLeft")
            assert state() == after_key
        finally:
            browser.close()
    assert problems == []


def _diamond() -> Value:
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    y.label = "y"
    return y


def test_embedded_in_a_long_page_the_player_scrolls_nothing_outside_itself(
    tmp_path: Path, browser: Any
) -> None:
    loss = seed.loss_graph()
    stepped = step_through(loss, forward=False)
    page, player, problems = embedded_in_a_long_page(browser, tmp_path, stepped.html)
    player.wait_for_selector("#counter:has-text('backward 1 of 17')")
    assert page.evaluate("window.scrollY") == 0  # the page opens at its top
    shown = [_grad_rows(player)]
    for step in range(1, 6):
        # A click that does not scroll by itself, as Playwright's own click would.
        player.dispatch_event("#next", "click")
        assert player.text_content("#counter") == f"backward {step + 1} of 17"
        assert page.evaluate("window.scrollY") == 0
        assert player.evaluate("window.scrollY") == 0
        shown.append(_grad_rows(player))
    for before, after in itertools.pairwise(shown):
        assert before != after  # each step changes the grads in the boxes
    root, squared = stepped.graph.ids[loss], stepped.graph.ids[loss.parents[1]]
    assert [rows[root] for rows in shown[:2]] == ["grad 0 → 1", "grad 1"]  # seeded, complete
    # dE/d((y5-ya)^2) = 0.5: blank, then its one share arrives, then it is complete.
    assert [rows[squared] for rows in shown[:3]] == ["grad", "grad 0 → 0.5", "grad 0.5"]
    assert problems == []


Box = list[float]  # left, top, right, bottom


def _inside(box: Box, view: Box) -> bool:
    return all(box[i] >= view[i] - 0.5 for i in (0, 1)) and all(
        box[i] <= view[i] + 0.5 for i in (2, 3)
    )


def _fits(boxes: list[Box], view: Box) -> bool:
    width = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    height = max(b[3] for b in boxes) - min(b[1] for b in boxes)
    return width <= view[2] - view[0] and height <= view[3] - view[1]


@pytest.mark.parametrize("graph", ["seed", "diamond"])
def test_on_a_phone_each_step_frames_its_node_with_its_inputs(graph: str, browser: Any) -> None:
    root = seed.loss_graph() if graph == "seed" else _diamond()
    player = step_through(root)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content(player.html)
    steps = page.evaluate("window.chainrulePlayer.frames.length")
    assert steps == 2 * len(player.frames) + 3  # forward: the leaves and each op; backward
    for step in range(steps):
        geometry = page.evaluate(
            """() => {
              const frame = window.chainrulePlayer.frames[
                Number(document.getElementById("slider").value)];
              const rect = id => {
                const r = document.getElementById(id).getBoundingClientRect();
                return [r.left, r.top, r.right, r.bottom];
              };
              const view = document.getElementById("graph");
              const v = view.getBoundingClientRect();
              return {
                view: [v.left + view.clientLeft, v.top + view.clientTop,
                       v.left + view.clientLeft + view.clientWidth,
                       v.top + view.clientTop + view.clientHeight],
                node: frame.node ? [rect(frame.node)] : [],
                inputs: frame.inputs.map(rect),
                next: rect("next"),
                // The drawing's text (11 units of its viewBox) in CSS pixels, as scaled.
                fontSize: 11 * view.querySelector("svg").getBoundingClientRect().width
                  / view.querySelector("svg").viewBox.baseVal.width,
              };
            }"""
        )

        view = geometry["view"]
        for box in geometry["node"]:
            assert _inside(box, view), (step, box, view)
        together = geometry["node"] + geometry["inputs"]
        if together and _fits(together, view):
            assert all(_inside(box, view) for box in together), (step, together, view)
        assert _inside(geometry["next"], [0, 0, 390, 844])  # the controls stay in view
        assert geometry["fontSize"] >= 7  # readable: the drawing is scaled to 50% at least
        assert page.evaluate("window.scrollY") == 0
        page.click("#next")


DATA_ROW = """id => {
  const texts = document.getElementById(id).getElementsByTagName("text");
  const grads = JSON.parse(document.getElementById("frames").textContent).grads;
  return texts[texts.length - (grads.includes(id) ? 2 : 1)].textContent;
}"""


def test_forward_backward_and_update_in_the_browser(browser: Any) -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    player = step_through(loss, optimizer=GradientDescent(model.parameters(), lr=1.0))
    ids = player.graph.ids
    (z3,) = [n for n in ids if n.label == "z3"]
    w13 = model.parameters()[0]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_content(player.html)

    def data_row(node: Value) -> str:
        return page.evaluate(DATA_ROW, ids[node])  # type: ignore[no-any-return]

    assert page.text_content("#counter") == "forward 1 of 16"
    assert data_row(z3) == "data"  # blank: not computed yet
    assert data_row(w13) == "data 0.1"  # a leaf holds its value from the start
    for _ in range(3):  # w13*y1, w23*y2, then z3
        page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == "forward 4 of 16"
    assert page.text_content("#lines") == "z3 = (w13*y1) + (w23*y2) = 0.035 + 0.72 = 0.755"
    assert data_row(z3) == "data 0.755"
    current = page.eval_on_selector_all("#graph g.current", "e => e.map(x => x.id)")
    assert sorted(current) == [ids[z3], f"{ids[z3]}op"]
    page.keyboard.press("ArrowLeft")
    assert data_row(z3) == "data"  # stepping back blanks it again
    for _ in range(14):  # forward 3 to the last forward step, then the first backward step
        page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == "backward 1 of 17"
    assert page.text_content("#lines") == "dE/dE = 1"
    page.keyboard.press("End")
    assert page.text_content("#counter") == "update 6 of 6"
    expected = hand_derived_gradients()
    new_w13 = f"{0.1 - expected['w13']:.4g}"
    assert data_row(w13) == f"data {new_w13}"  # updated, settled at its new value
    w45 = model.parameters()[-1]
    assert data_row(w45) == f"data 0.9 → {0.9 - expected['w45']:.4g}"  # updated in this step
    assert f"w45: 0.9 → {0.9 - expected['w45']:.4g}" in (page.text_content("#lines") or "")
    assert page.evaluate("window.chainrulePlayer.index()") == 38
    page.keyboard.press("Home")
    assert page.text_content("#counter") == "forward 1 of 16"
    assert data_row(w13) == "data 0.1"
    page.evaluate("window.chainrulePlayer.show(33)")  # the first update: w13's
    assert page.text_content("#counter") == "update 1 of 6"
    assert data_row(w13) == f"data 0.1 → {new_w13}"
    assert problems == []


def test_the_speed_control_sets_plays_interval_and_play_stops_at_the_end(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(step_through(_diamond()).html)
    page.evaluate(
        """() => {
          const original = window.setTimeout;
          window.delays = [];
          window.setTimeout = (f, delay) => {
            window.delays.push(delay);
            return original(f, delay);
          };
        }"""
    )
    page.select_option("#speed", "45")  # 20 times as fast
    page.click("#play")
    last = page.evaluate("window.chainrulePlayer.frames.length") - 1
    page.wait_for_function(f"window.chainrulePlayer.index() === {last}", timeout=20_000)
    page.wait_for_selector("#play:has-text('Play')")  # stopped by itself at the last step
    delays = page.evaluate("window.delays")
    assert delays == [45] * last
    page.select_option("#speed", "1800")
    page.keyboard.press("Home")
    page.click("#play")
    assert page.evaluate("window.delays.slice(-1)") == [1800]
    assert page.text_content("#play") == "❚❚ Pause"
    page.click("#play")
    assert page.text_content("#play") == "▶ Play"


def test_another_script_can_drive_the_player(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content(step_through(_diamond(), lang="zh").html)
    shown = page.evaluate(
        """() => {
          const seen = [];
          window.chainrulePlayer.onShow.push((k, frame) => seen.push([k, frame.phase]));
          window.chainrulePlayer.show(5);
          window.chainrulePlayer.show(999);
          return seen;
        }"""
    )
    # The diamond: forward, its leaf and 3 op nodes; backward, the seed, 3 op nodes, the end.
    assert page.evaluate("window.chainrulePlayer.frames.length") == 4 + 5
    assert shown == [[5, "backward"], [8, "backward"]]  # 999 is the last step, 8
    assert page.text_content("#counter") == "反向传播：第 5 步，共 5 步"
    assert page.text_content("#speed >> xpath=..").startswith("速度")  # the speed's label


def test_a_focus_on_one_weight_of_a_wide_mlp_steps_in_the_browser(browser: Any) -> None:
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    out = model([Constant(0.5, "x0"), Constant(-0.3, "x1")])
    assert isinstance(out, Value)
    player = step_through(out, wrt=model.parameters()[0])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_content(player.html)
    total = page.evaluate("window.chainrulePlayer.frames.length")
    page.keyboard.press("End")
    assert page.text_content("#counter") == f"backward {total - 325} of {total - 325}"
    assert (page.text_content("#lines") or "").startswith("d")
    assert page.evaluate("document.querySelectorAll('#graph g.context').length") > 0
    page.keyboard.press("Home")
    assert page.text_content("#counter") == "forward 1 of 325"
    assert page.evaluate("window.scrollY") == 0
    assert _inside(page.evaluate(RECT, "next"), [0, 0, 1280, 800])  # the controls in view
    assert problems == []


RECT = """id => { const r = document.getElementById(id).getBoundingClientRect();
                return [r.left, r.top, r.right, r.bottom]; }"""
