"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that save files save them here
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "backward.html").read_text().startswith("<!DOCTYPE html>")


def test_readme_puts_the_two_commands_first() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    assert "make demo" in first_block
    assert "make test" in first_block


def test_readme_lists_every_op_of_the_table() -> None:
    from autograd import RULES

    text = README.read_text(encoding="utf-8")
    ops = text[text.index("- **Ops**") : text.index("as methods and as functions")].split()
    named = {method for rule in RULES.values() for method in rule.methods if method[0] != "_"}
    assert named <= {word.strip("`") for word in ops}, named - set(ops)
