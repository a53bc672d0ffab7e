"""Live values in the step-through page, in a real browser (Chromium, driven by Playwright): a
learner edits a leaf and every box shows the numbers the engine computes for the edited graph.

The browser tests skip, saying which, where Chromium or the playwright package is absent; CI
installs both (Debian's chromium, PyPI's playwright, no browser download)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from browsers import CHROMIUM, chromium

from autograd import Constant, Rule, Value, apply, step_through
from autograd.trace import graph_nodes
from nn import MLP, seed

needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

SEED_FIELDS = {"w13", "w23", "w14", "w24", "w35", "w45", "y1", "y2", "ya"}
"""The seed network's leaves a learner can edit: its weights and its named inputs (the number
operands of its loss, 0.5 and the exponent 2, are part of the program, not inputs)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


SHOWN = """() => {
  const svg = [...document.querySelectorAll("#graph svg")].find(s => s.style.display !== "none");
  return Object.fromEntries([...svg.querySelectorAll("g.node, g.edge")].map(
    g => [g.id.replace(/^live-/, ""), [...g.querySelectorAll("text")].map(t => t.textContent)]));
}"""
"""Every box's and edge's texts in the drawing the page shows, by the id of the recorded one."""


def _open(browser: Any, root: Value, width: int = 1280, height: int = 800) -> tuple[Any, Any]:
    player = step_through(root)
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_content(player.html)
    page.problems = problems
    return player, page


def _fresh_seed(monkeypatch: pytest.MonkeyPatch, y1: float) -> Value:
    """The seed network's loss, computed by the engine from scratch with input y1."""
    monkeypatch.setattr(seed, "INPUTS", (y1, seed.INPUTS[1]))
    loss = seed.loss_graph()
    loss.backward()
    return loss


def _expected(root: Value, ids: dict[Value, str]) -> dict[str, list[str]]:
    """What each box's data and grad rows and each edge's label say for the engine's numbers:
    each node's last texts (a name may take several)."""
    shown: dict[str, list[str]] = {}
    for node in graph_nodes(root):
        rows = [f"data {node.data:.4g}"]
        if not isinstance(node, Constant):
            rows.append(f"grad {node.grad:.4g}")
        shown[ids[node]] = rows
        for index, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            # an edge from a Constant, which takes no gradient, has no label
            shown[f"{ids[node]}e{index}"] = (
                [] if isinstance(parent, Constant) else [f"{local_grad:.4g}"]
            )
    return shown


def _differences(shown: dict[str, list[str]], expected: dict[str, list[str]]) -> list[str]:
    return [
        f"{key}: shows {shown.get(key)}, expected {rows}"
        for key, rows in expected.items()
        if shown.get(key, [])[-len(rows) :] != rows
    ]


def _by_name(root: Value, ids: dict[Value, str], name: str) -> str:
    return next(ids[node] for node in graph_nodes(root) if node.label == name)


