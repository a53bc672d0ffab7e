"""backward_steps and explain: the backward pass replayed exactly, and written out."""

from __future__ import annotations

import math
import random
from pathlib import Path

import mpmath
import pytest
from document import hand_derived_gradients
from programs import VALUE_BACKEND, MpmathBackend, Program, random_program

from autograd import RULES, Value, backward_steps, explain, topological_order
from autograd.rule import FLOAT_NAMESPACE, worked_derivative
from autograd.trace import (
    graph_nodes,
    local_derivative_line,
    node_names,
    nodes_on_paths,
    path_counts,
)
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


# --- explain(root, wrt=v): the hand derivation, path by path -----------------------------------


def _leaf(root: Value, label: str) -> Value:
    return next(v for v in topological_order(root, leaves=True) if v.label == label)


def _result(text: str) -> tuple[float, float]:
    """The sum over the paths and backward's number, from the last line of explain(wrt=)."""
    last = text.splitlines()[-1]
    assert last.startswith("so "), last
    total = last.split(" (the backward pass: ")[0].rsplit(" = ", 1)[1]
    backward_number = last.rsplit(": ", 1)[1].rstrip(")")
    return float(total), float(backward_number)


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_explain_wrt_w13_reads_as_the_documents_hand_derivation() -> None:
    loss = seed.loss_graph(seed.network())
    text = explain(loss, wrt=_leaf(loss, "w13"))
    # The document's numbers, in plain floats: dE/dw13 = (y5-ya) f'(z5) w35 f'(z3) y1.
    y1, y2, ya = 0.35, 0.9, 0.5
    z3 = 0.1 * y1 + 0.8 * y2
    y3, y4 = _sigmoid(z3), _sigmoid(0.4 * y1 + 0.6 * y2)
    y5 = _sigmoid(0.3 * y3 + 0.9 * y4)
    factors = [0.5, 2 * (y5 - ya), 1, y5 * (1 - y5), 1, 0.3, y3 * (1 - y3), 1, y1]
    by_hand = (y5 - ya) * (y5 * (1 - y5)) * 0.3 * (y3 * (1 - y3)) * y1
    assert text.splitlines() == [
        "dE/dw13, along the one path from w13 to E, the product of its local derivatives:",
        "",
        "path 1 of 1: w13 -> w13*y1 -> z3 -> y3 -> w35*y3 -> z5 -> y5 -> y5-ya -> (y5-ya)^2 -> E",
        "  dE/d((y5-ya)^2) * d((y5-ya)^2)/d(y5-ya) * d(y5-ya)/dy5 * dy5/dz5 * dz5/d(w35*y3)"
        " * d(w35*y3)/dy3 * dy3/dz3 * dz3/d(w13*y1) * d(w13*y1)/dw13",
        "  = 0.5 * (2 * power(y5-ya, 2 - 1)) * 1 * (y5 * (1 - y5)) * 1 * w35 * (y3 * (1 - y3))"
        " * 1 * y1",
        "  = " + " * ".join(f"{factor:.6g}" for factor in factors),
        f"  = {by_hand:.6g}",
        "",
        f"so dE/dw13 = {by_hand:.6g} (the backward pass: {by_hand:.6g})",
    ]
    assert f"{by_hand:.6g}" == "0.000929071"  # the tutorial's number


@pytest.mark.parametrize("name", list(seed.WEIGHTS))
def test_explain_wrt_each_weight_of_the_seed_network_gives_the_documents_gradient(
    name: str,
) -> None:
    loss = seed.loss_graph(seed.network())
    text = explain(loss, wrt=_leaf(loss, name), precision=17)
    total, backward_number = _result(text)
    expected = hand_derived_gradients()[name]  # FACTS.md's formula in plain floats
    assert total == pytest.approx(expected, rel=1e-14, abs=0.0)
    assert total == backward_number  # one path: the same product, in backward's order
    assert "along the one path from" in text
    factors, formulas = text.splitlines()[3:5]
    if name in ("w35", "w45"):  # E, (y5-ya)^2, y5-ya, y5, z5, the product: six factors
        assert factors.count(" * ") == 5
    else:  # three more, through the hidden unit, and the outer weight is one of them
        unit = name[2]
        outer = f"w{unit}5"
        assert factors.count(" * ") == 8
        assert f" * d({outer}*y{unit})/dy{unit} * " in factors
        assert f" * {outer} * " in formulas


