"""autograd.compile and nn.compile_loss: straight-line code, bit for bit the eager engine."""

from __future__ import annotations

import math
import random

import pytest
from programs import VALUE_BACKEND, Program, random_program

import autograd
import nn
from autograd import TracingError, Value
from nn import seed


def _eager(program: Program, point: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in point]
    out = program.run(leaves, VALUE_BACKEND)[-1]
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("seed_number", range(100))
def test_bit_identical_to_the_eager_engine(seed_number: int) -> None:
    rng = random.Random(seed_number)
    program = random_program(rng, n_inputs=3, n_steps=14)
    point = [rng.uniform(-2.0, 2.0) for _ in range(3)]
    compiled = autograd.compile(lambda a, b, c: program.run([a, b, c], VALUE_BACKEND)[-1])
    value, grads = compiled(*point)
    eager_value, eager_grads = _eager(program, point)
    assert value.hex() == eager_value.hex()
    assert [g.hex() for g in grads] == [g.hex() for g in eager_grads]
    other = [rng.uniform(-2.0, 2.0) for _ in range(3)]  # the same code at another point
    value, grads = compiled(*other)
    eager_value, eager_grads = _eager(program, other)
    assert (value, list(grads)) == (eager_value, eager_grads)


def test_ieee_edges_as_the_eager_engine() -> None:
    """At 0 the fast code raises ZeroDivisionError; the IEEE version answers as eager does."""
    reciprocal = autograd.compile(lambda x: 1 / x)
    assert reciprocal(0.0) == (math.inf, (-math.inf,))  # d(1/x) = -out/x = -inf/0
    both = autograd.compile(lambda x: 1 / x + x.log())
    value, (gradient,) = both(0.0)  # inf + -inf, and -inf + inf: nan in both
    x = Value(0.0)
    eager = 1 / x + x.log()
    eager.backward()
    assert math.isnan(value)
    assert math.isnan(eager.data)
    assert math.isnan(gradient)
    assert math.isnan(x.grad)
    assert both(2.0) == (0.5 + math.log(2.0), (-0.25 + 0.5,))


def test_source_reads_like_the_documents_backprop() -> None:
    def document_loss(
        w13: Value, w23: Value, w14: Value, w24: Value, w35: Value, w45: Value
    ) -> Value:
        model = seed.network()
        places = [(n.w, i) for layer in model.layers for n in layer.neurons for i in range(2)]
        for (weights, index), weight in zip(places, (w13, w23, w14, w24, w35, w45)):
            weights[index] = weight
        return seed.loss_graph(model)

    compiled = autograd.compile(document_loss)
    loss, grads = compiled(*seed.WEIGHTS.values())
    assert loss == 0.01810390383656677  # the document's step-1 Error
    source = compiled.source
    assert source.startswith("def document_loss(w13, w23, w14, w24, w35, w45):")
    expected_lines = [
        "z5 = w35_y3 + w45_y4",
        "y5 = sigmoid(z5)",
        "d_z5 = 0.0 + y5 * (1.0 - y5) * d_y5_ya",  # each sum begins at 0.0, as eager's
        "d_w35 = 0.0 + y3 * d_z5",  # d(w35*y3) is d(z5) unchanged: not copied
        "d_y3 = 0.0 + w35 * d_z5",
        "return E, (d_w13, d_w23, d_w14, d_w24, d_w35, d_w45)",
    ]
    for line in expected_lines:
        assert line in source, line
    eager = seed.loss_graph()
    eager.backward()
    model_grads = [p.grad for p in _parameters(eager)]
    assert list(grads) == model_grads


def _parameters(loss: Value) -> list[Value]:
    order = autograd.topological_order(loss, leaves=True)
    by_label = {v.label: v for v in order if not v.parents and v.label.startswith("w")}
    return [by_label[name] for name in seed.WEIGHTS]


