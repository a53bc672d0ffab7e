"""The training page (``make demo``'s seed_training.html): its numbers, its curve, its bytes, and
the page itself driven in Chromium by Playwright.

The browser tests skip, saying which, where Chromium or the playwright package is absent; CI
installs both (Debian's chromium, PyPI's playwright, no browser download) and lets nothing skip.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium
from document import TRUE_STEP_2
from hash_seeds import outputs_under_hash_seeds

from autograd import Value
from nn import SGD
from nn.seed import Record, TrainingStep, train
from nn.seed.training_page import (
    Run,
    document_runs,
    loss_curve_svg,
    training_page,
    write_training_page,
)

# The document's facts (FACTS.md): step 1 of both runs, and the steps at which each run's loss
# is first below 1e-7.
STEP_1 = ("0.6902834929076443", "0.01810390383656677")
# Step 2 of true gradient descent and of RMSprop, all six gradients at the same weights (FACTS.md,
# "A subtlety worth documenting"): the prediction yp, as the page prints it.
STEP_2_PREDICTION = {name: repr(yp) for name, yp in TRUE_STEP_2.items()}
FORWARD_PASSES = {"sgd": 111, "rmsprop": 11}
NAMES = ["w13", "w23", "w14", "w24", "w35", "w45"]
SVG = "{http://www.w3.org/2000/svg}"


@cache
def _page(lang: str = "en") -> str:
    return training_page(lang=lang)


def _data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert match is not None, "the page has no data script"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def _svg(page: str) -> ElementTree.Element:
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" id="curve".*?</svg>', page, re.S)
    assert match is not None, "the page has no loss curve"
    return ElementTree.fromstring(match.group(0))


def _points(svg: ElementTree.Element, run: str) -> list[tuple[float, float]]:
    polyline = svg.find(f".//{SVG}polyline[@id='curve-{run}']")
    assert polyline is not None
    pairs = polyline.attrib["points"].split()
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in pairs)]


def test_the_page_shows_the_training_log_and_the_documents_step_counts() -> None:
    runs = _data(_page())["runs"]
    assert [run["name"] for run in runs] == ["sgd", "rmsprop"]
    for run in runs:
        steps = run["steps"]
        assert len(steps) == FORWARD_PASSES[run["name"]]
        assert (steps[0]["yp"], steps[0]["loss"]) == STEP_1
        log = train(run["name"])
        assert [(s["step"], s["yp"], s["loss"]) for s in steps] == [
            (r.step, repr(r.prediction), repr(r.loss)) for r in log
        ]
        assert float(steps[-1]["loss"]) < 1e-7 <= min(float(s["loss"]) for s in steps[:-1])
        assert [s["below"] for s in steps] == [False] * (len(steps) - 1) + [True]
    assert "RMSprop (learning rate 0.1, alpha 0.999, eps 0.01) · 11 steps" in _page()
    assert "Gradient descent (learning rate 1) · 111 steps" in _page()


def test_step_2_is_the_documents_true_gradient_descent() -> None:
    for run in _data(_page())["runs"]:
        assert run["steps"][1]["yp"] == STEP_2_PREDICTION[run["name"]]


def test_the_chinese_page_has_the_same_numbers_in_chinese_words() -> None:
    english, chinese = _page(), _page("zh")
    assert '<html lang="zh">' in chinese
    assert '<html lang="en">' in english
    assert _data(chinese)["runs"][0]["steps"] == _data(english)["runs"][0]["steps"]
    assert _data(chinese)["runs"][1]["steps"] == _data(english)["runs"][1]["steps"]
    assert "梯度下降（学习率 1） · 共 111 步" in chinese
    assert "RMSprop（学习率 0.1，alpha 0.999，eps 0.01） · 共 11 步" in chinese
    for words in ("<h1>逐步演示原文网络的训练过程</h1>", ">上一步</button>", ">下一步</button>",
                  ">播放</button>", "速度 <select", 'aria-label="步骤"', ">阈值 1e-7</text>",
                  ">步数</text>", "第二种方法原文称为“动量法”"):  # fmt: skip
        assert words in chinese, words
    assert "文档" not in chinese  # the document is 原文
    svg_words = [text.text for text in _svg(chinese).iter(f"{SVG}text")]
    assert "threshold 1e-7" not in svg_words
    assert "step" not in svg_words


@pytest.mark.parametrize("call", [
    lambda: training_page(lang="fr"),
    lambda: loss_curve_svg(document_runs(), lang="fr"),
    lambda: document_runs(lang="fr"),
])  # fmt: skip
def test_an_unknown_language_is_refused_naming_the_known_ones(call: Any) -> None:
    with pytest.raises(ValueError, match=r"^lang must be one of 'en', 'zh', got 'fr'$"):
        call()


def test_a_page_in_an_unknown_language_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text("the old page", encoding="utf-8")
    with pytest.raises(ValueError, match="lang must be one of"):
        write_training_page(path, lang="fr")
    assert path.read_text(encoding="utf-8") == "the old page"
    assert sorted(tmp_path.iterdir()) == [path]


def test_each_step_shows_the_six_updates_and_they_chain() -> None:
    for run in _data(_page())["runs"]:
        steps = run["steps"]
        assert steps[-1]["updates"] == []  # the loss is below the threshold: no update
        for step, after in itertools.pairwise(steps[:-1]):
            assert [u["name"] for u in step["updates"]] == NAMES
            assert [u["new"] for u in step["updates"]] == [u["old"] for u in after["updates"]]
        for step in steps[:-1]:
            assert step["weights"] == [[u["name"], u["old"]] for u in step["updates"]]
        assert steps[-1]["weights"] == [[u["name"], u["new"]] for u in steps[-2]["updates"]]
        first = steps[0]["updates"]
        assert [u["old"] for u in first] == ["0.1", "0.8", "0.4", "0.6", "0.3", "0.9"]
        line_count = 1 if run["name"] == "sgd" else 2  # the square average, then the weight
        assert all(len(u["lines"]) == line_count for s in steps for u in s["updates"])


def test_the_first_updates_agree_with_the_hand_derivation() -> None:
    """dE/dw35 and dE/dw13 by the document's chain rule, in plain floats."""

    def f(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    y3, y4 = f(0.1 * 0.35 + 0.8 * 0.9), f(0.4 * 0.35 + 0.6 * 0.9)
    y5 = f(0.3 * y3 + 0.9 * y4)
    delta5 = (y5 - 0.5) * y5 * (1 - y5)
    grad_w35, grad_w13 = delta5 * y3, delta5 * 0.3 * y3 * (1 - y3) * 0.35
    gd, rmsprop = (run["steps"][0]["updates"] for run in _data(_page())["runs"])
    assert gd[4]["grad"] == f"{grad_w35:.6g}"
    assert gd[4]["lines"] == [
        f"w35 = w35 - lr * grad = 0.3 - 1 * {grad_w35:.4g} = {0.3 - grad_w35:.4g}"
    ]
    assert gd[0]["new"] == f"{0.1 - grad_w13:.6g}"
    s = 0.001 * grad_w13**2
    assert rmsprop[0]["lines"][0].endswith(f"(1 - 0.999) * {grad_w13:.4g}^2 = {s:.4g}")
    assert rmsprop[0]["new"] == f"{0.1 - 0.1 / (math.sqrt(s) + 0.01) * grad_w13:.6g}"


def test_the_curve_plots_each_loss_on_its_decade_grid() -> None:
    """Read each point's loss back off the drawn decade grid lines: it is the logged loss."""
    page = _page()
    svg = _svg(page)
    grid = {
        int(line.attrib["data-decade"]): float(line.attrib["y1"])
        for line in svg.iter(f"{SVG}line")
        if "data-decade" in line.attrib
    }
    decades = sorted(grid)
    assert decades[0] <= -8
    assert decades[-1] >= -1
    pixels_per_decade = grid[decades[0]] - grid[decades[0] + 1]
    for run in _data(page)["runs"]:
        points = _points(svg, run["name"])
        assert len(points) == len(run["steps"])
        for (x, y), step in zip(points, run["steps"]):
            read = -1 - (y - grid[-1]) / pixels_per_decade  # log10 of the loss drawn
            assert read == pytest.approx(math.log10(float(step["loss"])), abs=0.01)
            assert (f"{x:.2f}", f"{y:.2f}") == (step["x"], step["y"])  # where the marker goes
    ticks = {
        int(text.text or ""): float(text.attrib["x"])
        for text in svg.iter(f"{SVG}text")
        if "step" in text.attrib.get("class", "").split()
    }
    assert {1, 111} <= set(ticks)
    for run in ("sgd", "rmsprop"):  # x is linear in the step, on the labelled step axis
        for step, (x, _) in enumerate(_points(svg, run), start=1):
            expected = ticks[1] + (step - 1) / 110 * (ticks[111] - ticks[1])
            assert x == pytest.approx(expected, abs=0.01)
    threshold = svg.find(f".//{SVG}line[@id='threshold']")
    assert threshold is not None
    assert float(threshold.attrib["y1"]) == grid[-7]
    assert ">threshold 1e-7</text>" in page


@pytest.mark.parametrize("bad", [0.0, -1e-3, math.nan, math.inf])
def test_a_loss_a_log_scale_cannot_show_is_an_error(bad: float) -> None:
    steps = [TrainingStep(Record(1, 0.5, 0.01), ()), TrainingStep(Record(2, 0.5, bad), ())]
    with pytest.raises(ValueError, match="positive finite losses, got"):
        loss_curve_svg([Run("sgd", "a run", steps)])


def test_the_page_loads_nothing_and_is_the_same_on_every_run(tmp_path: Path) -> None:
    page = _page()
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]  # xmlns only
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|\bhref=|@import|url\(", page)
    assert "$" not in page.replace("$$", "")  # every placeholder was filled
    pages = []
    for seed in ("0", "1", "random"):
        folder = tmp_path / seed
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "nn.seed", "--quiet", "--draw", str(folder)],
            check=True,
            capture_output=True,
            env=environment,
        )
        pages.append((folder / "seed_training.html").read_bytes())
    assert pages[0] == pages[1] == pages[2] == page.encode("utf-8")


