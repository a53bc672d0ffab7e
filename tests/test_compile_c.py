"""autograd.compile(f, backend="c"): the same program as C, bit for bit the eager engine."""

from __future__ import annotations

import math
import os
import random
import struct
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from c_compiler import COMPILER, needs_compiler
from hypothesis import given, settings
from hypothesis import strategies as st
from programs import VALUE_BACKEND, Program, random_program
from test_properties import programs

import autograd
import nn
from autograd import RULES, Value, cbuild
from autograd.cgen import C_FUNCTIONS, generate_c
from autograd.rule import RULE_FUNCTIONS
from nn import seed

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("own_build_cache")
"""Builds go to a cache of this module's own."""


def bits(x: float) -> str:
    """The 64 bits of x, except that every nan is "nan": C compilers may commute ``a * b`` or
    write ``(-a) * b`` as ``-(a * b)``, valid IEEE rewrites that change only which nan (its sign
    and payload) comes out. This is what ``float.hex`` shows, so ``-0.0`` is not ``0.0``."""
    return "nan" if math.isnan(x) else struct.pack("<d", x).hex()


def _eager(f: Callable[..., Value], point: Sequence[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in point]
    out = f(*leaves)
    out.backward()
    return out.data, [0.0 if leaf.grad is None else leaf.grad for leaf in leaves]


def _same(f: Callable[..., Value], points: Sequence[Sequence[float]]) -> None:
    """At each point the C backend gives the Python backend's bits and the eager engine's."""
    in_c = autograd.compile(f, backend="c")
    in_python = autograd.compile(f)
    for point in points:
        value, grads = in_c(*point)
        python_value, python_grads = in_python(*point)
        eager_value, eager_grads = _eager(f, point)
        assert in_c.backend == "c"
        got = [bits(value), *map(bits, grads)]
        assert got == [bits(python_value), *map(bits, python_grads)], (point, in_c.c_source)
        assert got == [bits(eager_value), *map(bits, eager_grads)], point
        assert [value.hex(), *[g.hex() for g in grads]] == [
            eager_value.hex(),
            *[g.hex() for g in eager_grads],
        ]


def document_loss(w13: Value, w23: Value, w14: Value, w24: Value, w35: Value, w45: Value) -> Value:
    model = seed.network()
    places = [(n.w, i) for layer in model.layers for n in layer.neurons for i in range(2)]
    for (weights, index), weight in zip(places, (w13, w23, w14, w24, w35, w45)):
        weights[index] = weight
    return seed.loss_graph(model)


@needs_compiler
def test_the_documents_network_in_c() -> None:
    compiled = autograd.compile(document_loss, backend="c")
    assert compiled(*seed.WEIGHTS.values())[0] == 0.01810390383656677  # step-1 Error, FACTS.md
    _same(document_loss, [list(seed.WEIGHTS.values()), [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]])
    source = compiled.c_source
    assert "inputs: [0] w13, [1] w23, [2] w14, [3] w24, [4] w35, [5] w45" in source
    assert "const double y5 = cr_sigmoid(z5);" in source
    assert "const double d_z5 = 0.0 + ((y5 * (1.0 - y5)) * d_y5_ya);" in source


@needs_compiler
@pytest.mark.parametrize("seed_number", range(40))
def test_random_programs_in_c(seed_number: int) -> None:
    rng = random.Random(seed_number)
    program = random_program(rng, n_inputs=3, n_steps=14)
    points = [[rng.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(3)]

    def f(a: Value, b: Value, c: Value) -> Value:
        return program.run([a, b, c], VALUE_BACKEND)[-1]  # type: ignore[no-any-return]

    _same(f, points)


@needs_compiler
@settings(max_examples=40)
@given(programs(), st.lists(st.floats(), min_size=3, max_size=3))
def test_hypothesis_programs_at_any_floats_in_c(program: Program, point: list[float]) -> None:
    """Hypothesis's random programs (those of test_properties) at any floats, inf and nan too."""

    def f(*leaves: Value) -> Value:
        return program.run(list(leaves), VALUE_BACKEND)[-1]  # type: ignore[no-any-return]

    _same(f, [point[: program.n_inputs]])


EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 1.5, 0.1, 1e-10, -1e-10,
         1e-300, -1e-300, 5e-324, 1e300, -1e300, 709.0, 710.0, -745.0, -746.0, 1000.0, -1000.0,
         30.0, -30.0, 1.5707963267948966, math.inf, -math.inf, math.nan]  # fmt: skip
"""Each op's domain edges: zeros of both signs, poles, overflow, underflow, inf and nan."""


@needs_compiler
@pytest.mark.parametrize("name", sorted(RULES))
def test_every_op_at_the_ieee_edges(name: str) -> None:
    op = VALUE_BACKEND[name]
    if RULES[name].arity == 1:
        points = [[x] for x in EDGES]
        _same(lambda x: op(x), points)
        _same(lambda x: op(op(x) * x), points)  # inf or nan as the upstream gradient too
    else:
        small = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 0.5, 3.0, 1e-300, 1e300, 1000.0, -1000.0,
                 math.inf, -math.inf, math.nan]  # fmt: skip
        _same(lambda x, y: op(x, y), [[x, y] for x in small for y in small])


