"""The last backward step's list: a model's parameters given ``parameters=``, otherwise the
graph's leaves, called so; never an input under the name of a parameter."""

from __future__ import annotations

from typing import Any

import pytest
from document import hand_derived_gradients

import autograd.player
from autograd import Constant, Value, step_through
from nn import seed
from nn.losses import half_squared_error
from nn.optim import SGD

SEED_ORDER = ["w13", "w23", "w14", "w24", "w35", "w45"]
"""The seed network's parameters in the order of ``model.parameters()`` (FACTS.md's names)."""


def _last(player: autograd.player.StepThrough) -> dict[str, Any]:
    frames = autograd.player.page_data(player.html)["frames"]
    assert isinstance(frames, list)
    return [f for f in frames if f["phase"] == "backward"][-1]  # type: ignore[no-any-return]


def _seed_with_named_inputs() -> tuple[Any, Value]:
    """The document's network fed Values x1, x2 (not Constants): E, and its model."""
    model = seed.network()
    y5 = model([Value(seed.INPUTS[0], label="x1"), Value(seed.INPUTS[1], label="x2")])
    assert isinstance(y5, Value)
    loss = half_squared_error(y5, Constant(seed.TARGET, "ya"))
    loss.label = "E"
    return model, loss


def test_given_the_model_the_last_step_lists_exactly_its_six_weights_with_the_hand_gradients() -> (
    None
):
    model, loss = _seed_with_named_inputs()
    last = _last(step_through(loss, parameters=model))
    assert last["title"] == "Done: every gradient is complete. The parameters' gradients:"
    names = [g["name"] for g in last["gradients"]]
    assert names == SEED_ORDER
    expected = hand_derived_gradients()  # FACTS.md's chain-rule formulas in plain floats
    for gradient in last["gradients"]:
        assert gradient["grad"] == pytest.approx(expected[gradient["name"]], rel=1e-14)
    assert last["lines"] == [f"dE/d{n} = {expected[n]:.4g}" for n in SEED_ORDER]
    assert [w.grad for w in model.parameters()] == [g["grad"] for g in last["gradients"]]


def test_a_list_of_values_names_the_parameters_in_its_order_and_drives_the_quiz() -> None:
    model, loss = _seed_with_named_inputs()
    w35, w45 = model.parameters()[4:]
    player = step_through(loss, parameters=[w45, w35], quiz=True)
    assert [g["name"] for g in _last(player)["gradients"]] == ["w45", "w35"]
    data = autograd.player.page_data(player.html)
    quiz = data["quiz"]
    assert isinstance(quiz, dict)
    assert sorted(q["name"] for q in quiz["questions"]) == ["dE/dw35", "dE/dw45"]


def test_without_parameters_the_list_is_of_the_leaves_and_says_so() -> None:
    _, loss = _seed_with_named_inputs()
    last = _last(step_through(loss))
    assert last["title"].startswith("Done: every gradient is complete. The gradients of the leaves")
    names = {g["name"] for g in last["gradients"]}
    assert names == {"x1", "x2", *SEED_ORDER}  # the graph alone cannot tell them apart
    x = Value(0.4, label="x")
    s = x.sin()
    s.label = "s"
    y = s * s + s
    last = _last(step_through(y, forward=False))
    assert [g["name"] for g in last["gradients"]] == ["x"]  # s is made by an op: not a leaf
    assert "leaves" in last["title"]


def test_parameters_with_an_optimizer_and_in_a_collapsed_graph() -> None:
    model, loss = _seed_with_named_inputs()
    player = step_through(loss, parameters=model, optimizer=SGD(model.parameters(), lr=1.0),
                          collapse=True)  # fmt: skip
    names = [g["name"] for g in _last(player)["gradients"]]
    assert names == SEED_ORDER


def test_bad_parameters_are_clear_errors() -> None:
    model, loss = _seed_with_named_inputs()
    with pytest.raises(TypeError, match="parameters must be a model with a parameters"):
        step_through(loss, parameters="w13")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameters must list Values, got an item of type 'int'"):
        step_through(loss, parameters=[1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="a Constant: it takes no gradient"):
        step_through(loss, parameters=[Constant(2.0)])
    with pytest.raises(ValueError, match="none of the 6 parameters given is in the graph"):
        step_through(loss, parameters=seed.network())
    with pytest.raises(ValueError, match="parameters and wrt cannot be combined"):
        step_through(loss, parameters=model, wrt=model.parameters()[0])