def test_the_chinese_page_loads_nothing_and_is_the_same_on_every_run() -> None:
    page = _page("zh")
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|\bhref=|@import|url\(", page)
    program = (
        "import sys; from nn.seed.training_page import training_page; "
        "sys.stdout.buffer.write(training_page(lang='zh').encode('utf-8'))"
    )
    assert outputs_under_hash_seeds(program) == {page}


def test_a_run_must_be_one_of_the_documents() -> None:
    steps = [TrainingStep(Record(1, 0.5, 0.01), ())]
    with pytest.raises(ValueError, match="must be 'sgd' or 'rmsprop', got '\"><script>'"):
        loss_curve_svg([Run('"><script>', "a run", steps)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one run with at least one step"):
        loss_curve_svg([Run("sgd", "a run", [])])


HOSTILE = "</script><script>window.hacked = 1</script><b>w</b>"


def _hostile_page() -> str:
    """A two-step run whose weight, run title and numbers come from hostile labels."""
    weight = Value(0.5, label=HOSTILE)
    weight.grad = 0.25
    updates = tuple(SGD([weight], lr=1.0).step_explained())
    steps = [TrainingStep(Record(1, 0.6, 0.02), updates), TrainingStep(Record(2, 0.5, 1e-8), ())]
    return training_page([Run("sgd", "<i>run</i> & 训练", steps)])


def test_labels_cannot_add_markup() -> None:
    page = _hostile_page()
    assert "<script>window" not in page
    assert "<b>" not in page
    assert "<i>" not in page
    assert page.count("<script") == 2  # the data and the page's own script
    assert "&lt;i&gt;run&lt;/i&gt; &amp; 训练" in page
    run = _data(page)["runs"][0]
    assert run["steps"][0]["updates"][0]["name"] == HOSTILE
    assert run["steps"][0]["updates"][0]["lines"] == [
        f"{HOSTILE} = {HOSTILE} - lr * grad = 0.5 - 1 * 0.25 = 0.25"
    ]


# In the browser.


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _open(browser: Any, path: Path, width: int = 1280, height: int = 800) -> tuple[Any, list[str]]:
    """A page showing ``path``, and the list its errors and network requests are written to."""
    problems: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: None if r.url.startswith("file:") else problems.append(r.url))
    page.goto(path.as_uri())
    return page, problems


def _state(page: Any) -> dict[str, Any]:
    return page.evaluate(  # type: ignore[no-any-return]
        """() => ({
            counter: document.getElementById("counter").textContent,
            yp: document.getElementById("prediction").textContent,
            loss: document.getElementById("loss").textContent,
            status: document.getElementById("status").textContent,
            updates: Array.from(document.querySelectorAll("#updates .update")).map(u =>
                Array.from(u.querySelectorAll(".head > span, .line")).map(e => e.textContent)),
            marker: [document.getElementById("marker").getAttribute("cx"),
                     document.getElementById("marker").getAttribute("cy")],
            current: Array.from(document.querySelectorAll("polyline.current")).map(p => p.id),
            slider: document.getElementById("slider").value,
            scrolled: [window.scrollX, window.scrollY,
                       document.scrollingElement.scrollHeight - window.innerHeight],
        })"""
    )


def _shown(step: dict[str, Any]) -> list[list[str]]:
    """What each update's box should show: name, old -> new, grad, then its lines."""
    return [
        [u["name"], f"{u['old']} \u2192 {u['new']}", f"grad {u['grad']}", *u["lines"]]
        for u in step["updates"]
    ]


def _marker_at(svg: ElementTree.Element, run: str, index: int) -> list[str]:
    x, y = _points(svg, run)[index]
    return [f"{x:.2f}", f"{y:.2f}"]


def test_the_page_steps_plays_and_jumps_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text(_page(), encoding="utf-8")
    svg, data = _svg(_page()), _data(_page())
    page, problems = _open(browser, path)

    first = _state(page)
    assert first["counter"] == "step 1 of 111"
    assert (first["yp"], first["loss"]) == STEP_1
    assert first["current"] == ["curve-sgd"]
    assert first["marker"] == _marker_at(svg, "sgd", 0)
    assert first["updates"] == _shown(data["runs"][0]["steps"][0])
    assert first["updates"][4][0] == "w35"
    assert first["updates"][4][-1] == "w35 = w35 - lr * grad = 0.3 - 1 * 0.02767 = 0.2723"
    assert first["scrolled"] == [0, 0, 0]  # the page itself never scrolls
    assert page.text_content("#weights") == (
        "weights: w13 = 0.1, w23 = 0.8, w14 = 0.4, w24 = 0.6, w35 = 0.3, w45 = 0.9"
    )

    page.click("#next")
    second = _state(page)
    assert second["counter"] == "step 2 of 111"
    assert second["yp"] == data["runs"][0]["steps"][1]["yp"] != first["yp"]
    assert second["marker"] == _marker_at(svg, "sgd", 1) != first["marker"]
    assert second["updates"] == _shown(data["runs"][0]["steps"][1]) != first["updates"]

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert _state(page)["counter"] == "step 3 of 111"

    page.keyboard.press("End")
    last = _state(page)
    assert last["counter"] == "step 111 of 111"
    assert float(last["loss"]) < 1e-7
    assert last["status"].startswith("E < 1e-7: training stops")
    assert last["updates"] == []
    final = data["runs"][0]["steps"][-1]["weights"]  # the weights the last update left
    assert page.text_content("#weights") == "weights: " + ", ".join(f"{n} = {w}" for n, w in final)
    assert last["marker"] == _marker_at(svg, "sgd", 110)
    assert page.is_disabled("#next")
    assert not page.is_disabled("#previous")
    page.keyboard.press("ArrowRight")  # past the end: stays
    assert _state(page)["counter"] == "step 111 of 111"

    page.keyboard.press("Home")
    assert _state(page)["counter"] == "step 1 of 111"
    assert page.is_disabled("#previous")

    page.eval_on_selector(
        "#slider", "s => { s.value = '54'; s.dispatchEvent(new Event('input')); }"
    )
    assert _state(page)["counter"] == "step 55 of 111"
    assert _state(page)["marker"] == _marker_at(svg, "sgd", 54)

    page.select_option("#run", "1")  # RMSprop, from its own first step
    rmsprop = _state(page)
    assert rmsprop["counter"] == "step 1 of 11"
    assert rmsprop["current"] == ["curve-rmsprop"]
    assert rmsprop["marker"] == _marker_at(svg, "rmsprop", 0)
    assert rmsprop["updates"] == _shown(data["runs"][1]["steps"][0])
    assert rmsprop["updates"][0][3].startswith("v = alpha * v + (1 - alpha) * grad^2 = 0.999 * 0")

    page.click("#play")
    assert page.text_content("#play") == "Pause"
    page.wait_for_function("document.getElementById('counter').textContent === 'step 3 of 11'")
    playing = _state(page)
    assert playing["marker"] == _marker_at(svg, "rmsprop", 2)
    page.wait_for_function("document.getElementById('counter').textContent === 'step 11 of 11'")
    page.wait_for_function("document.getElementById('play').textContent === 'Play'")
    end = _state(page)
    assert end["loss"] == data["runs"][1]["steps"][10]["loss"]
    assert float(end["loss"]) < 1e-7
    assert end["marker"] == _marker_at(svg, "rmsprop", 10)

    page.select_option("#run", "0")  # back to gradient descent, where it was left
    assert _state(page)["counter"] == "step 55 of 111"
    assert _state(page)["scrolled"] == [0, 0, 0]
    assert problems == []


def test_keys_inside_an_embedded_page_do_not_scroll_the_page_around_it(
    browser: Any, tmp_path: Path
) -> None:
    (tmp_path / "seed_training.html").write_text(_page(), encoding="utf-8")
    host = tmp_path / "host.html"
    host.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><iframe id="player" '
        'src="seed_training.html" style="width:100%;height:500px;border:0"></iframe>'
        '<div style="height:4000px">a long page below</div></body></html>',
        encoding="utf-8",
    )
    page, problems = _open(browser, host)
    assert page.evaluate("window.scrollY") == 0  # loading it scrolls nothing
    frame = page.frame_locator("#player")
    frame.locator("#next").click()
    inner = page.frames[1]
    # The player's keys, at the ends too (where a key moves nothing, it must not scroll either),
    # with the focus on a button, on the page (End disables the focused Next) and on the slider.
    keys = ["ArrowRight", "End", "End", "ArrowRight", "Home", "Home", "ArrowLeft", "ArrowRight"]
    for key in keys:
        page.keyboard.press(key)
        assert page.evaluate("window.scrollY") == 0, f"{key} scrolled the page around the player"
    assert inner.text_content("#counter") == "step 2 of 111"
    frame.locator("#slider").focus()
    for key in ("End", "ArrowLeft", "Home", "ArrowRight"):
        page.keyboard.press(key)
        assert page.evaluate("window.scrollY") == 0, f"{key} on the slider scrolled the page"
    assert inner.text_content("#counter") == "step 2 of 111"
    assert problems == []


def test_the_chinese_page_steps_and_plays_in_chinese(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "seed_training_zh.html"
    path.write_text(_page("zh"), encoding="utf-8")
    page, problems = _open(browser, path)
    first = _state(page)
    assert first["counter"] == "第 1 步，共 111 步"
    assert (first["yp"], first["loss"]) == STEP_1
    assert first["status"] == (
        "E ≥ 1e-7：损失还没有低于阈值，于是做一次反向传播，再由优化器更新每个权重："
    )
    assert page.text_content("#weights") == (
        "权重：w13 = 0.1, w23 = 0.8, w14 = 0.4, w24 = 0.6, w35 = 0.3, w45 = 0.9"
    )
    assert first["updates"][4][-1] == "w35 = w35 - lr * grad = 0.3 - 1 * 0.02767 = 0.2723"
    assert [page.text_content(f"#{button}") for button in ("previous", "play", "next")] == [
        "上一步",
        "播放",
        "下一步",
    ]
    assert page.get_attribute("#next", "title") == "下一步（右方向键；End 键跳到最后一步）"
    page.keyboard.press("ArrowRight")
    assert _state(page)["counter"] == "第 2 步，共 111 步"
    assert _state(page)["yp"] == STEP_2_PREDICTION["sgd"]
    page.keyboard.press("End")
    last = _state(page)
    assert last["counter"] == "第 111 步，共 111 步"
    assert last["status"] == "E < 1e-7：损失已经低于阈值，训练在这次前向传播后停止，不再更新权重。"
    assert float(last["loss"]) < 1e-7
    page.keyboard.press("Home")
    assert _state(page)["counter"] == "第 1 步，共 111 步"

    page.select_option("#run", "1")
    assert _state(page)["counter"] == "第 1 步，共 11 步"
    page.click("#next")
    assert _state(page)["yp"] == STEP_2_PREDICTION["rmsprop"]
    page.select_option("#speed", "12")
    page.click("#play")
    assert page.text_content("#play") == "暂停"
    page.wait_for_function(
        "document.getElementById('counter').textContent === '第 11 步，共 11 步'"
    )
    page.wait_for_function("document.getElementById('play').textContent === '播放'")
    shown = page.inner_text("body")
    for english in ("Previous", "Next", "Play", "Pause", "Speed", "step ", "weights", "Run",
                    "threshold", "Gradient descent", "training stops"):  # fmt: skip
        assert english not in shown, english
    assert "原文" in shown
    assert _state(page)["scrolled"] == [0, 0, 0]
    assert problems == []


def test_the_speed_control_sets_plays_interval_and_play_stops_at_the_end(
    browser: Any, tmp_path: Path
) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text(_page(), encoding="utf-8")
    page, problems = _open(browser, path)
    page.evaluate(  # every interval Play asks for, in window.delays
        """() => {
          window.delays = [];
          window.setTimeout = new Proxy(window.setTimeout, {apply(timeout, self, args) {
            window.delays.push(args[1]);
            return Reflect.apply(timeout, self, args);
          }});
        }"""
    )
    assert page.input_value("#speed") == "250"  # 1x: four steps a second
    assert [o.text_content() for o in page.query_selector_all("#speed option")] == [
        "0.25×", "0.5×", "1×", "2×", "5×", "20×"
    ]  # fmt: skip
    page.select_option("#speed", "12")  # 20 times as fast
    page.click("#play")
    page.wait_for_function(
        "document.getElementById('counter').textContent === 'step 111 of 111'", timeout=60_000
    )
    page.wait_for_function("document.getElementById('play').textContent === 'Play'")
    assert page.evaluate("window.delays") == [12] * 110  # one interval per step, none after
    page.keyboard.press("Home")
    page.select_option("#speed", "1000")
    page.click("#play")
    assert page.evaluate("window.delays.slice(-1)") == [1000]
    assert page.text_content("#play") == "Pause"
    page.select_option("#speed", "50")  # a change while playing counts from the next step on
    page.wait_for_function("window.delays.slice(-1)[0] === 50", timeout=60_000)
    page.click("#play")
    assert page.text_content("#play") == "Play"
    counter = page.text_content("#counter")
    page.keyboard.press("ArrowRight")  # the keys still step: the focus is not on the speed
    assert page.text_content("#counter") != counter
    page.focus("#speed")
    page.keyboard.press("ArrowDown")  # on the speed control, the arrows change the speed
    assert page.input_value("#speed") == "12"
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_fits_a_phone(lang: str, browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text(_page(lang), encoding="utf-8")
    page, problems = _open(browser, path, width=390, height=844)
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # step 110: six updates, two lines each for RMSprop
    page.select_option("#run", "1")
    layout = page.evaluate(
        """() => ({
            width: document.scrollingElement.scrollWidth,
            height: document.scrollingElement.scrollHeight,
            boxes: ["#run", "#previous", "#play", "#next", "#slider", "#speed", "#counter",
                    "#curve"]
                .map(s => document.querySelector(s).getBoundingClientRect())
                .map(r => [r.left, r.right, r.bottom]),
            details: (e => [e.scrollHeight > e.clientHeight, getComputedStyle(e).overflowY])(
                document.getElementById("details")),
        })"""
    )
    assert layout["width"] <= 390
    assert layout["height"] <= 844
    for left, right, bottom in layout["boxes"]:
        assert left >= 0
        assert right <= 390
        assert bottom <= 844 / 2
    assert layout["details"] == [True, "auto"]  # the six updates scroll in their own panel
    assert problems == []


def test_hostile_labels_show_as_text_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(_hostile_page(), encoding="utf-8")
    page, problems = _open(browser, path)
    assert page.evaluate("window.hacked") is None
    assert page.text_content("#updates .name") == HOSTILE
    assert page.evaluate("document.querySelectorAll('#updates b, #legend i').length") == 0
    assert "<i>run</i> & 训练" in (page.text_content("#legend") or "")
    assert problems == []
