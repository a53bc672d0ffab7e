"""Notebook 01 in a real JupyterLab and in Jupyter Notebook 7, driven by Playwright in Chromium,
as a learner opens it.

A freshly opened notebook is untrusted: JupyterLab (and Notebook 7, which is built from
JupyterLab's parts and has the same sanitizer) shows no SVG and passes HTML through its
sanitizer, which drops iframes and scripts. There the drawing must show as its PNG and the
player as the picture under it, not as a repr or an empty box. Once every cell has run, the
outputs are trusted: the drawing is the SVG and the player plays in its iframe, stepped with its
buttons and the arrow keys.

The server runs on a free port of 127.0.0.1 with a token, in a temporary folder that holds its
own configuration, settings and trust database, with news and update checks off; the test fails
if the page asks any other host for anything. Skips, saying which, where Chromium, the
playwright package, JupyterLab or Notebook 7 is absent; CI installs them all (Debian's chromium,
no browser download). Every wait is on a condition, with a ceiling meant for a loaded machine;
none is a sleep."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browsers import CHROMIUM, chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks" / "01_the_document_step_by_step.ipynb"
)
START_SECONDS = 90
RUN_SECONDS = 300  # a ceiling for a loaded machine; running notebook 01 takes about 20 s

GRAPH_CELL = "autograd.draw(loss, grads=False)"
PLAYER_CELL = "autograd.step_through("
COUNTER = re.compile(r"^(?:forward|backward|update|step) (\d+) of (\d+)$")
"""The player's counter: the step within its phase (the forward pass comes first)."""

APPS = {
    # The app's module (run with python -m), and the path of a notebook's page under its URL.
    "jupyterlab": ("jupyterlab", "lab/tree"),
    "notebook7": ("notebook", "notebooks"),
}
INSTALL = {"jupyterlab": "jupyterlab==4.6.6", "notebook": "notebook==7.6.5"}
"""What ``pip install`` gives each app, at the version the tests were written against."""

