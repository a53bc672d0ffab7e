"""``backend="c"`` gives the eager engine's bits with each C compiler it looks for: gcc and clang.

The flags (autograd/cgen.py ``FLAGS``) are what keep C's numbers Python's: no contraction of
``a * b + c`` into a fused multiply-add, no constant folding of libm calls, no fast math. A
compiler that honoured them differently would change low bits; these tests build the same
programs with each compiler, each into a cache of its own, and check which compiler made the
library (its ``.comment`` section names it; read, never rewritten: a library is loaded while
the process runs) as well as every bit.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from programs import VALUE_BACKEND, random_program
from test_compile_c import EDGES, _same, document_loss

import autograd
from autograd import RULES, Value, cbuild
from nn import seed

COMPILERS = ("gcc", "clang")
CLANG = b"clang version"
"""What clang writes into the ``.comment`` section of what it builds; gcc writes "GCC: (...)",
which a clang build holds too (from the C runtime's start files, built by gcc)."""


@pytest.fixture(params=COMPILERS)
def compiler(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """``CC`` set to one compiler, and a build cache of this test's own (the cache's key is the
    source, not the compiler, so a shared cache would hand one compiler's build to the other)."""
    name: str = request.param
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (CI installs it)")
    monkeypatch.setenv("CC", path)
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cbuild, "_batch_driver", [])  # built afresh too, by this compiler,
    monkeypatch.setattr(cbuild, "_caller", [])  # as is the extension that calls C
    return name


def _built_by(name: str, tmp_path: Path) -> None:
    """Every library in the test's cache was made by compiler ``name``."""
    libraries = sorted((tmp_path / "cache").glob("*.so"))
    assert libraries, "nothing was built"
    for library in libraries:
        text = library.read_bytes()  # the .comment section's strings are in it as they are
        assert b"GCC: (" in text, (library, text[:200])
        assert (CLANG in text) == (name == "clang"), (library, text[:200])


def test_the_documents_network(compiler: str, tmp_path: Path) -> None:
    compiled = autograd.compile(document_loss, backend="c")
    assert compiled(*seed.WEIGHTS.values())[0] == 0.01810390383656677  # step-1 Error, FACTS.md
    _same(document_loss, [list(seed.WEIGHTS.values()), [0.1, -0.2, 0.3, -0.4, 0.5, -0.6]])
    _built_by(compiler, tmp_path)


def test_random_programs(compiler: str, tmp_path: Path) -> None:
    for seed_number in range(12):
        rng = random.Random(seed_number)
        program = random_program(rng, n_inputs=3, n_steps=14)
        points = [[rng.uniform(-2.0, 2.0) for _ in range(3)] for _ in range(3)]

        def f(a: Value, b: Value, c: Value, program: object = program) -> Value:
            return program.run([a, b, c], VALUE_BACKEND)[-1]  # type: ignore[attr-defined, no-any-return]

        _same(f, points)
    _built_by(compiler, tmp_path)


def test_every_op_at_the_ieee_edges(compiler: str, tmp_path: Path) -> None:
    small = [0.0, -0.0, 1.0, -2.5, 1e-300, 1e300, -1000.0, float("inf"), float("nan")]
    for name, rule in sorted(RULES.items()):
        op = VALUE_BACKEND[name]
        if rule.arity == 1:
            _same(lambda x, op=op: op(op(x) * x), [[x] for x in EDGES])
        else:
            _same(lambda x, y, op=op: op(x, y), [[x, y] for x in small for y in small])
    _built_by(compiler, tmp_path)


def test_a_batch_through_the_c_loop(compiler: str, tmp_path: Path) -> None:
    """``compile_loss(...).batch`` runs its samples in the C loop built by this compiler, and
    adds exactly what the eager engine adds, sample after sample."""
    import nn

    def make() -> nn.MLP:
        return nn.MLP(2, [4, 1], rng=random.Random(5))

    rng = random.Random(6)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(20)]
    targets = [rng.choice([-1.0, 1.0]) for _ in xs]
    compiled_model, eager_model = make(), make()
    sample_loss = nn.compile_loss(
        compiled_model, lambda out, t: nn.hinge_loss([out], [int(t)]), backend="c"
    )
    total = sample_loss.batch(xs, targets)
    assert sample_loss.backend == "c"
    eager_total = 0.0
    for x, t in zip(xs, targets):
        loss = nn.hinge_loss([eager_model(x)], [int(t)])  # type: ignore[list-item]
        loss.backward()
        eager_total += loss.data
    assert total.hex() == eager_total.hex()
    assert [p.grad.hex() for p in compiled_model.parameters()] == [
        p.grad.hex() for p in eager_model.parameters()
    ]
    _built_by(compiler, tmp_path)
    assert cbuild.find_compiler()[0] == shutil.which(compiler)
