"""Quiz mode of the step-through page, in a real browser (Chromium, driven by Playwright): the page
hides an asked gradient, takes the learner's prediction, checks it and explains the answer.

The browser tests skip, saying which, where Chromium or the playwright package is absent; CI
installs both (Debian's chromium, PyPI's playwright, no browser download) and sets
CHAINRULE_NO_SKIPS=1, so there they run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsers import CHROMIUM, chromium
from document import hand_derived_gradients
from hash_seeds import outputs_under_hash_seeds

from autograd import Value, step_through
from nn import seed

needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

EXPECTED = hand_derived_gradients()
"""The document's chain-rule formulas at the seed weights, in plain floats: the answers."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _open(browser: Any, html: str, width: int = 1280, height: int = 800) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_content(html)
    page.problems = problems
    return page


def _seed_quiz(**options: Any) -> tuple[str, dict[str, Value]]:
    model = seed.network()
    weights = {p.label: p for p in model.parameters()}
    html = step_through(seed.loss_graph(model), **options).html
    return html, weights


def _to_question(page: Any, name: str) -> None:
    """Steps with Next until the page asks for ``name``."""
    for _ in range(60):
        if page.locator(f"#quiz input[aria-label='{name}']").count():
            return
        page.click("#next")
    raise AssertionError(f"the page never asked for {name}")


def _grad_row(page: Any, name: str) -> str:
    return page.evaluate(
        """(name) => {
      const node = [...document.querySelectorAll("#graph g.node")]
        .find(g => [...g.querySelectorAll("text")].some(t => t.textContent === name));
      const texts = node.querySelectorAll("text");
      return texts[texts.length - 1].textContent;
    }""",
        name,
    )  # type: ignore[no-any-return]


@needs_browser
def test_a_right_answer_is_counted_and_explained(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html)
    assert page.text_content("#quiz-score") == "Score: 0 of 6 right"
    _to_question(page, "dE/dw45")
    assert _grad_row(page, "w45") == "grad ?"
    lines = page.text_content("#lines") or ""
    assert "dE/dw45" not in lines  # the step's line for w45 waits for the answer
    page.fill("#quiz input[aria-label='dE/dw45']", f"{EXPECTED['w45']:.6f}")
    page.click("#quiz button")
    result = page.text_content("#quiz .quiz-result") or ""
    assert result == f"Right: dE/dw45 = {EXPECTED['w45']:.4g}."
    assert page.text_content("#quiz-score") == "Score: 1 of 6 right"
    lines = page.text_content("#lines") or ""
    assert (
        f"dE/dw45 += dE/d(w45*y4) * d(w45*y4)/dw45 = 0.04068 * 0.6637 = {EXPECTED['w45']:.4g}"
        in lines
    )
    assert "where d(w45*y4)/dw45 = y4 = 0.6637" in lines
    assert _grad_row(page, "w45").startswith("grad ")
    assert _grad_row(page, "w45") != "grad ?"
    assert page.problems == []


@needs_browser
def test_a_wrong_answer_is_told_and_explained_with_its_chain_rule_line(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html)
    _to_question(page, "dE/dw13")
    wrong = EXPECTED["w13"] * 1.01  # 1% off: outside the default 0.1%
    page.fill("#quiz input[aria-label='dE/dw13']", repr(wrong))
    page.press("#quiz input[aria-label='dE/dw13']", "Enter")
    result = page.text_content("#quiz .quiz-result") or ""
    assert result.startswith(f"Not quite: you said {wrong!r}, but dE/dw13 = {EXPECTED['w13']:.4g}.")
    lines = page.text_content("#lines") or ""
    assert "dE/dw13 += dE/d(w13*y1) * d(w13*y1)/dw13 = 0.002654 * 0.35" in lines
    assert "where d(w13*y1)/dw13 = y1 = 0.35" in lines
    assert page.is_disabled("#quiz input[aria-label='dE/dw13']")  # one answer per question
    assert page.problems == []


@needs_browser
def test_enter_checks_and_the_rounded_number_counts_as_right(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html)
    _to_question(page, "dE/dw24")
    field = "#quiz input[aria-label='dE/dw24']"
    page.fill(field, f"{EXPECTED['w24']:.4g}")  # as the page shows it, 0.007354
    page.press(field, "Enter")
    assert (page.text_content("#quiz .quiz-result") or "").startswith("Right")


@needs_browser
@pytest.mark.parametrize("text", ["", "abc", "0,5", "1/2"])
def test_a_non_number_is_refused_and_counts_nothing(browser: Any, text: str) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html)
    _to_question(page, "dE/dw45")
    field = "#quiz input[aria-label='dE/dw45']"
    page.fill(field, text)
    page.click("#quiz button")
    assert page.get_attribute(field, "aria-invalid") == "true"
    assert page.text_content("#quiz .quiz-result") == (
        f"dE/dw45: expected a number such as 0.25, got \u201c{text}\u201d; nothing was counted."
    )
    assert page.text_content("#quiz-score") == "Score: 0 of 6 right"
    assert _grad_row(page, "w45") == "grad ?"
    page.fill(field, "0.027")  # and the question can still be answered
    page.press(field, "Enter")
    assert page.text_content("#quiz-score") == "Score: 1 of 6 right"


