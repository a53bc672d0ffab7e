"""What a notebook is given to show for a player: the player, and a picture for where it cannot
run. tests/test_jupyterlab.py looks at both in a real JupyterLab, trusted and untrusted."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from document import hand_derived_gradients

from autograd import Value, step_through
from autograd.draw import PNG_DISPLAY_MAX_VALUES
from nn import seed


class _Elements(HTMLParser):
    """Every element of an HTML text, as (tag, attributes, depth)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None], int]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), self.depth))
        if tag != "img":  # the one element here without an end tag
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1


def _elements(text: str) -> list[tuple[str, dict[str, str | None], int]]:
    parser = _Elements()
    parser.feed(text)
    parser.close()
    return parser.elements


def test_the_player_sits_over_a_picture_of_the_finished_pass() -> None:
    player = step_through(seed.loss_graph(seed.network()))
    shown = player._repr_html_()
    elements = _elements(shown)
    assert [(tag, depth) for tag, _, depth in elements] == [
        ("div", 0),  # a grid of one cell
        ("div", 1),  # the picture's box, under
        ("img", 2),
        ("iframe", 1),  # the player, on top
    ]
    grid, box, image, frame = (attributes for _, attributes, _ in elements)
    assert "display: grid" in (grid["style"] or "")
    assert "grid-area: 1 / 1" in (box["style"] or "")
    assert "grid-area: 1 / 1" in (frame["style"] or "")
    assert box["aria-hidden"] == "true"  # covered, so hidden from screen readers too
    assert frame["srcdoc"] == player.html  # the parser has undone the escaping
    assert image["alt"] == frame["title"] == player.title
    source = image["src"] or ""
    assert source.startswith("data:image/png;base64,")
    assert base64.b64decode(source.split(",", 1)[1], validate=True) == player._picture.png()


def test_the_picture_shows_every_parameters_gradient_as_derived_by_hand() -> None:
    picture = step_through(seed.loss_graph(seed.network()))._picture
    for name, gradient in hand_derived_gradients().items():
        box = re.search(rf"<B>{name}</B></TD><TD>data [^<]*</TD><TD>grad ([^<]*)</TD>", picture.dot)
        assert box is not None, name
        assert box.group(1) == f"{gradient:.4g}", name


def test_a_hostile_label_adds_no_element_to_the_output() -> None:
    x = Value(0.5, label='x" onload="alert(1)')
    y = x * 2.0
    y.label = '"><script>alert(2)</script><img src=x onerror=alert(3)>'
    player = step_through(y)
    elements = _elements(player._repr_html_())
    assert [tag for tag, _, _ in elements] == ["div", "div", "img", "iframe"]
    assert not [name for _, attrs, _ in elements for name in attrs if name.startswith("on")]
    assert y.label in (elements[3][1]["title"] or "")  # as text, in the title


def test_nbconvert_html_keeps_the_player() -> None:
    nbconvert = pytest.importorskip("nbconvert", reason="nbconvert is not installed")
    player = step_through(seed.loss_graph(seed.network()))
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("player", execution_count=1)
    bundle = {"text/html": player._repr_html_(), "text/plain": repr(player)}
    cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)]
    notebook.cells.append(cell)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    frames = [attrs for tag, attrs, _ in _elements(body) if tag == "iframe"]
    assert [frame["srcdoc"] for frame in frames] == [player.html]


def test_a_graph_too_large_for_a_picture_leaves_a_sentence_under_the_player() -> None:
    x = Value(0.5, label="x")
    for _ in range(PNG_DISPLAY_MAX_VALUES):
        x = x.tanh()
    shown = step_through(x)._repr_html_()
    assert [tag for tag, _, _ in _elements(shown)] == ["div", "div", "p", "iframe"]
    assert f"A graph of {PNG_DISPLAY_MAX_VALUES + 1} values, too large" in shown
    how_to = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "step-through.md"
    assert f"up to {PNG_DISPLAY_MAX_VALUES} values" in how_to.read_text(encoding="utf-8")


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_player_offers_its_picture_as_png_beside_its_html() -> None:
    formatters = pytest.importorskip("IPython.core.formatters", reason="IPython is not installed")
    player = step_through(seed.loss_graph(seed.network()))
    png = player._repr_png_()
    assert png is not None
    assert png.startswith(PNG_MAGIC)
    source = next(attrs["src"] for tag, attrs, _ in _elements(player._repr_html_()) if tag == "img")
    assert base64.b64decode((source or "").split(",", 1)[1]) == png  # the picture under the player
    data, _ = formatters.DisplayFormatter().format(player)
    assert {"text/html", "image/png", "text/plain"} <= set(data)
    assert data["image/png"] == png


def test_no_png_for_a_graph_too_large_or_without_a_renderer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    formatters = pytest.importorskip("IPython.core.formatters", reason="IPython is not installed")
    x = Value(0.5, label="x")
    for _ in range(PNG_DISPLAY_MAX_VALUES):
        x = x.tanh()
    large = step_through(x)
    assert large._repr_png_() is None
    assert "image/png" not in formatters.DisplayFormatter().format(large)[0]
    small = step_through(seed.loss_graph())  # drawn; its picture is rendered when first shown
    monkeypatch.setenv("CHAINRULE_DOT", "no-such-dot-program")
    assert small._repr_png_() is None
    assert "image/png" not in formatters.DisplayFormatter().format(small)[0]


def test_the_committed_notebook_holds_the_players_png() -> None:
    path = (
        Path(__file__).resolve().parent.parent / "notebooks" / "01_the_document_step_by_step.ipynb"
    )
    notebook = nbformat.read(path, as_version=4)
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and "step_through" in c.source]
    (output,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert output.data["text/plain"].startswith("<StepThrough of ")
    assert base64.b64decode(output.data["image/png"]).startswith(PNG_MAGIC)
    assert "<iframe" in output.data["text/html"]
