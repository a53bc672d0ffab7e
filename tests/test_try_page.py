"""The site's try-it page runs chainrule in Pyodide from the files the site ships, with every
request outside the local server blocked: it draws the learner's graph after backward, plays
its backward pass, and shows Python's traceback when the code fails.

It needs Chromium and playwright (tests/browsers.py) and the npm packages of tests/pyodide,
which the docs build copies into the site (``npm ci --prefix tests/pyodide``, which .ci/run
does); without them it skips, saying which is missing.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from browsers import chromium
from docsite import ROOT, build_site, only_local_requests, serving
from document import hand_derived_gradients

READY_SECONDS = 120
"""How long Pyodide may take to start (about 3 s on a desktop)."""

DIAMOND = """from autograd import Value

s = Value(0.3894, label="s")
y = s * s + s
y.label = "y"
y
"""


DE_DW13 = hand_derived_gradients()["w13"]
"""dE/dw13 by FACTS.md's chain rule, in plain floats."""


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_the_npm_packages_the_page_says_it_was_built_without_pyodide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = _hooks()
    monkeypatch.setattr(hooks, "NODE_MODULES", tmp_path / "no-node-modules")
    hooks.on_post_build({"site_dir": str(tmp_path / "site")})
    manifest = json.loads((tmp_path / "site" / "try" / "manifest.json").read_text())
    assert manifest["pyodide"] is False
    assert manifest["why"].startswith("This site was built without Pyodide (pyodide and @viz-js")
    assert "npm ci --prefix tests/pyodide" in manifest["why"]
    assert not (tmp_path / "site" / "try" / "pyodide").exists()
    lite = (tmp_path / "site" / "lite" / "index.html").read_text(encoding="utf-8")
    assert "built without Pyodide (run <code>npm ci --prefix tests/pyodide</code>" in lite


def _run_code() -> ModuleType:
    """docs/try/run_code.py, what the page runs in Pyodide, here imported in CPython."""
    spec = importlib.util.spec_from_file_location("run_code", ROOT / "docs" / "try" / "run_code.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_last_lines_value_is_the_root_and_gets_its_gradients() -> None:
    result = _run_code().run(DIAMOND)
    assert set(result) == {"svg", "player"}
    assert f">grad {2 * 0.3894 + 1:.4g}<" in result["svg"]  # d(s*s + s)/ds = 2s + 1
    assert '<script type="application/json" id="frames">' in result["player"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1\n", "RootError: the last line must be an expression giving the Value to run"
         " backward from (for example `E`), but it is a statement (Assign)"),
        ("", "RootError: the last line must be an expression giving the Value to run backward"
         " from (for example `E`), but it is empty"),
        ("1 + 2\n", "RootError: the last line must give a Value to run backward from, it gave 3,"
         " of type int"),
        ("x = (\n", "  File \"<your code>\", line 1\n    x = (\n        ^\n"
         "SyntaxError: '(' was never closed\n"),
        ("from autograd import Value\nx = Value(2.0)\nx.log() + y\n",
         "Traceback (most recent call last):\n"
         '  File "<your code>", line 3, in <module>\n    x.log() + y\n'),
    ],
)  # fmt: skip
def test_code_without_a_value_to_run_from_gets_a_clear_error(code: str, expected: str) -> None:
    assert _run_code().run(code)["error"].startswith(expected)


