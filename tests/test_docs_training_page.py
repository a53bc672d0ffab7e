"""The training page on the documentation site: made by the build (not committed), embedded in
the English and the Chinese tutorial, and working there, in a real browser, without scrolling
the tutorial away from its top.

The site is built and served as tests/test_docs_search.py builds and serves it, with every
request to another host blocked and reported. Skips, saying which, where Chromium or the
playwright package is absent; CI installs both."""

from __future__ import annotations

import subprocess
import urllib.request
from typing import Any

import pytest
from browsers import CHROMIUM
from docsite import ROOT
from document import TRUE_STEP_2

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

import test_docs_search  # noqa: E402  (after the skips: it needs playwright)
from test_docs_search import _Reader  # noqa: E402

served = test_docs_search.served  # the site's fixtures, as the search's tests have them
browser = test_docs_search.browser

# FACTS.md: the prediction yp at step 2 of true gradient descent (all six gradients at the same
# weights), and the 111 forward passes of the run.
STEP_2_PREDICTION = repr(TRUE_STEP_2["sgd"])
TUTORIALS = {
    "en": ("tutorial/", "seed_training.html", "step {step} of 111"),
    "zh": ("zh/tutorial/", "seed_training_zh.html", "第 {step} 步，共 111 步"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_build_makes_the_training_page_in_each_language(lang: str, served: str) -> None:
    tutorial, page, _ = TUTORIALS[lang]
    with urllib.request.urlopen(served + tutorial) as response:
        html = response.read().decode("utf-8")
    relative = "../generated/" if lang == "en" else "../../generated/"
    assert f'<iframe src="{relative}{page}"' in html
    with urllib.request.urlopen(served + "generated/" + page) as response:
        training = response.read().decode("utf-8")
    assert f'<html lang="{lang}">' in training
    assert ("梯度下降（学习率 1）" in training) == (lang == "zh")
    committed = subprocess.run(
        ["git", "ls-files", "docs/generated"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert committed.stdout == ""  # made by every build, from the code


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_tutorial_opens_at_its_top_with_its_training_page_working(
    lang: str, viewport: tuple[int, int], browser: Any, served: str
) -> None:
    tutorial, name, counter = TUTORIALS[lang]
    reading = _Reader(browser, served, {"width": viewport[0], "height": viewport[1]})
    try:
        page = reading.page
        page.goto(served + tutorial)
        page.wait_for_load_state("load")
        (training,) = (frame for frame in page.frames if frame.url.endswith("/generated/" + name))
        training.wait_for_function("document.getElementById('counter').textContent !== ''")
        assert training.text_content("#counter") == counter.format(step=1)
        assert page.evaluate("window.scrollY") == 0
        training.dispatch_event("#next", "click")  # as a click that scrolls nothing by itself
        assert training.text_content("#counter") == counter.format(step=2)
        assert training.text_content("#prediction") == STEP_2_PREDICTION
        assert page.evaluate("window.scrollY") == 0
        training.evaluate("() => window.focus()")  # the keys go to the training page
        for key in ("End", "ArrowLeft", "Home", "ArrowRight", "End"):
            page.keyboard.press(key)
            assert page.evaluate("window.scrollY") == 0, f"{key} scrolled the tutorial"
        assert training.text_content("#counter") == counter.format(step=111)
        assert reading.problems == []
    finally:
        reading.close()
