"""step_through(..., collapse=...): one box for each neuron (or any group of Values named by its
output), with numbers that are the uncollapsed pass's own."""

from __future__ import annotations

import random
from typing import Any

import pytest

from autograd import Constant, Value, step_through
from autograd.player import StepThrough, find_groups, page_data
from autograd.trace import format_number, graph_nodes
from nn.layers import MLP, Layer, Neuron
from nn.losses import mse_loss


def _data(page: str) -> dict[str, Any]:
    return page_data(page)


def _mlp(sizes: list[int]) -> tuple[MLP, list[Value], Value]:
    model = MLP(2, sizes, rng=random.Random(0))
    inputs = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    out = model(inputs)
    assert isinstance(out, Value)
    return model, inputs, mse_loss([out], [1.0])


def test_an_mlps_neurons_are_labelled_by_their_paths() -> None:
    _, _, loss = _mlp([3, 1])
    labels = [n.label for n in graph_nodes(loss) if n.parents and n.label]
    assert labels == [
        "layers.0.neurons.0", "layers.0.neurons.1", "layers.0.neurons.2",
        "layers.1.neurons.0", "mse_loss",
    ]  # fmt: skip
    layer = Layer(2, 2, rng=random.Random(0))
    assert [out.label for out in layer([1.0, 2.0])] == ["neurons.0", "neurons.1"]
    assert Neuron(2, rng=random.Random(0))([1.0, 2.0]).label == ""  # alone, it has no path


def test_a_group_holds_its_neurons_own_values_and_not_the_shared_inputs() -> None:
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    layer = Layer(2, 2, rng=random.Random(0))
    a, b = layer([x1, x2])
    out = a * b
    nodes = graph_nodes(out)
    groups = find_groups(nodes, {a, b})
    for output, neuron in ((a, layer.neurons[0]), (b, layer.neurons[1])):
        group = groups[output]
        assert group.inputs == [x1, x2]
        assert set(neuron.parameters()) < set(group.members)  # weights and bias inside
        assert x1 not in group.members
        assert x2 not in group.members
        assert len(group.members) == 8  # w.0 w.1 b, 2 products, 2 sums, relu
        # d(relu(w.0 x1 + w.1 x2 + b))/dx1 = w.0 where the neuron is active, else 0
        active = output.data > 0
        assert group.locals[x1] == (neuron.w[0].data if active else 0.0)


def test_every_gradient_on_the_collapsed_page_is_backwards() -> None:
    _, _, loss = _mlp([16, 16, 1])
    twin_model, twin_inputs, twin_loss = _mlp([16, 16, 1])
    twin_loss.backward()  # the reference: a plain backward on the same program
    expected = {p.label: p.grad for p in [*twin_model.parameters(), *twin_inputs]}
    data = _data(step_through(loss, collapse=True).html)
    last = [f for f in data["frames"] if f.get("gradients")][-1]
    shown = {g["name"]: g["grad"] for g in last["gradients"]}
    assert shown == expected  # exactly, every one of the 337 parameters and both inputs
    assert len(shown) == 337 + 2
    lines = set(last["lines"])
    for name, grad in expected.items():  # and to the digits shown
        assert f"dmse_loss/d{name} = {format_number(grad, 4)}" in lines


def _shares(player: StepThrough, value: Value) -> list[float]:
    """The shares the player's backward steps pass to ``value``, in order."""
    return [
        float(edge.contribution)
        for frame in player.frames
        for edge in frame.edges
        if edge.input is value
    ]


def test_the_shares_into_an_input_add_up_as_the_uncollapsed_ones_do() -> None:
    _, _, loss = _mlp([4, 4, 1])
    _, _, twin = _mlp([4, 4, 1])
    collapsed, full = step_through(loss, collapse=True), step_through(twin)
    for name in ("x1", "x2", "layers.0.neurons.2"):
        (node,) = [n for n in collapsed.graph.ids if n.label == name]
        (same,) = [n for n in full.graph.ids if n.label == name]
        boxed = _shares(collapsed, node)
        plain = _shares(full, same)
        shown = [c for f in _data(collapsed.html)["frames"] for c in f["contributions"]]
        assert len([c for c in shown if c["input"] == collapsed.graph.ids[node]]) == 4
        assert len(boxed) == 4  # one share from each box of the layer above
        total = 0.0
        for share in boxed:
            total += share
        assert total == node.grad == same.grad
        assert sum(plain) == pytest.approx(sum(boxed), rel=1e-15)


