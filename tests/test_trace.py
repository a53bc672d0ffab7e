"""backward_steps and explain: the backward pass replayed exactly, and written out."""

from __future__ import annotations

import math
import random

import pytest
from document import hand_derived_gradients
from programs import VALUE_BACKEND, random_program

from autograd import RULES, Value, backward_steps, explain, topological_order
from autograd.rule import FLOAT_NAMESPACE, worked_derivative
from autograd.trace import graph_nodes, local_derivative_line, node_names
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


def _lines_of(root: Value, precision: int = 4) -> dict[str, str]:
    """Each contribution's local-derivative line, by the d(node)/d(input) it begins with."""
    names = node_names(graph_nodes(root), precision)
    return {
        line.split(" = ")[0]: line
        for frame in backward_steps(root)
        for edge in frame.edges
        for line in [local_derivative_line(frame, edge, names, precision)]
    }


def test_a_local_derivative_is_its_rules_formula_with_names_then_numbers() -> None:
    lines = _lines_of(seed.loss_graph())
    y3 = 1 / (1 + math.exp(-(0.1 * 0.35 + 0.8 * 0.9)))  # f(z3), by hand
    assert lines["dy3/dz3"] == (
        f"dy3/dz3 = y3 * (1 - y3) = {y3:.4g} * {1 - y3:.4g} = {y3 * (1 - y3):.4g}"
    )
    assert lines["dy3/dz3"] == "dy3/dz3 = y3 * (1 - y3) = 0.6803 * 0.3197 = 0.2175"
    assert lines["d(w35*y3)/dw35"] == f"d(w35*y3)/dw35 = y3 = {y3:.4g}"  # nothing said twice
    assert lines["dz5/d(w35*y3)"] == "dz5/d(w35*y3) = 1"
    # (y5 - ya) ** 2: the exponent 2 is a number operand, written as a number.
    assert lines["d((y5-ya)^2)/d(y5-ya)"].startswith(
        "d((y5-ya)^2)/d(y5-ya) = 2 * power(y5-ya, 2 - 1) = 2 * 0.1903 = 0.3806"
    )
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    s_by_hand = math.sin(0.4)
    assert _lines_of(s.cos())["dv2/ds"] == (
        f"dv2/ds = -sin(s) = -sin({s_by_hand:.4g}) = {-math.sin(s_by_hand):.4g}"
    )
    negative = Value(-2.0, label="a").relu()
    assert _lines_of(negative)["dv1/da"] == "dv1/da = 0"  # relu's branch, decided


def test_the_numbers_are_left_out_if_the_data_changed_since_recording() -> None:
    x = Value(0.4, label="x")
    y = x.sin()
    y.label = "y"
    x.data = 3.0  # the recorded derivative is cos(0.4); x's number no longer gives it
    (line,) = _lines_of(y).values()
    assert line == f"dy/dx = cos(x) = {math.cos(0.4):.4g}"


@pytest.mark.parametrize("name", list(RULES))
def test_worked_derivatives_say_what_the_rule_computes(name: str) -> None:
    """Written with the rule's own names and full-precision numbers, both forms of every
    rule's every derivative evaluate, as Python, to the derivative the rule records."""
    rule = RULES[name]
    for args in rule.domain:
        out = rule.forward(*args)
        point = {**dict(zip(rule.inputs, args)), "out": out}
        words = {word: word for word in point}
        for index, grad in enumerate(rule.grads):
            expected = rule.local_grads(*args, out)[index]
            for text in worked_derivative(grad, point, words, repr):
                if text is None:
                    continue
                numbers = {"inf": math.inf, "nan": math.nan, **point}  # as repr writes them
                got = eval(text, dict(FLOAT_NAMESPACE), numbers)
                assert got == expected or (got != got and expected != expected), (text, args)
