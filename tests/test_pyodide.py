"""chainrule in Pyodide: the render module's JavaScript branch, here with a stand-in ``js``
module, and the checks of tests/pyodide/checks.py run in a real Pyodide under Node.js, offline,
with drawings rendered by @viz-js/viz (tests/pyodide/run.mjs).

The real run needs ``node`` and the harness's npm packages (``npm ci --prefix tests/pyodide``,
which .ci/run does); without them it skips. Its wheels are built here without a download:
chainrule's from this checkout, graphviz's and pytest's rebuilt from the distributions installed
in this environment (see wheelhouse.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
from wheelhouse import build_chainrule_wheel, rebuild_wheel, requirements_closure

import nn.seed
from autograd import RenderError, Value, draw

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "pyodide"
NEEDED_IN_PYODIDE = ["graphviz", "pytest"]
"""What chainrule needs there (graphviz-pure has no Pyodide wheel) and what runs the checks."""
HARNESS_SECONDS = 300


class _Host:
    """A stand-in for the page's ``globalThis.chainruleRenderDot``: records its calls."""

    def __init__(self, answer: object = "<svg>drawn</svg>") -> None:
        self.calls: list[tuple[str, str]] = []
        self.answer = answer

    def __call__(self, dot: str, output_format: str) -> object:
        self.calls.append((dot, output_format))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def pyodide(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """``sys.platform`` as Pyodide's, and an empty ``js`` module to put a host function in."""
    module = types.ModuleType("js")
    monkeypatch.setitem(sys.modules, "js", module)
    monkeypatch.setattr(sys, "platform", "emscripten")
    return module


def test_in_pyodide_the_hosts_function_renders_the_dot(pyodide: types.ModuleType) -> None:
    pyodide.chainruleRenderDot = host = _Host()
    graph = draw(Value(2.0, label="x") * 3.0)
    assert graph.svg() == "<svg>drawn</svg>"
    assert host.calls == [(graph.dot, "svg")]


def test_in_pyodide_a_drawing_is_offered_as_svg_alone(pyodide: types.ModuleType) -> None:
    pyodide.chainruleRenderDot = _Host()
    data, metadata = draw(Value(2.0, label="x") * 3.0)._repr_mimebundle_()
    assert data == {"image/svg+xml": "<svg>drawn</svg>", "text/plain": "<Graph of 3 values>"}
    assert metadata == {}


def test_in_pyodide_png_is_refused_without_calling_the_host(pyodide: types.ModuleType) -> None:
    pyodide.chainruleRenderDot = host = _Host()
    with pytest.raises(RenderError, match="Pyodide renders drawings as svg only, not png"):
        draw(Value(2.0, label="x")).png()
    assert host.calls == []


def test_in_pyodide_without_the_hosts_function_the_error_says_what_to_define(
    pyodide: types.ModuleType,
) -> None:
    with pytest.raises(RenderError) as error:
        draw(Value(2.0, label="x")).svg()
    message = str(error.value)
    assert "define globalThis.chainruleRenderDot before running Python" in message
    assert "viz.renderString(dot, {format})" in message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (RuntimeError("Error: syntax error in line 1"), "chainruleRenderDot failed: .*line 1"),
        (None, "must return the svg text as a string, it returned NoneType"),
    ],
)
def test_in_pyodide_a_failing_host_gives_a_render_error(
    pyodide: types.ModuleType, answer: object, expected: str
) -> None:
    pyodide.chainruleRenderDot = _Host(answer)
    with pytest.raises(RenderError, match=expected):
        draw(Value(2.0, label="x")).svg()


def _harness_missing() -> str | None:
    if shutil.which("node") is None:
        return "no `node` on PATH (Node.js runs the Pyodide checks)"
    for package in ("pyodide", "@viz-js/viz"):
        if not (HARNESS / "node_modules" / package / "package.json").is_file():
            return f"{package} is not installed: run `npm ci --prefix tests/pyodide`"
    return None


@pytest.mark.skipif(_harness_missing() is not None, reason=str(_harness_missing()))
def test_the_checks_pass_in_pyodide(tmp_path: Path) -> None:
    build_chainrule_wheel(tmp_path)
    for name in requirements_closure(NEEDED_IN_PYODIDE):
        rebuild_wheel(name, tmp_path)
    wheels = sorted(tmp_path.glob("*.whl"))
    assert any(w.name.startswith("chainrule-") for w in wheels), wheels
    loss = nn.seed.loss_graph()
    loss.backward()
    seed_dot = draw(loss).dot.encode()  # checks.py draws it so: Pyodide must give the same DOT
    environment = {**os.environ, "SEED_DOT_SHA256": hashlib.sha256(seed_dot).hexdigest()}
    started = time.monotonic()
    result = subprocess.run(
        ["node", HARNESS / "run.mjs", *wheels],
        env=environment,
        capture_output=True,
        text=True,
        timeout=HARNESS_SECONDS,
        check=False,
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"^(\d+) passed in [\d.]+s$", output, re.MULTILINE)
    assert summary is not None, output  # all passed: none failed, skipped or errored
    assert int(summary.group(1)) == 9, output
    print(f"Pyodide checks: {summary.group(0)}, harness {seconds:.1f} s")
