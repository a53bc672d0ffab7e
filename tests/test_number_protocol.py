"""A Value used as a number: what learners type works on the data, as on a float or a 0-dim
PyTorch tensor, records nothing, and raises while ``autograd.compile`` traces."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import TracingError, Value

EDGES = [0.0, -0.0, 2.5, -2.5, 1e300, -1e-300, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("x", EDGES)
@pytest.mark.parametrize("y", EDGES)
def test_comparisons_compare_the_data_as_floats_do(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    for left, right in ((a, b), (a, y), (x, b)):
        assert (left < right) is (x < y)  # type: ignore[operator]
        assert (left <= right) is (x <= y)  # type: ignore[operator]
        assert (left > right) is (x > y)  # type: ignore[operator]
        assert (left >= right) is (x >= y)  # type: ignore[operator]


def test_sorted_max_min_and_if_work_on_the_data_and_return_the_values() -> None:
    values = [Value(3.0, label="c"), Value(-1.0, label="a"), Value(2.0, label="b")]
    assert [v.label for v in sorted(values)] == ["a", "b", "c"]
    assert max(values) is values[0]
    assert min(values) is values[1]
    assert max(values, key=float) is values[0]
    v = values[2]
    assert v > 0
    assert v <= values[0]
    assert not v >= 3
    assert 1 < v  # noqa: SIM300 (the reflected comparison)
    result = "positive" if v > 0 else "negative"
    assert result == "positive"
    assert (v.grad, v.op, v.parents) == (0.0, "", ())  # nothing recorded


def test_equality_stays_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b  # graph nodes: identity, so Values can be dict keys and set members
    assert len({a, b}) == 2


def test_comparing_with_something_that_is_not_a_number_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="'<' not supported"):
        _ = Value(1.0) < "2"  # type: ignore[operator]
    with pytest.raises(TypeError):
        sorted([Value(1.0), None])  # type: ignore[list-item]


@pytest.mark.parametrize("x", [0.0, -0.0, 1e-320, -2.0, math.inf, math.nan])
def test_bool_is_the_datas_truth_as_for_a_float(x: float) -> None:
    assert bool(Value(x)) is bool(x)


def test_bool_agrees_with_a_0_dim_torch_tensor() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    for x in [0.0, -0.0, 1e-320, -2.0, math.inf, math.nan]:
        assert bool(Value(x)) is bool(torch.tensor(x, dtype=torch.float64))
        assert (Value(x) > 0) is bool(torch.tensor(x, dtype=torch.float64) > 0)


@pytest.mark.parametrize("x", [2.5, -2.5, 3.5, 0.4999999999999999, -0.0, 1e17, 123.456])
def test_format_round_int_floor_and_ceil_work_as_on_the_float(x: float) -> None:
    v = Value(x)
    assert f"{v:.4f}" == f"{x:.4f}"
    assert f"{v:>12.3e}" == f"{x:>12.3e}"
    assert f"{v}" == str(v) == repr(v)
    assert (round(v), type(round(v))) == (round(x), int)
    assert (round(v, 2), type(round(v, 2))) == (round(x, 2), float)
    assert (int(v), type(int(v))) == (int(x), int)
    assert (math.floor(v), math.ceil(v)) == (math.floor(x), math.ceil(x))
    assert math.trunc(v) == math.trunc(x)
    assert float(v) == x


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan])
def test_int_of_a_non_finite_value_raises_as_for_the_float(x: float) -> None:
    with pytest.raises((OverflowError, ValueError)) as raised:
        int(x)
    with pytest.raises(type(raised.value), match=str(raised.value)):
        int(Value(x))


def test_unary_plus_is_the_value_itself_so_gradients_flow() -> None:
    a = Value(3.0)
    b = +a
    assert b is a
    (b * b).backward()
    assert a.grad == 6.0


def test_a_bool_operand_is_one_or_zero_on_either_side_as_in_torch() -> None:
    a = Value(3.0)
    for result, expected in ((a * True, 3.0), (True * a, 3.0), (a + False, 3.0),
                             (False - a, -3.0), (a ** True, 3.0), (True / a, 1 / 3)):  # fmt: skip
        assert result.data == expected
    both = a * True + True * a
    both.backward()
    assert a.grad == 2.0


def test_bool_operand_agrees_with_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    t = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (t * True + False * t + True).backward()
    a = Value(3.0)
    result = a * True + False * a + True
    result.backward()
    assert result.data == float(t.detach() * True + False * t.detach() + True)
    assert a.grad == float(t.grad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "use",
    [
        lambda x: x * 2 if x > 0 else x,
        lambda x: x * 2 if 0 < x else x,  # noqa: SIM300
        lambda x: x * float(x),
        lambda x: x * int(x),
        lambda x: x * round(x, 1),
        lambda x: x * math.floor(x),
        lambda x: x * max(x, 1.0),
        lambda x: x * (f"{x:.1f}" == "2.0"),
        lambda x: x if x else x * 2,
    ],
    ids=["gt", "reflected-lt", "float", "int", "round", "floor", "max", "format", "bool"],
)
def test_each_use_as_a_number_raises_while_tracing(use: object) -> None:
    compiled = autograd.compile(use)  # type: ignore[arg-type]
    with pytest.raises(TracingError, match=r"while autograd\.compile was tracing"):
        compiled(2.0)


def test_the_differences_from_torch_that_the_docs_list_are_real() -> None:
    """docs/explanations/pytorch.md: the rows where PyTorch differs, and those it shares."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    t = torch.tensor(2.5, dtype=torch.float64)
    v = Value(2.5)
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        _ = t - True
    assert (v - True).data == 1.5
    assert (True - v).data == -1.5
    for function in (round, math.trunc):
        with pytest.raises(TypeError, match="doesn't define"):
            function(t)  # type: ignore[call-overload]
        assert function(v) == function(2.5)  # type: ignore[call-overload]
    assert (int(t), math.floor(t), math.ceil(t)) == (int(v), math.floor(v), math.ceil(v))
    assert f"{t:.4f}" == f"{v:.4f}"
    assert +t is t
    assert +v is v
    assert bool(t == torch.tensor(2.5, dtype=torch.float64))
    assert v != Value(2.5)


