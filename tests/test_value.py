"""The Value type: construction, operators, coercion, identity, repr."""

from __future__ import annotations

import fractions
import math
from fractions import Fraction

import pytest

import autograd
from autograd import Constant, Value


@pytest.mark.parametrize("data", [3, 2.5, Fraction(1, 4), -0.0, 10**300, math.inf])
def test_real_numbers_are_stored_as_float(data: float) -> None:
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)
    assert v.grad == 0.0
    assert type(v.grad) is float
    assert (v.label, v.op, v.parents, v.local_grads) == ("", "", (), ())


@pytest.mark.parametrize("data", [True, "3", None, 1j, [1.0], Value(1.0)])
def test_non_real_data_is_a_type_error_naming_the_type(data: object) -> None:
    with pytest.raises(TypeError, match=type(data).__name__):
        Value(data)  # type: ignore[arg-type]


def test_too_large_integer_is_a_clear_error() -> None:
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(10**400)
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(1.0) * 10**400
    with pytest.raises(OverflowError, match="too large for a float"):
        10**400 - Value(1.0)


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=3)  # type: ignore[arg-type]
    product = Value(1.0, label="a") * 2
    with pytest.raises(TypeError, match="label must be a str, got NoneType"):
        product.label = None  # type: ignore[assignment]
    assert product.label == ""
    product.label = "twice a"
    assert product.label == "twice a"


def test_operators_with_numbers_on_either_side() -> None:
    v = Value(2.0)
    cases = {
        "v + 3": (v + 3, 5.0),
        "3 + v": (3 + v, 5.0),
        "v - 3": (v - 3, -1.0),
        "3 - v": (3 - v, 1.0),
        "v * 3": (v * 3, 6.0),
        "3 * v": (3 * v, 6.0),
        "v / 4": (v / 4, 0.5),
        "4 / v": (4 / v, 2.0),
        "v ** 3": (v**3, 8.0),
        "3 ** v": (3**v, 9.0),
        "v ** v": (v**v, 4.0),
        "-v": (-v, -2.0),
        "abs(-v)": (abs(-v), 2.0),
    }
    for text, (result, expected) in cases.items():
        assert isinstance(result, Value), text
        assert result.data == expected, text
    assert float(v) == 2.0


def test_parents_are_in_argument_order_with_duplicates() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a + a).parents == (a, a)
    assert (b - a).parents == (b, a)
    c = 5 - a
    assert isinstance(c.parents[0], Constant)
    assert c.parents[0].data == 5.0
    assert c.parents[1] is a
    assert c.op == "sub"
    assert c.local_grads == (1.0, -1.0)


@pytest.mark.parametrize("number", [2, 2.0, fractions.Fraction(1, 2)])
def test_a_number_operand_is_one_constant_however_often_it_is_asked_for(number: float) -> None:
    """An op keeps a number operand as a float; its parents show it as a Constant, the same
    object every time, with the number as a float."""
    a = Value(3.0)
    for result, index in ((a * number, 1), (number * a, 0)):
        constant = result.parents[index]
        assert isinstance(constant, Constant)
        assert type(constant.data) is float
        assert constant.data == float(number)
        assert result.parents[index] is constant
        assert result.parents[1 - index] is a


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"])
def test_method_and_function_agree_and_function_takes_numbers(name: str) -> None:
    x = Value(0.7)
    method = getattr(x, name)()
    function = getattr(autograd, name)(x)
    assert method.op == function.op == name
    assert method.data == function.data
    number = getattr(autograd, name)(0.7)
    assert type(number) is float
    assert number == method.data
    with pytest.raises(TypeError, match="str"):
        getattr(autograd, name)("0.7")


def test_power_function() -> None:
    assert autograd.power(2, 10) == 1024.0
    assert math.isnan(autograd.power(-8.0, 1 / 3))
    result = autograd.power(Value(2.0), 3)
    assert isinstance(result, Value)
    assert result.data == 8.0


def test_pow_of_negative_base_is_nan_not_complex() -> None:
    result = Value(-8.0) ** (1 / 3)
    assert type(result.data) is float
    assert math.isnan(result.data)


def test_foreign_types_give_python_type_error() -> None:
    v = Value(2.0)
    for bad in ["x", None, [1], 1j]:  # a bool is a number (test_number_protocol.py)
        with pytest.raises(TypeError, match="unsupported operand"):
            v + bad  # type: ignore[operator]
        with pytest.raises(TypeError):  # a list's own __mul__ words it differently
            bad * v  # type: ignore[operator]


def test_operators_return_not_implemented_for_foreign_types() -> None:
    assert Value(2.0).__add__("x") is NotImplemented  # type: ignore[operator]
    assert Value(2.0).__rpow__(None) is NotImplemented  # type: ignore[arg-type]


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


def test_repr_is_concise() -> None:
    a = Value(3.0, label="a")
    assert repr(a) == "Value(data=3.0, grad=0.0, label='a')"
    b = a * 2
    assert repr(b) == "Value(data=6.0, grad=0.0, op='mul')"


def test_grad_is_assignable_and_constant_grad_is_always_zero() -> None:
    a = Value(1.0)
    a.grad = 5.0
    assert a.grad == 5.0
    c = (a * -2.0) ** 2
    c.backward()
    constants = [p for node in (c, c.parents[0]) for p in node.parents if isinstance(p, Constant)]
    assert len(constants) == 2
    for constant in constants:
        constant.grad = 7.0
        assert constant.grad == 0.0


def test_apply_checks_its_operands() -> None:
    with pytest.raises(TypeError, match="takes 2 operand"):
        autograd.apply(autograd.RULES["mul"], Value(1.0))
    with pytest.raises(TypeError, match="Values or real numbers, got Value, str"):
        autograd.apply(autograd.RULES["mul"], Value(1.0), "x")  # type: ignore[arg-type]


def test_values_have_no_instance_dict() -> None:
    assert not hasattr(Value(1.0), "__dict__")
    with pytest.raises(AttributeError):
        Value(1.0).colour = "red"  # type: ignore[attr-defined]


def test_numerics_policy_examples() -> None:
    """The numerics promised in the README, in the syntax a user writes: no op raises."""
    assert autograd.exp(Value(1000.0)).data == math.inf
    assert autograd.log(Value(0.0)).data == -math.inf
    assert math.isnan(autograd.log(Value(-1.0)).data)
    assert (1 / Value(0.0)).data == math.inf
    root = Value(-8.0) ** (1 / 3)
    assert type(root.data) is float
    assert math.isnan(root.data)
    x = Value(-1000.0)
    s = x.sigmoid()
    s.backward()
    assert s.data == 0.0
    assert x.grad == 0.0
    for kink in (Value(0.0).relu(), abs(Value(0.0))):
        kink.backward()
        assert kink.parents[0].grad == 0.0


def test_values_support_weak_references() -> None:
    import gc
    import weakref

    a = Value(2.0)
    b = a * 3.0
    refs = [weakref.ref(a), weakref.ref(b), weakref.ref(b.parents[1])]
    cache = weakref.WeakKeyDictionary({b: "result"})
    assert [r() for r in refs] == [a, b, b.parents[1]]
    assert cache[b] == "result"
    del a, b
    gc.collect()
    assert [r() for r in refs] == [None, None, None]
    assert len(cache) == 0
