"""Optimizers: updates derived by hand, and PyTorch's checks of hyper-parameters."""

from __future__ import annotations

import math
import random
import warnings

import pytest

import nn
from autograd import Value
from nn import SGD, Adam, RMSprop, Update, half_squared_error


def _param(data: float, grad: float) -> Value:
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_plain() -> None:
    p = _param(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_buffer_starts_as_the_first_gradient() -> None:
    p = _param(1.0, 2.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    optimizer.step()  # b = g = 2 (no dampening on the first step)
    assert p.data == 1.0 - 0.1 * 2.0
    p.grad = 1.0
    optimizer.step()  # b = 0.9 * 2 + (1 - 0.5) * 1 = 2.3
    assert p.data == pytest.approx(0.8 - 0.1 * 2.3, rel=1e-15)


def test_sgd_nesterov_weight_decay_and_maximize() -> None:
    p = _param(2.0, 1.0)
    SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=0.25).step()
    g = 1.0 + 0.25 * 2.0  # 1.5; b = 1.5; nesterov: g + 0.5 b = 2.25
    assert p.data == pytest.approx(2.0 - 0.1 * (g + 0.5 * g), rel=1e-15)
    q = _param(2.0, 1.0)
    SGD([q], lr=0.1, maximize=True).step()
    assert q.data == 2.0 + 0.1


def test_rmsprop_first_step() -> None:
    p = _param(1.0, 0.5)
    RMSprop([p], lr=0.1, alpha=0.9, eps=1e-3).step()
    v = 0.1 * 0.25  # (1 - alpha) g^2, starting from v = 0
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5 / (math.sqrt(v) + 1e-3), rel=1e-15)


def test_rmsprop_centered_with_momentum() -> None:
    p = _param(1.0, 0.5)
    RMSprop([p], lr=0.1, alpha=0.9, eps=1e-3, momentum=0.5, centered=True).step()
    v, m = 0.1 * 0.25, 0.1 * 0.5
    b = 0.5 / (math.sqrt(v - m * m) + 1e-3)  # momentum buffer from 0
    assert p.data == pytest.approx(1.0 - 0.1 * b, rel=1e-15)


def test_adam_first_steps_have_bias_correction() -> None:
    p = _param(1.0, 0.5)
    optimizer = Adam([p], lr=0.01)
    optimizer.step()
    # m = 0.05, v = 0.00025; m / (1 - 0.9) = 0.5 and sqrt(v / (1 - 0.999)) = 0.5: a step of lr
    assert p.data == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), rel=1e-12)
    p.grad = 0.5
    optimizer.step()  # the same gradient again: still a step of about lr
    assert p.data == pytest.approx(1.0 - 0.02 * 0.5 / (0.5 + 1e-8), rel=1e-12)


def test_zero_grad_sets_none_as_torch_or_zero_when_asked() -> None:
    p, q = _param(1.0, 3.0), _param(2.0, -1.0)
    optimizer = SGD([p, q], lr=0.1)
    optimizer.zero_grad()
    assert (p.grad, q.grad) == (None, None)
    optimizer.zero_grad(set_to_none=False)
    assert (p.grad, q.grad) == (0.0, 0.0)
    with pytest.raises(TypeError, match="set_to_none must be True or False, got int: 0"):
        optimizer.zero_grad(0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda p: RMSprop(p, lr=-1), "Invalid learning rate"),
    (lambda p: RMSprop(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: RMSprop(p, momentum=-1), "Invalid momentum value"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: Adam(p, eps=-1), "Invalid epsilon value"),
    (lambda p: Adam(p, weight_decay=-1), "Invalid weight_decay value"),
    (lambda p: SGD([], lr=0.1), "empty parameter list"),
])  # fmt: skip
def test_bad_hyper_parameters_raise_value_error(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])  # type: ignore[operator]


def test_parameters_must_be_values() -> None:
    with pytest.raises(TypeError, match="item 1 is float"):
        SGD([Value(1.0), 2.0], lr=0.1)  # type: ignore[list-item]


# step_explained: the same step as step(), written out with its numbers.