SETTINGS = {
    # No announcements or update checks: the page asks nothing of other hosts.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Every cell in the page, scrolled into view or not, so that each can be looked at.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
SERVER_CONFIG = {
    "ServerApp": {"ip": "127.0.0.1", "open_browser": False, "allow_root": True, "port_retries": 0},
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def jupyter_app(folder: Path, app: str) -> Iterator[str]:
    """The Jupyter ``app`` (a key of :data:`APPS`) serving ``folder``; yields the URL of notebook
    01's page in it, with the token as its query."""
    module, notebook_path = APPS[app]
    home = folder.parent / f"{folder.name}-jupyter"
    for name, values in SETTINGS.items():
        path = home / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    (home / "config").mkdir()
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),  # a trust database that trusts nothing yet
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = (home / "server.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            f"--port={port}",
            f"--ServerApp.root_dir={folder}",
            f"--IdentityProvider.token={token}",
        ],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log_text = (home / "server.log").read_text(encoding="utf-8")
                    pytest.fail(f"{module} did not start on {url}:\n{log_text[-3000:]}")
                time.sleep(0.2)
        yield f"{url}/{notebook_path}/{NOTEBOOK.name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module", params=list(APPS))
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Notebook 01's page in each app in turn: JupyterLab, then Notebook 7."""
    app: str = request.param
    module = APPS[app][0]
    pytest.importorskip(module, reason=f"{module} is not installed (pip install {INSTALL[module]})")
    folder = tmp_path_factory.mktemp(app)
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)  # as committed: executed, never trusted here
    with jupyter_app(folder, app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@contextmanager
def opened(browser: Any, lab: str) -> Iterator[Any]:
    """The notebook open in a new page, in the app whose URL ``lab`` is; on leaving, no request
    went to another host. Every action and wait may take up to ``RUN_SECONDS`` (not Playwright's
    30 s), so that a loaded machine makes the test slower, not failed."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(RUN_SECONDS * 1000)
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(("http://127.0.0.1:", "data:")) else elsewhere.append(r.url)
        ),
    )
    page.goto(lab)
    page.locator(".jp-CodeCell", has_text=PLAYER_CELL).locator(".jp-OutputArea-output").wait_for()
    # Notebook 7's page has its logo; JupyterLab's has none: the app is the one meant.
    assert page.locator("#jp-NotebookLogo").count() == (1 if _app(lab) == "notebook7" else 0)
    try:
        yield page
    finally:
        page.close()
    assert elsewhere == []


def _app(lab: str) -> str:
    """Which of :data:`APPS` serves the page at ``lab``."""
    (app,) = (name for name, (_, path) in APPS.items() if f"/{path}/" in lab)
    return app


def _output(page: Any, cell_text: str) -> Any:
    return page.locator(".jp-CodeCell", has_text=cell_text).locator(".jp-OutputArea-output")


def _shown_image(image: Any) -> dict[str, Any]:
    """The picture as the page shows it: its size in the file and on the screen, and what
    lies on top of its middle (None if JupyterLab has scrolled it off the screen since)."""
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(  # on a loaded machine the data URL may still be decoding
        "img => img.complete", arg=image.element_handle(), timeout=RUN_SECONDS * 1000
    )
    return image.evaluate(  # type: ignore[no-any-return]
        """img => {
          const box = img.getBoundingClientRect();
          const x = box.left + Math.min(box.width, img.parentElement.clientWidth) / 2;
          const y = box.top + Math.min(box.height, img.parentElement.clientHeight) / 2;
          const top = document.elementFromPoint(x, y);
          return {complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
                  shownWidth: box.width, shownHeight: box.height, src: img.src.split(",")[0],
                  onTop: top === null ? null : top.tagName};
        }"""
    )


def test_a_fresh_untrusted_notebook_shows_the_graph_and_the_player_as_pictures(
    browser: Any, lab: str
) -> None:
    with opened(browser, lab) as page:
        if _app(lab) == "notebook7":  # it says so, where JupyterLab says nothing
            assert page.locator(".jp-NotebookTrustedStatus").inner_text() == "Not Trusted"
        graph = _output(page, GRAPH_CELL)
        # Untrusted: the PNG of the drawing, not its SVG (which JupyterLab does not show) nor
        # the text <Graph of 26 values>.
        assert graph.get_attribute("data-mime-type") == "image/png"
        assert "<Graph of" not in graph.inner_text()
        picture = _shown_image(graph.locator("img"))
        assert picture["complete"]
        assert picture["src"] == "data:image/png;base64"
        # Shown at its natural size: one pixel a pixel, the text as large as the SVG's.
        assert picture["shownWidth"] == picture["width"] > 1000

        player = _output(page, PLAYER_CELL)
        assert player.locator("iframe").count() == 0  # the sanitizer removed the player
        picture = _shown_image(player.locator("img"))
        assert picture["complete"]
        assert picture["src"] == "data:image/png;base64"
        assert picture["width"] > 1000
        assert picture["shownHeight"] > 100
        assert picture["onTop"] == "IMG"  # nothing covers it
        assert "<StepThrough" not in player.inner_text()


def _counter(frame: Any) -> tuple[int, int]:
    match = COUNTER.match(frame.get_by_text(COUNTER).inner_text())
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def test_after_running_every_cell_the_player_steps_with_its_buttons_and_arrow_keys(
    browser: Any, lab: str
) -> None:
    with opened(browser, lab) as page:
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        player = _output(page, PLAYER_CELL)
        player.locator("iframe").wait_for(timeout=RUN_SECONDS * 1000)
        page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                      .every(prompt => /\\[\\d+\\]/.test(prompt.textContent))""",
            timeout=RUN_SECONDS * 1000,
        )
        # Trusted now: the drawing is the SVG, and the player covers its picture.
        if _app(lab) == "notebook7":
            trusted = page.locator(".jp-NotebookTrustedStatus", has_text=re.compile("^Trusted$"))
            trusted.wait_for()
        assert _output(page, GRAPH_CELL).get_attribute("data-mime-type") == "image/svg+xml"
        assert _shown_image(player.locator("img"))["onTop"] == "IFRAME"

        frame = player.frame_locator("iframe")
        first, last = _counter(frame)
        assert first == 1  # the first step of the forward pass
        assert last > 10
        start = frame.locator("body").inner_text()
        frame.get_by_role("button", name=re.compile("Next")).click()
        assert _counter(frame) == (first + 1, last)
        assert frame.locator("body").inner_text() != start  # another step is explained
        page.keyboard.press("ArrowRight")
        assert _counter(frame) == (first + 2, last)
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert _counter(frame) == (first, last)
        assert frame.locator("body").inner_text() == start
        frame.get_by_role("button", name=re.compile("Next")).click()
        frame.get_by_role("button", name=re.compile("Previous")).click()
        assert _counter(frame) == (first, last)
