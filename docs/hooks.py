"""MkDocs hook: draw the site's figures from the code before every build.

The pictures in the docs are made here, by the engine, never edited by hand: the document's
graph after backward, its backward pass as a step-through page and its two training runs as a
page that plays them step by step (each in English and in Chinese), and a diamond-shaped graph
for the page on topological order. They are written to docs/generated/
(not committed), and only when their content changed, so that ``mkdocs serve`` does not rebuild
in a loop.

It also refuses to build without jieba, which the search needs to find Chinese words.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

import autograd
from autograd import Value
from nn import seed
from nn.seed.training_page import training_page

GENERATED = Path(__file__).resolve().parent / "generated"


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
