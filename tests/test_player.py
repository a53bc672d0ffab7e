"""step_through: a standalone page of the backward pass, safe for any label."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from document import hand_derived_gradients

from autograd import Value, step_through
from nn import seed


def _frames_json(page: str) -> dict[str, list[dict[str, object]]]:
    match = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_page_is_self_contained_with_one_frame_per_step() -> None:
    loss = seed.loss_graph()
    player = step_through(loss)
    page = player.html
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page
    assert not re.search(r"""(src|href)\\s*=\\s*["']?(https?:)?//""", page), (
        "loads from the network"
    )
    frames = _frames_json(page)["frames"]
    assert len(frames) == 1 + len(player.frames) == 16  # the start, then one per op node
    assert frames[0]["lines"] == ["dE/dE = 1"]
    for frame in frames[1:]:
        assert f'id="{frame["node"]}"' in page
        assert all(f'id="{edge}"' in page for edge in frame["edges"])  # type: ignore[attr-defined]


def test_step_through_leaves_grads_as_backward_and_shows_the_documents_numbers() -> None:
    model = seed.network()
    player = step_through(seed.loss_graph(model))
    expected = hand_derived_gradients()
    for parameter in model.parameters():
        assert abs(parameter.grad - expected[parameter.label]) <= 1e-14 * abs(parameter.grad)
    lines = [line for frame in _frames_json(player.html)["frames"] for line in frame["lines"]]  # type: ignore[attr-defined]
    w35 = next(line for line in lines if line.startswith("dE/dw35 += "))
    assert w35.endswith(f"= {expected['w35']:.4g}")


class _Elements(HTMLParser):
    """Collects the start tags of a page, with their attributes, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_a_script_label_adds_no_element() -> None:
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    a = Value(2.0, label=evil)
    page = step_through((a * a).tanh()).html
    elements = _Elements()
    elements.feed(page)
    tags = [tag for tag, _ in elements.tags]
    assert tags.count("script") == 2  # the frames and the player: none from the label
    assert "img" not in tags
    assert not [name for _, attrs in elements.tags for name, _ in attrs if name.startswith("on")]
    lines = [line for frame in _frames_json(page)["frames"] for line in frame["lines"]]  # type: ignore[attr-defined]
    assert any(evil in line for line in lines)  # the label is still there, as text


def test_save_and_jupyter_display(tmp_path: Path) -> None:
    player = step_through(Value(3.0, label="x") ** 2)
    path = player.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8") == player.html
    shown = player._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert html.unescape(re.search(r'srcdoc="(.*?)"', shown, re.S).group(1)) == player.html  # type: ignore[union-attr]


def test_demo_writes_both_files_without_a_system_graphviz(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nn.seed", "--quiet", "--draw", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "PYTHONHASHSEED": "0"},  # no `dot` anywhere: graphviz-pure is used
    )
    graph_svg = tmp_path / "build" / "seed_graph.svg"
    page = tmp_path / "build" / "seed_backward.html"
    assert f"wrote {graph_svg}" in result.stdout
    assert f"wrote {page}" in result.stdout
    svg = graph_svg.read_text(encoding="utf-8")
    assert "graphviz-pure" in svg  # the renderer says who it is in a comment
    for label in ("w13", "w45", "z5", "y5", "E"):
        assert f">{label}<" in svg
    assert _frames_json(page.read_text(encoding="utf-8"))["frames"]
