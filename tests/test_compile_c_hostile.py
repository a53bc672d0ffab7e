"""The C backend against a hostile setting: flags in CC, a compiler that lies, a damaged cache,
Python names that C's math.h takes, and targets that are equal but not the same (0.0 and -0.0).
Each either gives eager's bits or a clear error; none gives a wrong number or kills Python."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from c_compiler import COMPILER, needs_compiler

import autograd
import nn
from autograd import Value, cbuild

ROOT = Path(__file__).resolve().parent.parent


def _bits(result: tuple[float, tuple[float, ...]]) -> list[str]:
    value, grads = result
    return [value.hex(), *[g.hex() for g in grads]]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CHAINRULE_CACHE", str(folder))
    return folder


@needs_compiler
@pytest.mark.parametrize("flags", ["-ffast-math", "-O0", "-mfpmath=387 -O2"])
def test_flags_in_cc_are_refused_before_anything_is_built(
    flags: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`CC="gcc -ffast-math"` gave (x + y) - y = 1e-20 where Python gives 0.0, and the cache
    then served that build to every later process. Flags are refused, for "auto" too."""
    monkeypatch.setenv("CC", f"{COMPILER[0]} {flags}")
    for backend in ("c", "auto"):
        with pytest.raises(cbuild.CBuildError, match="carries the flags"):
            autograd.compile(lambda x, y: (x + y) - y, backend=backend)(1e-20, 1.0)
    assert not cache.exists() or not any(cache.iterdir())


@needs_compiler
def test_a_wrapper_before_the_compiler_is_fine(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", f"env {COMPILER[0]}")
    f = autograd.compile(lambda x, y: (x + y) - y, backend="c")
    assert f(1e-20, 1.0)[0] == 0.0  # as Python: 1e-20 + 1.0 rounds to 1.0
    assert f.backend == "c"


@pytest.mark.parametrize(
    ("script", "words"),
    [
        ("#!/bin/sh\nexit 0\n", "reported success but wrote no library"),
        (
            '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\necho garbage > "$2"\n',
            "would not load",
        ),
    ],
)
def test_a_compiler_that_lies_gives_a_clear_error_and_caches_nothing(
    script: str, words: str, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    liar = tmp_path / "liar-cc"
    liar.write_text(script)
    liar.chmod(0o755)
    monkeypatch.setenv("CC", str(liar))
    for _ in range(2):  # the second time too: nothing was cached the first time
        with pytest.raises(cbuild.CBuildError, match=words):
            autograd.compile(lambda x: x * x, backend="c")(3.0)
    assert not any(p.suffix == ".so" for p in cache.iterdir())


CHILD = """
import autograd
f = autograd.compile(lambda x, y: (x * y).tanh() + x, backend="c")
print(*[v.hex() for v in (f(0.5, 2.0)[0], *f(0.5, 2.0)[1])])
"""


@needs_compiler
@pytest.mark.parametrize("kept", [0, 1000, 3000, 8000])
def test_a_truncated_library_in_the_cache_is_built_again_not_loaded(kept: int, cache: Path) -> None:
    """Loading a truncated shared library killed Python with SIGBUS: a cached library is loaded
    only if its bytes have the SHA-256 recorded when it was built."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", CHILD], env=environment, capture_output=True, text=True
        )

    first = run()
    assert first.returncode == 0, first.stderr
    libraries = sorted(cache.glob("*.so"))  # the function, and the extension that calls it
    assert len(libraries) == 2
    for library in libraries:
        library.write_bytes(library.read_bytes()[:kept])
    second = run()
    assert second.returncode == 0, second.stderr  # not -7 (SIGBUS)
    assert second.stdout == first.stdout
    value, grads = autograd.compile(lambda x, y: (x * y).tanh() + x)(0.5, 2.0)
    assert first.stdout.split() == [value.hex(), *[g.hex() for g in grads]]


@needs_compiler
def test_python_names_that_math_h_takes_compile_to_the_same_bits(cache: Path) -> None:
    """A parameter named fabs shadowed the libm function that abs() becomes; FP_NAN and
    HUGE_VALL are math.h macros; sinf is a math.h function."""

    def f(fabs: Value) -> Value:
        return abs(fabs)

    def g(FP_NAN: Value, HUGE_VALL: Value, sinf: Value, math_errhandling: Value) -> Value:  # noqa: N803
        return FP_NAN * HUGE_VALL + sinf.sin() * math_errhandling.exp()

    for function, arguments in ((f, (-1.5,)), (g, (0.5, 2.0, 0.25, -1.0))):
        compiled = autograd.compile(function, backend="c")
        assert _bits(compiled(*arguments)) == _bits(autograd.compile(function)(*arguments))
        assert compiled.backend == "c"


@pytest.mark.parametrize("backend", ["python", pytest.param("c", marks=needs_compiler)])
def test_targets_0_and_minus_0_get_traces_of_their_own(backend: str, cache: Path) -> None:
    """They are equal, but 1 / t tells them apart: eager gives +inf for 0.0 and -inf for -0.0,
    and so must a compiled loss, per sample and in a batch (-inf + inf = nan)."""

    def loss(output: Value | list[Value], target: float) -> Value:
        assert isinstance(output, Value)
        return output / target

    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    x = [0.5, -1.0]
    eager = [loss(model([Value(v) for v in x]), t).data for t in (0.0, -0.0)]
    assert eager[0] == -eager[1]
    assert abs(eager[0]) == float("inf")
    compiled = nn.compile_loss(model, loss, backend=backend)
    assert [compiled(x, 0.0), compiled(x, -0.0)] == eager
    model.zero_grad()
    total = nn.compile_loss(model, loss, backend=backend).batch([x, x], [0.0, -0.0])
    assert total != total  # inf + -inf


def test_a_nan_target_is_traced_once(cache: Path) -> None:
    model = nn.MLP(2, [2, 1], rng=random.Random(0))
    compiled = nn.compile_loss(model, lambda o, t: o * t)  # type: ignore[operator]
    for _ in range(5):
        compiled([0.5, -1.0], float("nan"))
    assert len(compiled._compiled) == 1


def test_an_interrupt_during_a_build_stops_the_whole_compiler(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cc` runs `cc1`, which an interrupt of the driver alone left running: the compiler runs
    in a session of its own, and all of it is killed. Here the "compiler" is a shell that
    starts a child and waits for it; after Ctrl-C (SIGALRM raising KeyboardInterrupt) the child
    is gone too, and nothing is left in the cache."""
    import signal
    import time

    child = tmp_path / "child.pid"
    slow = tmp_path / "slow-cc"
    slow.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {child}\nwait\n")
    slow.chmod(0o755)
    monkeypatch.setenv("CC", str(slow))

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt):
            autograd.compile(lambda x: x * x, backend="c")(3.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    pid = int(child.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        pytest.fail(f"the compiler's child {pid} was still running after the interrupt")
    assert not any(p.suffix in (".so", ".tmp") for p in cache.iterdir())
