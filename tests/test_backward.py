"""The backward pass: golden numbers, graph shapes, accumulation, depth, determinism, memory."""

from __future__ import annotations

import gc
import math
import os
import subprocess
import sys
import textwrap

import pytest

from autograd import Constant, Value, topological_order


def test_micrograd_readme_golden_numbers() -> None:
    """The example expression of micrograd's README; it prints 24.7041, 138.8338, 645.5773."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_fan_out_adds_both_paths() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0  # d(b^2)/db = 2b


def test_diamond_counts_the_shared_node_once() -> None:
    """x -> s = sin(x) -> (s * s) + s: ds is reached by two paths; a recursion that walked the
    shared node once per path would double its contribution. d/dx = (2s + 1) cos x."""
    x = Value(0.4)
    s = x.sin()
    y = s * s + s
    y.backward()
    expected = (2 * math.sin(0.4) + 1) * math.cos(0.4)
    assert x.grad == pytest.approx(expected, rel=1e-15)
    assert s.grad == pytest.approx(2 * math.sin(0.4) + 1, rel=1e-15)


def test_repeated_backward_accumulates_into_leaves_only() -> None:
    a = Value(3.0)
    b = 2 * a
    c = b**2
    c.backward()
    assert (a.grad, b.grad, c.grad) == (24.0, 12.0, 1.0)
    c.backward()
    assert (a.grad, b.grad, c.grad) == (48.0, 12.0, 1.0)  # micrograd: a.grad == 72


def test_backward_seed_and_leaf_root() -> None:
    a = Value(3.0)
    (a * a).backward(grad=0.5)
    assert a.grad == 3.0
    leaf = Value(1.0)
    leaf.backward()
    leaf.backward(2)
    assert leaf.grad == 3.0
    with pytest.raises(TypeError, match="str"):
        leaf.backward("1")  # type: ignore[arg-type]
    assert leaf.grad == 3.0


def test_an_interrupted_backward_leaves_the_next_one_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """backward marks the Values it has reset by the object in their grad; a pass stopped
    midway (Ctrl-C) must not leave a mark that makes the next pass skip a Value."""
    from autograd import graph

    x = Value(2.0)
    y = (x * x + x) * x  # dy/dx = 3x^2 + 2x = 16
    with monkeypatch.context() as patch:
        patch.setattr(graph, "_accumulate", lambda order: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 16.0
    assert y.parents[0].grad == 2.0  # d(u * x)/du = x


def backward_near_the_recursion_limit(y: Value) -> None:
    """``y.backward()`` called 40 frames below Python's recursion limit: room for the pass,
    not for recursion."""

    def nested(levels: int) -> None:
        if levels:
            nested(levels - 1)
        else:
            y.backward()

    frames = 0
    frame = sys._getframe()
    while frame is not None:
        frames += 1
        frame = frame.f_back  # type: ignore[assignment]
    nested(sys.getrecursionlimit() - frames - 40)


def test_backward_called_near_the_recursion_limit() -> None:
    """The sort recurses for speed; near Python's limit it must fall back, not fail."""
    x = Value(1.0)
    y = x
    for _ in range(300):
        y = y * 1.0001 + 0.0001
    expected = 1.0
    for _ in range(300):
        expected *= 1.0001
    backward_near_the_recursion_limit(y)
    assert x.grad == expected


def test_a_leaf_of_a_subclass_of_value_receives_its_gradient() -> None:
    class Parameter(Value):
        __slots__ = ()

    w = Parameter(3.0)
    (w * 2.0 + w * w).backward()
    assert w.grad == 8.0


def test_numbers_and_constants_take_no_gradient_but_pass_it_on() -> None:
    x = Value(0.5)
    c = Constant(4.0)
    y = (2.0 * x) ** 3 / c - 1  # d/dx = 3 (2x)^2 * 2 / 4 = 1.5
    y.backward()
    assert x.grad == 1.5
    assert c.grad == 0.0
    assert all(p.grad == 0.0 for node in topological_order(y) for p in node.parents
               if isinstance(p, Constant))  # fmt: skip


def test_topological_order_puts_inputs_first() -> None:
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = topological_order(c)
    assert order == [a, b, c]
    assert topological_order(x) == []


def test_topological_order_is_a_valid_order_for_a_wide_random_graph() -> None:
    import random

    rng = random.Random(7)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    nodes = list(leaves)
    for _ in range(300):
        a, b = rng.choice(nodes[-20:]), rng.choice(nodes)
        nodes.append(a * b if rng.random() < 0.5 else a + b)
    order = topological_order(nodes[-1])
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.parents:
                assert position[parent] < position[node]


@pytest.mark.slow
def test_million_node_chain_at_the_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    x0, x = Value(0.5), Value(1.0)
    y = x0
    n = 1_000_000
    for _ in range(n):
        y = y + x  # y = x0 + n * x: a chain of a million adds
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert x0.grad == 1.0
    assert x.grad == float(n)
    assert y.data == 0.5 + n
    del y  # freeing a million-deep chain must not overflow the C stack either
    gc.collect()


def test_no_reference_cycles() -> None:
    gc.collect()
    gc.disable()
    try:
        a, b = Value(2.0, label="a"), Value(-3.0)
        loss = ((a * b).tanh() + a.exp() / b - (b**2).log()).sigmoid()
        loss.backward()
        del a, b, loss
        assert gc.collect() == 0, "the graph held reference cycles"
    finally:
        gc.enable()