@needs_browser
def test_editing_y1_shows_the_engines_numbers_for_the_edited_network_and_reset_restores(
    browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = seed.loss_graph()
    player, page = _open(browser, recorded)
    ids = player.graph.ids
    labels = page.eval_on_selector_all(
        "#live input", "e => e.map(i => i.getAttribute('aria-label'))"
    )
    assert set(labels) == SEED_FIELDS
    assert len(labels) == len(SEED_FIELDS)
    for _ in range(3):
        page.click("#next")
    before = page.evaluate(SHOWN)
    counter = page.text_content("#counter")
    assert counter == "forward 4 of 16"

    page.fill("input[aria-label='y1']", "0.7")
    fresh = _fresh_seed(monkeypatch, 0.7)
    fresh_ids = {node: ids[old] for node, old in zip(graph_nodes(fresh), graph_nodes(recorded))}
    shown = page.evaluate(SHOWN)
    loss, w13 = _by_name(recorded, ids, "E"), _by_name(recorded, ids, "w13")
    e_data = next(n.data for n in graph_nodes(fresh) if n.label == "E")
    w13_grad = next(n.grad for n in graph_nodes(fresh) if n.label == "w13")
    assert shown[loss][-2] == f"data {e_data:.4g}" == "data 0.01933"
    assert shown[w13][-1] == f"grad {w13_grad:.4g}"
    assert shown[w13][-1] != before[w13][-1]  # it changed, to Python's number
    assert _differences(shown, _expected(fresh, fresh_ids)) == []  # and so did every other
    assert "edited values" in (page.text_content("#live-status") or "")
    assert page.evaluate("document.getElementById('controls').inert")

    page.click("#live-reset")
    assert page.evaluate(SHOWN) == before
    assert page.input_value("input[aria-label='y1']") == "0.35"
    assert page.text_content("#live-status") == ""
    assert not page.evaluate("document.getElementById('controls').inert")
    assert page.eval_on_selector_all("#graph svg", "e => e.length") == 1
    assert page.text_content("#counter") == counter  # the step shown before the edit
    page.click("#next")
    assert page.text_content("#counter") == "forward 5 of 16"  # and the steps play on
    assert page.problems == []


@needs_browser
def test_the_recorded_numbers_typed_in_give_the_recorded_last_step(browser: Any) -> None:
    recorded = seed.loss_graph()
    _, page = _open(browser, recorded)
    page.press("#slider", "End")  # the last step: every gradient complete
    last = page.evaluate(SHOWN)
    page.fill("input[aria-label='w24']", "0.60")
    assert page.evaluate(SHOWN) == last
    assert page.text_content("#live-status") != ""
    assert page.problems == []


@needs_browser
@pytest.mark.parametrize("text", ["", "abc", "inf", "1e999", "0,5", "nan", "0.5.5"])
def test_bad_input_is_shown_as_invalid_and_changes_nothing(browser: Any, text: str) -> None:
    _, page = _open(browser, seed.loss_graph())
    page.fill("input[aria-label='w35']", "2")  # an edit first: the bad one must not undo it
    edited = page.evaluate(SHOWN)
    page.fill("input[aria-label='w13']", text)
    assert page.get_attribute("input[aria-label='w13']", "aria-invalid") == "true"
    assert page.evaluate(SHOWN) == edited
    status = page.text_content("#live-status") or ""
    assert status.startswith("w13: expected a finite number")
    assert f"\u201c{text}\u201d" in status
    page.fill("input[aria-label='w13']", "0.1")
    assert page.get_attribute("input[aria-label='w13']", "aria-invalid") is None
    assert page.evaluate(SHOWN) == edited  # 0.1 is w13's own number
    assert page.problems == []


@needs_browser
def test_keys_typed_in_a_field_do_not_step_the_player(browser: Any) -> None:
    _, page = _open(browser, seed.loss_graph())
    page.focus("input[aria-label='y2']")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#counter") == "forward 1 of 16"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")  # outside the fields the player takes its keys
    assert page.text_content("#counter") == "forward 2 of 16"
    page.fill("input[aria-label='y2']", "0.5")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")  # but not while the page shows edited values
    assert page.text_content("#counter") == "forward 2 of 16"
    page.click("#live-reset")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == "forward 3 of 16"


@needs_browser
def test_a_hostile_name_is_a_label_and_no_script(browser: Any) -> None:
    weight = Value(0.5, label="</script><script>window.hacked = 1</script>")
    root = (weight * 3.0).tanh()
    root.label = "out"
    _, page = _open(browser, root)
    assert page.get_attribute("#live input", "aria-label") == weight.label
    page.fill("#live input", "-1")
    assert page.evaluate("window.hacked") is None
    shown = page.evaluate(SHOWN)
    expected = f"grad {3.0 * (1 - math.tanh(-3.0) ** 2):.4g}"  # d tanh(3w)/dw at w = -1
    assert expected in (rows[-1] for rows in shown.values())
    assert page.problems == []


@needs_browser
def test_on_a_phone_the_fields_fit_the_width_and_chinese_has_its_words(browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content(step_through(seed.loss_graph(), lang="zh").html)
    assert page.text_content("#live summary") == "修改输入"
    page.fill("input[aria-label='w45']", "-1")
    assert (page.text_content("#live-status") or "").startswith("图中现在显示的是修改后的值")
    assert page.text_content("#live-reset") == "还原"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for box in page.eval_on_selector_all(
        "#live input", "e => e.map(i => { const r = i.getBoundingClientRect(); return r.right; })"
    ):
        assert box <= 390


@needs_browser
@pytest.mark.parametrize("width", [390, 1280])
def test_long_parameter_names_show_whole_and_fit_the_width(browser: Any, width: int) -> None:
    model = MLP(2, [3, 1])
    for name, parameter in model.named_parameters():
        parameter.label = name  # layers.0.neurons.2.w.1 and the like
    prediction = model([0.3, -0.8])
    assert isinstance(prediction, Value)
    _, page = _open(browser, prediction, width=width, height=800)
    assert set(page.eval_on_selector_all("#live input", "e => e.map(i => i.ariaLabel)")) == {
        name for name, _ in model.named_parameters()
    }
    cut = page.eval_on_selector_all(
        ".live-name", "e => e.filter(n => n.scrollWidth > n.clientWidth).map(n => n.textContent)"
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_page_is_the_same_in_every_run_and_carries_the_rules_it_uses() -> None:
    first, second = step_through(seed.loss_graph()).html, step_through(seed.loss_graph()).html
    assert first == second
    assert '"sigmoid": {arity: 1' in first
    assert '"relu"' not in first  # only the rules of the graph
    assert first.count("var chainruleRuntime") == 1
    assert "$live" not in first


SOFTSIGN = Rule(
    "softsign", "x / (1.0 + abs(x))", grads=("1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))",)
)


@needs_browser
def test_a_rule_made_outside_the_table_is_recomputed_from_its_own_text(browser: Any) -> None:
    def build(number: float) -> Value:
        x = Value(number, label="x")
        out = apply(SOFTSIGN, x * x)
        out.label = "out"
        return out

    player, page = _open(browser, build(0.3))
    page.fill("input[aria-label='x']", "-2")
    fresh = build(-2.0)
    fresh.backward()
    ids = {new: player.graph.ids[old] for new, old in zip(graph_nodes(fresh), player.graph.ids)}
    assert _differences(page.evaluate(SHOWN), _expected(fresh, ids)) == []
    assert page.problems == []


def test_a_rule_without_javascript_leaves_the_page_without_fields_and_says_why() -> None:
    halve_down = Rule("halve_down", "x // 2.0", grads=("0.0",))
    x = Value(5.0, label="x")
    page = step_through(apply(halve_down, x) * x).html
    assert "Values cannot be edited on this page: rule 'halve_down'" in page
    assert "FloorDiv" in page


@needs_browser
def test_edited_values_are_never_shown_as_not_yet_computed(browser: Any) -> None:
    """Edited at the first forward step, where the data rows not yet reached are greyed, the
    page shows every recomputed value as a value: no data row keeps the grey of a blank one."""
    _, page = _open(browser, seed.loss_graph())
    assert page.text_content("#counter") == "forward 1 of 16"
    assert page.eval_on_selector_all("#graph svg text.blank", "e => e.length") > 0
    page.fill("input[aria-label='y1']", "0.7")
    classes = page.evaluate(
        """() => {
      const svg = [...document.querySelectorAll("#graph svg")]
        .find(s => s.style.display !== "none");
      return [...svg.querySelectorAll("g.node text")].filter(t => t.textContent.startsWith("data"))
        .map(t => t.getAttribute("class") || "");
    }"""
    )
    assert classes
    assert "blank" not in classes
    assert page.problems == []