@pytest.mark.parametrize("number", [2, 0.5, 10**20])
def test_data_assignment_stores_a_float(number: float) -> None:
    v = Value(1.0)
    v.data = number
    assert type(v.data) is float
    assert v.data == float(number)


def test_data_assignment_of_a_numpy_float32_stores_a_float64() -> None:
    numpy = pytest.importorskip("numpy", reason="numpy is not installed")
    v = Value(1.0)
    v.data = numpy.float32(0.1)
    assert type(v.data) is float
    assert type((v * 3.0).data) is float  # the forward pass stays float64


@pytest.mark.parametrize("bad", ["0.5", None, True, 1j, [1.0], Value(2.0)])
def test_data_assignment_rejects_anything_else_at_once_and_keeps_the_data(bad: object) -> None:
    v = Value(1.5)
    with pytest.raises(TypeError, match="Value data must be a real number"):
        v.data = bad  # type: ignore[assignment]
    assert v.data == 1.5


def test_data_assignment_too_large_says_so() -> None:
    v = Value(1.5)
    with pytest.raises(OverflowError, match="too large for a float"):
        v.data = 10**400
    assert v.data == 1.5


@pytest.mark.parametrize(
    ("sign", "exponent", "size"),
    [(1, 400, "401 digits"), (1, 5000, "16610 bits"), (-1, 50000, "166097 bits")],
)
def test_a_huge_int_says_it_is_too_large_naming_its_size(
    sign: int, exponent: int, size: str
) -> None:
    number = sign * 10**exponent
    count = exponent + 1 if size.endswith("digits") else abs(number).bit_length()
    assert size == f"{count} {size.split()[1]}"
    with pytest.raises(OverflowError, match=f"an int of {size}\\) is too large for a float"):
        Value(number)
    with pytest.raises(OverflowError, match=f"an int of {size}"):
        Value(1.0) * number


def test_detach_and_no_grad_raise_while_tracing_rather_than_bake_a_number() -> None:
    """Outside compile, ``x.detach()`` and a result under ``no_grad`` are numbers (Constants);
    traced, the compiled code would replay the traced number for every input, so both raise."""

    def detached(x: Value) -> Value:
        return x * x.detach()

    def unrecorded(x: Value) -> Value:
        with autograd.no_grad():
            y = x * 2.0
        return x * y

    for function, words in ((detached, "detached"), (unrecorded, "under no_grad")):
        with pytest.raises(TracingError, match=f"{words} while autograd.compile was tracing"):
            autograd.compile(function)(3.0)
    assert detached(Value(3.0)).data == 9.0  # eager, both are fine
    assert unrecorded(Value(3.0)).data == 18.0
