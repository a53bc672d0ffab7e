"""Which run the training page shows: true gradient descent (and RMSprop), all six gradients at
the same weights, checked here against the hand formulas in plain floats; and beside each step,
what the document prints from its own update order (FACTS.md), said to be so."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium
from document import DOCUMENT_RMSPROP, DOCUMENT_SGD, TRUE_STEP_2, f

from nn.seed.training_page import training_page


def _true_gradient_descent(steps: int) -> list[tuple[float, float]]:
    """(yp, E) at each forward pass of w -= g, every gradient by FACTS.md's formulas at the
    weights before the update."""
    y1, y2, ya = 0.35, 0.9, 0.5
    w13, w23, w14, w24, w35, w45 = 0.1, 0.8, 0.4, 0.6, 0.3, 0.9
    log = []
    for _ in range(steps):
        z3, z4 = w13 * y1 + w23 * y2, w14 * y1 + w24 * y2
        y3, y4 = f(z3), f(z4)
        z5 = w35 * y3 + w45 * y4
        y5 = f(z5)
        log.append((y5, 0.5 * (y5 - ya) ** 2))
        d5 = (y5 - ya) * y5 * (1 - y5)
        d3, d4 = d5 * w35 * y3 * (1 - y3), d5 * w45 * y4 * (1 - y4)
        w13, w23, w14, w24 = w13 - d3 * y1, w23 - d3 * y2, w14 - d4 * y1, w24 - d4 * y2
        w35, w45 = w35 - d5 * y3, w45 - d5 * y4
    return log


def _printed(line: str) -> tuple[str, str]:
    """yp and Error of one of the document's printed lines, as printed."""
    match = re.fullmatch(r"step = \d+: yp = (\S+), Error = (\S+)", line)
    assert match is not None, line
    return match.group(1), match.group(2)


def _runs(lang: str = "en") -> list[dict[str, Any]]:
    page = training_page(lang=lang)
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))["runs"]  # type: ignore[no-any-return]


def test_the_page_shows_true_gradient_descent_by_the_hand_formulas() -> None:
    sgd = _runs()[0]["steps"]
    expected = _true_gradient_descent(len(sgd))
    assert expected[1][0] == pytest.approx(TRUE_STEP_2["sgd"], rel=1e-15)  # FACTS.md's step 2
    assert len(sgd) == 111
    for step, (yp, loss) in zip(sgd, expected):
        assert float(step["yp"]) == pytest.approx(yp, rel=1e-12, abs=0)
        assert float(step["loss"]) == pytest.approx(loss, rel=1e-9, abs=0)
    last = float(sgd[-1]["loss"])
    assert f"{last:.4e}" == "9.4397e-08"
    document_last = float(_printed(DOCUMENT_SGD[111])[1])
    assert abs(last - document_last) > 0.01 * document_last  # not the document's 9.2572e-08


def test_beside_each_step_the_page_gives_what_the_document_prints_and_why() -> None:
    sgd, rmsprop = (run["steps"] for run in _runs())
    for steps, printed in ((sgd, DOCUMENT_SGD), (rmsprop, DOCUMENT_RMSPROP)):
        for number, line in printed.items():
            document = steps[number - 1]["document"]
            assert (document["yp"], document["loss"]) == _printed(line), number
            assert document["same"] is (number == 1), number  # step 1 alike, then apart
    assert sgd[110]["document"]["loss"] == "9.2572362633313e-08"
    page = training_page()
    assert "Here, all six gradients at the same weights:" in page
    assert "it updates w35 and w45 first and takes the other four gradients at their" in page
    assert "原文先更新 w35 和 w45" in training_page(lang="zh")


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_the_last_step_says_which_run_it_is_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "seed_training.html"
    path.write_text(training_page(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(path.as_uri())
    first = page.text_content("#document")
    assert first == (
        "The document prints the same: yp = 0.6902834929076443, E = 0.01810390383656677."
    )
    page.keyboard.press("End")
    assert page.text_content("#counter") == "step 111 of 111"
    loss = page.text_content("#loss") or ""
    assert math.isclose(float(loss), _true_gradient_descent(111)[-1][1], rel_tol=1e-9)
    assert page.text_content("#document") == (
        "The document prints yp = 0.5004302844701667, E = 9.2572362633313e-08: it updates w35 "
        "and w45 first and takes the other four gradients at their updated values."
    )
    numbers = page.text_content("#details .numbers") or ""
    assert numbers.startswith("Here, all six gradients at the same weights: yp = ")
    assert problems == []
