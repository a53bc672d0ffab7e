"""compile_loss(...).batch(xs, targets): the per-sample loop in one call, bit for bit the loop."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from c_compiler import BACKENDS, COMPILER
from document import hand_derived_gradients

import nn
from autograd import Value, cbuild
from nn import seed

pytestmark = pytest.mark.usefixtures("own_build_cache")
"""Builds go to a cache of this module's own."""


def grads(model: nn.Module) -> list[str | None]:
    """Every parameter's .grad as its exact bits (float.hex), None kept as None."""
    return [None if p.grad is None else p.grad.hex() for p in model.parameters()]


def half_squared(out: Value | list[Value], target: float) -> Value:
    return nn.half_squared_error(out, target)  # type: ignore[arg-type]


def hinge(score: Value | list[Value], label: float) -> Value:
    return nn.hinge_loss([score], [int(label)]) / 100  # type: ignore[list-item]


def w2_model() -> nn.MLP:
    return nn.MLP(2, [16, 16, 1], rng=random.Random(0))


def w2_data() -> tuple[list[tuple[float, float]], list[int]]:
    points, labels = nn.datasets.make_moons(100, rng=random.Random(0))
    return points, [2 * label - 1 for label in labels]  # both labels, in a mixed order


def _loop(sample_loss: nn.CompiledLoss, xs: list, targets: list) -> float:  # type: ignore[type-arg]
    total = 0.0
    for x, t in zip(xs, targets):
        total += sample_loss(x, t)
    return total


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_documents_network_in_a_batch_of_one_gives_its_step_1_error(backend: str) -> None:
    model = seed.network()
    sample_loss = nn.compile_loss(model, half_squared, backend=backend)
    assert sample_loss.batch([seed.INPUTS], [seed.TARGET]) == 0.01810390383656677  # FACTS.md
    assert sample_loss.backend == backend
    w35 = model.parameters()[4]
    # dE/dw35 = (y5 - ya) f'(z5) y3, FACTS.md's hand derivation at the document's numbers
    assert w35.grad == pytest.approx(hand_derived_gradients()["w35"], rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_is_the_loop_bit_for_bit_on_the_documents_network(backend: str) -> None:
    xs = [seed.INPUTS, (0.1, -0.7), (2.0, 0.25), seed.INPUTS, (-1.5, 3.0)]
    targets = [0.5, 0.2, 0.5, 1.0, 0.2]  # three targets, so three traces, interleaved
    looped, batched = seed.network(), seed.network()
    expected = _loop(nn.compile_loss(looped, half_squared, backend=backend), xs, targets)
    got = nn.compile_loss(batched, half_squared, backend=backend).batch(xs, targets)
    assert got.hex() == expected.hex()
    assert grads(batched) == grads(looped)
    assert None not in grads(batched)


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_is_the_loop_bit_for_bit_on_the_w2_network(backend: str) -> None:
    points, labels = w2_data()
    looped, batched = w2_model(), w2_model()
    loop_loss = nn.compile_loss(looped, hinge, backend=backend)
    batch_loss = nn.compile_loss(batched, hinge, backend=backend)
    for model in (looped, batched):  # a mix of held gradients: None, -0.0, large, small
        for i, p in enumerate(model.parameters()):
            p.grad = [None, -0.0, 1e6 * (i + 1), 1e-9, -3.0][i % 5]
    assert grads(batched) == grads(looped)
    after_one = []
    for _ in range(2):  # the second batch adds into the first one's sums
        expected = _loop(loop_loss, points, labels)
        assert batch_loss.batch(points, labels).hex() == expected.hex()
        assert grads(batched) == grads(looped)
        after_one = after_one or [p.grad for p in looped.parameters()]
    # The order matters: the batch's gradient summed first, then added to the held one, is
    # not the loop's result, so the equalities above test the order of the sums.
    fresh = w2_model()
    nn.compile_loss(fresh, hinge, backend=backend).batch(points, labels)
    sums = [p.grad for p in fresh.parameters()]
    differs = [
        1e6 * (i + 1) + g != a for i, (g, a) in enumerate(zip(sums, after_one)) if i % 5 == 2
    ]
    assert any(differs)


@pytest.mark.skipif(not COMPILER, reason="no C compiler")
def test_the_c_batch_is_the_python_batch_and_one_call_into_c(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    points, labels = w2_data()
    in_python, in_c = w2_model(), w2_model()
    python_total = nn.compile_loss(in_python, hinge).batch(points, labels)
    compiled = nn.compile_loss(in_c, hinge, backend="c")
    compiled([0.0, 0.0], 1)  # traced, and its gradient added, before the batch
    compiled([0.0, 0.0], -1)
    for p in in_c.parameters():
        p.grad = None
    driver, calls = cbuild.batch_driver(), []

    def counted(*arguments: object) -> None:
        calls.append(1)
        driver(*arguments)

    monkeypatch.setattr(cbuild, "batch_driver", lambda: counted)
    assert compiled.batch(points, labels).hex() == python_total.hex()
    assert grads(in_c) == grads(in_python)
    assert len(calls) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_empty_batch_adds_nothing(backend: str) -> None:
    model = seed.network()
    nn.SGD(model.parameters(), lr=1.0).zero_grad()
    assert nn.compile_loss(model, half_squared, backend=backend).batch([], []) == 0.0
    assert grads(model) == [None] * 6


BAD_BATCHES = [
    ([seed.INPUTS, seed.INPUTS], [0.5], ValueError, r"same length, got 2 and 1"),
    ([seed.INPUTS, (0.1, 0.2, 0.3)], [0.5, 0.5], ValueError, r"xs\[1\] has 3"),
    ([seed.INPUTS, (0.1, "0.2")], [0.5, 0.5], TypeError, r"xs\[1\]\[1\] must be a real number"),
    ([seed.INPUTS, (0.1, True)], [0.5, 0.5], TypeError, r"xs\[1\]\[1\] must be a real number"),
    ([seed.INPUTS, 0.1], [0.5, 0.5], TypeError, r"xs\[1\] must be a sequence of numbers"),
    ([seed.INPUTS, seed.INPUTS], [0.5, None], TypeError, r"targets\[1\] must be a real number"),
    ("ab", [0.5, 0.5], TypeError, r"xs must be a sequence, got str"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("xs", "targets", "error", "message"), BAD_BATCHES)
def test_a_bad_batch_is_refused_and_adds_nothing(
    backend: str, xs: object, targets: object, error: type[Exception], message: str
) -> None:
    model = seed.network()
    sample_loss = nn.compile_loss(model, half_squared, backend=backend)
    sample_loss(seed.INPUTS, 0.5)
    before = grads(model)
    with pytest.raises(error, match=message):
        sample_loss.batch(xs, targets)  # type: ignore[arg-type]
    assert grads(model) == before


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_trace_that_fails_in_a_batch_adds_nothing(backend: str) -> None:
    def loss(out: Value | list[Value], target: float) -> Value:
        if target > 1.0:
            raise ValueError("no such target")
        return half_squared(out, target)

    model = seed.network()
    nn.SGD(model.parameters(), lr=1.0).zero_grad()
    sample_loss = nn.compile_loss(model, loss, backend=backend)
    with pytest.raises(ValueError, match="no such target"):
        sample_loss.batch([seed.INPUTS, seed.INPUTS], [0.5, 2.0])
    assert grads(model) == [None] * 6
    sample_loss.batch([seed.INPUTS], [0.5])  # None grads start at the first gradient
    assert None not in grads(model)


def test_the_how_to_runs_and_its_batch_is_its_loop() -> None:
    """docs/how-to/compile.md's code blocks run, in order; then, at the weights they leave, the
    page's batch gives its loop's bits."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "how-to" / "compile.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    assert any(".batch(points, signs)" in block for block in blocks)
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(block, namespace)
    model, sample_loss = namespace["model"], namespace["sample_loss"]
    points, signs, optimizer = namespace["points"], namespace["signs"], namespace["optimizer"]
    assert isinstance(sample_loss, nn.CompiledLoss)
    optimizer.zero_grad()
    looped = _loop(sample_loss, points, signs)
    looped_grads = grads(model)
    optimizer.zero_grad()
    assert sample_loss.batch(points, signs).hex() == looped.hex()
    assert grads(model) == looped_grads
