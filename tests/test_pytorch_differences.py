"""What docs/explanations/pytorch.md says of graphs without gradients, fresh gradients and
losses, each claim beside what torch float64 does."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import autograd
import nn
from autograd import Constant, Value, no_grad
from autograd.ops import MUL

torch = pytest.importorskip("torch", reason="torch is not installed")

NO_GRAD = "element 0 of tensors does not require grad and does not have a grad_fn"


def _under_no_grad(a: Any) -> Any:
    with no_grad() if isinstance(a, Value) else torch.no_grad():
        return a * a


# Each builds, from two leaves that take gradients, a result none of whose inputs does.
WITHOUT_GRADIENT: dict[str, Callable[[Any, Any], Any]] = {
    "detached times detached": lambda a, b: a.detach() * b.detach(),
    "an op on that": lambda a, b: (a.detach() * b.detach() + 1.0).exp(),
    "a number first": lambda a, b: 3.0 - a.detach(),
    "a power of a number": lambda a, b: 2.0 ** b.detach(),
    "unary ops": lambda a, b: (-a.detach()).tanh().relu(),
    "a no_grad result, used outside": lambda a, b: _under_no_grad(a) * 2.0,
    "two no_grad results": lambda a, b: _under_no_grad(a) + _under_no_grad(b),
    "maximum of two detached": lambda a, b: a.detach().maximum(b.detach()),
}


@pytest.mark.parametrize("build", WITHOUT_GRADIENT.values(), ids=list(WITHOUT_GRADIENT))
def test_a_result_of_inputs_that_take_no_gradient_is_a_constant_and_backward_raises_as_torch(
    build: Callable[[Any, Any], Any],
) -> None:
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    result = build(a, b)
    t_a, t_b = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (0.5, -1.5))
    expected = build(t_a, t_b)
    assert isinstance(result, Constant)
    assert not expected.requires_grad
    assert result.data == expected.item()
    assert result.parents == ()  # no graph, as a tensor with no grad_fn
    for create_graph in (False, True):
        with pytest.raises(RuntimeError, match="a Constant: a number that takes no gradient"):
            result.backward(create_graph=create_graph)
    with pytest.raises(RuntimeError, match=NO_GRAD):
        expected.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_apply_on_constants_alone_makes_a_constant_too() -> None:
    assert isinstance(autograd.apply(MUL, 2.0, 3.0), Constant)
    assert isinstance(autograd.apply(MUL, Constant(2.0), 3), Constant)
    with autograd.detect_anomaly():  # the generic path of every op
        assert isinstance(Constant(2.0) * Constant(3.0), Constant)
        assert type(Value(2.0) * Constant(3.0)) is Value


@pytest.mark.parametrize(
    "build",
    [
        lambda a, c: a * c,
        lambda a, c: c * a,
        lambda a, c: c - a,
        lambda a, c: a - c,
        lambda a, c: c / a,
        lambda a, c: c**a,
        lambda a, c: (c * c) * a,
        lambda a, c: c.maximum(a),
        lambda a, c: c.atan2(a),
    ],
)
def test_a_constant_and_a_value_make_a_value_whose_gradient_is_torchs(
    build: Callable[[Any, Any], Any],
) -> None:
    a = Value(0.75)
    result = build(a, Value(1.25).detach())
    assert type(result) is Value
    result.backward()
    t_a = torch.tensor(0.75, dtype=torch.float64, requires_grad=True)
    expected = build(t_a, torch.tensor(1.25, dtype=torch.float64))
    expected.backward()
    assert result.data == pytest.approx(expected.item(), rel=1e-15)
    assert a.grad == pytest.approx(t_a.grad.item(), rel=1e-15)


def test_a_compiled_function_with_a_constant_part_agrees_with_the_eager_engine() -> None:
    two = Constant(2.0)

    def f(x: Value) -> Value:
        return x * (two * two + 1.0).log()

    value, (dx,) = autograd.compile(f)(3.0)
    x = Value(3.0)
    eager = f(x)
    eager.backward()
    assert (value, dx) == (eager.data, x.grad) == (3.0 * math.log(5.0), math.log(5.0))


def test_a_value_is_a_leaf_that_requires_grad_where_a_plain_tensor_does_not() -> None:
    # Value(...) is torch.tensor(..., requires_grad=True); Constant(...) is torch.tensor(...).
    x = Value(2.0)
    (x * 3).backward()
    assert x.grad == 3.0
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (t * 3).backward()
    assert t.grad.item() == 3.0
    with pytest.raises(RuntimeError, match=NO_GRAD):
        (torch.tensor(2.0, dtype=torch.float64) * 3).backward()
    with pytest.raises(RuntimeError, match="takes no gradient"):
        (Constant(2.0) * 3).backward()


FIRST_STEPS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.5}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.3, "centered": True}),
    ("Adam", {"lr": 0.1, "weight_decay": 0.5}),
]


@pytest.mark.parametrize(("name", "settings"), FIRST_STEPS)
def test_a_fresh_grad_is_zero_so_a_first_step_is_torchs_with_a_zero_gradient(
    name: str, settings: dict[str, Any]
) -> None:
    w = Value(2.0)
    assert w.grad == 0.0  # a fresh tensor's grad is None
    getattr(nn, name)([w], **settings).step()
    fresh = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    assert fresh.grad is None
    zero = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    zero.grad = torch.zeros_like(zero)
    for tensor in (fresh, zero):
        getattr(torch.optim, name)([tensor], **settings).step()
    assert fresh.item() == 2.0  # torch skips a parameter whose grad is None
    assert w.data == pytest.approx(zero.item(), rel=1e-15)
    # After zero_grad(), as in the usual loop, both skip it.
    w = Value(2.0)
    optimizer = getattr(nn, name)([w], **settings)
    optimizer.zero_grad()
    optimizer.step()
    assert (w.grad, w.data) == (None, 2.0)


def test_grad_gives_zero_for_an_input_the_output_does_not_use_where_torch_needs_allow_unused() -> (
    None
):
    x, unused = Value(2.0), Value(5.0)
    gradients = autograd.grad(x * x, [x, unused])
    assert [g.data for g in gradients] == [4.0, 0.0]
    t_x, t_unused = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, 5.0))
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(t_x * t_x, [t_x, t_unused])
    assert torch.autograd.grad(t_x * t_x, [t_x, t_unused], allow_unused=True)[1] is None
    # and a function with a constant derivative has a zero second derivative (torch's hessian too)
    assert autograd.hessian(lambda a: 3.0 * a, [1.0]) == [[0.0]]
    t_hessian = torch.autograd.functional.hessian(
        lambda a: 3.0 * a, torch.tensor(1.0, dtype=torch.float64)
    )
    assert t_hessian.item() == 0.0


@pytest.mark.parametrize(
    "loss", [nn.mse_loss, nn.binary_cross_entropy, nn.binary_cross_entropy_with_logits]
)
def test_an_empty_batch_raises_where_torch_gives_nan(loss: Any) -> None:
    with pytest.raises(ValueError, match="at least one prediction, got none"):
        loss([], [])
    empty = torch.tensor([], dtype=torch.float64)
    assert math.isnan(getattr(torch.nn.functional, loss.__name__)(empty, empty).item())


def test_one_prediction_with_a_list_of_targets_raises_where_torch_broadcasts() -> None:
    with pytest.raises(ValueError, match="one prediction and one target, or two lists"):
        nn.mse_loss(Value(0.5), [1.0])
    with pytest.warns(UserWarning, match="target size"):
        broadcast = torch.nn.functional.mse_loss(
            torch.tensor(0.5, dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
        )
    assert broadcast.item() == 0.25


def test_binary_cross_entropy_at_the_clamp_has_the_formulas_gradient_not_torchs() -> None:
    p = Value(0.0)
    loss = nn.binary_cross_entropy(p, 1.0)
    loss.backward()
    t_p = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    t_loss = torch.nn.functional.binary_cross_entropy(t_p, torch.tensor(1.0, dtype=torch.float64))
    t_loss.backward()
    assert loss.data == t_loss.item() == 100.0
    assert p.grad == 0.0  # the clamped log is constant there
    # torch's backward divides by max(p (1 - p), 1e-12)
    assert t_p.grad.item() == pytest.approx(-1e12, rel=1e-8)


def test_every_test_the_differences_table_names_exists() -> None:
    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "explanations" / "pytorch.md").read_text(encoding="utf-8")
    table = page[page.index("## What remains different") :]
    named = re.findall(r"`(?:tests/(test_\w+\.py))?::(test_\w+)`", table)
    assert len(named) >= 10
    current = ""
    for file, test in named:
        current = file or current
        assert f"def {test}(" in (root / "tests" / current).read_text(encoding="utf-8"), test


def test_a_minus_zero_gradient_through_an_interior_value_arrives_as_plus_zero() -> None:
    """d(x*y)/dx at y = -0.0 is -0.0, and so is d/da through x = a * 1.0. The pass starts an
    interior Value's grad at 0.0 and adds into it, so x.grad is 0.0 + (-0.0) = +0.0, and a
    receives +0.0 * 1.0 = +0.0, even with a.grad None; torch stores each first gradient as it
    is: -0.0 in both."""
    a = Value(2.0)
    a.grad = None  # as zero_grad() leaves it
    x = a * 1.0
    (x * Value(-0.0)).backward()
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    u = t * 1.0
    u.retain_grad()
    (u * torch.tensor(-0.0, dtype=torch.float64)).backward()
    assert math.copysign(1.0, u.grad.item()) == -1.0  # torch: -0.0
    assert math.copysign(1.0, t.grad.item()) == -1.0
    assert math.copysign(1.0, x.grad) == 1.0  # chainrule: +0.0, the difference
    assert math.copysign(1.0, a.grad) == 1.0
    assert a.grad == t.grad.item() == 0.0  # the same number; only the sign of zero differs


def test_a_minus_zero_gradient_on_a_fresh_value_is_stored_as_plus_zero() -> None:
    """d(x*y)/dx at y = -0.0 is -0.0. A fresh Value's grad is 0.0, and 0.0 + (-0.0) is +0.0;
    torch stores a first gradient as it is. After zero_grad() (grad None) chainrule does too."""
    x, y = Value(2.0), Value(-0.0)
    (x * y).backward()
    a = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-0.0, dtype=torch.float64, requires_grad=True)
    (a * b).backward()
    assert math.copysign(1.0, a.grad.item()) == -1.0  # torch: -0.0
    assert math.copysign(1.0, x.grad) == 1.0  # chainrule: +0.0, the difference
    x, y = Value(2.0), Value(-0.0)
    x.grad = None  # as zero_grad() leaves it
    (x * y).backward()
    assert math.copysign(1.0, x.grad) == -1.0  # then the same as torch
