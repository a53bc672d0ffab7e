"""Build the notebooks' in-browser copy: a JupyterLite site with chainrule preinstalled.

    python docs/lite_site.py OUTPUT [--wheels CACHE]

The docs build calls :func:`build` with its site's ``lite/`` folder. Nothing in the result is
loaded from another host when it runs (the browser test blocks every other request):

- Pyodide's files come from the npm package that ``npm ci --prefix tests/pyodide`` installs, and
  JupyterLite's app and Pyodide kernel from the Python packages ``jupyterlite-core`` and
  ``jupyterlite-pyodide-kernel`` (the ``docs`` extra).
- The npm package ships Pyodide's lock file (``pyodide-lock.json``) but none of the wheels it
  names, and the kernel loads ``micropip``, ``ipython``, ``jedi``, ``comm`` and their
  requirements at start-up. So the build downloads those wheels from PyPI (the versions the lock
  names, cached in ``CACHE``), puts them beside Pyodide and rewrites their lock entries with the
  downloaded files' SHA-256, which Pyodide checks. chainrule's wheel (built from this checkout)
  and graphviz's join the lock, and the kernel loads chainrule when it starts.
- Drawings are rendered by ``@viz-js/viz``: the kernel's Python runs in a worker that the site
  does not script, so the kernel's environment sets ``CHAINRULE_VIZ_URL`` and chainrule loads
  Graphviz itself (see ``autograd.render``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "tests" / "pyodide" / "node_modules"
PYODIDE = NODE_MODULES / "pyodide"
VIZ_SCRIPT = NODE_MODULES / "@viz-js" / "viz" / "dist" / "viz-global.js"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"

KERNEL_NEEDS = ["micropip", "ipython", "jedi"]
"""What the Pyodide kernel loads at start-up from Pyodide's lock, with their requirements."""
NOT_IN_THE_LOCK = {"comm": "0.2.3"}
"""What the kernel installs at start-up that Pyodide's lock does not name, pinned here."""

