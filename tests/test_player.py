"""step_through: a standalone page of the backward pass, safe for any label."""

from __future__ import annotations

import errno
import html
import math
import random
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from document import hand_derived_gradients
from explained_optimizer import GradientDescent
from failing_disk import fail_writes, leftovers
from hash_seeds import outputs_under_hash_seeds

import autograd
import autograd.graph
import autograd.player
from autograd import Constant, Value, step_through
from nn import seed
from nn.layers import MLP
from nn.optim import SGD

Page = dict[str, Any]


def _data(page: str) -> Page:
    return autograd.player.page_data(page)


def _frames(page: str) -> list[Page]:
    return _data(page)["frames"]  # type: ignore[no-any-return]


def _chain_lines(page: str) -> list[str]:
    return [c["chain"] for frame in _frames(page) for c in frame["contributions"]]


def _rows(page: str, step: int, field: str = "boxes") -> dict[str, tuple[str, str]]:
    """Each grad row's (text, state) at a step (each data row's, with ``field="data"``), as
    the page's script replays them."""
    rows: dict[str, tuple[str, str]] = {}
    for frame in _frames(page)[: step + 1]:
        for node_id, text, state in frame[field]:
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
    # Forward: the leaves, then the 15 op nodes; backward: the seed, one per op node, the end.
    assert [f["phase"] for f in frames] == ["forward"] * 16 + ["backward"] * 17
    assert len(player.frames) == 15
    assert frames[16]["lines"] == ["dE/dE = 1"]
    assert [frames[k]["counter"] for k in (0, 15, 16, 32)] == [
        "forward 1 of 16", "forward 16 of 16", "backward 1 of 17", "backward 17 of 17"
    ]  # fmt: skip
    for frame in frames[1:16] + frames[17:-1]:
        assert f'id="{frame["node"]}"' in page
        assert all(f'id="{edge}"' in page for edge in frame["edges"])


def test_the_same_program_gives_the_same_page_in_every_run() -> None:
    program = (
        "import autograd\nfrom nn import seed\nprint(autograd.step_through(seed.loss_graph()).html)"
    )
    pages = outputs_under_hash_seeds(program)
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
    model = seed.network()
    last = _frames(step_through(seed.loss_graph(model), parameters=model).html)[-1]
    expected = hand_derived_gradients()  # the document's formulas, in plain floats
    gradients = {g["name"]: g["grad"] for g in last["gradients"]}
    assert set(gradients) == set(expected) == set(seed.WEIGHTS)
    for name, gradient in gradients.items():
        assert abs(gradient - expected[name]) <= 1e-14 * expected[name], name
    assert sorted(last["lines"]) == sorted(f"dE/d{n} = {g:.4g}" for n, g in expected.items())
    assert last["title"] == "Done: every gradient is complete. The parameters' gradients:"


def test_a_value_used_twice_shows_each_share_and_their_total() -> None:
    x, s, y = _diamond()
    player = step_through(y, forward=False)
    page = player.html
    frames = _frames(page)
    s_id, x_id = player.graph.ids[s], player.graph.ids[x]
    s_by_hand = math.sin(0.4)
    into_s = [c for frame in frames for c in frame["contributions"] if c["input"] == s_id]
    assert len(into_s) == 3
    # dy/ds = 2s + 1: 1 through the sum, then s from each input of the product s * s.
    shares = [e for frame in player.frames for e in frame.edges if e.input is s]
    assert [e.contribution for e in shares] == [1.0, s_by_hand, s_by_hand]
    assert math.isclose(shares[-1].total, 2 * s_by_hand + 1, rel_tol=1e-15)
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
    page = step_through(seed.loss_graph(), forward=False).html
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
    # What the page shows and says, without the player's code (whose names are English).
    shown_text = page[: page.index("<script>\n")]
    english_text = english[: english.index("<script>\n")]
    english_words = ("Previous", "Play", "Next", "How to read", "with respect to", "Done",
                     "Speed", "forward ", "backward ", "Update:", "Home:", "End:")  # fmt: skip
    for word in english_words:
        assert word in english_text, word
        assert word not in shown_text, word
    assert set(autograd.player.TEXTS["zh"]) == set(autograd.player.TEXTS["en"])
    for key, text in autograd.player.TEXTS["zh"].items():
        assert re.search("[\u4e00-\u9fff]", text), key  # every word has its Chinese
    frames, english_frames = _frames(page), _frames(english)
    assert frames[0]["title"] == "正向传播：计算图的起点已有各自的值。"
    assert frames[3]["title"] == "z3（add）：由它的输入算出它的值。"
    assert frames[16]["title"] == "反向传播：E 对自身的梯度是 1。"
    assert frames[17]["title"] == ("E（mul）：梯度 1 已经算完，现在分一份给它的每个输入。")
    assert frames[-1]["title"].startswith("完成：所有梯度都已算出。各叶节点（计算图的起点）的梯度")
    assert frames[2]["counter"] == "正向传播：第 3 步，共 16 步"
    assert frames[17]["counter"] == "反向传播：第 2 步，共 17 步"
    shown = step_through(seed.loss_graph(), lang="zh")._repr_html_()
    assert 'title="chainrule：逐步演示 E 的正向传播与反向传播"' in shown
    backward_only = step_through(seed.loss_graph(), lang="zh", forward=False)._repr_html_()
    assert 'title="chainrule：逐步演示 E 的反向传播"' in backward_only
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
    assert tags.count("script") == 3  # the frames, the player, live values: none from the label
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


