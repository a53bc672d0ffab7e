"""``autograd.where``: the chosen input takes the whole upstream gradient, the other exactly 0
(even from an inf or nan upstream), as ``torch.where`` in float64; it refuses to be traced."""

from __future__ import annotations

import math
from typing import Any

import pytest

import autograd
import nn
from autograd import Constant, TracingError, Value, where

UPSTREAMS = [1.5, -0.25, math.inf, -math.inf, math.nan]


def _torch() -> Any:
    return pytest.importorskip("torch", reason="torch is not installed")


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == want


@pytest.mark.parametrize("cond", [True, False])
@pytest.mark.parametrize("upstream", UPSTREAMS)
def test_the_chosen_input_takes_the_upstream_and_the_other_exactly_zero(
    cond: bool, upstream: float
) -> None:
    torch = _torch()
    a, b, s = Value(0.5), Value(-2.0), Value(upstream)
    out = where(cond, a, b) * s
    out.backward()
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, -2.0))
    t_out = torch.where(torch.tensor(cond), ta, tb) * torch.tensor(upstream, dtype=torch.float64)
    t_out.backward()
    assert _same(out.data, t_out.item())
    assert _same(a.grad, ta.grad.item()), (a.grad, ta.grad)
    assert _same(b.grad, tb.grad.item()), (b.grad, tb.grad)
    assert (b if cond else a).grad == 0.0  # exactly 0, not nan, whatever the upstream


@pytest.mark.parametrize("x0", [-1.5, 0.0, 2.0])
def test_first_and_second_order_through_a_shared_input_match_torch(x0: float) -> None:
    torch = _torch()

    def f(x: Value) -> Value:
        return where(x > 0, x * x * x, (-x).exp())

    (dx,) = autograd.grad(f(x := Value(x0)), [x], create_graph=True)
    (dxx,) = autograd.grad(dx, [x])
    tx = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    ty = torch.where(tx > 0, tx**3, torch.exp(-tx))
    (tdx,) = torch.autograd.grad(ty, tx, create_graph=True)
    (tdxx,) = torch.autograd.grad(tdx, tx)
    assert dx.data == pytest.approx(tdx.item(), rel=1e-15, abs=0.0)
    assert dxx.data == pytest.approx(tdxx.item(), rel=1e-15, abs=0.0)


def test_numbers_become_constants_and_two_numbers_give_a_float() -> None:
    b = Value(3.0)
    chosen = where(True, 2, b)
    assert isinstance(chosen, Constant)
    assert chosen.data == 2.0
    assert where(False, 1, 2.5) == 2.5
    assert type(where(True, 1, 2.5)) is float
    assert where(False, 2, b) is b  # the chosen Value itself: no op recorded


@pytest.mark.parametrize("cond", [Value(1.0), 1, 0.0, None, "yes"])
def test_a_condition_that_is_not_a_bool_is_refused(cond: object) -> None:
    with pytest.raises(TypeError, match=r"where\(\) takes a bool condition"):
        where(cond, Value(1.0), Value(2.0))  # type: ignore[arg-type]


def test_a_value_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(TypeError, match=r"where\(\)'s b must be a real number.*str"):
        where(True, Value(1.0), "2")  # type: ignore[arg-type]


def test_where_refuses_to_be_traced_so_no_branch_is_baked_in() -> None:
    flag = True  # a bool that does not come from a Value: it could still depend on data
    compiled = autograd.compile(lambda x: where(flag, x, -x) * x)
    with pytest.raises(TracingError, match=r"where\(\) was called while autograd.compile"):
        compiled(2.0)
    # a comparison of Values is refused while tracing before where sees it
    with pytest.raises(TracingError):
        autograd.compile(lambda x: where(x > 0, x, -x))(2.0)
    model = nn.MLP(1, [1], weights=[[[1.0]]], biases=[[0.0]])
    sample_loss = nn.compile_loss(model, lambda out, t: where(True, out, 0.0) * t)  # type: ignore[arg-type,operator]
    with pytest.raises(TracingError):
        sample_loss([1.0], 2.0)
    assert [p.grad for p in model.parameters()] == [0.0, 0.0]  # nothing changed


def test_where_is_exported_and_documented() -> None:
    assert autograd.where is where
    assert "where" in autograd.__all__
    assert where.__doc__
    assert "PyTorch" in where.__doc__