SETTINGS = {
    # Every cell in the page, scrolled into view or not, as in a classic notebook: the
    # browser's find-in-page sees the whole notebook, and so does a test reading its outputs.
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # No announcements or update checks: the site asks nothing of other hosts.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
"""Settings the site starts with (``overrides.json``)."""

KERNEL_EXTENSION = Path(
    sys.prefix, "share", "jupyter", "labextensions", *KERNEL_PLUGIN.split(":")[0].split("/")
)
"""The Pyodide kernel's JupyterLab extension, as jupyterlite-pyodide-kernel installs it."""


def build_config() -> dict[str, Any]:
    """``jupyter_lite_config.json``: the site's extensions are the Pyodide kernel's alone. By
    default JupyterLite copies every extension and language pack installed beside the Python
    that builds it, so the site would change with whatever else that environment holds."""
    return {
        "LiteBuildConfig": {
            "ignore_sys_prefix": ["federated_extensions", "translation"],
            "federated_extensions": [str(KERNEL_EXTENSION)],
        }
    }


# Where the kernel's worker script lies below the site, and so the way from it to the site's
# top: the worker resolves CHAINRULE_VIZ_URL against its own address.
WORKER_TO_SITE = "../../../.."
VIZ_IN_SITE = "static/pyodide/viz-global.js"


class LiteBuildError(RuntimeError):
    """Something the JupyterLite site needs is missing, or its build failed."""


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def kernel_packages(lock: dict[str, Any]) -> list[str]:
    """The lock's names for :data:`KERNEL_NEEDS` and everything they depend on, sorted."""
    by_normal_name = {_normal(name): name for name in lock["packages"]}
    found: set[str] = set()
    pending = list(KERNEL_NEEDS)
    while pending:
        wanted = pending.pop()
        name = by_normal_name.get(_normal(wanted))
        if name is None:
            raise LiteBuildError(
                f"Pyodide's lock file names no package {wanted!r}, which the JupyterLite "
                f"kernel needs ({', '.join(KERNEL_NEEDS)} and their requirements)"
            )
        if name not in found:
            found.add(name)
            pending.extend(lock["packages"][name]["depends"])
    return sorted(found)


def download_wheels(pins: dict[str, str], cache: Path) -> dict[str, Path]:
    """Each ``name==version`` of ``pins`` as a pure-Python wheel from PyPI, in ``cache``. A
    cached file that is not a whole wheel (a download cut short) is downloaded again: the lock
    would name it by its own SHA-256 and the kernel would fail only in the reader's browser."""
    cache.mkdir(parents=True, exist_ok=True)
    for name, version in pins.items():
        cached = _cached(cache, name, version)
        if cached is not None and not _whole(cached):
            cached.unlink()
    wanted = sorted(f"{name}=={version}" for name, version in pins.items())
    missing = [pin for pin in wanted if _cached(cache, *pin.split("==")) is None]
    if missing:
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "--implementation", "py", "--abi", "none",
            "--platform", "any", "--python-version", "3.14", "--dest", str(cache), *missing,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise LiteBuildError(
                "could not download the wheels the JupyterLite kernel needs "
                f"({' '.join(missing)}): {result.stderr.strip()[-800:]}"
            )
    wheels = {}
    for name, version in pins.items():
        wheel = _cached(cache, name, version)
        if wheel is None:
            raise LiteBuildError(f"pip downloaded no wheel of {name}=={version} into {cache}")
        if not _whole(wheel):
            raise LiteBuildError(
                f"{wheel} is not a whole wheel (a zip whose every file reads back)"
            )
        wheels[name] = wheel
    return wheels


def _whole(wheel: Path) -> bool:
    """Whether ``wheel`` is a zip file whose every member reads back with its CRC."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def _cached(cache: Path, name: str, version: str) -> Path | None:
    stem = name.lower().replace("-", "_")
    found = sorted(cache.glob(f"{stem}-{version}-*.whl")) + sorted(
        cache.glob(f"{name}-{version}-*.whl")
    )
    return found[0] if found else None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(name: str, version: str, wheel: Path, imports: list[str], depends: list[str]) -> Any:
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": _sha256(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "tool": {},
    }


def pyodide_folder(folder: Path, chainrule_wheels: list[Path], cache: Path) -> None:
    """Pyodide as the kernel loads it, in ``folder``: the npm package's files, the kernel's
    wheels and chainrule's, a lock file that names them by their own SHA-256, and Viz."""
    for required in (PYODIDE / "pyodide.mjs", VIZ_SCRIPT):
        if not required.is_file():
            raise LiteBuildError(
                f"{required} is missing: install the npm packages (npm ci --prefix tests/pyodide)"
            )
    folder.mkdir(parents=True)
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        shutil.copy2(PYODIDE / name, folder / name)
    shutil.copy2(VIZ_SCRIPT, folder / VIZ_SCRIPT.name)
    lock = json.loads((PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))
    packages = kernel_packages(lock)
    pins = {name: lock["packages"][name]["version"] for name in packages} | NOT_IN_THE_LOCK
    for name, wheel in download_wheels(pins, cache).items():
        shutil.copy2(wheel, folder / wheel.name)
        if name in lock["packages"]:
            entry = lock["packages"][name]
            entry["file_name"], entry["sha256"] = wheel.name, _sha256(wheel)
        else:
            lock["packages"][name] = _entry(name, pins[name], folder / wheel.name, [name], [])
    for wheel in chainrule_wheels:
        shutil.copy2(wheel, folder / wheel.name)
    by_name = {wheel.name.split("-")[0]: folder / wheel.name for wheel in chainrule_wheels}
    graphviz, chainrule = by_name["graphviz"], by_name["chainrule"]
    lock["packages"]["graphviz"] = _entry(
        "graphviz", graphviz.name.split("-")[1], graphviz, ["graphviz"], []
    )
    lock["packages"]["chainrule"] = _entry(
        "chainrule", chainrule.name.split("-")[1], chainrule, ["autograd", "nn"], ["graphviz"]
    )
    text = json.dumps(lock, indent=1, sort_keys=True) + "\n"
    (folder / "pyodide-lock.json").write_text(text, encoding="utf-8")


def lite_config() -> dict[str, Any]:
    """``jupyter-lite.json``: no PyPI, chainrule loaded at start, Viz named for chainrule."""
    kernel = {
        "disablePyPIFallback": True,
        "loadPyodideOptions": {
            "packages": ["micropip", "chainrule"],
            "env": {"CHAINRULE_VIZ_URL": f"{WORKER_TO_SITE}/{VIZ_IN_SITE}"},
        },
    }
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "chainrule notebooks",
            "litePluginSettings": {KERNEL_PLUGIN: kernel},
        },
    }