@needs_compiler
def test_overflow_division_by_zero_and_log_of_zero() -> None:
    compiled = autograd.compile(lambda x: x.exp(), backend="c")
    assert compiled(1000.0) == (math.inf, (math.inf,))
    compiled = autograd.compile(lambda x, y: x / y, backend="c")
    # out = 1 / -0 = -inf; d/dx = 1 / y = -inf; d/dy = -out / y = inf / -0 = -inf
    assert compiled(1.0, -0.0) == (-math.inf, (-math.inf, -math.inf))
    value = compiled(0.0, 0.0)[0]  # 0 / 0: the nan of numerics.div, Python's +nan
    assert struct.pack("<d", value) == struct.pack("<d", math.nan)
    compiled = autograd.compile(lambda x: x.log(), backend="c")
    assert compiled(0.0) == (-math.inf, (math.inf,))


@needs_compiler
def test_functions_of_constants_are_not_folded_by_the_compiler() -> None:
    """sin(0.1) of a constant stays a call to the libm Python calls (``-fno-builtin``)."""
    rng = random.Random(3)
    constants = [rng.uniform(-50.0, 50.0) for _ in range(60)]
    unary = ["exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "erf", "expm1"]

    def f(x: Value) -> Value:
        total = x
        for c in constants:
            for name in unary:
                total = total + VALUE_BACKEND[name](Value(abs(c) if name == "log" else c))
            total = total + Value(abs(c)) ** Value(c / 7.0)
        return total

    _same(f, [[0.5]])


def test_every_rule_function_has_a_c_twin() -> None:
    assert set(C_FUNCTIONS) == set(RULE_FUNCTIONS) - {"inf", "nan"}


@needs_compiler
def test_the_c_source_builds_alone(tmp_path: Path) -> None:
    compiled = autograd.compile(document_loss)
    compiled(*seed.WEIGHTS.values())
    weights = ", ".join(repr(w) for w in seed.WEIGHTS.values())
    main = (
        "#include <stdio.h>\n"
        "int main(void) {\n"
        f"    double inputs[6] = {{{weights}}}, results[7];\n"
        "    chainrule_document_loss(inputs, results);\n"
        '    for (int i = 0; i < 7; i++) printf("%a\\n", results[i]);\n'
        "    return 0;\n}\n"
    )
    program = tmp_path / "loss.c"
    program.write_text(compiled.c_source + main, encoding="utf-8")
    executable = tmp_path / "loss"
    command = [*COMPILER, *autograd.cgen.FLAGS, "-o", str(executable), str(program), "-lm"]
    subprocess.run(command, check=True)
    printed = subprocess.run([str(executable)], check=True, capture_output=True, text=True)
    numbers = [float.fromhex(line) for line in printed.stdout.split()]
    eager_value, eager_grads = _eager(document_loss, list(seed.WEIGHTS.values()))
    assert numbers[0] == 0.01810390383656677  # FACTS.md
    assert list(map(bits, numbers)) == list(map(bits, [eager_value, *eager_grads]))


CHILD = """
import sys
import autograd
compiled = autograd.compile(lambda x, y: (x * y).sin() / y, backend="c")
value, grads = compiled(1.25, -0.5)
print(compiled.backend, value.hex(), *[g.hex() for g in grads])
"""


@needs_compiler
def test_a_second_process_loads_the_cached_build_without_compiling(tmp_path: Path) -> None:
    log = tmp_path / "calls"
    wrapper = tmp_path / "logging-cc"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {COMPILER[0]} "$@"\n')
    wrapper.chmod(0o755)
    environment = {
        **os.environ,
        "CC": str(wrapper),
        "CHAINRULE_CACHE": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
    }

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", CHILD], env=environment, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = run()
    # two builds: the function, and the extension module that calls it (with Python's headers)
    builds = log.read_text().splitlines()
    assert len(builds) == 2
    assert sorted("-I" in build for build in builds) == [False, True]
    assert run() == first
    assert log.read_text().splitlines() == builds  # the second process did not compile
    # the libraries and their SHA-256s, no temporary left
    suffixes = [".sha256", ".sha256", ".so", ".so"]
    assert sorted(p.suffix for p in (tmp_path / "cache").iterdir()) == suffixes
    value, grads = autograd.compile(lambda x, y: (x * y).sin() / y)(1.25, -0.5)
    assert first.split() == ["c", value.hex(), *[g.hex() for g in grads]]


@needs_compiler
@pytest.mark.skipif(sys.platform != "linux", reason="reads an ELF header")
def test_a_damaged_cached_library_is_built_again() -> None:
    f = lambda x: x.cos() * x  # noqa: E731
    in_python = autograd.compile(f)
    in_python(0.5)  # its C source, not built
    library = cbuild.library_path(in_python.c_source)
    library.parent.mkdir(parents=True, exist_ok=True)
    library.write_bytes(b"not a shared library")
    in_c = autograd.compile(f, backend="c")
    assert in_c(0.5) == in_python(0.5)
    assert library.read_bytes()[:4] == b"\x7fELF"


def test_without_a_compiler_c_raises_and_auto_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    f = lambda x: x.tanh() * 3.0  # noqa: E731
    with pytest.raises(cbuild.CompilerNotFoundError, match=r"CC is '.*no-such-cc'.*set CC"):
        autograd.compile(f, backend="c")(0.5)
    compiled = autograd.compile(f, backend="auto")
    assert compiled(0.5) == autograd.compile(f)(0.5)
    assert compiled.backend == "python"
    monkeypatch.delenv("CC")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(cbuild.CompilerNotFoundError, match=r"none of cc, gcc, clang is on PATH"):
        autograd.compile(f, backend="c")(0.5)
    assert autograd.compile(f, backend="auto")(0.5) == compiled(0.5)
    assert "void chainrule_compiled" in compiled.c_source  # C source needs no compiler


def test_python_without_a_c_translation_is_refused() -> None:
    source = "def f(x, y):\n    t0 = x % y\n    return t0, (0.0, 0.0)\n"
    with pytest.raises(NotImplementedError, match=r"no C for the Python expression 'x % y'"):
        generate_c(source)


def test_c_names_avoid_what_c_reserves() -> None:
    def f(x: Value) -> Value:
        a = x * 2.0
        a.label = "int"  # a C keyword, not a Python one
        b = a + 1.0
        b.label = "results"  # the C function's parameter
        return b

    compiled = autograd.compile(f)
    assert compiled(1.5) == (4.0, (2.0,))
    source = compiled.c_source
    assert "const double int_ = x * 2.0;" in source
    assert "const double results_ = int_ + 1.0;" in source
    again = autograd.compile(f)
    again(-3.0)
    assert again.c_source == source  # the same program, the same bytes, from any point


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match=r"backend must be one of 'python', 'c', 'auto', got 'C'"):
        autograd.compile(lambda x: x, backend="C")