def test_a_collapsed_step_lists_the_shares_out_and_the_boxs_parameters() -> None:
    model, _, loss = _mlp([2, 1])
    player = step_through(loss, collapse=True, forward=False)
    frames = _data(player.html)["frames"]
    ids = player.graph.ids
    (out,) = [n for n in ids if n.label == "layers.1.neurons.0"]
    (step,) = [f for f in frames if f["node"] == ids[out]]
    # w.0 w.1 b, 2 products, 2 sums; a linear output adds no op
    assert step["title"].startswith("layers.1.neurons.0, a box of 7 values: its gradient")
    assert [c["input"] for c in step["contributions"]] == [
        ids[n] for n in ids if n.label in ("layers.0.neurons.0", "layers.0.neurons.1")
    ]
    w0, w1, b = model.layers[1].neurons[0].parameters()
    assert step["sums"][-3:] == [
        f"dmse_loss/d{p.label} = {format_number(p.grad, 4)}" for p in (w0, w1, b)
    ]
    assert step["edges"] == [f"{ids[out]}g0", f"{ids[out]}g1"]
    svg = player.graph.svg()
    assert f'id="{ids[out]}g0"' in svg
    assert f'id="{ids[out]}op"' not in svg


def test_the_collapsed_mlp16_page_is_small() -> None:
    _, _, loss = _mlp([16, 16, 1])
    _, _, twin = _mlp([16, 16, 1])
    collapsed, full = step_through(loss, collapse=True), step_through(twin)
    assert len(collapsed.graph.ids) == 2 + 16 + 16 + 1 + 1  # inputs, neurons, loss
    # the how-to's "about 0.5 MB, against 2 MB drawn in full"
    assert 450_000 < len(collapsed.html.encode()) < 550_000
    assert 1_900_000 < len(full.html.encode()) < 2_200_000


def test_collapse_lists_values_too_and_the_same_program_gives_the_same_page() -> None:
    x = Value(0.3, label="x")
    h = (x * 2.0).tanh()
    h.label = "h"
    y = h * h + x
    first = step_through(y, collapse=[h]).html
    x = Value(0.3, label="x")
    h = (x * 2.0).tanh()
    h.label = "h"
    assert step_through(h * h + x, collapse=[h]).html == first


@pytest.mark.parametrize(
    ("collapse", "error", "words"),
    [
        ("yes", TypeError, "collapse must be True, False or a list"),
        ([], ValueError, "lists no Value"),
        ([1.0], TypeError, "got an item of type 'float'"),
    ],
)
def test_bad_collapse_options_are_refused_before_backward_runs(
    collapse: object, error: type[Exception], words: str
) -> None:
    _, _, loss = _mlp([2, 1])
    with pytest.raises(error, match=words):
        step_through(loss, collapse=collapse)  # type: ignore[arg-type]
    assert all(n.grad in (None, 0.0) for n in graph_nodes(loss) if not isinstance(n, Constant))


def test_collapse_refuses_a_leaf_a_stranger_and_a_focus() -> None:
    model, inputs, loss = _mlp([2, 1])
    with pytest.raises(ValueError, match="a leaf"):
        step_through(loss, collapse=[inputs[0]])
    with pytest.raises(ValueError, match="not in the graph"):
        step_through(loss, collapse=[Value(1.0) * 2.0])
    with pytest.raises(ValueError, match="cannot be combined"):
        step_through(loss, collapse=True, wrt=model.parameters()[0])


def test_a_collapsed_quiz_asks_only_about_the_values_drawn() -> None:
    _, inputs, loss = _mlp([2, 1])
    player = step_through(loss, collapse=True, quiz=True)
    names = [q["name"] for q in _data(player.html)["quiz"]["questions"]]
    assert sorted(names) == ["dmse_loss/dx1", "dmse_loss/dx2"]  # the weights are in boxes
    model, _, loss = _mlp([2, 1])
    with pytest.raises(ValueError, match="not a Value whose gradient this page plays"):
        step_through(loss, collapse=True, quiz=[model.parameters()[0]])
    assert inputs[0].grad is not None
