"""The documentation site builds strictly, its figures are made by the build from the code, and
the tutorial's numbers are the engine's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from docsite import ROOT, build_site
from document import hand_derived_gradients


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


def test_every_page_of_the_navigation_is_built(site: Path) -> None:
    for page in ("index.html", "tutorial/index.html", "zh/tutorial/index.html", "try/index.html",
                 "how-to/compile/index.html", "explanations/update-order/index.html",
                 "explanations/speed/index.html",
                 "reference/autograd/index.html", "reference/nn/index.html",
                 "benchmarks/index.html"):  # fmt: skip
        assert (site / page).is_file(), page


def test_figures_are_generated_by_the_build(site: Path) -> None:
    graph = (site / "generated" / "seed_graph.svg").read_text(encoding="utf-8")
    assert graph.lstrip().startswith("<?xml")
    for label in ("w13", "w45", "z5", "E"):
        assert f">{label}<" in graph
    player = (site / "generated" / "seed_backward.html").read_text(encoding="utf-8")
    assert "step_through" not in player  # a page, not code
    assert '<script type="application/json" id="frames">' in player
    assert 'src="../generated/seed_backward.html"' in (site / "tutorial/index.html").read_text()
    chinese = (site / "generated" / "seed_backward_zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in chinese
    assert "下一步" in chinese
    zh_tutorial = (site / "zh/tutorial/index.html").read_text(encoding="utf-8")
    assert 'src="../../generated/seed_backward_zh.html"' in zh_tutorial


def test_the_tutorials_numbers_are_the_engines() -> None:
    expected = hand_derived_gradients()
    for tutorial in ("docs/tutorial.md", "docs/zh/tutorial.md"):
        text = (ROOT / tutorial).read_text(encoding="utf-8")
        for name, gradient in expected.items():
            assert f"| {name} |" in text
            assert f"{gradient:.6g}" in text, (tutorial, name)
        assert "0.6902834929076443" in text
        assert "0.01810390383656677" in text


def test_the_api_reference_documents_the_public_names(site: Path) -> None:
    reference = (site / "reference/autograd/index.html").read_text(encoding="utf-8")
    for name in ("autograd.value.Value", "autograd.higher", "autograd.compiler", "gradcheck"):
        assert name in reference
    assert "load_state_dict" in (site / "reference/nn/index.html").read_text(encoding="utf-8")
    assert ":meth:" not in reference  # Sphinx roles are shown as plain code
    assert ":func:" not in reference


def test_the_chinese_tutorial_calls_the_source_page_yuanwen() -> None:
    """The page the project grew from is 原文 (the original text); 文档 would say documentation,
    as if it were this site."""
    text = (ROOT / "docs/zh/tutorial.md").read_text(encoding="utf-8")
    assert "文档" not in text
    introduction = text.split("\n## ")[0]
    assert "称为“原文”" in introduction  # the introduction says which page 原文 is


def test_the_chinese_tutorial_breaks_no_line_between_two_chinese_characters(site: Path) -> None:
    """A line break inside a paragraph is shown as a space, which Chinese does not put between
    its characters."""
    html = (site / "zh/tutorial/index.html").read_text(encoding="utf-8")
    prose = re.sub(r"<pre.*?</pre>", "", html, flags=re.DOTALL)
    chinese = "\u4e00-\u9fff，。：；、（）“”"
    assert not re.findall(f"[{chinese}]\\s*\n\\s*[{chinese}]", prose)


def _search_words(site: Path) -> dict[str, set[str]]:
    """The words of the search index, split as the browser splits them, with their pages."""
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    words: dict[str, set[str]] = {}
    for entry in index["docs"]:
        for word in separator.split(f"{entry['title']} {entry['text']}"):
            words.setdefault(word, set()).add(entry["location"].split("#")[0])
    return words


def test_the_search_index_holds_chinese_words(site: Path) -> None:
    """The Chinese text is cut into words at build time (jieba), so that a query for one word
    can match; unsegmented, each run of Chinese between two punctuation marks is one word."""
    words = _search_words(site)
    for term in ("反向传播", "链式法则", "学习率", "梯度下降", "计算图"):  # the user dictionary's
        assert "zh/tutorial/" in words.get(term, set()), term
    for word in ("教程", "网络", "手算"):  # and ordinary words, by jieba's own dictionary
        assert "zh/tutorial/" in words.get(word, set()), word
    chinese = [w for w in words if w and all("\u4e00" <= c <= "\u9fff" for c in w)]
    assert max(map(len, chinese)) <= 5, sorted(chinese, key=len)[-3:]
    assert "explanations/topological-order/" in words["topological"]  # English as before


def test_the_site_loads_nothing_from_other_hosts(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text, page


PAGES = sorted((ROOT / "docs").rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT / "docs")) for p in PAGES])
def test_the_python_examples_of_every_page_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # examples that save files save them here
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    namespace: dict[str, object] = {}
    for block in blocks:  # the blocks of one page run in order, sharing their names
        exec(compile(block, str(page), "exec"), namespace)
