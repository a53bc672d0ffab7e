"""The C compiler the tests build with, found as ``backend="c"`` finds it, and the backends a
test of compiled code runs on: "python" always, "c" where a compiler is found (CI has one, and
fails on any skip)."""

from __future__ import annotations

import pytest

from autograd import cbuild

try:
    COMPILER = cbuild.find_compiler()
except cbuild.CompilerNotFoundError:  # pragma: no cover - every CI machine has one
    COMPILER = []
needs_compiler = pytest.mark.skipif(not COMPILER, reason="no C compiler")
BACKENDS = ["python", pytest.param("c", marks=needs_compiler)]
