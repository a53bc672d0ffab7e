"""Drawing: DOT structure, SVG and PNG through each renderer, byte-identical output, safe
labels, and what Jupyter is given to show."""

from __future__ import annotations

import base64
import errno
import os
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from failing_disk import fail_writes, leftovers

from autograd import Constant, RenderError, Value, draw
from autograd.draw import COLOURS, PNG_DISPLAY_MAX_VALUES, draw_grad_rows
from autograd.render import find_renderer, render

SVG_NS = "{http://www.w3.org/2000/svg}"


def _graph() -> tuple[Value, Value, Value]:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + a).tanh()
    c.label = "c"
    c.backward()
    return a, b, c


def _edges(dot: str) -> list[tuple[str, str, str]]:
    """(tail, head, label) of every edge line of DOT text."""
    found = []
    for line in dot.splitlines():
        match = re.match(r"\s*(\w+) -> (\w+) \[(.*)\]", line)
        if match:
            label = re.search(r"label=([^ \]]+)", match.group(3))
            found.append((match.group(1), match.group(2), label.group(1) if label else ""))
    return found


def test_dot_has_a_node_per_value_and_per_op_and_labelled_edges() -> None:
    a, b, c = _graph()
    graph = draw(c)
    ids = graph.ids
    assert len(ids) == 5  # a, b, a*b, a*b + a, c
    value_nodes = re.findall(r"^\s*(v\d+) \[label=<<TABLE", graph.dot, re.MULTILINE)
    op_nodes = re.findall(r"^\s*(v\d+op) \[", graph.dot, re.MULTILINE)
    assert sorted(value_nodes) == sorted(ids.values())
    assert len(op_nodes) == 3
    edges = _edges(graph.dot)
    product = c.parents[0].parents[0]
    tanh_local = c.local_grads[0]
    assert (ids[a], f"{ids[product]}op", "-3") in edges  # d(ab)/da = b
    assert (ids[b], f"{ids[product]}op", "2") in edges  # d(ab)/db = a
    assert (ids[c.parents[0]], f"{ids[c]}op", f"{tanh_local:.4g}") in edges
    assert (f"{ids[c]}op", ids[c], "") in edges  # the op's output edge
    assert "<B>a</B>" in graph.dot
    assert "data 2" in graph.dot
    assert f"grad {a.grad:.4g}" in graph.dot


def test_a_value_used_twice_draws_two_edges() -> None:
    a = Value(1.5, label="a")
    total = a + a
    edges = _edges(draw(total).dot)
    assert [edge for edge in edges if edge[0] == "v0"] == [("v0", "v1op", "1"), ("v0", "v1op", "1")]


def test_edge_label_options_grads_and_precision() -> None:
    *_, c = _graph()
    product = c.parents[0].parents[0]
    contribution = draw(c, edges="contribution")
    expected = f"{product.local_grads[0] * product.grad:.4g}"
    assert ("v0", "v2op", expected) in _edges(contribution.dot)
    assert all(label == "" for *_, label in _edges(draw(c, edges=None).dot))
    assert "grad " not in draw(c, grads=False).dot
    assert f"data {c.data:.7g}" in draw(c, precision=7).dot


def test_kinds_of_node_are_styled_apart() -> None:
    x = Value(1.0)  # an unlabelled leaf
    w = Value(0.5, label="w")  # a parameter
    out = (w * x + 2.0).relu()
    dot = draw(out, highlight=w).dot
    assert 'class="value root"' in dot
    assert 'class="value parameter"' in dot
    assert 'class="value leaf"' in dot
    assert 'class="value constant"' in dot
    assert dot.count('BORDER="3"') == 1  # the highlighted parameter
    assert "style=dashed" in dot  # the constant's edge takes no gradient


def test_bad_options_are_clear_errors() -> None:
    _, _, c = _graph()
    with pytest.raises(ValueError, match="rankdir must be"):
        draw(c, rankdir="UP")
    with pytest.raises(ValueError, match="edges must be"):
        draw(c, edges="global")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision must be a positive int"):
        draw(c, precision=0)
    with pytest.raises(ValueError, match="the graph has 5 values, more than max_nodes=4"):
        draw(c, max_nodes=4)


def _parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    return root


