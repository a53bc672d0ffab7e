"""What GitHub's preview of the committed notebooks can show: a picture for every graph and
player output, within the sizes GitHub takes.

GitHub renders a notebook's outputs itself, without a kernel and without running any of their
scripts: it shows image/png, image/svg+xml (sanitized), text/plain, and text/markdown and
text/html sanitized, which removes scripts and iframes. So a drawing reaches a reader of the
preview as an image/png, or an SVG that the sanitizer leaves whole (no script, no event
attribute, no foreignObject, no link to elsewhere), in the output's bundle; a player (an iframe)
only as the picture its HTML carries outside the iframe.

Sizes: GitHub refuses a pushed file over 100 MiB and warns over 50 MiB (its documentation, "About
large files on GitHub"); it documents no limit for the notebook preview, and readers report
previews failing for notebooks of some megabytes to 25 MB (jupyter/nbviewer#1060,
googlecolab/colabtools#489); its contents API serves a file's text only up to 1 MB (which is why
nbviewer reads raw files, jupyter/nbviewer#123). A notebook here stays under 1 MB, clear of all
of them."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
NOTEBOOK_BYTES = 1_000_000
"""The most a committed notebook may weigh: under every limit above (notebook 01, the largest,
weighs about 0.55 MB)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PICTURES = ("<Graph of", "<StepThrough of", "<Figure size", "<IPython.core.display.SVG")
"""The text/plain of the outputs that are pictures: a drawing, a player, a matplotlib figure, an
SVG (notebook 01's loss curves)."""


def _pictures(kinds: tuple[str, ...]) -> list[Any]:
    """Every output of the committed notebooks that is a picture of one of ``kinds`` (the first
    word of its text/plain: Graph, StepThrough, Figure; SVG for IPython's SVG), as a test
    parameter named by its notebook, cell and kind."""
    cases = []
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells):
            for output in cell.get("outputs", []):
                if output.output_type not in ("execute_result", "display_data"):
                    continue
                text = output.data.get("text/plain", "")
                kind = text.split()[0].lstrip("<") if text.startswith(PICTURES) else None
                kind = "SVG" if kind == "IPython.core.display.SVG" else kind
                if kind in kinds:
                    cases.append(pytest.param(output, id=f"{path.stem}-cell{index}-{kind}"))
    return cases


class _Elements(HTMLParser):
    """The img and iframe elements of an HTML text (their attributes), and the depth of
    iframes around each."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[tuple[dict[str, str | None], int]] = []
        self.frames = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append((dict(attrs), self.frames))
        elif tag == "iframe":
            self.frames += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "iframe":
            self.frames -= 1


def _png(source: str) -> Any:
    """The decoded picture of base64 PNG ``source`` (every pixel read, so a corrupt one fails)."""
    png = base64.b64decode(source, validate=True)
    assert png.startswith(PNG_SIGNATURE)
    pil = pytest.importorskip("PIL.Image", reason="Pillow is not installed (matplotlib has it)")
    picture = pil.open(io.BytesIO(png))
    picture.load()
    return picture


def _safe_svg(text: str) -> bool:
    """Whether GitHub's sanitizer would leave the SVG whole: nothing that runs or reaches out."""
    root = ElementTree.fromstring(text)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject", "iframe", "object", "embed"):
            return False
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.startswith("on"):
                return False
            if local == "href" and not value.startswith("#"):
                return False
    return True


def test_there_are_pictures_to_check() -> None:
    assert len(_pictures(("Graph",))) == 1
    assert len(_pictures(("StepThrough",))) == 1
    assert len(_pictures(("Figure",))) == 2  # notebook 03's
    assert len(_pictures(("SVG",))) == 1  # notebook 01's loss curves


@pytest.mark.parametrize("output", _pictures(("Graph", "Figure", "SVG")))
def test_each_drawing_and_figure_comes_as_a_picture_github_shows(output: Any) -> None:
    data = output.data
    if "image/png" in data:
        width, height = _png(data["image/png"]).size
        assert width > 100
        assert height > 100
    else:
        assert "image/svg+xml" in data, f"no picture GitHub shows, only {sorted(data)}"
    if "image/svg+xml" in data:  # shown where the PNG is not; sanitized, it must stay whole
        assert _safe_svg(data["image/svg+xml"])


@pytest.mark.parametrize("output", _pictures(("StepThrough",)))
def test_each_player_carries_its_picture_outside_its_iframe(output: Any) -> None:
    """A player's bundle is its HTML and its text/plain: the player in an iframe, which the
    sanitizer removes, over a PNG of the finished pass in an <img> of its own, which is left.
    (GitHub documents no rule for an <img> with a data: URL in sanitized HTML; an image/png in
    the bundle as well would not depend on one.)"""
    assert "text/html" in output.data
    parser = _Elements()
    parser.feed(output.data["text/html"])
    parser.close()
    ((image, frames_around),) = parser.images
    assert frames_around == 0  # not inside the iframe the sanitizer removes
    source = image["src"] or ""
    assert source.startswith("data:image/png;base64,")
    width, height = _png(source.removeprefix("data:image/png;base64,")).size
    assert width > 1000  # the whole graph, at one pixel per pixel
    assert height > 100


def test_the_svg_check_catches_what_a_sanitizer_removes() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
    assert _safe_svg(svg.format('<g id="a"><text>data 0.5</text></g><use xlink:href="#a"/>'))
    for bad in ("<script>alert(1)</script>", '<rect onload="alert(1)"/>',
                "<foreignObject><p>x</p></foreignObject>",
                '<a xlink:href="https://example.com"><text>x</text></a>'):  # fmt: skip
        assert not _safe_svg(svg.format(bad)), bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_each_notebook_is_small_enough_for_githubs_preview(path: Path) -> None:
    assert path.stat().st_size < NOTEBOOK_BYTES