CONFIGURATIONS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.2, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.1, "alpha": 0.999, "eps": 0.01}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"lr": 0.02, "centered": True, "momentum": 0.7, "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
]  # fmt: skip
OPTIMIZERS = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam}
GRADIENTS = [  # per step, per parameter: signs change, one gradient is 0, magnitudes vary
    [0.5, -1.25, 0.0, 3e-5],
    [0.25, 0.75, -2.0, 1e3],
    [-0.125, 0.0, 1.5, -7.0],
    [1e-9, -3.0, 0.5, 2.0],
    [0.3, 0.3, 0.3, 0.3],
]


def _optimizer_state(optimizer: nn.Optimizer) -> list[dict[str, float]]:
    return [optimizer.state.get(p, {}) for p in optimizer.params]


@pytest.mark.parametrize(("kind", "settings"), CONFIGURATIONS)
def test_step_explained_is_bit_identical_to_step(kind: str, settings: dict[str, object]) -> None:
    starts = [1.0, -0.5, 2.0, 0.0]
    quiet = [Value(x, label=f"w{i}") for i, x in enumerate(starts)]
    loud = [Value(x, label=f"w{i}") for i, x in enumerate(starts)]
    make = OPTIMIZERS[kind]
    plain, explained = make(quiet, **settings), make(loud, **settings)  # type: ignore[operator]
    for gradients in GRADIENTS:
        for p, q, g in zip(quiet, loud, gradients):
            p.grad = q.grad = g
        olds = [q.data for q in loud]
        plain.step()
        updates = explained.step_explained()
        assert [p.data.hex() for p in quiet] == [q.data.hex() for q in loud]
        assert _optimizer_state(plain) == _optimizer_state(explained)
        assert [u.parameter for u in updates] == loud
        assert [u.old for u in updates] == olds
        assert [u.grad for u in updates] == gradients
        assert [u.new for u in updates] == [q.data for q in loud]
        for update in updates:
            assert update.lines[-1].startswith(f"{update.parameter.label} = ")


def _evaluate(numbers: str) -> float:
    """A line's numbers part, evaluated with Python floats (``^`` is a power)."""
    expression = numbers.replace("^", "**")
    return float(eval(expression, {"__builtins__": {}, "sqrt": math.sqrt}))


@pytest.mark.parametrize(("kind", "settings"), CONFIGURATIONS)
def test_each_lines_numbers_evaluate_to_its_result(kind: str, settings: dict[str, object]) -> None:
    params = [Value(x) for x in (1.0, -0.5, 2.0, 0.0)]
    optimizer = OPTIMIZERS[kind](params, **settings)  # type: ignore[operator]
    checked = 0
    for gradients in GRADIENTS:
        for p, g in zip(params, gradients):
            p.grad = g
        for update in optimizer.step_explained(precision=17):
            for line in update.lines:
                parts = line.split(" = ")
                result = float(parts[-1])
                if len(parts) == 4:  # target = formula = numbers = result
                    assert _evaluate(parts[2]) == pytest.approx(result, rel=1e-12, abs=1e-300)
                    checked += 1
            assert float(update.lines[-1].split(" = ")[-1]) == update.new
    assert checked >= 4 * len(GRADIENTS)


def test_sgd_momentum_lines_by_hand() -> None:
    p = _param(1.0, 0.5)
    optimizer = SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    (first,) = optimizer.step_explained()
    assert first.lines == ("b = grad = 0.5", "p0 = p0 - lr * b = 1 - 0.1 * 0.5 = 0.95")
    p.grad = 1.0
    (second,) = optimizer.step_explained()  # b = 0.9 * 0.5 + 0.5 * 1 = 0.95
    assert second.lines == (
        "b = momentum * b + (1 - dampening) * grad = 0.9 * 0.5 + (1 - 0.5) * 1 = 0.95",
        "p0 = p0 - lr * b = 0.95 - 0.1 * 0.95 = 0.855",
    )


