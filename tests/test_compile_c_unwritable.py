"""A C build cache that cannot be written: ``backend="c"`` raises, naming the folder;
``backend="auto"`` warns and runs the Python backend, with the same numbers.

Tests may run as root, where ``chmod`` stops no write, so the folder is made unwritable by
putting it under a regular file (no folder can be made there), or by a write that fails."""

from __future__ import annotations

import errno
import os
import random
from contextlib import nullcontext
from pathlib import Path

import pytest
from c_compiler import needs_compiler

import autograd
import nn
from autograd import Value, cbuild
from autograd.cbuild import CFallbackWarning
from nn import seed

pytestmark = needs_compiler


def f(x: Value, y: Value) -> Value:
    return (x * y).tanh() + x / y


def half_squared(out: Value | list[Value], target: float) -> Value:
    return nn.half_squared_error(out, target)  # type: ignore[arg-type]


@pytest.fixture
def under_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CHAINRULE_CACHE set to a folder that cannot be made: its parent is a regular file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    folder = blocker / "cache"
    monkeypatch.setenv("CHAINRULE_CACHE", str(folder))
    return folder


def test_c_names_the_folder_it_cannot_make(under_a_file: Path) -> None:
    with pytest.raises(cbuild.CBuildError, match=f"cannot make the C build cache {under_a_file}"):
        autograd.compile(f, backend="c")(0.5, 2.0)
    sample_loss = nn.compile_loss(seed.network(), half_squared, backend="c")
    with pytest.raises(cbuild.CBuildError, match="set CHAINRULE_CACHE to a writable folder"):
        sample_loss(seed.INPUTS, seed.TARGET)


def test_auto_warns_and_gives_the_python_numbers(under_a_file: Path) -> None:
    compiled = autograd.compile(f, backend="auto")
    with pytest.warns(CFallbackWarning, match=f"Python backend.*{under_a_file}"):
        result = compiled(0.5, 2.0)
    assert compiled.backend == "python"
    assert result == autograd.compile(f)(0.5, 2.0)
    assert compiled(3.0, -1.0) == autograd.compile(f)(3.0, -1.0)  # no warning from now on
    assert not under_a_file.exists()


def test_auto_compile_loss_falls_back_for_calls_and_batches(under_a_file: Path) -> None:
    models = {backend: nn.MLP(2, [4, 1], rng=random.Random(0)) for backend in ("auto", "python")}
    losses = {b: nn.compile_loss(m, half_squared, backend=b) for b, m in models.items()}
    xs = [[0.5, -1.0], [2.0, 0.25], [-0.0, 1.0]]
    targets = [1.0, -1.0, 0.5]
    totals = {}
    for backend, sample_loss in losses.items():
        with pytest.warns(CFallbackWarning) if backend == "auto" else nullcontext():
            totals[backend] = [sample_loss(xs[0], targets[0]).hex()]
            totals[backend].append(sample_loss.batch(xs, targets).hex())
    assert losses["auto"].backend == "python"
    assert totals["auto"] == totals["python"]
    grads = {b: [p.grad.hex() for p in m.parameters()] for b, m in models.items()}  # type: ignore[union-attr]
    assert grads["auto"] == grads["python"]


def test_a_cache_write_that_fails_is_named_for_c_and_falls_back_for_auto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder exists, but the finished library cannot be renamed into it (a read-only
    file system, say)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CHAINRULE_CACHE", str(folder))
    real_replace = os.replace

    def refused(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if str(target).startswith(str(folder)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        real_replace(source, target)

    monkeypatch.setattr(cbuild.os, "replace", refused)
    with pytest.raises(cbuild.CBuildError, match=f"cannot write the C build cache {folder}"):
        autograd.compile(f, backend="c")(0.5, 2.0)
    compiled = autograd.compile(f, backend="auto")
    with pytest.warns(CFallbackWarning, match="Read-only file system"):
        assert compiled(0.5, 2.0) == autograd.compile(f)(0.5, 2.0)
    assert compiled.backend == "python"
    assert [p.name for p in folder.iterdir()] == []  # no temporary file left behind


def test_a_batch_driver_that_cannot_be_built_runs_the_loop_in_python_under_auto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's function was built (and cached) before the cache went bad; the batch
    loop's C, not yet built, cannot be: "auto" runs the loop in Python, "c" raises."""
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "good"))
    monkeypatch.setattr(cbuild, "_batch_driver", [])
    models = {b: seed.network() for b in ("auto", "c", "python")}
    losses = {b: nn.compile_loss(m, half_squared, backend=b) for b, m in models.items()}
    for sample_loss in losses.values():
        sample_loss(seed.INPUTS, seed.TARGET)  # traced and built
    assert losses["auto"].backend == losses["c"].backend == "c"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("CHAINRULE_CACHE", str(blocker / "cache"))
    xs, targets = [seed.INPUTS, [0.25, -0.5]], [seed.TARGET]
    held = [p.grad for p in models["c"].parameters()]
    with pytest.raises(cbuild.CBuildError, match="cannot make the C build cache"):
        losses["c"].batch(xs, targets * 2)
    assert [p.grad for p in models["c"].parameters()] == held  # nothing added
    expected = losses["python"].batch(xs, targets * 2)
    with pytest.warns(CFallbackWarning):
        assert losses["auto"].batch(xs, targets * 2).hex() == expected.hex()
    assert [p.grad for p in models["auto"].parameters()] == [
        p.grad for p in models["python"].parameters()
    ]


def test_the_fallback_warning_names_the_line_that_called(
    under_a_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warning points at the user's call (this file), not inside autograd or nn: for a
    compiled function, for compile_loss's call, batch and source, and for batch's C loop."""
    here = Path(__file__).resolve()

    def where(record: pytest.WarningsRecorder) -> list[Path]:
        return [Path(warning.filename).resolve() for warning in record]

    with pytest.warns(CFallbackWarning) as record:
        autograd.compile(f, backend="auto")(0.5, 2.0)
    assert where(record) == [here]
    losses = [nn.compile_loss(seed.network(), half_squared, backend="auto") for _ in range(3)]
    with pytest.warns(CFallbackWarning) as by_call:
        losses[0](seed.INPUTS, seed.TARGET)
    with pytest.warns(CFallbackWarning) as by_batch:
        losses[1].batch([seed.INPUTS], [seed.TARGET])
    with pytest.warns(CFallbackWarning) as by_source:
        losses[2].source(seed.INPUTS, seed.TARGET)
    for record in (by_call, by_batch, by_source):
        assert where(record) == [here]
    # the sample's function built, then the cache goes bad before the batch loop's C is built
    monkeypatch.setenv("CHAINRULE_CACHE", str(tmp_path / "good"))
    monkeypatch.setattr(cbuild, "_batch_driver", [])
    sample_loss = nn.compile_loss(seed.network(), half_squared, backend="auto")
    sample_loss(seed.INPUTS, seed.TARGET)
    monkeypatch.setenv("CHAINRULE_CACHE", str(under_a_file))
    with pytest.warns(CFallbackWarning) as record:
        sample_loss.batch([seed.INPUTS], [seed.TARGET])
    assert where(record) == [here]