def test_graphviz_pure_is_the_renderer_even_where_a_system_dot_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drawing must not depend on what else the machine has: a ``dot`` on PATH is passed over
    while the graphviz-pure installed with chainrule is there, and used only without it."""
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert Path(find_renderer()).name.startswith("graphviz-pure")
    _, _, c = _graph()
    ids = {element.get("id") for element in _parse_svg(draw(c).svg()).iter()}
    assert {"v0", "v1", "v4", "v4op", "v2e0", "v4out"} <= ids
    monkeypatch.setattr("autograd.render._beside_python", lambda name: None)
    assert find_renderer() == str(fake)  # no graphviz-pure anywhere: the system dot


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="the system Graphviz `dot` is not installed"
)
def test_svg_through_system_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, c = _graph()
    monkeypatch.setenv("CHAINRULE_DOT", "dot")
    assert find_renderer() == shutil.which("dot")
    svg = render(draw(c).dot, "svg").decode()
    ids = {element.get("id") for element in _parse_svg(svg).iter()}
    assert {"v0", "v4op", "v2e0"} <= ids


@pytest.mark.parametrize("renderer", ["graphviz-pure", "dot"])
def test_grad_rows_hold_their_text_last_and_below(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step-through page finds each box's grad row as its node's last text."""
    _renderer(renderer, monkeypatch)
    a = Value(2.0, label="a")
    c = (a * 3.0).exp()
    texts = {a: "grad 0 -> 0.25", c: "grad 1"}
    graph = draw_grad_rows(c, texts)
    nodes = {g.get("id"): g for g in _parse_svg(graph.svg()).iter(f"{SVG_NS}g")}
    for value, text in texts.items():
        *_, data, grad = nodes[graph.ids[value]].iter(f"{SVG_NS}text")
        assert (data.text or "").startswith("data ")
        assert grad.text == text
        assert float(grad.get("y", "")) > float(data.get("y", ""))  # on a row of its own
    constant = next(v for v in graph.ids if isinstance(v, Constant))
    assert [t.text for t in nodes[graph.ids[constant]].iter(f"{SVG_NS}text")] == ["3", "data 3"]


def test_renderer_named_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINRULE_DOT", "no-such-dot-program")
    with pytest.raises(RenderError, match="CHAINRULE_DOT='no-such-dot-program' names no program"):
        find_renderer()
    pure = str(Path(sys.executable).parent / "graphviz-pure")
    monkeypatch.setenv("CHAINRULE_DOT", pure)
    assert find_renderer() == pure


def test_no_renderer_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr("autograd.render._beside_python", lambda name: None)
    with pytest.raises(RenderError, match=r"no Graphviz renderer found.*apt-get install graphviz"):
        draw(_graph()[2]).svg()


def test_renderer_failure_is_reported() -> None:
    with pytest.raises(RenderError, match="failed"):
        render("digraph { this is not dot ", "svg")


def test_save_by_suffix(tmp_path: Path) -> None:
    graph = draw(_graph()[2])
    assert graph.save(tmp_path / "g.dot").read_text() == graph.dot
    assert graph.save(tmp_path / "g.svg").read_text() == graph.svg()
    assert (tmp_path / "g.png").exists() is False
    assert graph.save(tmp_path / "g.png").read_bytes() == graph.png()
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.dot"):
        graph.save(tmp_path / "g.pdf")