@needs_compiler
def test_compile_loss_in_c_matches_the_python_backend() -> None:
    points, labels = nn.datasets.make_moons(8, rng=random.Random(1))
    models = [nn.MLP(2, [4, 4, 1], rng=random.Random(7)) for _ in range(2)]
    losses = [
        nn.compile_loss(model, lambda s, t: nn.mse_loss([s], [t]), backend=backend)
        for model, backend in zip(models, ("python", "c"))
    ]
    for point, label in zip(points, labels):
        assert bits(losses[0](point, float(label))) == bits(losses[1](point, float(label)))
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert a.grad is not None
        assert b.grad is not None
        assert bits(a.grad) == bits(b.grad)
    assert losses[1].backend == "c"


@needs_compiler
@pytest.mark.parametrize("n", sorted({1, cbuild.MANY, cbuild.MANY + 1, 63, 64, 65, 100, 200}))
@pytest.mark.parametrize("through", ["extension", "ctypes"])
def test_many_inputs_reach_c_in_order(
    n: int, through: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above cbuild.MANY inputs ctypes hands the numbers to C another way, and above 64 the
    extension that calls C keeps them in memory of its own, not on C's stack: still each to
    its place."""
    if through == "ctypes":
        monkeypatch.setattr(cbuild, "_caller", [None])  # as where the extension cannot be built

    def weighted(*xs: Value) -> Value:
        return sum((x * (i + 1) for i, x in enumerate(xs)), Value(0.0)).tanh()

    point = [0.01 * (i % 7) - 0.02 for i in range(n)]
    _same(weighted, [point])
    compiled = autograd.compile(weighted, backend="c")
    compiled(*point)
    with pytest.raises(TypeError, match=f"takes {n} numbers, got {n - 1}"):
        compiled._fast(*point[:-1])  # type: ignore[misc]