def test_explain_wrt_counts_the_three_paths_of_the_diamond() -> None:
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    y.label = "y"
    text = explain(y, wrt=s, precision=17)
    lines = text.splitlines()
    assert lines[0].startswith("dy/ds, summed over the 3 paths from s to y")
    routes = [line for line in lines if line.startswith("path ")]
    assert routes == [
        "path 1 of 3: s -> v2 (as its first input) -> y",
        "path 2 of 3: s -> v2 (as its second input) -> y",
        "path 3 of 3: s -> y",
    ]
    sin = math.sin(0.4)  # by hand: y = s^2 + s, so dy/ds = s + s + 1, one term per path
    assert lines[-1] == f"so dy/ds = {sin:.17g} + {sin:.17g} + 1 = {sin + sin + 1:.17g} " + (
        f"(the backward pass: {2 * sin + 1:.17g})"
    )
    # Through x: the same three paths, each times cos(x), checked with mpmath.
    with mpmath.workdps(40):
        exact = mpmath.diff(lambda t: mpmath.sin(t) ** 2 + mpmath.sin(t), mpmath.mpf(0.4))
    total, backward_number = _result(explain(y, wrt=x, precision=17))
    assert total == pytest.approx(float(exact), rel=1e-15)
    assert backward_number == pytest.approx(float(exact), rel=1e-15)


def test_explain_wrt_writes_no_grad_and_gives_the_same_text_every_time() -> None:
    loss = seed.loss_graph(seed.network())
    nodes = topological_order(loss, leaves=True)
    before = [v.grad for v in nodes]
    w13 = _leaf(loss, "w13")
    first = explain(loss, wrt=w13)
    assert explain(loss, wrt=w13) == first
    assert [v.grad for v in nodes] == before
    loss.backward()  # afterwards backward gives what the derivation said
    assert f"(the backward pass: {w13.grad:.6g})" in first


def test_explain_wrt_the_root_is_one_path_of_no_steps() -> None:
    a = Value(2.0, label="a")
    b = a.exp()
    b.label = "b"
    text = explain(b, wrt=b)
    assert text.splitlines()[-1] == "so db/db = 1 (the backward pass: 1)"
    leaf = Value(5.0, label="w")
    assert explain(leaf, wrt=leaf).splitlines()[-1] == "so dw/dw = 1 (the backward pass: 1)"


def test_explain_wrt_an_interior_value_follows_the_paths_above_it() -> None:
    loss = seed.loss_graph(seed.network())
    y3 = _leaf(loss, "y3")
    total, backward_number = _result(explain(loss, wrt=y3, precision=17))
    h = hand_derived_gradients()
    # dE/dy3 = (y5-ya) f'(z5) w35 = dE/dw35 / y3 * w35, by the document's formulas
    assert total == pytest.approx(h["w35"] / y3.data * 0.3, rel=1e-14)
    assert total == backward_number