def _joined_outputs(notebook: Path) -> str:
    """The notebook's JSON with each output's text and data as one string, not a list of lines
    (both are nbformat): JupyterLite shows a stored list of lines joined by commas."""
    document = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in document["cells"]:
        for output in cell.get("outputs", []):
            if isinstance(output.get("text"), list):
                output["text"] = "".join(output["text"])
            for kind, value in output.get("data", {}).items():
                if isinstance(value, list):
                    output["data"][kind] = "".join(value)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _source_date_epoch() -> str:
    """``SOURCE_DATE_EPOCH`` if the environment sets it (the reproducible-builds convention),
    else the time of the checkout's last commit (the notebooks' "last modified" in JupyterLite),
    so that two builds of one commit are the same bytes; a fixed time outside a git checkout."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            raise LiteBuildError(
                f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {given!r}"
            )
        return given
    command = ["git", "log", "-1", "--format=%ct"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    stamp = result.stdout.strip()
    return stamp if result.returncode == 0 and stamp.isdigit() else "1767225600"  # 2026-01-01


def sort_listings(api: Path) -> None:
    """Put every contents listing (``all.json``) below ``api`` in name order. JupyterLite lists
    a folder in the order the file system returns its entries, which differs from one file
    system (and one machine) to another, so that two builds of one commit would differ."""
    for listing in sorted(api.rglob("all.json")):
        document = json.loads(listing.read_text(encoding="utf-8"))
        if isinstance(document.get("content"), list):
            document["content"].sort(key=lambda entry: entry["name"])
            text = json.dumps(document, sort_keys=True, indent=2)  # JupyterLite's own format
            listing.write_text(text, encoding="utf-8")


def replace_folder(output: Path, staged: Path) -> None:
    """Put a copy of ``staged`` at ``output``, replacing what was there. The copy is made beside
    ``output`` first, so a failure while copying (a full disk) leaves the old ``output`` whole
    and no partial copy; the old folder is moved aside, not deleted, until the new one is in
    place."""
    incoming = output.with_name(f"{output.name}.incoming")
    retired = output.with_name(f"{output.name}.old")
    for leftover in (incoming, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        shutil.copytree(staged, incoming)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    if output.exists():
        output.rename(retired)
    incoming.rename(output)
    shutil.rmtree(retired, ignore_errors=True)


def build(output: Path, chainrule_wheels: list[Path], cache: Path) -> None:
    """The JupyterLite site with the notebooks, in ``output`` (replaced)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-lite-") as scratch:
        lite = Path(scratch)
        pyodide_folder(lite / "static" / "pyodide", chainrule_wheels, cache)
        (lite / "jupyter-lite.json").write_text(json.dumps(lite_config(), indent=1) + "\n")
        (lite / "overrides.json").write_text(json.dumps(SETTINGS, indent=1) + "\n")
        if not (KERNEL_EXTENSION / "package.json").is_file():
            raise LiteBuildError(
                f"the Pyodide kernel's extension is not in {KERNEL_EXTENSION}: install the docs "
                "tools (pip install -e '.[docs]')"
            )
        config = json.dumps(build_config(), indent=1) + "\n"
        (lite / "jupyter_lite_config.json").write_text(config, encoding="utf-8")
        contents = lite / "contents"
        contents.mkdir()
        for notebook in NOTEBOOKS:
            (contents / notebook.name).write_text(_joined_outputs(notebook), encoding="utf-8")
        staged = lite / "_output"
        command = [
            sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite),
            "--contents", str(contents), "--output-dir", str(staged), "--no-sourcemaps",
        ]  # fmt: skip
        environment = {**os.environ, "SOURCE_DATE_EPOCH": _source_date_epoch()}
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False, cwd=lite, env=environment
        )
        if result.returncode != 0:
            raise LiteBuildError(
                f"jupyter lite build failed: {result.stdout[-1500:]}{result.stderr[-1500:]}"
            )
        sort_listings(staged / "api" / "contents")
        replace_folder(output, staged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--wheels", type=Path, default=ROOT / "build" / "lite-wheels")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from wheelhouse import build_chainrule_wheel, rebuild_wheel

    with tempfile.TemporaryDirectory() as folder:
        wheels = [build_chainrule_wheel(Path(folder)), rebuild_wheel("graphviz", Path(folder))]
        build(arguments.output, wheels, arguments.wheels)


if __name__ == "__main__":
    main()
