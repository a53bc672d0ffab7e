"""The exercises of notebooks/04_exercises.ipynb check themselves: right answers pass, wrong ones
fail with the chain rule as the hint, and answers left at None only say so.

The right answers come from outside the engine: the document's hand-derived formulas (FACTS),
evaluated in plain floats, the derivative rules of calculus, and central finite differences.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path
from typing import Any

import nbformat
import pytest
from document import hand_derived_gradients

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_exercises.ipynb"


def _code_cells() -> list[str]:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _checks() -> dict[str, Any]:
    """The notebook's first code cell, the check functions, run in a namespace of its own."""
    namespace: dict[str, Any] = {}
    exec(_code_cells()[0], namespace)  # the project's own notebook
    return namespace


def _central_difference(f: Any, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


RIGHT = {
    "check_w35": hand_derived_gradients()["w35"],
    "check_w13": hand_derived_gradients()["w13"],
    "check_used_twice": 2 * 3.0 + 1,  # d(s^2 + s)/ds = 2s + 1 at s = 3
    "check_relu_at_zero": 0.0,  # PyTorch's convention: relu'(0) = 0
    "check_division": -3.0 / 4.0**2,  # d(a/b)/db = -a / b^2
}
RIGHT_RULE = ("sin(y)", "x * cos(y)")


def test_the_right_answers_are_what_finite_differences_say() -> None:
    """The hand-derived numbers above, cross-checked without the engine."""
    assert math.isclose(RIGHT["check_w35"], 0.02767, rel_tol=1e-3)  # explain's 4 digits, by hand
    assert math.isclose(RIGHT["check_w13"], 0.0009291, rel_tol=1e-3)  # the tutorial's digits
    used_twice = _central_difference(lambda s: s * s + s, 3.0)
    assert math.isclose(used_twice, RIGHT["check_used_twice"], rel_tol=1e-8)
    division = _central_difference(lambda b: 3.0 / b, 4.0)
    assert math.isclose(division, RIGHT["check_division"], rel_tol=1e-8)


@pytest.mark.parametrize("check", sorted(RIGHT))
def test_a_right_answer_passes(check: str, capsys: pytest.CaptureFixture[str]) -> None:
    checks = _checks()
    assert checks[check](RIGHT[check]) is True
    assert checks[check](float(f"{RIGHT[check]:.4g}")) is True  # 4 significant digits do
    assert capsys.readouterr().out.endswith(": right\n")


@pytest.mark.parametrize("check", sorted(RIGHT))
def test_no_answer_yet_only_says_so(check: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _checks()[check](None) is None
    assert capsys.readouterr().out.endswith(": not answered yet\n")


HINTS = {
    "check_w35": [
        "dE/dw35: 0.03 is not right",
        "path 1 of 1: w35 -> w35*y3 -> z5 -> y5 -> y5-ya -> (y5-ya)^2 -> E",
        "= 0.5 * 0.3806 * 1 * 0.2138 * 1 * 0.6803",
    ],
    "check_w13": ["dE/dw13: 0.03 is not right", "w13 -> w13*y1 -> z3 -> y3 -> w35*y3 -> z5"],
    "check_used_twice": ["dy/ds: 0.03 is not right", "summed over the 3 paths from s to y"],
    "check_relu_at_zero": ["dy/dx: 0.03 is not right", "path 1 of 1: x -> y"],
    "check_division": ["dy/db: 0.03 is not right", "path 1 of 1: b -> y"],
}


@pytest.mark.parametrize("check", sorted(RIGHT))
def test_a_wrong_answer_fails_with_the_chain_rule_as_hint(check: str) -> None:
    with pytest.raises(AssertionError) as info:
        _checks()[check](0.03)
    message = str(info.value)
    for hint in HINTS[check]:
        assert hint in message


def test_an_answer_off_by_a_little_more_than_the_tolerance_fails() -> None:
    checks = _checks()
    assert checks["check_w35"](RIGHT["check_w35"] * 1.0009) is True
    with pytest.raises(AssertionError):
        checks["check_w35"](RIGHT["check_w35"] * 1.0011)


def test_an_answer_that_is_not_a_number_is_refused() -> None:
    checks = _checks()
    with pytest.raises(TypeError, match=r"dE/dw35: the answer must be a number, got str: '0\.03'"):
        checks["check_w35"]("0.03")
    with pytest.raises(TypeError, match="got bool"):
        checks["check_division"](True)


def _rule(grads: tuple[str, str], forward: str = "x * sin(y)") -> Any:
    checks = _checks()
    return checks["check_rule"], checks["Rule"]("x_sin_y", forward, grads=grads)


def test_the_right_rule_passes(capsys: pytest.CaptureFixture[str]) -> None:
    check, rule = _rule(RIGHT_RULE)
    assert check(rule) is True
    assert capsys.readouterr().out == "x_sin_y: right, at every point\n"
    assert _checks()["check_rule"](None) is None


@pytest.mark.parametrize(
    ("grads", "named"),
    [
        (("sin(y)", "x * sin(y)"), "with respect to y is wrong"),
        (("cos(y)", "x * cos(y)"), "with respect to x is wrong"),
        (("x * cos(y)", "sin(y)"), "with respect to x and y is wrong"),
    ],
)
def test_a_wrong_rule_fails_naming_the_wrong_input(grads: tuple[str, str], named: str) -> None:
    check, rule = _rule(grads)
    with pytest.raises(AssertionError, match=named) as info:
        check(rule)
    assert "MISMATCH" in str(info.value)  # gradcheck's table follows


def test_a_rule_with_the_wrong_value_or_not_a_rule_fails() -> None:
    check, rule = _rule(("sin(y)", "x * cos(y)"), forward="x * cos(y)")
    with pytest.raises(AssertionError, match="but x \\* sin\\(y\\) is"):
        check(rule)
    with pytest.raises(TypeError, match="expected a Rule of two inputs, got 'x \\* sin\\(y\\)'"):
        check("x * sin(y)")


def _run(replacements: dict[str, str]) -> str:
    """Every code cell of the notebook, in order, with answers put in; what it printed."""
    printed = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(printed):
        for source in _code_cells():
            for old, new in replacements.items():
                source = source.replace(old, new)
            exec(source, namespace)  # the project's own notebook
    return printed.getvalue()


def test_the_notebook_filled_in_with_the_right_answers_is_all_right() -> None:
    names = {
        "answer_w35": "check_w35",
        "answer_w13": "check_w13",
        "answer_used_twice": "check_used_twice",
        "answer_relu_at_zero": "check_relu_at_zero",
        "answer_division": "check_division",
    }
    replacements = {f"{name} = None": f"{name} = {RIGHT[check]!r}" for name, check in names.items()}
    replacements["x_sin_y = None"] = f"x_sin_y = Rule('x_sin_y', 'x * sin(y)', grads={RIGHT_RULE})"
    printed = _run(replacements)
    assert "not answered" not in printed
    assert printed.count(": right") == 6
    assert all(source.replace(" = None", "") != source for source in _code_cells()[1:6])


def test_the_notebook_as_committed_runs_and_asks_for_every_answer() -> None:
    assert _run({}).count(": not answered yet\n") == 6


def test_a_wrong_answer_in_the_notebook_stops_it_with_the_hint() -> None:
    with pytest.raises(AssertionError, match=r"dy/ds: 6\.0 is not right"):
        _run({"answer_used_twice = None": "answer_used_twice = 6.0"})


def test_a_grader_can_assert_on_a_check() -> None:
    """``assert check(answer)`` holds for a right answer only: not for None, not for a wrong one."""
    checks = _checks()
    assert checks["check_division"](-0.1875)
    assert not checks["check_division"](None)
    with pytest.raises(AssertionError):
        assert checks["check_division"](0.1875)  # the sign matters
