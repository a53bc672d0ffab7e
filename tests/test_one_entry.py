"""Adding an op is one entry of the rule table: a copy of the packages with one entry added to
``autograd/ops.py``, as docs/how-to/add-an-op.md says, has the op as a method, a free function,
drawn, compiled, differentiated twice, written as JavaScript for the player's live values, and
tested by the table-driven tests."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import autograd
from autograd import RULES

ROOT = Path(__file__).resolve().parent.parent
HOW_TO = ROOT / "docs" / "how-to" / "add-an-op.md"

CHECKS = """
import math
import autograd
from autograd import Value, draw, gradcheck, hessian

x = Value(0.3, label="x")
y = x.softsign()
y.backward()
assert y.data == 0.3 / 1.3 and x.grad == 1 / 1.3**2, (y.data, x.grad)
assert autograd.softsign(x).data == y.data and autograd.softsign(0.3) == y.data
assert "softsign" in draw(y).dot
value, (derivative,) = autograd.compile(lambda v: v.softsign())(0.3)
assert (value, derivative) == (y.data, x.grad)
assert gradcheck(lambda v: v.softsign(), [0.3, -2.0][:1], order=2)
assert math.isclose(hessian(lambda v: v.softsign(), [0.3])[0][0], -2 / 1.3**3, rel_tol=1e-12)
print("ok")
"""


def _entry_from_the_how_to() -> str:
    text = HOW_TO.read_text(encoding="utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    entry = "SOFTSIGN = Rule(" + block.split("SOFTSIGN = Rule(", 1)[1].split("\n)\n", 1)[0]
    return entry + "\n)\n"


def test_the_how_to_entry_adds_a_whole_op(tmp_path: Path) -> None:
    for package in ("autograd", "nn", "tests"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    ops = tmp_path / "autograd" / "ops.py"
    source = ops.read_text(encoding="utf-8")
    marker = "RULES: dict[str, Rule] ="
    ops.write_text(source.replace(marker, _entry_from_the_how_to() + "\n\n" + marker))
    ast.parse(ops.read_text(encoding="utf-8"))
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", CHECKS], cwd=tmp_path, env=environment, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert run.stdout.strip() == "ok", run.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "softsign",
         "tests/test_ops.py", "tests/test_methods.py", "tests/test_javascript.py"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout[-3000:]
    summary = tests.stdout.strip().splitlines()[-1]
    assert int(summary.split(" passed")[0].split()[-1]) >= 8, summary  # domain points, edges
    assert "softsign" not in RULES  # the real table is untouched
    assert not hasattr(autograd, "softsign")


def _type_checking_block(path: Path) -> ast.If:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return node
    raise AssertionError(f"no TYPE_CHECKING block in {path}")


def test_type_checkers_know_every_method_and_function_of_the_table() -> None:
    methods = {method for rule in RULES.values() for method in rule.methods}
    functions = {rule.function for rule in RULES.values() if rule.function}
    stubs = _type_checking_block(ROOT / "autograd" / "value.py").body
    assert {node.name for node in stubs if isinstance(node, ast.FunctionDef)} == methods
    declared = _type_checking_block(ROOT / "autograd" / "functions.py").body
    names = {node.target.id for node in declared if isinstance(node, ast.AnnAssign)}  # type: ignore[union-attr]
    assert names == functions
    exported = _type_checking_block(ROOT / "autograd" / "__init__.py").body
    assert {a.name for node in exported for a in node.names} == functions  # type: ignore[attr-defined]
