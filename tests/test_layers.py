"""The engine's layers: no import cycle inside the packages (imports inside functions count),
each module of ``autograd`` imports only modules below it in the documented order, and
generated code can be read by debuggers."""

from __future__ import annotations

import ast
import inspect
import traceback
from pathlib import Path

import autograd
from autograd import Value

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")
LAYERS = [
    "files", "collector", "numerics", "generated", "rule", "ops", "modes", "pickling", "value",
    "record", "graph", "functions", "higher", "methods", "trace", "gradcheck", "render", "draw",
    "javascript", "player", "cgen", "cbuild", "simplify",
    "compiler",
]  # fmt: skip
"""autograd's modules, bottom to top, as its package docstring lists them."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules that ``path`` imports anywhere in it, inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_import_cycle_inside_the_packages() -> None:
    graph = _graph()
    for module, imported in graph.items():  # autograd's __init__ imports every layer
        if module.startswith("autograd.") and module != "autograd.__main__":
            assert "autograd" not in imported, f"{module} imports the package autograd"
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in visiting:
            cycle = [*visiting[visiting.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        visiting.append(module)
        for imported in sorted(graph[module]):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_each_engine_module_imports_only_layers_below_it() -> None:
    graph = _graph()
    engine = {name.split(".", 1)[1] for name in graph if name.startswith("autograd.")}
    assert engine - {"__main__"} == set(LAYERS), "a module of autograd is missing from LAYERS"
    for position, module in enumerate(LAYERS):
        below = {f"autograd.{name}" for name in LAYERS[:position]}
        upward = graph[f"autograd.{module}"] - below
        assert not upward, f"autograd.{module} imports {sorted(upward)}, which are above it"
    documented = " ".join((autograd.__doc__ or "").split())
    assert ", ".join(f"``{name}``" for name in LAYERS[:10]) in documented


def test_generated_methods_and_compiled_code_have_source_for_debuggers() -> None:
    source = inspect.getsource(Value.__mul__)
    assert source.startswith("def method(self, other):")
    assert "out = x * y" in source
    compiled = autograd.compile(lambda x, y: (x / y).log())
    compiled(1.0, 2.0)
    fast = compiled._fast
    assert fast is not None
    assert inspect.getsource(fast) == compiled.source
    try:
        fast("one", 2.0)  # a str where a float belongs: the generated line fails
    except TypeError as error:
        shown = "".join(traceback.format_exception(error))
    assert "t0 = x / y" in shown
