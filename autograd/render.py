"""Turning DOT into SVG or PNG: find a Graphviz ``dot`` and run it.

Both renderers chainrule knows write both formats: graphviz-pure (its own PNG writer) and a
system Graphviz built with cairo (Debian's is). An SVG or PNG is the same for the same DOT and
renderer, byte for byte; two renderers lay a graph out a little differently.

So that a drawing does not depend on what else a machine has installed, the renderer is, in
order: the program named by the ``CHAINRULE_DOT`` environment variable (the user's choice); the
``graphviz-pure`` program installed with chainrule, looked up beside the running Python (a
notebook kernel often runs without its environment's ``bin`` on PATH) and then on PATH; and only
where that is missing (a platform without its wheel), the system ``dot`` on PATH.

In Pyodide (``sys.platform == "emscripten"``) no program can be run, so the page or program that
hosts Pyodide renders instead: it defines ``globalThis.chainruleRenderDot(dot, format)``, a
synchronous JavaScript function that returns the SVG text of the DOT ``dot`` for the format
``"svg"`` (with ``@viz-js/viz``: ``const viz = await instance()`` once, before Python runs, then
``(dot, format) => viz.renderString(dot, {format})``). Only SVG is rendered there: a PNG raises
:class:`RenderError`, and :func:`renders_png` says so beforehand.

A host that cannot define that function before Python runs (a JupyterLite kernel, whose Python
runs in a worker the site does not script) sets the environment variable ``CHAINRULE_VIZ_URL``
to the URL of ``@viz-js/viz``'s ``dist/viz-global.js`` instead. When this module is imported
there, chainrule fetches that script (synchronously, as a worker may; an answer other than
HTTP 200 is a :class:`RenderError` naming the status, never run), runs it and starts Graphviz;
Graphviz is compiled synchronously once the importing cell has run, so the function is defined
before the next cell runs (in any browser). A drawing asked for in the very cell that imported
chainrule waits for it where the browser lets Python wait (JavaScript promise integration), and
otherwise raises :class:`RenderError` asking to run the cell again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

ENVIRONMENT_VARIABLE = "CHAINRULE_DOT"
TIMEOUT_SECONDS = 120
JAVASCRIPT_RENDERER = "chainruleRenderDot"
"""The name of the function on JavaScript's ``globalThis`` that renders DOT in Pyodide."""
VIZ_URL_VARIABLE = "CHAINRULE_VIZ_URL"
"""In Pyodide, the environment variable naming a ``viz-global.js`` to define the renderer with."""

# Viz compiles Graphviz's WebAssembly with WebAssembly.instantiate, on another thread: that
# finishes at some later task, often after the next cell has started (in a browser that cannot
# make Python wait, the next cell's drawing then fails). While Viz starts, instantiate compiles
# synchronously instead (a worker may), so that Graphviz is ready in promise callbacks alone,
# which all run before the next task, and so before the next cell.
_DEFINE_RENDERER = f"""(async () => {{
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (binary, imports) => {{
    const compiled = binary instanceof WebAssembly.Module;
    const module = compiled ? binary : new WebAssembly.Module(binary);
    const instance = new WebAssembly.Instance(module, imports);
    return compiled ? instance : {{module, instance}};
  }};
  let viz;
  try {{
    viz = await Viz.instance();
  }} finally {{
    WebAssembly.instantiate = instantiate;
  }}
  globalThis.{JAVASCRIPT_RENDERER} = (dot, format) => viz.renderString(dot, {{format}});
}})()"""
_starting: Any = None  # the promise that defines the renderer from CHAINRULE_VIZ_URL's script
_failed: list[str] = []  # why that promise was rejected, if it was


class RenderError(RuntimeError):
    """No renderer could run, or the renderer failed."""


def _beside_python(name: str) -> str | None:
    folders = {sysconfig.get_path("scripts"), str(Path(sys.executable).parent)}
    for folder in sorted(folders):
        for candidate in (Path(folder) / name, Path(folder) / f"{name}.exe"):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def in_pyodide() -> bool:
    """Whether this Python is Pyodide's (WebAssembly), where DOT is rendered by JavaScript."""
    return sys.platform == "emscripten"


def renders_png() -> bool:
    """Whether :func:`render` can write PNG here: everywhere but Pyodide."""
    return not in_pyodide()


def find_renderer() -> str:
    """The path of the ``dot`` program that :func:`render` will run."""
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    if named:
        found = shutil.which(named)
        if found is None:
            raise RenderError(
                f"{ENVIRONMENT_VARIABLE}={named!r} names no program that can be run; set it to "
                "the path of a Graphviz `dot`, or unset it to use the one chainrule installs"
            )
        return found
    found = _beside_python("graphviz-pure") or shutil.which("graphviz-pure") or shutil.which("dot")
    if found is None:
        raise RenderError(
            "no Graphviz renderer found: chainrule's graphviz-pure is not installed beside "
            f"{sys.executable} and there is no `dot` on PATH. Reinstall chainrule "
            "(pip install chainrule, which brings graphviz-pure), install Graphviz "
            f"(apt-get install graphviz), or set {ENVIRONMENT_VARIABLE} to a `dot` program."
        )
    return found