def test_python_control_flow_on_a_value_raises_while_tracing() -> None:
    def branching(x: Value) -> Value:
        if x:  # a Python branch on a Value: fixed at trace time, so refused
            return x * 2
        return x

    with pytest.raises(
        TracingError, match=r"used as a condition while autograd\.compile was tracing"
    ):
        autograd.compile(branching)(1.0)
    assert bool(Value(2.0)) is True  # outside tracing the data decides, as for a float


def test_arguments_and_results_are_checked() -> None:
    compiled = autograd.compile(lambda x, y: x * y)
    assert compiled(2, 3) == (6.0, (3.0, 2.0))
    with pytest.raises(TypeError, match="takes 2 numbers, got 3"):
        compiled(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="real number"):
        compiled(1.0, "2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return a Value, got float"):
        autograd.compile(lambda x: 3.0)(1.0)  # type: ignore[arg-type, return-value]
    assert "traced" in repr(compiled)


def test_closed_over_values_are_constants() -> None:
    w = Value(3.0)
    compiled = autograd.compile(lambda x: x * w)
    assert compiled(2.0) == (6.0, (3.0,))
    w.data = 10.0  # baked in at trace time, as jax.jit bakes closed-over arrays
    assert compiled(2.0) == (6.0, (3.0,))


def test_names_are_made_safe_and_unique() -> None:
    def f(x: Value) -> Value:
        a = x * 2
        a.label = "exp"  # a rule function's name
        b = a + 1
        b.label = "d_x"  # a gradient variable's name
        c = b * b
        c.label = "class"  # a keyword
        return c

    compiled = autograd.compile(f)
    assert compiled(1.5) == (16.0, (16.0,))  # (2x + 1)^2, derivative 4 (2x + 1)
    assert "exp_2 = x * 2" in compiled.source
    assert "v_d_x = exp_2 + 1" in compiled.source
    assert "class_2 = v_d_x * v_d_x" in compiled.source


def _model() -> nn.MLP:
    return nn.MLP(2, [4, 4, 1], rng=random.Random(7))


def test_compile_loss_gives_the_eager_gradients() -> None:
    points, labels = nn.datasets.make_moons(20, rng=random.Random(1))
    signs = [2 * label - 1 for label in labels]
    eager, compiled_model = _model(), _model()
    loss = nn.hinge_loss([eager(list(p)) for p in points], signs)  # type: ignore[misc]
    loss.backward()
    sample_loss = nn.compile_loss(compiled_model, lambda s, t: nn.hinge_loss([s], [int(t)]) / 20)
    total = sum(sample_loss(p, t) for p, t in zip(points, signs))
    assert total == pytest.approx(loss.data, rel=1e-14)
    for a, b in zip(eager.parameters(), compiled_model.parameters()):
        assert b.grad == pytest.approx(a.grad, rel=1e-12, abs=1e-16)
    assert "def sample_loss(" in sample_loss.source(points[0], signs[0])


def test_compile_loss_trains_like_the_eager_engine() -> None:
    points, labels = nn.datasets.make_moons(10, rng=random.Random(2))
    eager, compiled_model = _model(), _model()
    sample_loss = nn.compile_loss(compiled_model, lambda s, t: nn.mse_loss([s], [t]))
    eager_sgd = nn.SGD(eager.parameters(), lr=0.05)
    compiled_sgd = nn.SGD(compiled_model.parameters(), lr=0.05)
    for _ in range(5):
        eager_sgd.zero_grad()
        for p, t in zip(points, labels):
            nn.mse_loss([eager(list(p))], [float(t)]).backward()  # type: ignore[list-item]
        eager_sgd.step()
        compiled_sgd.zero_grad()
        for p, t in zip(points, labels):
            sample_loss(p, float(t))
        compiled_sgd.step()
    for a, b in zip(eager.parameters(), compiled_model.parameters()):
        assert b.data == pytest.approx(a.data, rel=1e-12)


def test_compile_loss_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match=r"needs an nn\.Module, got list"):
        nn.compile_loss([], lambda s, t: s)  # type: ignore[arg-type, return-value]
    sample_loss = nn.compile_loss(_model(), lambda s, t: 1.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="loss_fn must return a Value, got float"):
        sample_loss([0.0, 1.0], 1.0)
