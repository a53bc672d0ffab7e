"""An edge's local derivative shows on the page only once its op has run: in the forward pass
from the step that computes the op's value, and throughout the backward pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import CHROMIUM, chromium

from autograd import Value, step_through
from nn import seed

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

STATE = """() => {
  const shown = {};
  for (const edge of document.querySelectorAll('#graph g.edge')) {
    const match = /^(v[0-9]+)[eg][0-9]+$/.exec(edge.id);
    const label = edge.querySelector('text');
    if (!match || !label) { continue; }
    const data = [...document.getElementById(match[1]).querySelectorAll('text')]
      .find(t => t.textContent.startsWith('data'));
    shown[edge.id] = [getComputedStyle(label).visibility !== 'hidden',
                      data.textContent !== 'data'];
  }
  return shown;
}"""
"""For each edge with a label: whether the label shows, and whether the data row of the op's
output shows a value (``data`` alone is a blank row: not computed yet)."""


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _open(browser: Any, folder: Path, root: Value, **options: Any) -> Any:
    path = step_through(root, **options).save(folder / "player.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_function("window.chainrulePlayer !== undefined")
    page.problems = problems  # checked after stepping, by _states
    return page


def _states(page: Any) -> list[tuple[str, dict[str, list[bool]]]]:
    """Each step's phase and edge states, stepping with the player's own show(); no page error
    on the way."""
    count = page.evaluate("window.chainrulePlayer.frames.length")
    states = []
    for k in range(count):
        page.evaluate(f"window.chainrulePlayer.show({k})")
        phase = page.evaluate(f"window.chainrulePlayer.frames[{k}].phase")
        states.append((phase, page.evaluate(STATE)))
    assert page.problems == []
    return states


def test_forward_shows_an_edges_derivative_only_once_its_op_is_computed(
    browser: Any, tmp_path: Path
) -> None:
    states = _states(_open(browser, tmp_path, seed.loss_graph()))
    first_phase, first = states[0]
    assert first_phase == "forward"
    # 15 ops: 6 products, 3 sums and the difference, the square and E's product (2 inputs
    # each), 3 sigmoids (1): 27 edges, less the 7 from Constants (y1, y2 into 4 products, ya,
    # the exponent 2, the 1/2), which have no label
    assert len(first) == 20
    assert not any(shown for shown, _ in first.values())  # nothing computed: no derivative
    for phase, edges in states:
        if phase == "forward":
            assert all(shown == computed for shown, computed in edges.values()), edges
        else:
            assert all(shown for shown, _ in edges.values()), edges
    _, last_forward = [s for s in states if s[0] == "forward"][-1]
    assert all(shown for shown, _ in last_forward.values())


def test_without_a_forward_pass_every_derivative_shows_from_the_first_step(
    browser: Any, tmp_path: Path
) -> None:
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    y.label = "y"
    states = _states(_open(browser, tmp_path, y, forward=False))
    assert all(phase == "backward" for phase, _ in states)
    assert all(all(shown for shown, _ in edges.values()) for _, edges in states)
    assert len(states[0][1]) == 5  # sin's one input, the product's two, the sum's two


def test_a_boxs_edges_show_their_derivatives_from_the_boxs_forward_step(
    browser: Any, tmp_path: Path
) -> None:
    model = seed.network()  # each neuron's output is labelled with its path: one box each
    y5 = model([Value(0.35, label="x1"), Value(0.9, label="x2")])
    assert isinstance(y5, Value)
    states = _states(_open(browser, tmp_path, (y5 - 0.5) ** 2, collapse=True))
    boxed = [edges for phase, edges in states if phase == "forward"]
    assert any(edge_id.count("g") for edge_id in boxed[0])  # the boxes' edges are there
    for edges in boxed:
        assert all(shown == computed for shown, computed in edges.values()), edges
    assert not any(shown for shown, _ in boxed[0].values())
    assert all(shown for shown, _ in boxed[-1].values())