@contextmanager
def _serving(folder: Path) -> Iterator[str]:
    """``folder`` served on a free port of 127.0.0.1; yields the try page's URL."""
    with serving(folder) as root:
        yield f"{root}try/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site, served; yields the try page's URL (skips if it was built without
    Pyodide, saying why)."""
    manifest = json.loads((site / "try" / "manifest.json").read_text(encoding="utf-8"))
    if not manifest["pyodide"]:
        pytest.skip(manifest["why"])
    with _serving(site) as url:
        yield url


class _TryPage:
    """The try page, loaded until Python is ready, in a context that lets out only requests to
    the local server (and records the others, blocked)."""

    def __init__(self, browser: Any, url: str) -> None:
        self.blocked: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block"
        )
        only_local_requests(self.context, url, self.blocked)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        started = time.monotonic()
        self.page.goto(url)
        self.page.wait_for_selector("#try-run:not([disabled])", timeout=READY_SECONDS * 1000)
        self.seconds = time.monotonic() - started

    def run(self, code: str | None = None) -> float:
        """Replace the code (unless None), press Run and wait for the page to show the result;
        return the seconds that took."""
        if code is not None:
            self.page.fill("#try-code", code)
        self.page.evaluate("document.getElementById('try-graph').textContent = ''")
        started = time.monotonic()
        self.page.click("#try-run")
        self.page.wait_for_function(
            "() => !document.getElementById('try-error').hidden"
            " || document.querySelector('#try-graph svg') !== null"
        )
        return time.monotonic() - started

    def node_texts(self, label: str) -> list[str]:
        """The lines of text in the inline drawing's box whose first line is ``label``."""
        texts: list[list[str]] = self.page.eval_on_selector_all(
            "#try-graph svg g.node",
            "nodes => nodes.map(n => [...n.querySelectorAll('text')].map(t => t.textContent))",
        )
        boxes = [box for box in texts if box and box[0] == label]
        assert len(boxes) == 1, (label, texts)
        return boxes[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def try_page(browser: Any, served: str) -> Iterator[_TryPage]:
    page = _TryPage(browser, served)
    try:
        yield page
    finally:
        page.context.close()
    assert page.blocked == []  # the page, Pyodide and Viz asked no other host for anything


def test_the_page_starts_python_from_the_site_alone(try_page: _TryPage) -> None:
    status = try_page.page.text_content("#try-status") or ""
    assert status.startswith("Python is ready (started in "), status
    print(f"try page: Python ready {try_page.seconds:.1f} s after the page was opened")
    assert try_page.blocked == []
    assert try_page.problems == []


def test_run_draws_the_documents_network_with_its_gradients(try_page: _TryPage) -> None:
    seconds = try_page.run()  # the example the page starts with: the document's network
    print(f"try page: the document's network run, drawn and its player made in {seconds:.1f} s")
    assert try_page.page.is_hidden("#try-error")
    for label in ("y1", "y2", "w13", "w23", "w14", "w24", "w35", "w45", "y3", "y4", "y5", "E"):
        try_page.node_texts(label)
    assert f"grad {DE_DW13:.4g}" == "grad 0.0009291"  # the brief's number, by hand
    assert f"grad {DE_DW13:.4g}" in try_page.node_texts("w13")
    assert "grad 1" in try_page.node_texts("E")


def test_the_same_network_built_by_nn_gets_the_same_gradient(try_page: _TryPage) -> None:
    try_page.run("from nn.seed import loss_graph\nE = loss_graph()\nE\n")
    assert try_page.page.is_hidden("#try-error")
    assert f"grad {DE_DW13:.4g}" in try_page.node_texts("w13")


def test_edited_code_draws_its_own_graph_and_the_player_steps(try_page: _TryPage) -> None:
    try_page.run(DIAMOND)
    expected = 2 * 0.3894 + 1  # d(s*s + s)/ds = 2s + 1
    assert f"grad {expected:.4g}" == "grad 1.779"
    assert f"grad {expected:.4g}" in try_page.node_texts("s")
    assert "w13" not in (try_page.page.text_content("#try-graph") or "")
    player = try_page.page.frame_locator("#try-player")
    counter = player.locator("#counter")
    counter.wait_for()
    before = counter.text_content()
    assert before == "forward 1 of 3", before
    player.locator("#next").click()
    assert counter.text_content() == "forward 2 of 3"


def test_a_python_exception_shows_its_traceback(try_page: _TryPage) -> None:
    try_page.run("from autograd import Value\nx = Value(1.0, label='x')\nx * undefined_name\n")
    error = try_page.page.text_content("#try-error") or ""
    assert error.startswith("Traceback (most recent call last):\n"), error
    assert 'File "<your code>", line 3, in <module>' in error
    assert error.rstrip().endswith("NameError: name 'undefined_name' is not defined")
    assert try_page.page.is_hidden("#try-player")  # no player of earlier code is left showing
    try_page.run("from autograd import Value\nx = Value(1.0)\n")
    error = try_page.page.text_content("#try-error") or ""
    assert error.startswith("RootError: the last line must be an expression giving the Value")


def test_a_site_built_without_pyodide_says_so_on_the_page(
    browser: Any, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = ("pyodide", "wheels", "viz.js", "manifest.json")
    shutil.copytree(site, tmp_path / "site", ignore=lambda folder, names: [
        n for n in names if Path(folder).name == "try" and n in shipped
    ])  # fmt: skip
    hooks = _hooks()
    monkeypatch.setattr(hooks, "NODE_MODULES", tmp_path / "no-node-modules")
    hooks.on_post_build({"site_dir": str(tmp_path / "site")})
    with _serving(tmp_path / "site") as url:
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(url)
        page.wait_for_selector("#try-status:has-text('built without Pyodide')")
        status = page.text_content("#try-status") or ""
        assert "run `npm ci --prefix tests/pyodide` and build the site again" in status
        assert page.is_disabled("#try-run")
        assert problems == []
