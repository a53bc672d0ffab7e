"""Chromium for the browser tests: where it is, how it starts, and a skip, saying which, where
it or the playwright package is absent (CI installs both: Debian's chromium, PyPI's playwright,
no browser download; and there a skip fails the run)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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
