"""Builds the documentation site for the tests, as `make docs` does but into a given folder."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def build_site(folder: Path) -> Path:
    """Run ``mkdocs build --strict`` from the repository's root into *folder*; return *folder*."""
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return folder


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Files of a folder, with the types a browser needs for Pyodide's modules and WebAssembly,
    and no log line per request."""

    extensions_map: ClassVar[dict[str, str]] = {
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` served on a free port of 127.0.0.1; yields its root URL (ending in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def only_local_requests(context: Any, root: str, blocked: list[str]) -> None:
    """Let a Playwright browser context send requests only to ``root``'s server (and read
    ``data:`` and ``blob:`` URLs); every other request is aborted and its URL added to
    ``blocked``, so a test can show that a page needs nothing from elsewhere."""
    netloc = urlsplit(root).netloc

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == netloc or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
