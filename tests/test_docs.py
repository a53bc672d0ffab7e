"""The documentation site builds strictly, its figures are made by the build from the code, and
the tutorial's numbers are the engine's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from document import hand_derived_gradients

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return folder


def test_every_page_of_the_navigation_is_built(site: Path) -> None:
    for page in ("index.html", "tutorial/index.html", "zh/tutorial/index.html",
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