# --- the forward pass ---------------------------------------------------------------------


def _seed_forward_by_hand() -> dict[str, float]:
    """FACTS.md's forward pass in plain floats, by the document's names."""
    y1, y2, ya = 0.35, 0.9, 0.5
    w13, w23, w14, w24, w35, w45 = 0.1, 0.8, 0.4, 0.6, 0.3, 0.9

    def f(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    z3, z4 = w13 * y1 + w23 * y2, w14 * y1 + w24 * y2
    y3, y4 = f(z3), f(z4)
    z5 = w35 * y3 + w45 * y4
    y5 = f(z5)
    return {"z3": z3, "y3": y3, "z4": z4, "y4": y4, "z5": z5, "y5": y5,
            "E": 0.5 * (y5 - ya) ** 2}  # fmt: skip


def test_forward_frames_give_each_value_by_its_rules_formula_with_numbers() -> None:
    player = step_through(seed.loss_graph())
    frames = _frames(player.html)
    forward = [f for f in frames if f["phase"] == "forward"]
    by_hand = _seed_forward_by_hand()
    lines = {f["lines"][0].split(" = ")[0]: f["lines"][0] for f in forward[1:]}
    g = "{:.4g}".format
    assert (
        lines["z3"]
        == f"z3 = (w13*y1) + (w23*y2) = {g(0.1 * 0.35)} + {g(0.8 * 0.9)} = {g(by_hand['z3'])}"
    )
    assert lines["z3"] == "z3 = (w13*y1) + (w23*y2) = 0.035 + 0.72 = 0.755"
    assert lines["y3"] == f"y3 = sigmoid(z3) = sigmoid({g(by_hand['z3'])}) = {g(by_hand['y3'])}"
    assert lines["y3"] == "y3 = sigmoid(z3) = sigmoid(0.755) = 0.6803"
    assert (
        lines["w35*y3"]
        == f"w35*y3 = w35 * y3 = 0.3 * {g(by_hand['y3'])} = {g(0.3 * by_hand['y3'])}"
    )
    assert lines["z5"].endswith(f"= {g(by_hand['z5'])}")
    assert lines["y5"] == f"y5 = sigmoid(z5) = sigmoid({g(by_hand['z5'])}) = {g(by_hand['y5'])}"
    squared = (by_hand["y5"] - 0.5) ** 2
    assert lines["E"] == f"E = 0.5 * ((y5-ya)^2) = 0.5 * {g(squared)} = {g(by_hand['E'])}"
    # In topological order: every op node once, each after its inputs.
    order = [line.split(" = ")[0] for line in (f["lines"][0] for f in forward[1:])]
    assert len(order) == len(set(order)) == 15
    for before, after in [("z3", "y3"), ("y3", "w35*y3"), ("y4", "w45*y4"), ("z5", "y5"),
                          ("y5", "y5-ya"), ("(y5-ya)^2", "E")]:  # fmt: skip
        assert order.index(before) < order.index(after)


def test_a_data_row_is_blank_until_its_forward_step() -> None:
    loss = seed.loss_graph()
    player = step_through(loss)
    page = player.html
    frames = _frames(page)
    ids = player.graph.ids
    (z3,) = [n for n in autograd.topological_order(loss) if n.label == "z3"]
    step = next(k for k, f in enumerate(frames) if f["node"] == ids[z3] and f["phase"] == "forward")
    assert _rows(page, step - 1, "data")[ids[z3]] == ("", "blank")
    assert _rows(page, step, "data")[ids[z3]] == ("0.755", "receiving")
    assert _rows(page, step + 1, "data")[ids[z3]] == ("0.755", "settled")
    first = _rows(page, 0, "data")
    assert first[ids[loss]] == ("", "blank")
    leaves = [n for n in autograd.topological_order(loss, leaves=True) if not n.parents]
    assert {first[ids[leaf]] for leaf in leaves} >= {("0.1", "receiving"), ("0.35", "receiving")}
    assert all(first[ids[leaf]][1] == "receiving" for leaf in leaves)
    # Every grad row is blank through the forward pass.
    assert {state for _, state in _rows(page, 15).values()} == {"blank"}
    # forward=False: the data rows hold their values from the first step.
    backward_only = step_through(seed.loss_graph(), forward=False).html
    assert _rows(backward_only, 0, "data")[ids[z3]] == ("0.755", "settled")
    assert _frames(backward_only)[0]["counter"] == "backward 1 of 17"


def test_forward_of_a_branching_rule_names_its_op() -> None:
    z = Value(-2.0, label="z")
    r = z.relu()
    r.label = "r"
    (line,) = _frames(step_through(r).html)[1]["lines"]
    assert line == "r = relu(z) = 0"
    z2 = Value(1.5, label="z")
    r2 = z2.relu()
    r2.label = "r"
    assert _frames(step_through(r2).html)[1]["lines"] == ["r = relu(z) = z = 1.5"]


# --- the update ---------------------------------------------------------------------------


def test_update_frames_show_each_parameters_old_value_gradient_and_new_value() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    player = step_through(loss, optimizer=GradientDescent(model.parameters(), lr=1.0))
    page = player.html
    frames = _frames(page)
    assert [f["phase"] for f in frames].count("update") == 6
    updates = frames[-6:]
    expected = hand_derived_gradients()
    for frame, (name, old) in zip(updates, seed.WEIGHTS.items()):
        new = old - expected[name]  # the document's plain gradient descent, lr = 1
        parameter = next(p for p in model.parameters() if p.label == name)
        assert abs(parameter.data - new) <= 1e-15
        assert frame["node"] == player.graph.ids[parameter]
        assert frame["lines"] == [
            f"dE/d{name} = {expected[name]:.4g}",
            f"{name} -= lr * grad",
            f"{old:.4g} - 1 * {expected[name]:.4g}",
        ]
        assert frame["sums"] == [f"{name}: {old:.4g} → {new:.4g}"]
        assert [frame["node"], f"{old:.4g} → {new:.4g}", "receiving"] in frame["data"]
    assert [f["counter"] for f in updates] == [f"update {k} of 6" for k in range(1, 7)]
    last = len(frames) - 1
    w13 = player.graph.ids[model.parameters()[0]]
    assert _rows(page, last, "data")[w13] == (f"{0.1 - expected['w13']:.4g}", "settled")
    assert [u.parameter for u in player.updates] == model.parameters()
    assert _frames(page)[0]["counter"] == "forward 1 of 16"
    title = "chainrule: the forward pass, the backward pass of E and the parameter update, step"
    assert f"<title>{title} by step</title>" in page


def test_an_optimizer_without_step_explained_is_refused_and_nothing_changes() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    with pytest.raises(TypeError, match=r"optimizer must have a step_explained.*'object'"):
        step_through(loss, optimizer=object())  # type: ignore[arg-type]
    assert [p.grad for p in model.parameters()] == [0.0] * 6
    assert [p.data for p in model.parameters()] == list(seed.WEIGHTS.values())


def test_an_optimizer_whose_explanation_disagrees_with_its_step_is_an_error() -> None:
    model = seed.network()
    with pytest.raises(RuntimeError, match=r"step_explained says 'w13'.*but its data went"):
        step_through(
            seed.loss_graph(model), optimizer=GradientDescent(model.parameters(), 1.0, True)
        )


# --- focus on one Value -------------------------------------------------------------------


def test_focus_plays_and_draws_only_the_paths_from_one_weight() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    w13 = model.parameters()[0]
    player = step_through(loss, wrt=w13)
    page = player.html
    names = {n.label or f"{n.data:g}" for n in player.graph.ids}
    on_paths = {"w13", "w13*y1", "z3", "y3", "w35*y3", "z5", "y5", "y5-ya", "(y5-ya)^2", "E"}
    others = {"y1", "w23*y2", "w35", "w45*y4", "ya", "2", "0.5"}
    assert names == on_paths | others
    for absent in ("w14", "w24", "w45", "z4", "y4", "w23", "y2"):
        assert f">{absent}<" not in page, absent
    data = _data(page)
    assert {
        n.label or f"{n.data:g}" for n in player.graph.ids if player.graph.ids[n] in data["context"]
    } == others
    frames = data["frames"]
    backward = [f for f in frames if f["phase"] == "backward"]
    assert len(backward) == 1 + 9 + 1  # the seed, the nine op nodes on the paths, the end
    received = {c["input"] for f in backward for c in f["contributions"]}
    ids = {player.graph.ids[n]: n.label for n in player.graph.ids}
    assert {ids[i] for i in received} == on_paths - {"E"}  # shares along the paths only
    (gradient,) = backward[-1]["gradients"]
    expected = hand_derived_gradients()["w13"]
    assert gradient["name"] == "w13"
    assert abs(gradient["grad"] - expected) <= 1e-15 * expected
    assert backward[-1]["lines"] == [f"dE/dw13 = {expected:.4g}"]
    assert [f["phase"] for f in frames].count("forward") == 1 + 9
    assert "Only the paths from w13 to E are drawn" in page
    assert page.count("<svg") == 1


def test_focus_in_a_wide_mlp_gives_the_gradient_finite_differences_give() -> None:
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    inputs = [Constant(0.5, "x0"), Constant(-0.3, "x1")]
    weight = model.parameters()[0]
    out = model(inputs)
    assert isinstance(out, Value)
    player = step_through(out, wrt=weight)
    data = _data(player.html)
    (gradient,) = data["frames"][-1]["gradients"]

    def output_at(w: float) -> float:
        weight.data = w
        result = model([0.5, -0.3])
        assert isinstance(result, Value)
        return result.data

    w, h = weight.data, 1e-6
    central = (output_at(w + h) - output_at(w - h)) / (2 * h)
    weight.data = w
    assert abs(central) > 1e-3  # a live unit: the weight moves the output
    assert math.isclose(gradient["grad"], central, rel_tol=1e-6)
    drawn = set(player.graph.ids)
    whole = autograd.topological_order(out, leaves=True)
    assert len(drawn) < len(whole) * 2 / 3
    # Left out: the other first-layer units' parameters, and of the second layer's all but the
    # 16 weights on the output of the weight's own unit and the 16 biases (other inputs).
    assert drawn.isdisjoint(model.parameters()[3 : 16 * 3])  # units 1 to 15: w.0, w.1, b
    second_layer = model.layers[1].parameters()
    assert len(drawn.intersection(second_layer)) == 16 + 16


def test_focus_on_a_value_not_in_the_graph_is_refused_and_nothing_changes() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    stranger = Value(1.0, label="stranger")
    with pytest.raises(ValueError, match=r"wrt must be a Value of the graph of 'E'.*'stranger'"):
        step_through(loss, wrt=stranger)
    assert [p.grad for p in model.parameters()] == [0.0] * 6
    with pytest.raises(TypeError, match=r"wrt must be a Value of the graph, got 'float'"):
        step_through(loss, wrt=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"wrt must be a Value that takes a gradient"):
        step_through(loss, wrt=loss.parents[0])  # the Constant 0.5


def test_nodes_on_paths_of_a_diamond() -> None:
    x, s, y = _diamond()
    other = Value(2.0, label="other")
    z = y * other
    on_paths = autograd.graph.nodes_on_paths(z, s)
    assert on_paths[0] is s
    assert on_paths[-1] is z
    assert x not in on_paths
    assert other not in on_paths
    assert len(on_paths) == 4  # s, s*s, s*s + s, z
    assert autograd.graph.nodes_on_paths(z, z) == [z]
    with pytest.raises(ValueError, match="wrt must be a Value of the graph"):
        autograd.graph.nodes_on_paths(y, other)


def test_the_same_focus_and_update_give_the_same_page_in_every_run() -> None:
    program = (
        "import autograd\nfrom nn import seed\nfrom nn.optim import SGD\nm = seed.network()\n"
        "opt = SGD(m.parameters(), lr=1.0)\nloss = seed.loss_graph(m)\n"
        "print(autograd.step_through(loss, wrt=m.parameters()[4], optimizer=opt).html)"
    )
    pages = outputs_under_hash_seeds(program, ("0", "3"))
    assert len(pages) == 1


def test_the_documents_rmsprop_step_plays_with_its_own_formula() -> None:
    model = seed.network()
    optimizer = seed.make_optimizer("rmsprop", model)
    player = step_through(seed.loss_graph(model), optimizer=optimizer)
    updates = [f for f in _frames(player.html) if f["phase"] == "update"]
    expected = hand_derived_gradients()
    assert len(updates) == 6
    for frame, update, (name, old) in zip(updates, player.updates, seed.WEIGHTS.items()):
        g = expected[name]
        s = 0.001 * g * g  # FACTS.md: s = 0.999 s + 0.001 g^2, from s = 0
        new = old - 0.1 / (math.sqrt(s) + 0.01) * g
        parameter = next(p for p in model.parameters() if p.label == name)
        assert math.isclose(parameter.data, new, rel_tol=1e-14)
        assert frame["sums"] == [f"{name}: {old:.4g} → {new:.4g}"]
        assert frame["lines"][0] == f"dE/d{name} = {g:.4g}"
        assert frame["lines"][1:] == list(update.lines)  # the optimizer's own formula
        assert frame["lines"][-1].startswith(f"{name} = {name} - lr * grad / (sqrt(v) + eps) = ")


def test_the_how_tos_sgd_example_updates_each_weight_by_its_gradient() -> None:
    model = seed.network()
    player = step_through(seed.loss_graph(model), optimizer=SGD(model.parameters(), lr=1.0))
    expected = hand_derived_gradients()
    updates = [f for f in _frames(player.html) if f["phase"] == "update"]
    for frame, (name, old) in zip(updates, seed.WEIGHTS.items(), strict=True):
        new = old - expected[name]
        assert frame["sums"] == [f"{name}: {old:.4g} → {new:.4g}"]
        assert frame["lines"][-1].startswith(f"{name} = {name} - lr * grad = ")


def test_bad_options_are_refused_before_backward_runs() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    with pytest.raises(TypeError, match=r"forward must be True or False, got 'yes'"):
        step_through(loss, forward="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"precision must be a positive int, got 0"):
        step_through(loss, precision=0)
    with pytest.raises(ValueError, match=r"rankdir must be"):
        step_through(loss, rankdir="up")
    assert [p.grad for p in model.parameters()] == [0.0] * 6


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "full"), KeyboardInterrupt()])
def test_a_save_that_fails_mid_write_keeps_the_old_page(
    failure: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = step_through(Value(3.0, label="x") ** 2).save(tmp_path / "page.html")
    old = path.read_bytes()
    x = Value(0.5, label="x")
    player = step_through((x * x).tanh() + x)
    fail_writes(monkeypatch, tmp_path, after_bytes=len(player.html) // 2, error=failure)
    with pytest.raises(type(failure)):
        player.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert leftovers(tmp_path, "page.html") == []
    path.chmod(0o644)
    link = tmp_path / "latest.html"
    link.symlink_to(path)
    assert player.save(link) == link
    assert link.is_symlink()
    assert path.read_text(encoding="utf-8") == player.html
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# --- quiz mode -----------------------------------------------------------------------------------


def _last_receiving(page: str, node_id: str) -> int:
    """The step where a row receives its last share, read from the frames of a page without a
    quiz: where its gradient becomes complete."""
    return max(
        k
        for k, frame in enumerate(_frames(page))
        for row in frame["boxes"]
        if row[0] == node_id and row[2] == "receiving"
    )


def test_quiz_asks_each_parameter_where_its_gradient_becomes_complete() -> None:
    plain = step_through(seed.loss_graph()).html
    player = step_through(seed.loss_graph(), quiz=True)
    quiz = _data(player.html)["quiz"]
    expected = hand_derived_gradients()  # the document's formulas, not the pass
    by_name = {q["name"]: q for q in quiz["questions"]}
    assert set(by_name) == {f"dE/d{name}" for name in seed.WEIGHTS}
    frames = [q["frame"] for q in quiz["questions"]]
    assert frames == sorted(frames)
    ids = {node.label: node_id for node, node_id in player.graph.ids.items() if node.label}
    for name, gradient in expected.items():
        question = by_name[f"dE/d{name}"]
        assert question["node"] == ids[name]
        assert question["frame"] == _last_receiving(plain, ids[name])
        assert abs(question["expected"] - gradient) <= 1e-14 * gradient, name
        assert question["shown"] == f"{gradient:.4g}"
        chain, local = question["explanation"]
        assert chain[0].startswith(f"dE/d{name} += ")
        assert chain[0].endswith(f"= {gradient:.4g}")
        assert local == [
            f"where d(w{name[1:]}*y{name[1]})/d{name} = y{name[1]} = {local[0].split()[-1]}",
            "local",
        ]
        # the step that asks holds its line back; the page without a quiz shows it there
        asked = _frames(player.html)[question["frame"]]
        assert chain[0] not in [c["chain"] for c in asked["contributions"]]
        assert chain[0] in [c["chain"] for c in _frames(plain)[question["frame"]]["contributions"]]
    assert quiz["tolerance"] == 1e-3
    assert quiz["words"]["tolerance"].startswith("A number within 0.1% of the answer")
    assert player.html.count("var chainruleQuiz = ") == 1
    assert "$quiz" not in player.html


def test_quiz_on_a_value_used_twice_explains_every_share_and_their_sum() -> None:
    x, s, y = _diamond()
    player = step_through(y, forward=False, quiz=[s], quiz_tolerance=1e-6)
    quiz = _data(player.html)["quiz"]
    (question,) = quiz["questions"]
    s_by_hand = math.sin(0.4)
    total = 2 * s_by_hand + 1  # dy/ds = 2s + 1, by hand
    assert question["name"] == "dy/ds"
    assert math.isclose(question["expected"], total, rel_tol=1e-15)
    assert question["frame"] == 2  # its last two shares arrive in the product's step
    texts = [line[0] for line in question["explanation"]]
    assert len(texts) == 7  # three shares, each with its local derivative, then the sum
    assert texts[-1] == f"dy/ds = 1 + {s_by_hand:.4g} + {s_by_hand:.4g} = {total:.4g}"
    assert _frames(player.html)[2]["sums"] == []  # held back until answered
    assert quiz["tolerance"] == 1e-6
    assert x.grad == pytest.approx(math.cos(0.4) * total, rel=1e-15)


def test_without_a_quiz_the_page_has_no_quiz() -> None:
    page = step_through(seed.loss_graph()).html
    assert "quiz" not in _data(page)
    assert "chainruleQuiz" not in page


def test_quiz_focus_asks_for_the_followed_weight() -> None:
    model = seed.network()
    w13 = next(p for p in model.parameters() if p.label == "w13")
    quiz = _data(step_through(seed.loss_graph(model), wrt=w13, quiz=True).html)["quiz"]
    assert [q["name"] for q in quiz["questions"]] == ["dE/dw13"]
    assert abs(quiz["questions"][0]["expected"] - hand_derived_gradients()["w13"]) <= 1e-18


def test_quiz_with_a_script_label_adds_no_element() -> None:
    evil = "</script><script>alert(1)</script>"
    a = Value(2.0, label=evil)
    page = step_through((a * a).tanh(), quiz=True).html
    elements = _Elements()
    elements.feed(page)
    assert [tag for tag, _ in elements.tags].count("script") == 4  # and one is the quiz's


def test_bad_quiz_options_are_refused_before_backward_runs() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    stranger = Value(1.0, label="stranger")
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"quiz": "w13"}, TypeError, r"quiz must be True, False or a list of the Values"),
        ({"quiz": [0.5]}, TypeError, r"quiz must list Values of the graph, got .*'float'"),
        ({"quiz": []}, ValueError, r"quiz lists no Value"),
        ({"quiz": [stranger]}, ValueError, r"quiz asks about .*stranger.*not a Value whose"),
        ({"quiz": [loss]}, ValueError, r"gradient of the root .* 1 by definition"),
        ({"quiz": True, "quiz_tolerance": -1e-3}, ValueError, r"quiz_tolerance must be .* -0.001"),
        ({"quiz": True, "quiz_tolerance": float("nan")}, ValueError, r"quiz_tolerance"),
        ({"quiz": True, "quiz_tolerance": True}, ValueError, r"quiz_tolerance .* got True"),
    ]
    for options, error, message in cases:
        with pytest.raises(error, match=message):
            step_through(loss, **options)
    constant = Constant(2.0)
    with pytest.raises(
        ValueError, match=r"quiz cannot ask about .*2.*: a Constant takes no gradient"
    ):
        step_through(Value(3.0, label="a") * constant, quiz=[constant])
    with pytest.raises(ValueError, match=r"this graph has no parameter"):
        step_through(Value(3.0) * Value(2.0), quiz=True)
    assert [p.grad for p in model.parameters()] == [0.0] * 6
