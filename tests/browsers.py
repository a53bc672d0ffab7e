"""Chromium for the browser tests: where it is, how it starts, and a skip, saying which, where
it or the playwright package is absent (CI installs both: Debian's chromium, PyPI's playwright,
no browser download; and there a skip fails the run)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless, and quiet: nothing that would reach out to the network by itself."""


@contextmanager
def chromium(flags: list[str] = FLAGS) -> Iterator[Any]:
    """A launched Chromium (with ``flags``), closed afterwards; skips the test where it cannot
    be had."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        try:
            yield launched
        finally:
            launched.close()


def embedded_in_a_long_page(browser: Any, folder: Path, player: str) -> tuple[Any, Any, list[str]]:
    """A desktop page with ``player`` (a page's HTML) in an iframe between 3000 px of text above
    and below, loaded: the page, the player's frame, and the list the page's errors go to."""
    (folder / "player.html").write_text(player, encoding="utf-8")
    tall = '<div style="height: 3000px">text above the player</div>'
    (folder / "tutorial.html").write_text(
        f'<!DOCTYPE html><html><body>{tall}<iframe src="player.html" title="player" '
        f'style="width: 100%; height: 560px"></iframe>{tall}</body></html>',
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto((folder / "tutorial.html").as_uri())
    page.wait_for_load_state("load")
    return page, page.frames[1], problems
