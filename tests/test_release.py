"""The release: the sdist and wheel built from this checkout pass `twine check --strict`, hold
what they must, and the wheel installed in a fresh venv runs the document's network and draws.

Nothing is downloaded: the build runs without isolation (build and hatchling come with the test
extra), and the fresh venv installs chainrule's dependencies with `pip --no-index` from wheels
rebuilt from the distributions installed here (see wheelhouse.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from document import DOCUMENT_SGD, TRUE_STEP_2
from packaging.requirements import Requirement
from pathspec import GitIgnoreSpec
from wheelhouse import rebuild_wheel, requirements_closure

ROOT = Path(__file__).resolve().parent.parent
# What the test suite reads, so an unpacked sdist can run it (pyproject.toml and LICENSE besides).
SDIST_FOLDERS = ("autograd", "nn", "tests", "docs", "notebooks", "benchmarks")
SDIST_FILES = ("pyproject.toml", "LICENSE", "README.md", "Makefile", "mkdocs.yml")
DRAWING = """
import json, autograd, autograd.render
from autograd import Value, draw
x, w = Value(2.0, label="x"), Value(-3.0, label="w")
y = (x * w).tanh() + x.exp() / w
y.backward()
print(json.dumps({"autograd": autograd.__file__, "renderer": autograd.render.find_renderer(),
                  "dot": draw(y).dot, "svg": draw(y).svg()}))
"""


def _run(command: list[str | Path], cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from it, as `make dist` builds them but with this
    environment's hatchling instead of one installed into an isolated build environment."""
    folder = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", folder, ROOT])
    (sdist,), (wheel,) = folder.glob("*.tar.gz"), folder.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _metadata(wheel: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        header = archive.read(name).decode().split("\n\n", 1)[0]
    return [(line.split(": ", 1)[0], line.split(": ", 1)[1]) for line in header.splitlines()]


def test_twine_check_strict_passes(dist: dict[str, Path]) -> None:
    output = _run([sys.executable, "-m", "twine", "check", "--strict", *dist.values()])
    assert output.count("PASSED") == 2, output


def test_metadata_license_readme_and_markers(dist: dict[str, Path]) -> None:
    fields = _metadata(dist["wheel"])
    assert ("License-Expression", "MIT") in fields
    assert ("Description-Content-Type", "text/markdown") in fields
    requirements = {r.name: r for r in (Requirement(v) for k, v in fields if k == "Requires-Dist")}
    marker = requirements["graphviz-pure"].marker
    assert marker is not None, "graphviz-pure has no wheel for Pyodide: it needs a marker"
    assert not marker.evaluate({"sys_platform": "emscripten"})  # Pyodide: no native dot
    assert marker.evaluate({"sys_platform": "linux"})
    assert requirements["graphviz"].marker is None
    assert not requirements["mkdocs"].specifier.contains("2.0")


def test_wheel_holds_the_packages_their_data_and_no_tests(dist: dict[str, Path]) -> None:
    names = _wheel_names(dist["wheel"])
    data = ("autograd/templates/step_through.html", "nn/seed/templates/training.html")
    for needed in (*data, "autograd/py.typed", "nn/py.typed"):
        assert needed in names
    for package in ("autograd", "nn"):
        for module in (ROOT / package).rglob("*.py"):
            assert module.relative_to(ROOT).as_posix() in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    name_version = "-".join(dist["wheel"].name.split("-")[:2])  # chainrule-0.1.0
    assert {n.split("/")[0] for n in names} == {"autograd", "nn", f"{name_version}.dist-info"}


def test_sdist_holds_what_the_tests_read_and_nothing_else(dist: dict[str, Path]) -> None:
    """Every file of the checkout under SDIST_FOLDERS and SDIST_FILES that git does not ignore."""
    ignored = GitIgnoreSpec.from_lines((ROOT / ".gitignore").read_text().splitlines())
    expected = set(SDIST_FILES)
    for folder in SDIST_FOLDERS:
        files = (p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file())
        expected.update(name for name in files if not ignored.match_file(name))
    with tarfile.open(dist["sdist"]) as archive:
        names = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
    assert names - {"PKG-INFO", ".gitignore"} == expected


@pytest.fixture(scope="module")
def venv(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site-packages, not editable) with the wheel installed offline."""
    folder = tmp_path_factory.mktemp("venv")
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    needed = [value for key, value in _metadata(dist["wheel"]) if key == "Requires-Dist"]
    for name in requirements_closure(needed):
        rebuild_wheel(name, wheelhouse)
    _run([sys.executable, "-m", "venv", folder])
    install = ["-m", "pip", "install", "--no-index", "--find-links", wheelhouse]
    _in_venv(folder, *install, dist["wheel"], cwd=wheelhouse)
    return folder


def _in_venv(venv: Path, *arguments: str | Path, cwd: Path) -> str:
    """Run the venv's Python in ``cwd``, with only the venv's bin on PATH (so the drawing comes
    from the graphviz-pure it installed, not a system dot), nothing of this checkout's, and no
    pip configuration of this machine (its indexes and constraints)."""
    drop = ("PYTHON", "PIP_", "VIRTUAL_ENV", "CHAINRULE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(PATH=str(venv / "bin"), PIP_CONFIG_FILE=os.devnull)
    return _run([venv / "bin" / "python", *arguments], cwd=cwd, env=env)


def test_the_installed_wheel_trains_the_documents_network(venv: Path, tmp_path: Path) -> None:
    output = _in_venv(venv, "-m", "nn.seed", "--draw", "out", cwd=tmp_path)
    lines = output.splitlines()
    steps = [line for line in lines if line.startswith("step = ")]
    assert steps[0] == DOCUMENT_SGD[1]
    assert steps[1] == f"step = 2: yp = {TRUE_STEP_2['sgd']}, Error = 0.016565382326770402"
    assert len(steps) == 111 + 11
    assert "111 forward passes, 110 updates" in output
    assert "11 forward passes, 10 updates" in output
    assert lines[-3:] == [
        "wrote out/seed_graph.svg",
        "wrote out/seed_backward.html",
        "wrote out/seed_training.html",
    ]
    here = _run([sys.executable, "-m", "nn.seed"])
    assert output.startswith(here)  # the same digits as the checkout
    assert (tmp_path / "out/seed_graph.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
    page = (tmp_path / "out/seed_backward.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "$svg" not in page  # the template's placeholders are filled
    training = (tmp_path / "out/seed_training.html").read_text()
    assert training.startswith("<!DOCTYPE html>")
    assert "$data" not in training


def test_the_installed_wheel_draws_with_its_own_renderer(venv: Path, tmp_path: Path) -> None:
    result = json.loads(_in_venv(venv, "-c", DRAWING, cwd=tmp_path))
    assert Path(result["autograd"]).is_relative_to(venv)  # the wheel's copy, not the checkout's
    assert Path(result["renderer"]) == venv / "bin" / "graphviz-pure"
    assert result["svg"].lstrip().startswith(("<svg", "<?xml"))
    assert result["svg"].rstrip().endswith("</svg>")
    here = json.loads(_run([sys.executable, "-c", DRAWING]))  # the checkout's autograd
    assert result["dot"] == here["dot"]