def _renderer(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw with ``name``: graphviz-pure or the system ``dot``, chosen by ``CHAINRULE_DOT``."""
    found = shutil.which("dot") if name == "dot" else _pure_renderer()
    if found is None:
        pytest.skip("the system Graphviz `dot` is not installed")
    monkeypatch.setenv("CHAINRULE_DOT", found)


def _pure_renderer() -> str:
    return str(Path(sys.executable).parent / "graphviz-pure")


def _png_pixels(png: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of RGB colours of an 8-bit RGB or RGBA PNG, decoded by the
    PNG specification's own steps (chunks, zlib, the five scanline filters)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks, position = {}, 8
    while position < len(png):
        size = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        chunks[kind] = chunks.get(kind, b"") + png[position + 8 : position + 8 + size]
        position += 12 + size
    header = chunks[b"IHDR"]
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour_type, interlace = header[8], header[9], header[12]
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[colour_type]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    previous = bytearray(stride)
    colours = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - up_left
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up),
                              (abs(guess - up_left), 2, up_left))[2]  # fmt: skip
                line[i] = (line[i] + nearest) & 255
        colours.update((line[i], line[i + 1], line[i + 2]) for i in range(0, stride, channels))
        previous = line
    return width, height, colours


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.mark.parametrize("renderer", ["graphviz-pure", "dot"])
def test_png_is_the_drawing_at_the_size_the_svg_shows(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _renderer(renderer, monkeypatch)
    graph = draw(_graph()[2], highlight=_graph()[0])
    svg = _parse_svg(graph.svg())
    width, height, colours = _png_pixels(graph.png())
    # The SVG counts 72 points an inch; a bitmap from Graphviz has 96 pixels an inch.
    points = [float(svg.get(side, "").removesuffix("pt")) for side in ("width", "height")]
    assert abs(width - points[0] * 96 / 72) <= 2
    assert abs(height - points[1] * 96 / 72) <= 2
    # The fills of the root (amber), the parameters (blue) and the leaves are painted.
    for colour in (COLOURS["root"], COLOURS["parameter"]):
        assert _hex(colour) in colours, colour


def test_a_renderer_without_png_is_named_with_what_to_do(tmp_path: Path) -> None:
    """A Graphviz built without cairo has no PNG writer; it answers as this stand-in does."""
    stand_in = tmp_path / "dot"
    stand_in.write_text(
        "#!/bin/sh\necho 'Format: \"png\" not recognized. Use one of: dot svg' >&2\nexit 1\n"
    )
    stand_in.chmod(0o755)
    with pytest.raises(RenderError, match=r"cannot write png .*set CHAINRULE_DOT"):
        render(draw(_graph()[2]).dot, "png", str(stand_in))


def test_jupyter_display() -> None:
    graph = draw(_graph()[2])
    assert graph._repr_svg_() == graph.svg()
    data, metadata = graph._repr_mimebundle_()
    assert data["image/svg+xml"] == graph.svg()
    assert base64.b64decode(data["image/png"], validate=True) == graph.png()
    assert data["text/plain"] == "<Graph of 5 values>"
    assert metadata == {"image/png": {"unconfined": True}}  # natural size, as the SVG shows
    only_text, no_metadata = graph._repr_mimebundle_(include={"text/plain"})
    assert (only_text, no_metadata) == ({"text/plain": "<Graph of 5 values>"}, {})
    assert set(graph._repr_mimebundle_(exclude={"image/png"})[0]) == {"image/svg+xml", "text/plain"}


PROGRAM = textwrap.dedent(
    """
    import hashlib, random
    from autograd import Value, draw
    rng = random.Random(1)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(6)]
    nodes = list(xs)
    for i in range(60):
        a, b = rng.choice(nodes), rng.choice(nodes[-10:])
        nodes.append((a * b).tanh() if i % 2 else a + b * 0.5)
    out = sum(nodes[-12:], Value(0.0))
    out.backward()
    graph = draw(out)
    digest = lambda data: hashlib.sha256(data).hexdigest()
    print(digest(graph.dot.encode()), digest(graph.svg().encode()), digest(graph.png()))
    """
)


@pytest.mark.parametrize("renderer", ["graphviz-pure", "dot"])
def test_dot_svg_and_png_are_byte_identical_across_processes_and_hash_seeds(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _renderer(renderer, monkeypatch)
    digests = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
        )
        digests.add(result.stdout)
    assert len(digests) == 1


EVIL = [
    'quote " and \\" backslash',
    "braces {a|b} <port>",
    "ampersand &amp; & <b>bold</b>",
    "two\nlines",
    "中文标签 反向传播",
    "</text><script>alert(1)</script>",
    "]]><!-- --><svg onload=alert(1)>",
]


@pytest.mark.parametrize("label", EVIL)
def test_any_label_is_shown_as_text(label: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # the renderer every user has: graphviz-pure
    plain = Value(1.0, label="plain")
    evil = Value(2.0, label=label)
    out = plain * evil
    root = _parse_svg(draw(out).svg())
    allowed = {"svg", "g", "title", "text", "polygon", "ellipse", "path", "polyline"}
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    assert tags <= allowed, f"elements that came from a label: {tags - allowed}"
    assert not any(name.startswith("on") for e in root.iter() for name in e.attrib)
    shown = "\n".join(text.text or "" for text in root.iter(f"{SVG_NS}text"))
    for line in label.split("\n"):
        assert line in shown


def test_a_large_drawing_comes_to_jupyter_as_svg_alone() -> None:
    x = Value(0.5, label="x")
    for _ in range(PNG_DISPLAY_MAX_VALUES):
        x = x.tanh()
    graph = draw(x)
    assert len(graph.ids) == PNG_DISPLAY_MAX_VALUES + 1
    data, metadata = graph._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "text/plain"}
    assert metadata == {}
    how_to = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "draw.md"
    assert f"more than {PNG_DISPLAY_MAX_VALUES} values" in how_to.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot"])
@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "full"), KeyboardInterrupt()])
def test_a_save_that_fails_mid_write_keeps_the_old_drawing(
    suffix: str, failure: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"graph{suffix}"
    draw(_graph()[2]).save(path)
    old = path.read_bytes()
    a = Value(1.0, label="a")
    bigger = draw(a * a + a.exp() * a.sin())
    new = bigger.save(tmp_path / f"new{suffix}").read_bytes()
    assert new != old
    fail_writes(monkeypatch, tmp_path, after_bytes=len(new) // 2, error=failure)
    with pytest.raises(type(failure)):
        bigger.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert leftovers(tmp_path, f"graph{suffix}", f"new{suffix}") == []
    assert bigger.save(path).read_bytes() == new
