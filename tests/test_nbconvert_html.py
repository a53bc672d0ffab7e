"""Notebook 01 as committed (not re-executed), converted by ``jupyter nbconvert --to html``: the
page a learner gets shows the document's graph with its data, and a picture of the finished
backward pass under the player, which plays there too. The numbers are checked against the
document's, computed here from FACTS.md's formulas, and the page is opened in Chromium.

Skips, saying which, where nbconvert (it comes with JupyterLab), Pillow (with matplotlib, the
notebooks' plotting), Chromium or the playwright package is absent; CI has them all."""

from __future__ import annotations

import base64
import io
import itertools
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browsers import chromium
from document import f, hand_derived_gradients

pytest.importorskip("nbconvert", reason="nbconvert is not installed (it comes with JupyterLab)")

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks" / "01_the_document_step_by_step.ipynb"
)
SVG = "{http://www.w3.org/2000/svg}"


def document_values() -> dict[str, float]:
    """The forward pass of FACTS.md's network at its initial weights, in plain floats, by the
    names the drawing gives its boxes."""
    values = {"y1": 0.35, "y2": 0.9, "ya": 0.5, "w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6,
              "w35": 0.3, "w45": 0.9}  # fmt: skip
    values["z3"] = values["w13"] * values["y1"] + values["w23"] * values["y2"]
    values["z4"] = values["w14"] * values["y1"] + values["w24"] * values["y2"]
    values["y3"], values["y4"] = f(values["z3"]), f(values["z4"])
    values["z5"] = values["w35"] * values["y3"] + values["w45"] * values["y4"]
    values["y5"] = f(values["z5"])
    values["E"] = 0.5 * (values["y5"] - values["ya"]) ** 2
    return values


class _Outputs(HTMLParser):
    """Each output area of an nbconvert page: its MIME type, and the images and iframes in it
    (their attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.outputs: list[tuple[str, list[dict[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "jp-OutputArea-output" in classes and attributes.get("data-mime-type"):
            self.outputs.append((attributes["data-mime-type"] or "", []))
        elif tag in ("img", "iframe") and self.outputs:
            self.outputs[-1][1].append({"tag": tag, **attributes})


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed notebook 01 converted to HTML, as a learner converts it."""
    folder = tmp_path_factory.mktemp("nbconvert")
    notebook = folder / NOTEBOOK.name
    shutil.copy(NOTEBOOK, notebook)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(notebook)],
        check=True,
        capture_output=True,
    )
    assert notebook.read_bytes() == NOTEBOOK.read_bytes()  # converted, not re-executed
    return notebook.with_suffix(".html")


@cache
def _outputs(path: Path) -> list[tuple[str, list[dict[str, str | None]]]]:
    parser = _Outputs()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.outputs


def _data_url(source: str | None, mime: str) -> bytes:
    prefix = f"data:{mime};base64,"
    assert source is not None
    assert source.startswith(prefix), source[:40]
    return base64.b64decode(source.removeprefix(prefix), validate=True)


def test_the_graph_shows_the_documents_values(converted: Path) -> None:
    """The drawing of cell 'autograd.draw(loss, grads=False)' is the SVG, as an image; each box
    shows its value to four digits, as FACTS.md's network computes it."""
    # The notebook's first SVG (the loss curves, an SVG too, come later).
    graph, _curves = [elements for mime, elements in _outputs(converted) if mime == "image/svg+xml"]
    (image,) = graph
    svg = ElementTree.fromstring(_data_url(image["src"], "image/svg+xml"))
    texts = [text.text or "" for text in svg.iter(f"{SVG}text")]
    shown = {name: data for name, data in itertools.pairwise(texts) if data.startswith("data ")}
    expected = {name: f"data {value:.4g}" for name, value in document_values().items()}
    assert expected.items() <= shown.items()  # every value of the document, as it computes it
    assert "0.755" in expected["z3"]  # the forward pass the tutorial tabulates
    assert f"{f(0.755) * (1 - f(0.755)):.4g}" in texts  # dy3/dz3 on its edge: 0.2175


def test_the_player_comes_with_a_picture_of_the_finished_pass(converted: Path) -> None:
    (player,) = [elements for mime, elements in _outputs(converted) if mime == "text/html"]
    image, frame = player
    assert (image["tag"], frame["tag"]) == ("img", "iframe")
    assert '<script type="application/json" id="frames">' in (frame["srcdoc"] or "")
    pil = pytest.importorskip("PIL.Image", reason="Pillow is not installed (matplotlib has it)")
    png = _data_url(image["src"], "image/png")
    picture = pil.open(io.BytesIO(png))
    picture.load()  # decodes every pixel: a truncated or corrupt PNG raises here
    assert picture.format == "PNG"
    width, height = picture.size
    assert width > 1000
    assert height > 100
    grey = picture.convert("L")
    dark = sum(count for level, count in enumerate(grey.histogram()) if level < 96)
    assert dark > width * height // 200  # lines and text, not an empty box


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_in_chromium_the_page_shows_the_pictures_and_the_player_plays(
    converted: Path, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []

    def only_the_file(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:  # nbconvert's own template asks a CDN for require.js, MathJax and mermaid
            requested.append(url)
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(converted.as_uri())
    graph = page.locator('[data-mime-type="image/svg+xml"] img').first  # not the loss curves
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=graph.element_handle()
    )
    assert graph.evaluate("img => img.naturalWidth") > 500
    frame = page.frame_locator('[data-mime-type="text/html"] iframe')
    counter = frame.locator("#counter")
    assert re.fullmatch(r"forward 1 of \d+", counter.inner_text())
    frame.locator("#next").click()
    assert re.fullmatch(r"forward 2 of \d+", counter.inner_text())
    page.keyboard.press("End")  # the last step lists the six gradients
    lines = frame.locator("#lines").inner_text().splitlines()
    expected = [
        f"dE/d{name} = {gradient:.4g}" for name, gradient in hand_derived_gradients().items()
    ]
    assert sorted(lines) == sorted(expected)
    assert {re.sub(r"^https://([^/]+)/.*", r"\1", url) for url in requested} <= {
        "cdnjs.cloudflare.com"
    }  # the template's, none the outputs'
    page.close()
