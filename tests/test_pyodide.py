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
import io
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


VIZ_URL = "../../../../static/pyodide/viz-global.js"
VIZ_SCRIPT = "globalThis.Viz = {instance: async () => viz};"
"""What the stand-in server answers for ``VIZ_URL`` with HTTP 200."""


class _Request:
    """A stand-in ``XMLHttpRequest``: the answer for a URL comes from its server's table."""

    def __init__(self, server: dict[str, tuple[int, str]]) -> None:
        self.server = server
        self.status = 0
        self.responseText = self.response = self.responseURL = ""

    def open(self, method: str, url: str, asynchronous: bool) -> None:
        assert (method, asynchronous) == ("GET", False)
        self.url = url

    def send(self) -> None:
        self.status, self.responseText = self.server.get(self.url, (404, "<html>Not Found</html>"))
        self.response = self.responseText
        self.responseURL = f"http://127.0.0.1:8000/lite/static/pyodide/{self.url.split('/')[-1]}"


class _Promise:
    """A stand-in for the promise of Graphviz's start: resolving it defines the renderer."""

    def __init__(self, js: types.ModuleType) -> None:
        self.js = js
        self.handlers: list[object] = []

    def catch(self, handler: object) -> None:
        self.handlers.append(handler)

    def resolve(self) -> None:
        self.js.chainruleRenderDot = _Host()


@pytest.fixture
def worker(pyodide: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """A JupyterLite kernel's worker as chainrule sees it: ``CHAINRULE_VIZ_URL`` set, a
    synchronous ``XMLHttpRequest`` answering from ``server``, and Pyodide's ``run_js``,
    ``open_url`` (which, like Pyodide's, returns the body whatever the status), ``run_sync``
    and ``can_run_sync`` (true: the browser lets Python wait for a promise)."""
    from autograd import render

    world = types.SimpleNamespace(server={VIZ_URL: (200, VIZ_SCRIPT)}, scripts=[], promise=None)

    class XMLHttpRequest:
        @staticmethod
        def new() -> _Request:
            return _Request(world.server)

    def run_js(code: str) -> object:
        world.scripts.append(code)
        if code.lstrip().startswith("<"):
            raise RuntimeError("SyntaxError: Unexpected token '<'")
        if "Viz.instance()" in code:
            world.promise = _Promise(pyodide)
            return world.promise
        return None

    def open_url(url: str) -> io.StringIO:
        request = XMLHttpRequest.new()
        request.open("GET", url, False)
        request.send()
        return io.StringIO(request.response)

    def run_sync(promise: _Promise) -> None:
        promise.resolve()

    pyodide.XMLHttpRequest = XMLHttpRequest
    package = types.ModuleType("pyodide")
    modules = {
        "code": {"run_js": run_js},
        "http": {"open_url": open_url},
        "ffi": {"run_sync": run_sync, "can_run_sync": lambda: True},
    }
    monkeypatch.setitem(sys.modules, "pyodide", package)
    for name, functions in modules.items():
        module = types.ModuleType(f"pyodide.{name}")
        module.__dict__.update(functions)
        monkeypatch.setattr(package, name, module, raising=False)
        monkeypatch.setitem(sys.modules, f"pyodide.{name}", module)
    monkeypatch.setenv("CHAINRULE_VIZ_URL", VIZ_URL)
    monkeypatch.setattr(render, "_starting", None)
    monkeypatch.setattr(render, "_failed", [])
    return world


def test_in_a_worker_chainrule_loads_viz_and_draws_with_it(worker: types.SimpleNamespace) -> None:
    assert draw(Value(2.0, label="x")).svg() == "<svg>drawn</svg>"
    assert worker.scripts[0] == VIZ_SCRIPT  # the script the server gave, run as it came
    assert "Viz.instance()" in worker.scripts[1]


def test_in_a_worker_an_error_page_for_the_viz_url_is_named_and_never_run(
    worker: types.SimpleNamespace,
) -> None:
    del worker.server[VIZ_URL]  # the site has no viz-global.js there: the server answers 404
    with pytest.raises(RenderError) as error:
        draw(Value(2.0, label="x")).svg()
    message = str(error.value)
    assert f"CHAINRULE_VIZ_URL={VIZ_URL!r}" in message
    assert "expected HTTP 200" in message
    assert "got HTTP 404 from http://127.0.0.1:8000/lite/static/pyodide/viz-global.js" in message
    assert worker.scripts == []  # the 404 page was not run as JavaScript
    with pytest.raises(RenderError, match="got HTTP 404"):  # and the next drawing says the same
        draw(Value(2.0, label="x")).svg()


def test_outside_pyodide_a_viz_url_changes_nothing(tmp_path: Path) -> None:
    # Importing chainrule with CHAINRULE_VIZ_URL set in CPython touches no JavaScript bridge,
    # starts nothing, and drawings are rendered by the dot program as before.
    code = (
        "import sys, autograd\n"
        "from autograd import render\n"
        "print(render._starting, 'js' in sys.modules, 'pyodide' in sys.modules)\n"
        "print(autograd.draw(autograd.Value(2.0, label='x')).svg()[:5])\n"
    )
    environment = {**os.environ, "CHAINRULE_VIZ_URL": "http://127.0.0.1:9/viz-global.js"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["None False False", "<?xml"]


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
