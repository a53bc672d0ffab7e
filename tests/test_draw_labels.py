"""Labels a drawing cannot show as themselves are shown as visible text, with either renderer:
control characters, lone surrogates, noncharacters, Graphviz's own escapes, very long names."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, draw
from autograd.draw import LONGEST_NAME

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


@pytest.fixture(params=["graphviz-pure", "dot"])
def renderer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Draw with graphviz-pure (no system dot on PATH) or with the system ``dot``."""
    if request.param == "dot":
        found = shutil.which("dot")
        if found is None:
            pytest.skip("the system Graphviz `dot` is not installed")
        monkeypatch.setenv("CHAINRULE_DOT", found)
    else:
        monkeypatch.setenv("PATH", "")
    return str(request.param)


def _texts(svg: str) -> list[str]:
    return [text.text or "" for text in ET.fromstring(svg).iter(f"{SVG_NS}text")]


# Each label and, written out by hand, what its box shows.
LABELS = [
    ("\x1b[31mred\x1b[0m", r"\x1b[31mred\x1b[0m"),  # ANSI colour codes
    ("a\x00b", r"a\x00b"),  # NUL
    ("tab\there", r"tab\there"),
    ("del\x7f c1\x85", r"del\x7f c1\x85"),
    ("non\ufffecharacter\uffff", r"non\ufffecharacter\uffff"),
    ("plane one \U0001fffe", r"plane one \U0001fffe"),
    ("lone \ud800 surrogate \udfff", r"lone \ud800 surrogate \udfff"),
    ("name \\N and graph \\G", r"name \N and graph \G"),  # not Graphviz's substitutions
    ("\\E \\T \\H \\L \\n", r"\E \T \H \L \n"),
    ("two \\\\N backslashes", r"two \\N backslashes"),
    ("ends in a backslash\\", "ends in a backslash\\"),
    ("中文 and é", "中文 and é"),  # shown as themselves
]


@pytest.mark.parametrize(("label", "shown"), LABELS)
def test_a_label_is_shown_as_visible_text_and_never_breaks_the_drawing(
    label: str, shown: str, renderer: str
) -> None:
    value = Value(2.0, label=label)
    graph = draw(value * 3.0)
    assert shown in _texts(graph.svg())
    assert label not in graph.dot or label == shown  # the raw characters never reach the DOT
    graph.dot.encode("utf-8")  # a lone surrogate would not encode


def test_a_drawing_with_such_labels_saves_as_every_format(tmp_path: Path) -> None:
    graph = draw(Value(1.0, label="\ud800\x00\\N") * 2.0)
    for suffix in (".dot", ".svg", ".png"):
        assert graph.save(tmp_path / f"g{suffix}").stat().st_size > 0


def test_a_long_name_is_cut_with_an_ellipsis_and_whole_in_a_tooltip(renderer: str) -> None:
    long = 'layers.0.neurons.3.w.0 <b>&amp; \\N "quoted" ' + "x" * 60 + "\x1b end"
    whole = long.replace("\x1b", r"\x1b")
    short = Value(1.0, label="s" * 40)  # 40 characters: shown whole, no tooltip
    graph = draw(Value(2.0, label=long) * short)
    svg = graph.svg()
    texts = _texts(svg)
    assert whole[:39] + "…" in texts
    assert "s" * 40 in texts
    assert not any(whole in text for text in texts)
    tooltips = [a.get(XLINK_TITLE) for a in ET.fromstring(svg).iter(f"{SVG_NS}a")]
    assert tooltips == [whole]


def test_the_how_to_says_how_long_a_shown_name_may_be() -> None:
    how_to = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "draw.md"
    text = " ".join(how_to.read_text(encoding="utf-8").split())
    assert f"A name longer than {LONGEST_NAME} characters is cut to {LONGEST_NAME - 1}" in text
