"""MkDocs hook: draw the site's figures from the code before every build.

The pictures in the docs are made here, by the engine, never edited by hand: the document's
graph after backward, its backward pass as a step-through page and its two training runs as a
page that plays them step by step (each in English and in Chinese), and a diamond-shaped graph
for the page on topological order. They are written to docs/generated/
(not committed), and only when their content changed, so that ``mkdocs serve`` does not rebuild
in a loop.

After the build it puts into the site's try/ what the try-it page runs chainrule with, so that
the page loads nothing from other hosts: Pyodide's files and @viz-js/viz's browser module (from
tests/pyodide/node_modules, which ``npm ci --prefix tests/pyodide`` installs), chainrule's wheel
built from this checkout and graphviz's rebuilt from the copy installed here. Without those npm
packages the site is still built, and try/manifest.json tells the page why it cannot run code.

It also refuses to build without jieba, which the search needs to find Chinese words.
"""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

import autograd
from autograd import Value
from nn import seed
from nn.seed.training_page import training_page

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"
NODE_MODULES = ROOT / "tests" / "pyodide" / "node_modules"
PYODIDE_FILES = [
    "pyodide.mjs",  # loadPyodide
    "pyodide.asm.mjs",  # the interpreter's JavaScript half
    "pyodide.asm.wasm",  # and its WebAssembly
    "python_stdlib.zip",  # the standard library
    "pyodide-lock.json",  # read at start-up (no package is loaded from it)
]
VIZ_MODULE = "@viz-js/viz/dist/viz.js"  # an ES module with Graphviz's WebAssembly inside


def _write(name: str, text: str) -> None:
    path = GENERATED / name
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def on_startup(**kwargs: Any) -> None:
    """The search finds Chinese words only if jieba cuts the text into words when the index is
    built; without it the search plugin silently indexes each run of Han characters as one
    word, and 反向传播 finds nothing. So a build without jieba is refused, not made."""
    if importlib.util.find_spec("jieba") is None:
        raise PluginError(
            "the search of the Chinese pages needs jieba, which is not installed; "
            "install the docs tools: pip install -e '.[docs]'"
        )
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not its progress lines at every build


def on_pre_build(config: Any) -> None:
    GENERATED.mkdir(exist_ok=True)
    loss = seed.loss_graph()
    loss.backward()
    _write("seed_graph.svg", autograd.draw(loss, rankdir="TB").svg())
    for name, lang in (("seed_backward.html", "en"), ("seed_backward_zh.html", "zh")):
        model = seed.network()
        player = autograd.step_through(seed.loss_graph(model), parameters=model, lang=lang)
        _write(name, player.html)
    _write("seed_training.html", training_page())
    _write("seed_training_zh.html", training_page(lang="zh"))
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    y.label = "y"
    y.backward()
    _write("diamond.svg", autograd.draw(y, rankdir="LR").svg())


_ROLE = re.compile(r":(?:func|meth|class|mod|attr|data):(?=<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    """Docstrings name things with Sphinx roles (:func:`grad`); on the site the code is enough."""
    return _ROLE.sub("", html)


def _wheels(folder: Path) -> list[str]:
    """Write chainrule's wheel (built from this checkout) and graphviz's (from the installed
    copy) into ``folder``; return their file names."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from wheelhouse import build_chainrule_wheel, rebuild_wheel
    finally:
        sys.path.remove(str(ROOT / "tests"))
    try:
        names = [build_chainrule_wheel(folder).name]
    except RuntimeError as error:
        raise PluginError(f"the try-it page needs chainrule's wheel: {error}") from None
    names.append(rebuild_wheel("graphviz", folder).name)
    return sorted(names)


def on_post_build(config: Any) -> None:
    """Ship what the try-it page runs: Pyodide, Viz and the wheels, or the reason they are not."""
    folder = Path(config["site_dir"]) / "try"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [p for p in ("pyodide/package.json", "@viz-js/viz/package.json")
               if not (NODE_MODULES / p).is_file()]  # fmt: skip
    if missing:
        manifest: dict[str, Any] = {
            "pyodide": False,
            "why": "This site was built without Pyodide ("
            + " and ".join(p.removesuffix("/package.json") for p in missing)
            + " not found in tests/pyodide/node_modules; run `npm ci --prefix tests/pyodide`"
            " and build the site again), so this page cannot run Python.",
        }
    else:
        (folder / "pyodide").mkdir(exist_ok=True)
        for name in PYODIDE_FILES:
            shutil.copyfile(NODE_MODULES / "pyodide" / name, folder / "pyodide" / name)
        shutil.copyfile(NODE_MODULES / VIZ_MODULE, folder / "viz.js")
        (folder / "wheels").mkdir(exist_ok=True)
        manifest = {"pyodide": True, "wheels": _wheels(folder / "wheels")}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    _lite(Path(config["site_dir"]), folder / "wheels" if manifest["pyodide"] else None)


def _lite(site: Path, wheels: Path | None) -> None:
    """The notebooks' in-browser copy, a JupyterLite site, in the site's lite/ (built by
    docs/lite_site.py with the try page's wheels); where it cannot be built (no Pyodide npm
    package; offline, with the kernel's wheels not downloaded yet), a page that says why."""
    output = site / "lite"
    why = (
        "This site was built without Pyodide (run <code>npm ci --prefix tests/pyodide</code> "
        "and build it again), so it has no in-browser notebooks."
    )
    if wheels is not None:
        sys.path.insert(0, str(ROOT / "docs"))
        try:
            import lite_site
        finally:
            sys.path.remove(str(ROOT / "docs"))
        try:
            lite_site.build(output, sorted(wheels.glob("*.whl")), ROOT / "build" / "lite-wheels")
            return
        except lite_site.LiteBuildError as error:
            why = f"This site was built without its in-browser notebooks: {html.escape(str(error))}"
    output.mkdir(exist_ok=True)
    (output / "index.html").write_text(
        f"<!DOCTYPE html><html><body><p>{why}</p></body></html>\n", encoding="utf-8"
    )
