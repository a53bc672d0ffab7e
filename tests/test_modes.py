"""no_grad, enable_grad, detach and detect_anomaly, including across threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

import autograd
from autograd import Constant, Value, detect_anomaly, enable_grad, is_grad_enabled, modes, no_grad


def test_no_grad_records_nothing() -> None:
    a = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        b = a * 3 + 1
        c = b.exp()
    assert is_grad_enabled()
    for v in (b, c):
        assert (type(v), v.op, v.parents, v.local_grads) == (Constant, "", (), ())
    assert b.data == 7.0
    with pytest.raises(RuntimeError, match=r"a Constant: a number that takes no gradient"):
        c.backward()  # as PyTorch: "does not require grad"
    assert a.grad == 0.0
    d = a * 3  # recording resumes after the block
    assert d.parents == (a, d.parents[1])


def test_no_grad_as_decorator_and_enable_grad_inside() -> None:
    @no_grad()
    def evaluate(x: Value) -> tuple[Value, Value]:
        with enable_grad():
            recorded = x * 2
        return recorded, recorded + 1

    x = Value(1.0)
    recorded, unrecorded = evaluate(x)
    assert recorded.parents[0] is x
    assert (unrecorded.data, unrecorded.op, unrecorded.parents) == (3.0, "", ())
    assert is_grad_enabled()


def test_enable_grad_records_inside_no_grad() -> None:
    x = Value(1.0)
    with no_grad(), enable_grad():
        y = x * 2
    assert y.parents[0] is x


def test_no_grad_is_local_to_its_thread() -> None:
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def worker() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    seen.append(is_grad_enabled())
    y = Value(1.0) * 2
    release.set()
    thread.join()
    assert seen == [True]
    assert y.op == "mul"


def test_no_grad_is_local_to_its_asyncio_task() -> None:
    async def main() -> list[str]:
        entered = asyncio.Event()
        done = asyncio.Event()

        async def quiet() -> str:
            with no_grad():
                entered.set()
                await done.wait()
                return (Value(1.0) * 2).op

        async def loud() -> str:
            await entered.wait()
            op = (Value(1.0) * 2).op
            done.set()
            return op

        return list(await asyncio.gather(quiet(), loud()))

    assert asyncio.run(main()) == ["", "mul"]


def test_a_task_started_inside_no_grad_keeps_it_after_the_block() -> None:
    """The task copies the context, mode included; the block has ended when the task runs."""

    async def main() -> str:
        with no_grad():
            task = asyncio.create_task(product_op())
        assert (Value(1.0) * 2).op == "mul"
        return await task

    async def product_op() -> str:
        return (Value(1.0) * 2).op

    assert asyncio.run(main()) == ""


def test_a_mode_is_forgotten_once_no_context_holds_it() -> None:
    """Ops skip reading the mode while no switched mode exists; that set must empty again."""
    before = set(modes.switched_modes)  # modes that other contexts may still hold
    with no_grad(), detect_anomaly():
        assert len(modes.switched_modes - before) == 2
    Value(1.0) * 2  # a read of the mode refreshes the variable's cache, which held the last one
    assert modes.switched_modes <= before


def test_detach_stops_gradients() -> None:
    a = Value(3.0, label="a")
    b = a * a
    d = b.detach()
    assert (type(d), d.data, d.label, d.op, d.parents) == (Constant, 9.0, "", "", ())
    y = d * a
    y.backward()
    assert a.grad == 9.0  # through the direct path only; d is a constant leaf
    assert d.grad == 0.0
    assert Value(1.0, label="w").detach().label == "w"


def test_detach_agrees_with_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    assert not (t * t).detach().requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        (t * t).detach().backward()
    with pytest.raises(RuntimeError, match="a Constant: a number that takes no gradient"):
        (Value(3.0) * 3.0).detach().backward()


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_from_a_constant_raises_and_changes_nothing(create_graph: bool) -> None:
    a = Value(2.0, label="a")
    with no_grad():
        under = a * a
    constants = [Constant(2.0, label="two"), under, a.detach(), (a * 3.0).parents[1]]
    for root in constants:
        with pytest.raises(RuntimeError, match=r"no_grad, the result of detach\(\)"):
            root.backward(create_graph=create_graph)
    with pytest.raises(RuntimeError, match="takes no gradient"):
        autograd.backward(constants[0])
    with pytest.raises(RuntimeError, match="takes no gradient"):
        autograd.explain(under)
    assert a.grad == 0.0
    a.backward()  # a leaf that takes gradients may still seed itself, as in PyTorch
    assert a.grad == 1.0


def test_backward_under_no_grad_in_torch_raises_as_chainrule() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        u = t * t
    with pytest.raises(RuntimeError, match="does not require grad"):
        u.backward()
    with no_grad():
        v = Value(3.0) * Value(3.0)
    with pytest.raises(RuntimeError, match="takes no gradient"):
        v.backward()


def test_no_grad_and_enable_grad_decorate_without_parentheses() -> None:
    @no_grad
    def evaluate(x: Value) -> Value:
        assert not is_grad_enabled()
        return x * 2

    @enable_grad
    def record(x: Value) -> Value:
        return x * 2

    x = Value(1.0)
    assert type(evaluate(x)) is Constant
    assert evaluate.__name__ == "evaluate"
    assert is_grad_enabled()
    with no_grad():
        assert record(x).parents[0] is x
    with pytest.raises(TypeError, match="no_grad takes no argument, or a function"):
        no_grad(3)  # type: ignore[call-overload]


def test_torch_no_grad_decorates_without_parentheses_too() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")

    @torch.no_grad
    def evaluate(t: object) -> object:
        return t * 2  # type: ignore[operator]

    assert not evaluate(torch.tensor(1.0, requires_grad=True)).requires_grad  # type: ignore[attr-defined]


def test_anomaly_in_forward_names_op_inputs_and_labels() -> None:
    x = Value(1000.0, label="big")
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        x.exp()
    message = str(info.value)
    assert "exp" in message
    assert "'big'" in message
    assert "1000.0" in message
    assert "inf" in message


def test_anomaly_ignores_non_finite_inputs_and_finite_results() -> None:
    with detect_anomaly():
        assert math.isinf((Value(math.inf) + 1).data)  # inf in, inf out: not this op's doing
        assert (Value(-1000.0).sigmoid()).data == 0.0


def test_anomaly_in_backward_names_the_op_and_leaves_grads_unchanged() -> None:
    a = Value(4.0, label="a")
    z = Value(0.0, label="z")
    y = a * 2 + z.sqrt()  # sqrt'(0) = inf: the forward is finite, the backward is not
    a.grad = 1.5
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        y.backward()
    message = str(info.value)
    assert "sqrt" in message
    assert "'z'" in message
    assert "inf" in message
    assert a.grad == 1.5
    assert z.grad == 0.0
    assert y.grad == 0.0
    y.backward()  # outside the block the same pass runs, as PyTorch's
    assert a.grad == 3.5
    assert z.grad == math.inf


def test_anomaly_does_not_flag_constants() -> None:
    """d(x ** 2)/d2 would be nan for x < 0; a constant takes no gradient, so nothing is raised."""
    x = Value(-3.0)
    with detect_anomaly():
        y = x**2
        y.backward()
    assert x.grad == -6.0


def test_anomaly_backward_matches_plain_backward() -> None:
    def build() -> tuple[Value, Value, Value]:
        a, b = Value(0.3), Value(-1.2)
        return a, b, (a * b).tanh() + autograd.log(a) * b.sigmoid()

    a1, b1, y1 = build()
    y1.backward()
    a2, b2, y2 = build()
    with detect_anomaly():
        y2.backward()
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)
