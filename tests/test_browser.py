"""The step-through page in a real browser: Chromium, driven by Playwright.

Skips, saying which, where Chromium or the playwright package is absent; CI installs both
(Debian's chromium, PyPI's playwright, no browser download)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nn import seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed"
)

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


def test_arrow_key_and_next_button_step_through_backward(tmp_path: Path) -> None:
    from autograd import step_through

    path = step_through(seed.loss_graph()).save(tmp_path / "seed_backward.html")
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "request", lambda r: None if r.url.startswith("file:") else problems.append(r.url)
            )
            page.goto(path.as_uri())

            def state() -> tuple[list[str], str, str]:
                current = page.eval_on_selector_all(
                    "#graph g.current", "elements => elements.map(e => e.id)"
                )
                return (
                    current,
                    page.text_content("#lines") or "",
                    page.text_content("#counter") or "",
                )

            start = state()
            assert start[1] == "dE/dE = 1"
            assert start[2] == "step 0 of 15"
            page.keyboard.press("ArrowRight")
            after_key = state()
            assert after_key[2] == "step 1 of 15"
            assert after_key[1].startswith("dE/d((y5-ya)^2) += dE/dE * ")
            page.click("#next")
            after_click = state()
            assert after_click[2] == "step 2 of 15"
            assert after_click[0] != after_key[0]  # another node is highlighted
            assert after_click[1] != after_key[1]  # and another chain-rule line shown
            assert page.eval_on_selector_all("#graph g.active", "e => e.length") >= 1
            page.keyboard.press("ArrowLeft")
            assert state() == after_key
        finally:
            browser.close()
    assert problems == []