def test_negative_numbers_are_parenthesised_and_maximize_is_shown() -> None:
    p = _param(-0.5, -0.25)
    (update,) = SGD([p], lr=2.0, maximize=True).step_explained()
    assert update.lines == (
        "g = -grad = -(-0.25) = 0.25",
        "p0 = p0 - lr * g = (-0.5) - 2 * 0.25 = -1",
    )
    assert (update.old, update.grad, update.new) == (-0.5, -0.25, -1.0)


def test_names_are_labels_or_positions_and_taken_verbatim() -> None:
    hostile = _param(1.0, 1.0)
    hostile.label = name = "<script>alert(1)</script> 权重"
    plain = _param(2.0, 1.0)
    updates = SGD([hostile, plain], lr=1.0).step_explained(precision=2)
    assert updates[0].lines == (f"{name} = {name} - lr * grad = 1 - 1 * 1 = 0",)
    assert updates[1].lines == ("p1 = p1 - lr * grad = 2 - 1 * 1 = 1",)


def test_non_finite_numbers_are_printed_as_they_are() -> None:
    p, q = _param(1.0, math.inf), _param(1.0, math.nan)
    updates = SGD([p, q], lr=1.0).step_explained()
    assert updates[0].lines == ("p0 = p0 - lr * grad = 1 - 1 * inf = -inf",)
    assert updates[1].lines == ("p1 = p1 - lr * grad = 1 - 1 * nan = nan",)


@pytest.mark.parametrize("precision", [0, -1, 2.5, True, "4"])
def test_bad_precision_raises_and_changes_nothing(precision: object) -> None:
    p = _param(1.0, 0.5)
    optimizer = Adam([p])
    with pytest.raises(
        ValueError, match=f"precision must be an int of at least 1, got {precision!r}"
    ):
        optimizer.step_explained(precision)  # type: ignore[arg-type]
    assert (p.data, optimizer.state) == (1.0, {})