def test_explain_wrt_refuses_what_has_no_path_with_a_clear_error() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    out = a * 3.0
    with pytest.raises(ValueError, match=r"wrt, 'b' \(leaf, data=2.0\), is not in the graph"):
        explain(out, wrt=b)
    three = out.parents[1]
    with pytest.raises(ValueError, match="a Constant takes no gradient"):
        explain(out, wrt=three)
    with pytest.raises(TypeError, match="wrt must be a Value of the graph of root, got float"):
        explain(out, wrt=3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths must be a positive int, got 0"):
        explain(out, wrt=a, max_paths=0)
    with pytest.raises(TypeError, match="explain needs a Value, got float"):
        explain(1.0, wrt=a)  # type: ignore[arg-type]
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_explain_wrt_counts_the_paths_first_and_names_the_count() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(10):
        y = y * y  # each square doubles the paths from x: 2^10
    with pytest.raises(ValueError, match=r"^1024 paths lead from 'x' to .*max_paths=100"):
        explain(y, wrt=x)
    assert _result(explain(y, wrt=x, max_paths=1024))[0] == 1024.0  # d(x^1024)/dx at 1
    for _ in range(60):
        y = y * y  # 2^70 paths: counted, not built
    with pytest.raises(ValueError, match=r"^at least 1e18 paths lead from 'x'"):
        explain(y, wrt=x)


def test_explain_wrt_points_out_a_derivative_that_is_not_finite() -> None:
    z = Value(0.0, label="z")
    root = z.sqrt()
    root.label = "r"
    lines = explain(root, wrt=z).splitlines()
    assert "  note: dr/dz = inf is not finite" in lines
    assert lines[-1] == "so dr/dz = inf (the backward pass: inf)"  # 1 / (2 sqrt(0))


def test_explain_wrt_keeps_a_masked_zero_exactly_zero_as_backward_does() -> None:
    x = Value(-1.0, label="x")
    r = x.relu()
    r.label = "r"
    y = r * math.inf  # dy/dr = inf; relu'(-1) = 0 by convention, so dy/dx = 0, as PyTorch
    y.label = "y"
    lines = explain(y, wrt=x).splitlines()
    assert lines[-1] == "so dy/dx = 0 (the backward pass: 0)"
    assert any(line.startswith("  (exactly 0: a derivative that is zero") for line in lines)
    # Below an inf the masked zero does not help: 0 * inf is nan in backward and on the path.
    z = Value(0.0, label="z")
    top = z.sqrt().relu()  # relu'(0) = 0, then d sqrt(z)/dz = inf at 0
    top.label = "t"
    assert explain(top, wrt=z).splitlines()[-1] == "so dt/dz = nan (the backward pass: nan)"
    top.backward()
    assert math.isnan(z.grad)


def _mp_central_difference(program: Program, point: list[float], index: int) -> float | None:
    """d(output)/d(input index) by a central difference in mpmath at 60 digits; None if the
    step would cross a kink."""
    with mpmath.workdps(60):
        x = [mpmath.mpf(v) for v in point]
        step = mpmath.mpf(10) ** -25 * max(abs(x[index]), 1)
        values = []
        for sign in (1, -1):
            moved = list(x)
            moved[index] += sign * step
            backend = MpmathBackend()
            values.append(program.run(moved, backend)[-1])
            if backend.closest_to_kink < mpmath.mpf(10) ** -20:
                return None
        return float((values[0] - values[1]) / (2 * step))


def test_explain_wrt_sums_the_paths_of_random_graphs_to_the_derivative() -> None:
    checked = 0
    for seed_number in range(60):
        program = random_program(random.Random(seed_number), n_inputs=2, n_steps=10)
        point = [random.Random(seed_number).uniform(-2, 2) for _ in range(2)]
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
        slots = program.run(leaves, VALUE_BACKEND)
        out = slots[-1]
        assert isinstance(out, Value)
        if not all(math.isfinite(float(slot)) and abs(float(slot)) < 1e6 for slot in slots):
            continue
        exact = _mp_central_difference(program, point, 0)
        if exact is None:
            continue
        if path_counts(out, leaves[0])[out] > 1000:
            continue  # too many to write out
        total, backward_number = _result(explain(out, wrt=leaves[0], precision=17, max_paths=1000))
        scale = 1.0 + abs(exact)
        assert math.isclose(total, exact, rel_tol=1e-7, abs_tol=1e-9 * scale), seed_number
        assert math.isclose(total, backward_number, rel_tol=1e-12, abs_tol=1e-14 * scale)
        checked += 1
    assert checked >= 30


def test_the_tutorial_shows_what_explain_wrt_w13_prints() -> None:
    model = seed.network()
    loss = seed.loss_graph(model)
    printed = explain(loss, wrt=model.parameters()[0])
    tutorial = (Path(__file__).resolve().parent.parent / "docs/tutorial.md").read_text("utf-8")
    assert f"```\n{printed}\n```" in tutorial


def test_the_nodes_on_the_paths_are_those_that_depend_on_wrt() -> None:
    loss = seed.loss_graph(seed.network())
    on_paths = [v.label for v in nodes_on_paths(loss, _leaf(loss, "w13"))]
    assert on_paths == [
        "w13",
        "w13*y1",
        "z3",
        "y3",
        "w35*y3",
        "z5",
        "y5",
        "y5-ya",
        "(y5-ya)^2",
        "E",
    ]
    with pytest.raises(ValueError, match="is not in the graph"):
        nodes_on_paths(loss, Value(1.0))
