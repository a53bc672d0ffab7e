"""How Python calls a built C function: through a small CPython extension (cbuild.caller), or
through ctypes where the extension cannot be built. Both give the C function's bits."""

from __future__ import annotations

import functools
import math
import random
import sysconfig
import tracemalloc
from pathlib import Path

import pytest
from programs import VALUE_BACKEND, random_program
from test_compile_c import COMPILER, EDGES, _same, bits, document_loss

import autograd
from autograd import RULES, Value, cbuild
from nn import seed

pytestmark = [
    pytest.mark.usefixtures("own_build_cache"),
    pytest.mark.skipif(not COMPILER, reason="no C compiler"),
]
HEADERS = Path(sysconfig.get_paths()["include"], "Python.h").is_file()


@pytest.fixture
def ctypes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls through ctypes, as where the extension cannot be built."""
    monkeypatch.setattr(cbuild, "_caller", [None])


@pytest.mark.skipif(not HEADERS, reason="no Python.h (the interpreter's development headers)")
def test_built_functions_are_called_through_the_extension() -> None:
    call = cbuild.caller()
    assert call is not None
    compiled = autograd.compile(document_loss, backend="c")
    compiled(*seed.WEIGHTS.values())
    assert isinstance(compiled._fast, functools.partial)
    assert compiled._fast.func is call
    assert compiled(*seed.WEIGHTS.values())[0] == 0.01810390383656677  # FACTS.md, step 1


def test_through_ctypes_every_bit_is_the_same(ctypes_only: None) -> None:
    compiled = autograd.compile(document_loss, backend="c")
    assert compiled(*seed.WEIGHTS.values())[0] == 0.01810390383656677  # FACTS.md, step 1
    assert not isinstance(compiled._fast, functools.partial)
    _same(document_loss, [list(seed.WEIGHTS.values())])
    for seed_number in range(8):
        rng = random.Random(seed_number)
        program = random_program(rng, n_inputs=3, n_steps=14)

        def f(a: Value, b: Value, c: Value, program: object = program) -> Value:
            return program.run([a, b, c], VALUE_BACKEND)[-1]  # type: ignore[attr-defined, no-any-return]

        _same(f, [[rng.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(3)])
    for name in ("div", "log", "exp", "pow"):
        op = VALUE_BACKEND[name]
        if RULES[name].arity == 1:
            _same(lambda x, op=op: op(x), [[x] for x in EDGES])
        else:
            _same(lambda x, y, op=op: op(x, y), [[x, y] for x in EDGES[:12] for y in EDGES[:12]])


def test_without_python_headers_functions_are_called_through_ctypes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    paths = {**sysconfig.get_paths(), "include": str(tmp_path)}  # a folder without Python.h
    monkeypatch.setattr(sysconfig, "get_paths", lambda: paths)
    monkeypatch.setattr(cbuild, "_caller", [])
    assert cbuild.caller() is None
    f = lambda x, y: (x * y).sin() / y  # noqa: E731
    compiled = autograd.compile(f, backend="c")
    assert compiled(1.25, -0.5) == autograd.compile(f)(1.25, -0.5)
    assert compiled.backend == "c"
    assert not isinstance(compiled._fast, functools.partial)


@pytest.mark.parametrize("through", ["extension", "ctypes"])
def test_numbers_that_are_not_floats_are_converted_and_wrong_counts_refused(
    through: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if through == "ctypes":
        monkeypatch.setattr(cbuild, "_caller", [None])
    f = lambda x, y: x * y + y  # noqa: E731
    compiled = autograd.compile(f, backend="c")
    assert compiled(2, 3) == (9.0, (3.0, 3.0))  # ints, as floats
    assert compiled(Value(2.0).data, 3.0) == (9.0, (3.0, 3.0))
    with pytest.raises(TypeError, match="takes 2 numbers, got 3"):
        compiled(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="real number"):
        compiled("2", 3.0)
    with pytest.raises(TypeError, match="real number"):
        compiled(True, 3.0)  # as the eager engine: a bool is no Value data


@pytest.mark.skipif(not HEADERS, reason="no Python.h (the interpreter's development headers)")
def test_the_extension_refuses_what_is_not_a_call() -> None:
    call = cbuild.caller()
    assert call is not None
    address = autograd.compile(lambda x: x * x, backend="c")
    address(1.0)
    where = address._fast.address  # type: ignore[union-attr]
    assert call(where, 1, 2, 3.0) == (9.0, (6.0,))
    with pytest.raises(ValueError, match="address is 0"):
        call(0, 1, 2, 3.0)
    with pytest.raises(ValueError, match="n_results >= 1"):
        call(where, 1, 0, 3.0)
    with pytest.raises(ValueError, match="n_inputs >= 0"):
        call(where, -1, 2)
    with pytest.raises(TypeError, match="takes 1 numbers, got 2"):
        call(where, 1, 2, 3.0, 4.0)
    with pytest.raises(TypeError, match="number 0 is int"):
        call(where, 1, 2, 3)
    with pytest.raises(TypeError):
        call(where)
    with pytest.raises(TypeError):
        call("where", 1, 2, 3.0)


def test_many_calls_keep_no_memory() -> None:
    """Every float and tuple the extension makes is released with its result."""
    compiled = autograd.compile(lambda x, y: (x * y).exp() + y, backend="c")
    compiled(0.5, 0.25)
    tracemalloc.start()
    try:
        for _ in range(1_000):
            compiled(0.5, 0.25)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200_000):
            compiled(0.5, 0.25)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 10_000  # a leak of one float per call would be 4.8 MB
    value, grads = compiled(-0.0, math.inf)  # exp(-0 * inf) = exp(nan): nan throughout
    expected_value, expected_grads = autograd.compile(lambda x, y: (x * y).exp() + y)(
        -0.0, math.inf
    )
    assert list(map(bits, [value, *grads])) == list(map(bits, [expected_value, *expected_grads]))