@needs_browser
def test_keys_in_the_answer_do_not_step_and_play_stops_at_a_question(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True, forward=False)
    page = _open(browser, html)
    page.select_option("#speed", "45")
    page.click("#play")
    page.wait_for_selector("#quiz input[aria-label='dE/dw45']")
    page.wait_for_timeout(300)  # Play would have gone on by now
    counter = page.text_content("#counter")
    assert counter == "backward 7 of 17"
    assert page.text_content("#play") == "\u25b6 Play"
    page.focus("#quiz input[aria-label='dE/dw45']")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == counter


@needs_browser
def test_stepping_past_marks_skipped_and_the_score_counts_right_of_asked(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html)
    _to_question(page, "dE/dw45")
    page.fill("#quiz input[aria-label='dE/dw45']", "0.027")
    page.press("#quiz input[aria-label='dE/dw45']", "Enter")
    _to_question(page, "dE/dw24")
    page.click("#next")  # past it, unanswered
    assert "You stepped past dE/dw24 without answering: skipped." in (
        page.text_content("#quiz") or ""
    )
    assert _grad_row(page, "w24") == "grad ?"
    page.keyboard.press("End")
    assert page.text_content("#quiz-score") == "Score: 1 of 6 right, 5 skipped"
    notes = page.eval_on_selector_all("#quiz .quiz-hint", "e => e.map(p => p.textContent)")
    assert notes == [  # the four passed at once, in one sentence
        "You stepped past dE/dw14, dE/dw35, dE/dw23, \u2026 without answering: skipped. "
        "Step back to answer it."
    ]
    assert _grad_row(page, "w24") == "grad ?"  # still hidden at the last step
    assert _grad_row(page, "w45") == f"grad {EXPECTED['w45']:.4g}"
    page.keyboard.press("Home")
    _to_question(page, "dE/dw24")  # a skipped question can still be answered
    page.fill("#quiz input[aria-label='dE/dw24']", "1")
    page.press("#quiz input[aria-label='dE/dw24']", "Enter")
    assert page.text_content("#quiz-score") == "Score: 1 of 6 right, 4 skipped"
    assert page.problems == []


@needs_browser
def test_chinese_quiz_words(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True, lang="zh")
    page = _open(browser, html)
    assert page.text_content("#quiz-score") == "得分：共 6 题，答对 0 题"
    _to_question(page, "dE/dw45")
    assert page.text_content("#quiz .quiz-ask") == (
        "轮到你了：dE/dw45 等于多少？填上你预测的数，再按“核对”（或回车键）。"
    )
    assert page.text_content("#quiz button") == "核对"
    page.fill("#quiz input[aria-label='dE/dw45']", "1")
    page.click("#quiz button")
    assert (page.text_content("#quiz .quiz-result") or "").startswith(
        "不对：你填的是 1，而 dE/dw45 = 0.027"
    )
    assert "其中 d(w45*y4)/dw45 = y4 = 0.6637" in (page.text_content("#lines") or "")


@needs_browser
def test_on_a_phone_nothing_overflows_and_the_question_is_in_view(browser: Any) -> None:
    html, _ = _seed_quiz(quiz=True)
    page = _open(browser, html, width=390, height=844)
    _to_question(page, "dE/dw13")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("#quiz input", "#quiz button", "#quiz .quiz-ask"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 390, selector
        assert 0 <= box["y"] <= box["y"] + box["height"] <= 844, selector
    page.fill("#quiz input", "0")
    page.press("#quiz input", "Enter")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#quiz .quiz-result").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844
    assert page.problems == []


def test_quiz_pages_are_the_same_in_every_run() -> None:
    program = (
        "import autograd\nfrom nn import seed\n"
        "print(autograd.step_through(seed.loss_graph(), quiz=True, lang='zh').html)"
    )
    pages = outputs_under_hash_seeds(program)
    assert len(pages) == 1
    assert pages == {step_through(seed.loss_graph(), quiz=True, lang="zh").html + "\n"}


@needs_browser
@pytest.mark.parametrize(
    ("tolerance", "off", "verdict"),
    [(1e-3, 1 + 5e-4, "Right"), (1e-3, 1 + 2e-3, "Not quite"), (0.05, 1.01, "Right")],
)
def test_the_tolerance_is_relative_to_the_gradient(
    browser: Any, tolerance: float, off: float, verdict: str
) -> None:
    html, _ = _seed_quiz(quiz=True, quiz_tolerance=tolerance)
    page = _open(browser, html)
    _to_question(page, "dE/dw24")
    field = "#quiz input[aria-label='dE/dw24']"
    page.fill(field, repr(EXPECTED["w24"] * off))  # not the rounded number: only the tolerance
    page.press(field, "Enter")
    assert (page.text_content("#quiz .quiz-result") or "").startswith(verdict)