def _seed_gradients() -> tuple[dict[str, float], float]:
    """The document's six gradients at its initial weights, by its chain rule, in plain floats,
    and the loss E."""
    w = {"w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6, "w35": 0.3, "w45": 0.9}
    y1, y2, ya = 0.35, 0.9, 0.5

    def f(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    z3, z4 = w["w13"] * y1 + w["w23"] * y2, w["w14"] * y1 + w["w24"] * y2
    y3, y4 = f(z3), f(z4)
    y5 = f(w["w35"] * y3 + w["w45"] * y4)
    delta5 = (y5 - ya) * y5 * (1 - y5)
    delta3, delta4 = delta5 * w["w35"] * y3 * (1 - y3), delta5 * w["w45"] * y4 * (1 - y4)
    grads = {
        "w13": delta3 * y1, "w23": delta3 * y2, "w14": delta4 * y1, "w24": delta4 * y2,
        "w35": delta5 * y3, "w45": delta5 * y4,
    }  # fmt: skip
    return grads, 0.5 * (y5 - ya) ** 2


def _seed_first_step(name: str) -> list[Update]:
    from nn.seed import TARGET, make_optimizer, network, output

    model = network()
    optimizer = make_optimizer(name, model)  # type: ignore[arg-type]
    loss = half_squared_error(output(model), TARGET)
    assert loss.data == 0.01810390383656677  # FACTS.md, step 1
    loss.backward()
    return optimizer.step_explained()


def test_seed_first_sgd_step_lines_by_hand() -> None:
    grads, _ = _seed_gradients()
    weights = {"w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6, "w35": 0.3, "w45": 0.9}
    expected = [
        (f"{name} = {name} - lr * grad = {weights[name]:.4g} - 1 * {g:.4g} = "
         f"{weights[name] - g:.4g}",)
        for name, g in grads.items()
    ]  # fmt: skip
    updates = _seed_first_step("sgd")
    assert [u.lines for u in updates] == expected
    assert updates[4].lines == ("w35 = w35 - lr * grad = 0.3 - 1 * 0.02767 = 0.2723",)
    for update, g in zip(updates, grads.values()):
        assert update.grad == pytest.approx(g, rel=1e-14)


def test_seed_first_rmsprop_step_lines_by_hand() -> None:
    grads, _ = _seed_gradients()
    weights = {"w13": 0.1, "w23": 0.8, "w14": 0.4, "w24": 0.6, "w35": 0.3, "w45": 0.9}
    expected = []
    for name, g in grads.items():
        s = 0.999 * 0.0 + 0.001 * g**2  # the document's square average, from s = 0
        new = weights[name] - 0.1 / (math.sqrt(s) + 0.01) * g
        expected.append((
            f"v = alpha * v + (1 - alpha) * grad^2 = 0.999 * 0 + (1 - 0.999) * {g:.4g}^2 = {s:.4g}",
            f"{name} = {name} - lr * grad / (sqrt(v) + eps) = "
            f"{weights[name]:.4g} - 0.1 * {g:.4g} / (sqrt({s:.4g}) + 0.01) = {new:.4g}",
        ))  # fmt: skip
    assert [u.lines for u in _seed_first_step("rmsprop")] == expected


LINE_COUNTS = [  # docs/how-to/train.md: one line per quantity the step computes
    (SGD, {"lr": 1.0}, 1),
    (SGD, {"lr": 1.0, "maximize": True}, 2),
    (SGD, {"lr": 1.0, "weight_decay": 0.1}, 2),
    (SGD, {"lr": 1.0, "momentum": 0.9}, 2),
    (SGD, {"lr": 1.0, "momentum": 0.9, "nesterov": True}, 3),
    (SGD, {"lr": 1.0, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}, 5),
    (RMSprop, {}, 2),
    (RMSprop, {"centered": True}, 3),
    (RMSprop, {"momentum": 0.5}, 3),
    (RMSprop, {"centered": True, "momentum": 0.5}, 4),
    (RMSprop, {"centered": True, "momentum": 0.5, "weight_decay": 0.1}, 5),
    (Adam, {}, 3),
    (Adam, {"weight_decay": 0.1}, 4),
]  # fmt: skip


@pytest.mark.parametrize(("make", "settings", "count"), LINE_COUNTS)
def test_the_number_of_lines_follows_the_settings(
    make: type[SGD | RMSprop | Adam], settings: dict[str, object], count: int
) -> None:
    p = _param(1.0, 0.5)
    optimizer = make([p], **settings)  # type: ignore[arg-type]
    for _ in range(2):  # the momentum buffer's first step and a later one
        (update,) = optimizer.step_explained()
        assert len(update.lines) == count
        assert update.lines[-1].startswith("p0 = ")


def test_an_optimizer_without_an_update_rule_says_what_it_lacks() -> None:
    class Frozen(nn.Optimizer):
        pass

    p = _param(1.0, 0.5)
    for take_step in (Frozen([p], lr=0.1).step, Frozen([p], lr=0.1).step_explained):
        with pytest.raises(
            NotImplementedError, match=r"Frozen defines no _update\(state, p, grad, explain\)"
        ):
            take_step()
    assert p.data == 1.0


# --- parameters without a gradient (grad None), bad inputs, failing steps ----------------------


@pytest.mark.parametrize(("kind", "settings"), CONFIGURATIONS)
def test_a_parameter_without_a_gradient_takes_no_step_and_keeps_its_state(
    kind: str, settings: dict[str, object]
) -> None:
    used, unused = Value(1.0), Value(-0.5)
    optimizer = OPTIMIZERS[kind]([used, unused], **settings)  # type: ignore[operator]
    used.grad, unused.grad = 0.5, 0.25
    optimizer.step()
    state, data = dict(optimizer.state.get(unused, {})), unused.data
    optimizer.zero_grad()
    used.grad = 0.5  # the next loss uses only `used`
    optimizer.step()
    assert unused.data == data  # neither momentum nor weight decay moved it
    assert optimizer.state.get(unused, {}) == state  # nor did its step count or averages advance
    assert used.data != 1.0


def test_sgd_weight_decay_without_a_gradient_moves_nothing_but_a_zero_gradient_does() -> None:
    w = Value(2.0)
    optimizer = SGD([w], lr=0.1, weight_decay=0.5)
    optimizer.zero_grad()
    optimizer.step()
    assert w.data == 2.0
    optimizer.zero_grad(set_to_none=False)  # a gradient of 0: weight decay applies
    optimizer.step()
    assert w.data == 2.0 - 0.1 * (0.0 + 0.5 * 2.0)


def test_adam_counts_steps_per_parameter_as_torch() -> None:
    # b skips step 2: at step 3 its bias corrections are those of its second step.
    a, b = Value(1.0), Value(1.0)
    optimizer = Adam([a, b], lr=0.1)
    for grads in ((0.5, 0.5), (0.5, None), (0.5, 0.25)):
        a.grad, b.grad = grads
        optimizer.step()
    m = 0.9 * (0.1 * 0.5) + 0.1 * 0.25
    v = 0.999 * (0.001 * 0.25) + 0.001 * 0.0625
    first = 1.0 - 0.1 * (0.05 / 0.1) / (math.sqrt(0.00025 / 0.001) + 1e-8)
    expected = first - (0.1 / (1 - 0.9**2)) * m / (math.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert b.data == pytest.approx(expected, rel=1e-14)
    assert (optimizer.state[a]["step"], optimizer.state[b]["step"]) == (3.0, 2.0)


@pytest.mark.parametrize(("kind", "settings"), CONFIGURATIONS)
def test_step_explained_lists_only_the_parameters_it_moved(
    kind: str, settings: dict[str, object]
) -> None:
    quiet = [Value(x, label=f"w{i}") for i, x in enumerate((1.0, -0.5, 2.0))]
    loud = [Value(x, label=f"w{i}") for i, x in enumerate((1.0, -0.5, 2.0))]
    make = OPTIMIZERS[kind]
    plain, explained = make(quiet, **settings), make(loud, **settings)  # type: ignore[operator]
    for gradients in ((0.5, None, 1.0), (None, 0.25, -1.0), (None, None, None), (1.0, 2.0, 0.0)):
        for p, q, g in zip(quiet, loud, gradients):
            p.grad = q.grad = g
        plain.step()
        updates = explained.step_explained()
        assert [u.parameter for u in updates] == [
            q for q, g in zip(loud, gradients) if g is not None
        ]
        assert [p.data.hex() for p in quiet] == [q.data.hex() for q in loud]
        assert _optimizer_state(plain) == _optimizer_state(explained)


def test_a_failing_step_changes_nothing() -> None:
    first, second = Value(1.0), Value(2.0)
    optimizer = SGD([first, second], lr=0.1, momentum=0.9)
    first.grad, second.grad = 0.5, "0.5"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"the grad of p1 must be a real number.*str: '0.5'"):
        optimizer.step()
    assert (first.data, second.data, optimizer.state) == (1.0, 2.0, {})


@pytest.mark.parametrize("kind", ["Adam", "RMSprop"])
def test_eps_zero_with_a_zero_gradient_is_nan_not_zero_division(kind: str) -> None:
    w = Value(1.0)
    optimizer = OPTIMIZERS[kind]([w], eps=0.0)  # type: ignore[operator]
    w.grad = 0.0
    optimizer.step()  # 0 / (sqrt(0) + 0): nan, as a tensor divides
    assert math.isnan(w.data)


def test_centered_rmsprop_of_a_rounding_negative_variance_is_nan_not_a_crash() -> None:
    from nn.optim import _sqrt

    assert math.isnan(_sqrt(-1e-300))
    assert _sqrt(4.0) == 2.0


def test_duplicate_parameters_warn_as_torch() -> None:
    w = Value(1.0)
    with pytest.warns(UserWarning, match="duplicate parameters; in future, this will cause"):
        SGD([w, Value(2.0), w], lr=0.1)


def test_a_parameter_listed_twice_after_a_step_is_stepped_twice() -> None:
    """Plain SGD remembers that its list had no duplicates; a list changed since is checked
    again, and a parameter added a second time takes two steps, as in PyTorch."""
    w, v = Value(1.0), Value(2.0)
    optimizer = SGD([w, v], lr=0.5)
    w.grad, v.grad = 1.0, 1.0
    optimizer.step()
    assert (w.data, v.data) == (0.5, 1.5)
    optimizer.params.append(w)  # the warning is the constructor's; this list is changed after
    optimizer.step()
    assert (w.data, v.data) == (-0.5, 1.0)
    optimizer.params[2] = Value(0.0)  # no duplicate again
    optimizer.params[2].grad = 2.0
    optimizer.step()
    assert (w.data, v.data, optimizer.params[2].data) == (-1.0, 0.5, -1.0)


@pytest.mark.parametrize(("params", "error", "message"), [
    (nn.MLP(2, [1]), TypeError, r"pass model\.parameters\(\), not the MLP itself"),
    (Value(1.0), TypeError, r"got a single Value .*: put it in a list"),
    (3, TypeError, "params must be an iterable of Values.*got int: 3"),
    ("w", TypeError, "params must be an iterable of Values.*got str: 'w'"),
    ([{"params": []}], TypeError, r"item 0 is dict \(parameter groups are not supported\)"),
    ([Value(1.0).detach()], TypeError, "item 0 is a Constant"),
    ([Value(1.0) * 2.0], ValueError, "item 0 was computed by mul"),
])  # fmt: skip
def test_bad_parameter_lists_say_what_to_pass(params: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a real number.*got str: '0.1'"),
    (lambda p: Adam(p, lr=None), TypeError, "lr must be a real number.*got NoneType"),
    (lambda p: SGD(p, lr=math.nan), ValueError, "Invalid learning rate: nan"),
    (lambda p: Adam(p, betas=(0.9,)), ValueError, r"pair .* got 1 number: \(0\.9,\)"),
    (lambda p: Adam(p, betas=(0.9, 0.99, 0.999)), ValueError, "got 3 numbers"),
    (lambda p: Adam(p, betas=0.9), TypeError, "betas must be a pair.*got float: 0.9"),
    (lambda p: Adam(p, betas=("a", 0.9)), TypeError, r"betas\[0\] must be a real number"),
    (lambda p: Adam(p, eps="1e-8"), TypeError, "eps must be a real number"),
    (lambda p: SGD(p, lr=0.1, momentum=[0.9]), TypeError, "momentum must be a real number"),
    (lambda p: SGD(p, lr=0.1, nesterov=1), TypeError, "nesterov must be True or False, got int"),
    (lambda p: RMSprop(p, centered="yes"), TypeError, "centered must be True or False"),
])  # fmt: skip
def test_hyper_parameters_of_the_wrong_kind_say_what_was_expected(
    make: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        make([Value(1.0)])  # type: ignore[operator]


def test_a_new_value_holds_zero_so_a_first_step_without_zero_grad_applies_it() -> None:
    # docs/explanations/pytorch.md: the one difference (a fresh tensor's grad is None).
    w = Value(2.0)
    assert w.grad == 0.0
    SGD([w], lr=0.1, weight_decay=0.5).step()
    assert w.data == 2.0 - 0.1 * 0.5 * 2.0


def test_plain_sgd_steps_as_the_general_path_does_bit_for_bit() -> None:
    """SGD without momentum, weight decay or maximize writes p - lr * g directly; it must give
    what the general path (the one step_explained takes) gives, grads of None, inf and nan and
    a parameter listed twice included."""

    rng = random.Random(5)
    specials = [None, math.inf, -math.inf, math.nan, 0.0, -0.0, 1e-320, 1e300]
    for trial in range(200):
        data = [rng.uniform(-3.0, 3.0) for _ in range(5)]
        grads = [rng.choice(specials) if rng.random() < 0.3 else rng.gauss(0, 2) for _ in data]
        fast = [Value(x) for x in data]
        general = [Value(x) for x in data]
        listed_fast, listed_general = list(fast), list(general)
        if trial % 10 == 0:  # a parameter listed twice
            listed_fast.append(fast[0])
            listed_general.append(general[0])
        for values in (fast, general):
            for value, grad in zip(values, grads):
                value.grad = grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the duplicate warning
            plain = SGD(listed_fast, lr=0.3)
            explained = SGD(listed_general, lr=0.3)
        for _ in range(3):
            plain.step()
            explained.step_explained()
        assert [v.data.hex() for v in fast] == [v.data.hex() for v in general], trial