PROGRAM = textwrap.dedent(
    """
    import random
    from autograd import Value
    rng = random.Random(0)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(8)]
    nodes = list(leaves)
    for i in range(3000):
        a, b = rng.choice(nodes), rng.choice(nodes[-50:])
        nodes.append((a * b).tanh() + a * 0.1 if i % 3 else a.sin() + b)
    total = sum(nodes[-400:], Value(0.0))
    total.backward()
    print(" ".join(v.grad.hex() for v in leaves))
    """
)


def test_gradients_are_bit_identical_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert len(next(iter(outputs)).split()) == 8


# --- grad None: "no gradient", as torch's leaf.grad = None ------------------------------------


def _passes() -> dict[str, object]:
    from autograd import backward_steps, detect_anomaly

    def anomaly(root: Value) -> None:
        with detect_anomaly():
            root.backward()

    return {
        "fast": lambda root: root.backward(),
        "checked": anomaly,
        "frames": lambda root: list(backward_steps(root)),
        "create_graph": lambda root: root.backward(create_graph=True),
    }


@pytest.mark.parametrize("name", ["fast", "checked", "frames", "create_graph"])
def test_a_leaf_reset_to_none_gets_its_gradient_and_an_unreached_one_keeps_none(name: str) -> None:
    run = _passes()[name]
    a, b, unused = Value(3.0), Value(-2.0), Value(5.0)
    a.grad, b.grad, unused.grad = None, 7.0, None
    c = a * b + a * a  # d/da = b + 2a = 4, d/db = a = 3
    run(c)  # type: ignore[operator]
    assert (a.grad, b.grad, unused.grad) == (4.0, 7.0 + 3.0, None)
    run(c)  # type: ignore[operator]  # accumulates as before
    assert (a.grad, b.grad) == (8.0, 13.0)


@pytest.mark.parametrize("name", ["fast", "checked", "frames", "create_graph"])
def test_a_leaf_root_reset_to_none_gets_the_seed(name: str) -> None:
    a = Value(3.0)
    a.grad = None
    _passes()[name](a)  # type: ignore[operator]
    assert a.grad == 1.0


def test_a_none_leaf_takes_its_first_contribution_exactly_as_torch() -> None:
    # 0.0 + -0.0 is 0.0: a grad of None must become the contribution itself, sign of zero kept.
    for name in ("fast", "checked", "frames", "create_graph"):
        a = Value(0.0)
        a.grad = None
        _passes()[name](a * -1.0 * a)  # type: ignore[operator]  # d/da = -2a = -0.0
        assert math.copysign(1.0, a.grad) == -1.0, name  # type: ignore[arg-type]


def test_a_none_leaf_behind_an_infinite_upstream_gradient() -> None:
    # inf upstream takes the masked path: relu(-1)' = 0 contributes exactly 0, not nan.
    a, b = Value(-1.0), Value(2.0)
    a.grad = b.grad = None
    (a.relu() * math.inf + b * math.inf).backward()
    assert (a.grad, b.grad) == (0.0, math.inf)


def test_a_grad_that_is_no_number_stops_nothing_half_way() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    b.grad = "lost"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"a grad must be a float, or None.*holds str: 'lost'"):
        (a * b + c * a).backward()  # b is reached in the middle of the pass
    assert (a.grad, b.grad, c.grad) == (2.0 + 3.0, "lost", 1.0)  # complete, or untouched


def test_a_none_grad_is_shown_not_crashed_on() -> None:
    from autograd import draw

    a = Value(2.0, label="a")
    out = a * 3.0
    a.grad = None
    assert repr(a) == "Value(data=2.0, grad=None, label='a')"
    out.grad = None  # an interior grad reset by hand: its edges show no contribution
    source = draw(out, grads=True, edges="contribution").dot
    assert source.count("no grad") == 2
    assert "None" not in source
    assert "None" not in draw(out, grads=True, edges="local").dot
    with pytest.raises(RuntimeError, match="has no gradient"):
        a.grad_value  # noqa: B018
    a.grad_value = None  # dropping the recorded Value of no gradient keeps no gradient
    assert a.grad is None


def test_a_failed_pass_gives_none_back_to_the_leaves_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd import graph

    a, b = Value(2.0), Value(3.0)
    a.grad = None
    c = a * b

    def interrupted(order: list[Value]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(graph, "_accumulate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        c.backward()
    assert (a.grad, b.grad) == (None, 0.0)  # not -0.0, which a step would take as a gradient
    monkeypatch.undo()
    c.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)


def test_none_leaves_deep_in_a_graph_sorted_with_a_stack() -> None:
    # Deeper than the sort's recursion (100 frames): the explicit-stack sort starts them too.
    a, b = Value(0.5), Value(-0.25)
    a.grad = b.grad = None
    x = a
    for _ in range(300):
        x = x * 1.0 + b
    x.backward()
    assert (a.grad, b.grad) == (1.0, 300.0)


def test_a_none_leaf_of_a_subclass_of_value_takes_its_gradient() -> None:
    class Weight(Value):  # not started by the sort: the TypeError path takes it
        __slots__ = ()

    w, v = Weight(3.0), Weight(0.0)
    w.grad = v.grad = None
    (w * 2.0 + v * -1.0 * v).backward()
    assert w.grad == 2.0
    assert math.copysign(1.0, v.grad) == -1.0  # type: ignore[arg-type]  # -2v = -0.0, kept
