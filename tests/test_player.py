"""step_through: a standalone page of the backward pass, safe for any label."""

from __future__ import annotations

import html
import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from document import hand_derived_gradients

import autograd
from autograd import Constant, Value, step_through
from nn import seed

Page = dict[str, Any]


def _data(page: str) -> Page:
    match = re.search(r'<script type="application/json" id="frames">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def _frames(page: str) -> list[Page]:
    return _data(page)["frames"]  # type: ignore[no-any-return]


def _chain_lines(page: str) -> list[str]:
    return [c["chain"] for frame in _frames(page) for c in frame["contributions"]]


def _rows(page: str, step: int) -> dict[str, tuple[str, str]]:
    """Each grad row's (text, state) at a step, as the page's script replays them."""
    rows: dict[str, tuple[str, str]] = {}
    for frame in _frames(page)[: step + 1]:
        for node_id, text, state in frame["boxes"]:
            rows[node_id] = (text, state)
    return rows


def _diamond() -> tuple[Value, Value, Value]:
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    y.label = "y"
    return x, s, y


def test_page_is_self_contained_with_one_frame_per_step() -> None:
    loss = seed.loss_graph()
    player = step_through(loss)
    page = player.html
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 1  # one drawing; the frames are data
    assert "scrollIntoView" not in page  # it would scroll the page the player is embedded in
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[\w/.-]*", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    frames = _frames(page)
    assert len(frames) == 1 + len(player.frames) + 1 == 17  # start, one per op node, the end
    assert frames[0]["lines"] == ["dE/dE = 1"]
    for frame in frames[1:-1]:
        assert f'id="{frame["node"]}"' in page
        assert all(f'id="{edge}"' in page for edge in frame["edges"])


def test_the_same_program_gives_the_same_page_in_every_run() -> None:
    program = (
        "import autograd\nfrom nn import seed\nprint(autograd.step_through(seed.loss_graph()).html)"
    )
    pages = {
        subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("0", "1", "2")
    }
    assert len(pages) == 1
    assert pages == {step_through(seed.loss_graph()).html + "\n"}


def test_step_through_leaves_grads_as_backward_and_shows_the_documents_numbers() -> None:
    model = seed.network()
    player = step_through(seed.loss_graph(model))
    expected = hand_derived_gradients()
    for parameter in model.parameters():
        assert abs(parameter.grad - expected[parameter.label]) <= 1e-14 * abs(parameter.grad)
    w35 = next(line for line in _chain_lines(player.html) if line.startswith("dE/dw35 += "))
    assert w35.endswith(f"= {expected['w35']:.4g}")


def test_the_last_step_lists_every_parameters_gradient() -> None:
    last = _frames(step_through(seed.loss_graph()).html)[-1]
    expected = hand_derived_gradients()  # the document's formulas, in plain floats
    gradients = {g["name"]: g["grad"] for g in last["gradients"]}
    assert set(gradients) == set(expected) == set(seed.WEIGHTS)
    for name, gradient in gradients.items():
        assert abs(gradient - expected[name]) <= 1e-14 * expected[name], name
    assert sorted(last["lines"]) == sorted(f"dE/d{n} = {g:.4g}" for n, g in expected.items())
    assert last["title"] == "Done: every gradient is complete. The parameters' gradients:"


def test_a_value_used_twice_shows_each_share_and_their_total() -> None:
    x, s, y = _diamond()
    player = step_through(y)
    page = player.html
    frames = _frames(page)
    s_id, x_id = player.graph.ids[s], player.graph.ids[x]
    s_by_hand = math.sin(0.4)
    into_s = [c for frame in frames for c in frame["contributions"] if c["input"] == s_id]
    # dy/ds = 2s + 1: 1 through the sum, then s from each input of the product s * s.
    assert [c["contribution"] for c in into_s] == [1.0, s_by_hand, s_by_hand]
    assert math.isclose(into_s[-1]["total"], 2 * s_by_hand + 1, rel_tol=1e-15)
    total = f"{2 * s_by_hand + 1:.4g}"
    assert frames[2]["sums"] == [f"dy/ds = 1 + {s_by_hand:.4g} + {s_by_hand:.4g} = {total}"]
    assert frames[3]["title"].startswith(f"s (sin): its gradient 1 + {s_by_hand:.4g} + ")
    # s's box, step by step: blank, its first share, the running sum, then two shares at once.
    assert _rows(page, 0)[s_id] == ("", "blank")
    assert _rows(page, 1)[s_id] == ("0 → 1", "receiving")
    assert _rows(page, 2)[s_id] == (f"1 → {total}", "receiving")
    assert _rows(page, 3)[s_id] == (total, "complete")
    assert _rows(page, 2)[x_id] == ("", "blank")
    assert _rows(page, 3)[x_id] == (f"0 → {x.grad:.4g}", "receiving")
    assert _rows(page, 4)[x_id] == (f"{x.grad:.4g}", "complete")
    assert math.isclose(x.grad, math.cos(0.4) * (2 * s_by_hand + 1), rel_tol=1e-15)


def test_at_the_end_every_box_holds_the_gradient_backward_computes() -> None:
    reference = seed.loss_graph()
    reference.backward()
    page = step_through(seed.loss_graph()).html
    final = _rows(page, len(_frames(page)) - 1)
    expected = {
        node: f"{node.grad:.4g}"
        for node in autograd.topological_order(reference, leaves=True)
        if not isinstance(node, Constant)
    }
    drawn = autograd.draw(reference)
    assert {drawn.ids[node]: (text, "complete") for node, text in expected.items()} == final


def test_each_local_derivative_is_its_rules_formula_with_numbers() -> None:
    frames = _frames(step_through(seed.loss_graph()).html)
    z3 = 0.1 * 0.35 + 0.8 * 0.9
    y3 = 1 / (1 + math.exp(-z3))
    (into_z3,) = [c for f in frames for c in f["contributions"] if c["chain"].startswith("dE/dz3")]
    assert into_z3["local"] == (
        f"dy3/dz3 = y3 * (1 - y3) = {y3:.4g} * {1 - y3:.4g} = {y3 * (1 - y3):.4g}"
    )
    assert into_z3["local"] == "dy3/dz3 = y3 * (1 - y3) = 0.6803 * 0.3197 = 0.2175"
    assert into_z3["chain"].startswith("dE/dz3 += dE/dy3 * dy3/dz3 = ")


def test_chinese_player() -> None:
    english = step_through(seed.loss_graph()).html
    page = step_through(seed.loss_graph(), lang="zh").html
    assert '<html lang="zh">' in page
    assert '<html lang="en">' in english
    for word in ("上一步", "播放", "下一步", "计算图", "局部导数", "梯度"):
        assert word in page, word
    for english_text in ("Previous", "Play", "Next", "How to read", "with respect to", "Done"):
        assert english_text in english
        assert english_text not in page, english_text
    frames, english_frames = _frames(page), _frames(english)
    assert frames[0]["title"] == "开始：E 对自身的梯度是 1。"
    assert frames[1]["title"] == (
        "E（mul）：它的梯度 1 已经计算完成，现在把一份梯度传给它的每个输入。"
    )
    assert frames[-1]["title"] == "完成：所有梯度都已计算完成。各参数的梯度："
    assert _data(page)["words"]["counter"] == "第 {step} 步，共 {last} 步"
    shown = step_through(seed.loss_graph(), lang="zh")._repr_html_()
    assert 'title="chainrule：E 的反向传播，逐步演示"' in shown
    # The math is the same in every language.
    assert [f["contributions"] for f in frames] == [f["contributions"] for f in english_frames]


def test_an_unknown_language_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"lang must be one of 'en', 'zh', got 'fr'"):
        step_through(Value(1.0) * 2, lang="fr")


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
    assert any(evil in line for line in _chain_lines(page))  # the label is still there, as text


def test_save_and_jupyter_display(tmp_path: Path) -> None:
    player = step_through(Value(3.0, label="x") ** 2)
    path = player.save(tmp_path / "page.html")
    assert path.read_text(encoding="utf-8") == player.html
    shown = player._repr_html_()
    assert "<iframe srcdoc=" in shown
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
    assert _frames(page.read_text(encoding="utf-8"))
