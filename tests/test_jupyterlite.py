"""The notebooks' in-browser copy (the site's lite/, a JupyterLite site built by
docs/lite_site.py) runs notebooks 01, 02 and 04 (the exercises) top to bottom in Chromium, with
chainrule preinstalled and every request outside the local server blocked.

It needs Chromium and playwright (tests/browsers.py) and the npm packages of tests/pyodide
(``npm ci --prefix tests/pyodide``, which .ci/run does); without them it skips, saying which.
Every wait is on a condition, with a ceiling meant for a loaded machine.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from browsers import chromium
from docsite import ROOT, build_site, only_local_requests, serving
from document import hand_derived_gradients

RUN_SECONDS = 300
"""A ceiling for starting the kernel and running a notebook (about 30 s on a desktop)."""

NOTEBOOK_01 = "01_the_document_step_by_step.ipynb"
ENGINE_TOUR = "02_engine_tour.ipynb"
EXERCISES = "04_exercises.ipynb"
GRAPH_CELL = "autograd.draw(loss, grads=False)"
PLAYER_CELL = "autograd.step_through("
SVG = "{http://www.w3.org/2000/svg}"
COUNTER = re.compile(r"^(?:forward|backward|update|step) (\d+) of (\d+)$")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = build_site(tmp_path_factory.mktemp("site"))
    if not (built / "lite" / "jupyter-lite.json").is_file():
        pytest.skip((built / "lite" / "index.html").read_text(encoding="utf-8"))
    return built


def test_every_notebook_is_in_the_lite_site_and_linked_from_the_docs(site: Path) -> None:
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 4
    assert sorted(path.name for path in (site / "lite" / "files").glob("*.ipynb")) == notebooks
    page = (site / "notebooks" / "index.html").read_text(encoding="utf-8")
    for name in notebooks:
        assert f'href="../lite/notebooks/index.html?path={name}"' in page, name


def _normal(name: str) -> str:
    """A package's name as PEP 503 compares names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_names_every_shipped_wheel_by_its_own_sha256(site: Path) -> None:
    folder = site / "lite" / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]
    shipped = {entry["file_name"]: entry for entry in lock.values()}
    wheels = sorted(folder.glob("*.whl"))
    assert {"chainrule", "graphviz", "ipython", "micropip", "comm"} <= set(lock)
    for wheel in wheels:
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == shipped[wheel.name]["sha256"]
    # What the kernel loads at start-up is all here, and chainrule is loaded with it.
    by_normal_name = {_normal(name): name for name in lock}
    needed: set[str] = set()
    pending = ["chainrule", "micropip", "ipython", "jedi", "comm"]
    while pending:
        name = by_normal_name[_normal(pending.pop())]
        if name not in needed:
            needed.add(name)
            pending.extend(lock[name]["depends"])
    assert {lock[name]["file_name"] for name in needed} <= {wheel.name for wheel in wheels}
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"
    ]
    assert kernel["disablePyPIFallback"] is True
    assert "chainrule" in kernel["loadPyodideOptions"]["packages"]