def render(dot_source: str, output_format: str = "svg", renderer: str | None = None) -> bytes:
    """Run the renderer (by default :func:`find_renderer`; in Pyodide, the host's JavaScript
    function) on DOT text; return its output."""
    if renderer is None and in_pyodide():
        return _render_with_javascript(dot_source, output_format)
    program = renderer or find_renderer()
    try:
        result = subprocess.run(  # noqa: S603 - the user's own renderer, no shell
            [program, f"-T{output_format}"],
            input=dot_source.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RenderError(f"could not run {program}: {error}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        if "not recognized" in message:  # Graphviz's word for a format it was built without
            raise RenderError(
                f"{program} cannot write {output_format} ({message.splitlines()[0]}). The "
                f"graphviz-pure installed with chainrule writes svg and png: set "
                f"{ENVIRONMENT_VARIABLE} to it, or install a Graphviz built with {output_format}."
            )
        raise RenderError(f"{program} -T{output_format} failed ({result.returncode}): {message}")
    return result.stdout


def start_javascript_renderer() -> None:
    """In Pyodide, with ``CHAINRULE_VIZ_URL`` set and no renderer defined yet, fetch and run
    that script and start defining ``globalThis.chainruleRenderDot``; elsewhere do nothing."""
    global _starting
    url = os.environ.get(VIZ_URL_VARIABLE)
    if not in_pyodide() or not url or _starting is not None:
        return
    import js
    from pyodide.code import run_js

    if getattr(js, JAVASCRIPT_RENDERER, None) is not None:
        return
    try:
        script = _fetch_script(js, url)
        run_js(script)
        _starting = run_js(_DEFINE_RENDERER)
    except Exception as error:  # a failed request or script comes as a JavaScript error
        _starting = error
        return
    # a failure of Graphviz's start, kept for the error message instead of an unhandled rejection
    _starting.catch(lambda reason: _failed.append(str(reason)))


def _fetch_script(js: Any, url: str) -> str:
    """The text at ``url``, fetched with a synchronous ``XMLHttpRequest`` (a worker may make
    one); :class:`RenderError` unless the answer is HTTP 200, so that an error page is never
    run as the script."""
    request_type = getattr(js, "XMLHttpRequest", None)
    if request_type is None:
        raise RenderError(
            f"could not load Graphviz from {VIZ_URL_VARIABLE}={url!r}: this JavaScript host has "
            "no XMLHttpRequest (Node.js has none) to fetch it with"
        )
    request = request_type.new()
    request.open("GET", url, False)
    request.send()
    if request.status != 200:
        raise RenderError(
            f"could not load Graphviz from {VIZ_URL_VARIABLE}={url!r}: expected HTTP 200 and "
            f"@viz-js/viz's viz-global.js, got HTTP {request.status} from "
            f"{request.responseURL or url}"
        )
    return str(request.responseText)


def _wait_for_javascript_renderer() -> None:
    """Wait for the renderer that :func:`start_javascript_renderer` is defining, where the
    browser lets synchronous Python wait for a promise; explain when it cannot."""
    url = os.environ.get(VIZ_URL_VARIABLE)
    if isinstance(_starting, RenderError):
        raise RenderError(str(_starting))
    if isinstance(_starting, Exception):
        raise RenderError(f"could not load Graphviz from {VIZ_URL_VARIABLE}={url!r}: {_starting}")
    if _failed:
        raise RenderError(f"Graphviz from {VIZ_URL_VARIABLE}={url!r} failed to start: {_failed[0]}")
    if _starting is None:
        return
    from pyodide.ffi import can_run_sync, run_sync

    if can_run_sync():
        try:
            run_sync(_starting)
        except Exception as error:
            raise RenderError(
                f"Graphviz from {VIZ_URL_VARIABLE}={url!r} failed to start: {error}"
            ) from None
        return
    raise RenderError(
        "Graphviz is still starting in this page (it was loaded when chainrule was imported); "
        "run the cell again in a moment"
    )


def _render_with_javascript(dot_source: str, output_format: str) -> bytes:
    """The host's ``globalThis.chainruleRenderDot(dot, format)`` on DOT text, in Pyodide."""
    if output_format != "svg":
        raise RenderError(
            f"Pyodide renders drawings as svg only, not {output_format}: its WebAssembly "
            "Graphviz writes no bitmap. Ask for .svg() or save a .svg file."
        )
    import js  # Pyodide's bridge to JavaScript, found only there

    function = getattr(js, JAVASCRIPT_RENDERER, None)
    if function is None and os.environ.get(VIZ_URL_VARIABLE):
        start_javascript_renderer()
        _wait_for_javascript_renderer()
        function = getattr(js, JAVASCRIPT_RENDERER, None)
    if function is None:
        raise RenderError(
            f"no renderer for drawings in Pyodide: define globalThis.{JAVASCRIPT_RENDERER} "
            "before running Python, a synchronous function (dot, format) that returns the SVG "
            "text, e.g. with @viz-js/viz: const viz = await instance(); globalThis."
            f"{JAVASCRIPT_RENDERER} = (dot, format) => viz.renderString(dot, {{format}}); "
            f"or set {VIZ_URL_VARIABLE} to the URL of @viz-js/viz's dist/viz-global.js"
        )
    try:
        text = function(dot_source, output_format)
    except Exception as error:  # a JavaScript error comes as pyodide.ffi.JsException
        raise RenderError(f"globalThis.{JAVASCRIPT_RENDERER} failed: {error}") from None
    if not isinstance(text, str):
        raise RenderError(
            f"globalThis.{JAVASCRIPT_RENDERER} must return the {output_format} text as a "
            f"string, it returned {type(text).__name__}"
        )
    return text.encode("utf-8")


start_javascript_renderer()
