"""backward_steps and explain: the backward pass replayed exactly, and written out."""

from __future__ import annotations

import math
import random

import pytest
from document import hand_derived_gradients
from programs import VALUE_BACKEND, random_program

from autograd import Value, backward_steps, explain, topological_order
from nn import seed


def _grads(values: list[Value]) -> list[str]:
    return [v.grad.hex() for v in values]


def test_frames_cover_every_op_of_the_seed_network() -> None:
    frames = list(backward_steps(seed.loss_graph()))
    # Per hidden unit 2 products, a sum and a sigmoid (8); the output unit the same (4);
    # E = 0.5 * (y5 - ya) ** 2 a sub, a pow and a mul (3).
    assert len(frames) == 15
    assert frames[0].node.label == "E"
    assert frames[0].upstream == 1.0
    for frame in frames:
        for edge in frame.edges:
            assert edge.contribution == edge.local_grad * frame.upstream
            assert edge.input is frame.node.parents[edge.index]


def test_frames_leave_the_same_gradients_as_backward_on_the_seed_network() -> None:
    first, second = seed.network(), seed.network()
    seed.loss_graph(first).backward()
    for _ in backward_steps(seed.loss_graph(second)):
        pass
    assert _grads(first.parameters()) == _grads(second.parameters())


@pytest.mark.parametrize("seed_number", range(40))
def test_frames_leave_the_same_gradients_as_backward_on_random_graphs(seed_number: int) -> None:
    program = random_program(random.Random(seed_number), n_inputs=3, n_steps=16)
    point = [random.Random(seed_number).uniform(-2, 2) for _ in range(3)]
    leaves_b = [Value(x) for x in point]
    out_b = program.run(leaves_b, VALUE_BACKEND)[-1]
    leaves_f = [Value(x) for x in point]
    out_f = program.run(leaves_f, VALUE_BACKEND)[-1]
    assert isinstance(out_b, Value)
    assert isinstance(out_f, Value)
    out_b.backward()
    frames = list(backward_steps(out_f))
    assert _grads(leaves_b) == _grads(leaves_f)
    assert len(frames) == len(topological_order(out_f))  # one frame per interior node
    assert len({id(frame.node) for frame in frames}) == len(frames)


def test_each_contribution_carries_the_running_sum_of_its_input() -> None:
    x = Value(0.4, label="x")
    s = x.sin()
    y = s * s + s
    add, mul, sine = backward_steps(y)
    assert (add.node, mul.node, sine.node) == (y, y.parents[0], s)
    by_hand = math.sin(0.4)  # dy/ds = 2s + 1: 1 through the sum, s twice through the product
    into_s = [edge for frame in (add, mul) for edge in frame.edges if edge.input is s]
    assert [edge.contribution for edge in into_s] == [1.0, by_hand, by_hand]
    assert [edge.total for edge in into_s] == [1.0, 1.0 + by_hand, 1.0 + by_hand + by_hand]
    assert math.isclose(sine.upstream, 2 * by_hand + 1, rel_tol=1e-15)
    assert sine.upstream == into_s[-1].total  # the last contribution leaves it complete
    (into_x,) = sine.edges
    assert into_x.total == x.grad
    constant = (x * 2.0).exp()
    (_, product) = backward_steps(constant)
    assert product.edges[1].total is None  # the Constant 2 takes no gradient


def test_frames_come_from_a_whole_pass_and_a_leaf_root_has_none() -> None:
    a = Value(2.0)
    steps = backward_steps(a * a)
    assert a.grad == 4.0  # the pass ran, and wrote the grads, before the first frame
    (frame,) = steps
    assert frame.upstream == 1.0
    leaf = Value(1.0)
    assert list(backward_steps(leaf)) == []
    assert leaf.grad == 1.0


def test_explain_mentions_every_parameter_with_the_right_numbers() -> None:
    text = explain(seed.loss_graph())
    expected = hand_derived_gradients()
    lines = text.splitlines()
    assert lines[0] == "dE/dE = 1"
    for name, gradient in expected.items():
        contribution = next(line for line in lines if line.startswith(f"dE/d{name} += "))
        assert contribution.endswith(f"= {gradient:.6g}"), contribution
        assert f"dE/d{name} = {gradient:.6g}" in lines[-1]
    w35_line = next(line for line in lines if line.startswith("dE/dw35 += "))
    assert w35_line.startswith("dE/dw35 += dE/d(w35*y3) * d(w35*y3)/dw35 = ")


def test_explain_writes_each_contribution_and_changes_grads_as_backward_does() -> None:
    a, b = Value(0.3, label="a"), Value(-1.1, label="b")
    out = (a * b).sin() + a  # unlabelled nodes by position: a*b is v2, its sin v3, out v4
    lines = explain(out, precision=3).splitlines()
    cos_ab = math.cos(0.3 * -1.1)
    assert lines == [
        "dv4/dv4 = 1",
        "dv4/dv3 += dv4/dv4 * dv4/dv3 = 1 * 1 = 1",
        "dv4/da += dv4/dv4 * dv4/da = 1 * 1 = 1",
        f"dv4/dv2 += dv4/dv3 * dv3/dv2 = 1 * {cos_ab:.3g} = {cos_ab:.3g}",
        f"dv4/da += dv4/dv2 * dv2/da = {cos_ab:.3g} * -1.1 = {cos_ab * -1.1:.3g}",
        f"dv4/db += dv4/dv2 * dv2/db = {cos_ab:.3g} * 0.3 = {cos_ab * 0.3:.3g}",
        f"so dv4/da = {1 + cos_ab * -1.1:.3g}, dv4/db = {cos_ab * 0.3:.3g}",
    ]
    reference_a, reference_b = Value(0.3), Value(-1.1)
    ((reference_a * reference_b).sin() + reference_a).backward()
    assert (a.grad, b.grad) == (reference_a.grad, reference_b.grad)