def test_the_sites_only_extension_is_the_pyodide_kernels(site: Path) -> None:
    # Not every JupyterLab extension of the environment that built it (here nbconvert's
    # jupyterlab_pygments and the notebook package's were copied in): the site would differ
    # with whatever else is installed.
    config = json.loads((site / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    names = [
        extension["name"] for extension in config["jupyter-config-data"]["federated_extensions"]
    ]
    assert names == ["@jupyterlite/pyodide-kernel-extension"]
    extensions = site / "lite" / "extensions"
    folders = [
        str(path.parent.relative_to(extensions)) for path in extensions.rglob("package.json")
    ]
    assert folders == ["@jupyterlite/pyodide-kernel-extension"]


def test_two_builds_of_the_lite_site_are_the_same_bytes(site: Path, tmp_path: Path) -> None:
    again = build_site(tmp_path / "again")

    def files(root: Path) -> dict[str, str]:
        return {
            str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((root / "lite").rglob("*"))
            if path.is_file()
        }

    first, second = files(site), files(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


class _Lite:
    """A notebook open in the lite site's Notebook app, in a context that lets out only
    requests to the local server (the others are recorded and blocked)."""

    def __init__(self, browser: Any, root: str, notebook: str) -> None:
        self.blocked: list[str] = []
        self.problems: list[str] = []
        self.stored_stdout = ""
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, service_workers="block"
        )
        only_local_requests(self.context, root, self.blocked)
        self.page = self.context.new_page()
        self.page.set_default_timeout(RUN_SECONDS * 1000)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.goto(f"{root}lite/notebooks/index.html?path={notebook}")
        self.page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()

    def run_all(self) -> float:
        """Clear every output, run every cell, wait until each has its execution count; return
        the seconds from the click to the last count."""
        self.page.get_by_role("menuitem", name="Edit", exact=True).click()
        self.page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
        assert self.page.locator(".jp-OutputArea-output").count() == 0
        # Loading, JupyterLite's registration of its service worker rejects (with undefined):
        # the context blocks service workers, whose requests a route would not see. The kernel
        # works without it (it only syncs files); what counts is what happens from here on.
        self.problems.clear()
        started = time.monotonic()
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                      .every(prompt => /\\[\\d+\\]/.test(prompt.textContent))""",
        )
        return time.monotonic() - started

    def output(self, cell_text: str) -> Any:
        return self.page.locator(".jp-CodeCell", has_text=cell_text).locator(
            ".jp-OutputArea-output"
        )

    def errors(self) -> list[str]:
        """The text of every error or stderr output in the notebook."""
        return self.page.locator(  # type: ignore[no-any-return]
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()

    def stdout(self) -> str:
        return "".join(
            self.page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"
            ).all_inner_texts()
        )


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    with serving(site) as root:
        yield root


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def notebook_01(browser: Any, served: str) -> Iterator[_Lite]:
    lite = _Lite(browser, served, NOTEBOOK_01)
    lite.stored_stdout = lite.stdout()  # the outputs as committed, before anything runs
    seconds = lite.run_all()
    print(f"JupyterLite: notebook 01 ran top to bottom in {seconds:.1f} s")
    try:
        yield lite
    finally:
        lite.page.screenshot(path=str(ROOT / "build" / "lite-notebook-01.png"))
        lite.context.close()


def test_notebook_01_runs_top_to_bottom_offline(notebook_01: _Lite) -> None:
    assert notebook_01.errors() == []
    assert notebook_01.problems == []
    assert notebook_01.blocked == []  # JupyterLite, Pyodide, the kernel and Viz: all local
    # The training cell printed the document's step counts (FACTS.md: 111 and 11).
    printed = notebook_01.stdout()
    assert "gradient descent (lr 1): 111 forward passes, 110 updates" in printed
    assert "RMSprop (lr 0.1): 11 forward passes, 10 updates" in printed


def _node_texts(svg: Any, label: str) -> list[str]:
    """The lines of text in the drawing's box whose first line is ``label``."""
    boxes: list[list[str]] = svg.locator("g.node").evaluate_all(
        "nodes => nodes.map(n => [...n.querySelectorAll('text')].map(t => t.textContent))"
    )
    (box,) = (box for box in boxes if box and box[0] == label)
    return box


def _boxes(output: Any) -> list[list[str]]:
    """The lines of text of each box of the drawing an output shows. JupyterLab shows an SVG
    output as an image of it, so the SVG is read back from the image."""
    source = output.locator("img").get_attribute("src")
    header, _, data = source.partition(",")
    assert header.startswith("data:image/svg+xml"), header
    svg = base64.b64decode(data) if header.endswith(";base64") else unquote(data).encode()
    return [
        [text.text or "" for text in node.iter(f"{SVG}text")]
        for node in ET.fromstring(svg).iter(f"{SVG}g")
        if "node" in (node.get("class") or "").split()
    ]


def test_the_committed_outputs_show_as_in_jupyterlab(notebook_01: _Lite) -> None:
    # Stored as lists of lines, JupyterLite would show them joined by commas (",w23  0.8").
    assert "\nw23  0.8   (layers.0.neurons.0.w.1)\n" in notebook_01.stored_stdout
    assert "\n," not in notebook_01.stored_stdout


def test_the_graph_is_drawn_in_the_browser(notebook_01: _Lite) -> None:
    graph = notebook_01.output(GRAPH_CELL)
    assert graph.get_attribute("data-mime-type") == "image/svg+xml"
    boxes = _boxes(graph)
    assert ["w13", "data 0.1"] in boxes, boxes  # FACTS.md's w13, drawn by the page's Graphviz


def _counter(frame: Any) -> tuple[int, int]:
    match = COUNTER.match(frame.get_by_text(COUNTER).inner_text())
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def test_the_player_plays_to_the_hand_derived_gradient(notebook_01: _Lite) -> None:
    frame = notebook_01.output(PLAYER_CELL).frame_locator("iframe")
    first, last = _counter(frame)
    assert first == 1
    assert last > 10
    frame.get_by_role("button", name=re.compile("Next")).click()
    assert _counter(frame) == (2, last)
    notebook_01.page.keyboard.press("End")
    w13 = hand_derived_gradients()["w13"]  # dE/dw13 by FACTS.md's chain rule, in plain floats
    assert f"grad {w13:.4g}" in _node_texts(frame.locator("svg").first, "w13")


@pytest.mark.parametrize("notebook", [ENGINE_TOUR, EXERCISES])
def test_the_engine_tour_and_the_exercises_run_top_to_bottom(
    browser: Any, served: str, notebook: str
) -> None:
    lite = _Lite(browser, served, notebook)
    try:
        lite.run_all()
        # Every cell is in the page (the site turns JupyterLab's windowing off), so that what
        # the page holds is the whole notebook, errors included.
        cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
        code_cells = sum(cell["cell_type"] == "code" for cell in cells)
        assert lite.page.locator(".jp-CodeCell").count() == code_cells
        assert lite.errors() == []
        if notebook == EXERCISES:  # as in CPython (test_exercises)
            assert lite.stdout().count(": not answered yet") == 6
        assert lite.blocked == []
        assert lite.problems == []
    finally:
        lite.page.screenshot(path=str(ROOT / "build" / f"lite-{Path(notebook).stem}.png"))
        lite.context.close()


def test_a_drawing_in_the_cell_that_imports_chainrule_waits_for_graphviz(
    browser: Any, served: str
) -> None:
    # The console runs this as its first cell: Graphviz is still starting when draw() asks for
    # it, and Chromium's JavaScript promise integration lets the cell wait for it.
    code = (
        "from autograd import Value, draw\n"
        "x = Value(3.0, label='x')\n"
        "y = x * x\n"
        "y.backward()\n"
        "draw(y)"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    blocked: list[str] = []
    only_local_requests(context, served, blocked)
    try:
        page = context.new_page()
        page.set_default_timeout(RUN_SECONDS * 1000)
        page.goto(f"{served}lite/repl/index.html?kernel=python&code={quote(code)}")
        output = page.locator(".jp-CodeConsole .jp-OutputArea-output").first
        output.wait_for()
        assert output.get_attribute("data-mime-type") == "image/svg+xml", output.inner_text()
        assert ["x", "data 3", "grad 6"] in _boxes(output)  # dy/dx = 2x at x = 3
        assert blocked == []
    finally:
        context.close()


def test_without_a_wait_graphviz_is_ready_for_the_cell_after_the_import(
    browser: Any, served: str
) -> None:
    # As in a browser without JavaScript promise integration (no cell can wait for a promise):
    # Graphviz must be ready at the first task after the importing cell, before any next cell.
    # Compiled on another thread, it was not: the second cell's drawing failed 5 times in 12.
    first = (
        "import pyodide.ffi\n"
        "pyodide.ffi.can_run_sync = lambda: False\n"
        "from pyodide.code import run_js\n"
        "from autograd import Value, draw\n"
        "run_js('setTimeout(() => { globalThis.readyAtNextTask ='\n"
        "       ' typeof globalThis.chainruleRenderDot === \"function\"; }, 0)')\n"
        "x = Value(3.0, label='x')"
    )
    second = (
        "import js\n"
        "print('defined at the next task:', js.readyAtNextTask)\n"
        "y = x * x\n"
        "y.backward()\n"
        "draw(y)"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    blocked: list[str] = []
    only_local_requests(context, served, blocked)
    try:
        page = context.new_page()
        page.set_default_timeout(RUN_SECONDS * 1000)
        cells = "&".join(f"code={quote(code)}" for code in (first, second))
        page.goto(f"{served}lite/repl/index.html?kernel=python&{cells}")
        drawing = page.locator(".jp-CodeConsole .jp-OutputArea-output[data-mime-type^='image/']")
        errors = page.locator(
            ".jp-CodeConsole .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        )
        drawing.or_(errors).first.wait_for()
        assert errors.all_inner_texts() == []
        printed = page.locator(
            ".jp-CodeConsole .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"
        ).all_inner_texts()
        assert printed == ["defined at the next task: True\n"], printed
        assert ["x", "data 3", "grad 6"] in _boxes(drawing.first)  # dy/dx = 2x at x = 3
        assert blocked == []
    finally:
        context.close()


@pytest.fixture
def lite_site() -> Any:
    """docs/lite_site.py as a module."""
    spec = importlib.util.spec_from_file_location("lite_site", ROOT / "docs" / "lite_site.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_contents_listing_names_the_notebooks_in_name_order(site: Path) -> None:
    # JupyterLite lists them in the file system's order, which differs between machines.
    listing = json.loads((site / "lite" / "api" / "contents" / "all.json").read_text("utf-8"))
    names = [entry["name"] for entry in listing["content"]]
    assert names == sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))


def test_listings_are_sorted_by_name_whatever_order_they_came_in(
    lite_site: Any, tmp_path: Path
) -> None:
    entries = [{"name": name, "size": len(name)} for name in ("b.ipynb", "c.ipynb", "a.ipynb")]
    listings = []
    for order in (entries, entries[::-1]):
        api = tmp_path / str(len(listings))
        api.mkdir()
        (api / "all.json").write_text(json.dumps({"content": order, "name": ""}), "utf-8")
        lite_site.sort_listings(api)
        listings.append((api / "all.json").read_bytes())
    assert listings[0] == listings[1]
    assert [entry["name"] for entry in json.loads(listings[0])["content"]] == [
        "a.ipynb",
        "b.ipynb",
        "c.ipynb",
    ]


def test_a_cached_wheel_cut_short_is_downloaded_again(
    lite_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "comm-0.2.3-py3-none-any.whl"
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w") as archive:
        archive.writestr("comm/__init__.py", "# " + "the module's text " * 200)
    (tmp_path / name).write_bytes(whole.getvalue()[:300])  # an interrupted download
    downloads: list[list[str]] = []

    def pip(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
        downloads.append(command[command.index("--dest") + 2 :])
        (tmp_path / name).write_bytes(whole.getvalue())
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(lite_site.subprocess, "run", pip)
    wheels = lite_site.download_wheels({"comm": "0.2.3"}, tmp_path)
    assert downloads == [["comm==0.2.3"]]
    assert wheels["comm"].read_bytes() == whole.getvalue()


def test_a_lock_without_a_package_the_kernel_needs_names_that_package(lite_site: Any) -> None:
    lock = {"packages": {"micropip": {"depends": []}, "ipython": {"depends": []}}}
    with pytest.raises(lite_site.LiteBuildError, match="names no package 'jedi'"):
        lite_site.kernel_packages(lock)


def test_source_date_epoch_from_the_environment_is_kept(
    lite_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "315532800")  # 1980-01-01, as Nix sets it
    assert lite_site._source_date_epoch() == "315532800"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(lite_site.LiteBuildError, match="not 'yesterday'"):
        lite_site._source_date_epoch()


def test_a_copy_that_fails_midway_leaves_the_old_site_whole_and_no_partial_copy(
    lite_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, staged = tmp_path / "site" / "lite", tmp_path / "staged"
    output.mkdir(parents=True)
    (output / "index.html").write_text("the old site", encoding="utf-8")
    staged.mkdir()
    (staged / "index.html").write_text("the new site", encoding="utf-8")
    copy = lite_site.shutil.copytree

    def disk_full(source: Path, target: Path) -> None:
        copy(source, target)  # some files written, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lite_site.shutil, "copytree", disk_full)
    with pytest.raises(OSError, match="No space left"):
        lite_site.replace_folder(output, staged)
    assert sorted(path.name for path in output.parent.iterdir()) == ["lite"]
    assert (output / "index.html").read_text(encoding="utf-8") == "the old site"
    monkeypatch.setattr(lite_site.shutil, "copytree", copy)
    lite_site.replace_folder(output, staged)
    assert sorted(path.name for path in output.parent.iterdir()) == ["lite"]
    assert (output / "index.html").read_text(encoding="utf-8") == "the new site"


def test_a_lite_site_that_cannot_be_built_leaves_a_page_that_says_why(
    lite_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(*args: object) -> None:
        raise lite_site.LiteBuildError("could not download the wheels <ipython==9.12.0>")

    monkeypatch.setattr(lite_site, "build", offline)
    monkeypatch.setitem(sys.modules, "lite_site", lite_site)  # what the hook imports
    hooks_spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert hooks_spec is not None
    assert hooks_spec.loader is not None
    hooks = importlib.util.module_from_spec(hooks_spec)
    hooks_spec.loader.exec_module(hooks)
    hooks._lite(tmp_path, tmp_path)
    page = (tmp_path / "lite" / "index.html").read_text(encoding="utf-8")
    assert "built without its in-browser notebooks: could not download the wheels" in page
    assert "&lt;ipython==9.12.0&gt;" in page  # the message as text, not markup
