"""Pickling and copying graphs: same numbers, same shape, same identities, any depth."""

from __future__ import annotations

import copy
import hashlib
import io
import math
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from autograd import (
    RULES,
    Constant,
    Rule,
    Value,
    apply,
    detect_anomaly,
    no_grad,
)
from autograd.value import RecordedGradient
from nn import MLP, SGD

ROOT = Path(__file__).resolve().parent.parent
PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def _pickled(value: Any, protocol: int = pickle.DEFAULT_PROTOCOL) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=protocol))


def _deepcopied(value: Any, protocol: int = 0) -> Any:
    return copy.deepcopy(value)


ROUND_TRIPS: dict[str, Callable[[Any, int], Any]] = {
    **{f"pickle{p}": (lambda v, _, p=p: _pickled(v, p)) for p in PROTOCOLS},  # type: ignore[misc]
    "pure_python_pickler": lambda v, _: pickle.loads(_pure_python_dumps(v)),
    "deepcopy": _deepcopied,
}


def _pure_python_dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    pickle._Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)  # type: ignore[attr-defined]
    return buffer.getvalue()


round_trips = pytest.mark.parametrize(
    "round_trip", list(ROUND_TRIPS.values()), ids=list(ROUND_TRIPS)
)


def _bits(number: float) -> bytes:
    return struct.pack("<d", number)


def _nodes(root: Value) -> list[Value]:
    """Every node behind ``root``, Constants too, each once, in the order first reached."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(reversed(node.parents))
    return order


def _fields(value: Value) -> tuple[object, ...]:
    """What each node is, its parents as positions in a walk that depends on the shape alone."""
    order = _nodes(value)
    position = {id(node): index for index, node in enumerate(order)}
    return tuple(
        (
            type(node).__name__,
            _bits(node.data),
            _bits(node.grad),
            node.label,
            node.op,
            node.rule is RULES.get(node.op) if node.op else None,
            tuple(_bits(local) for local in node.local_grads),
            tuple(position[id(parent)] for parent in node.parents),
        )
        for node in order
    )


def _example() -> tuple[Value, Value, Value]:
    """c = a * b + exp(a) - 2 / b with a = 0.5, b = -1.5: dc/da = b + e^a, dc/db = a + 2 / b^2."""
    a, b = Value(0.5, label="a"), Value(-1.5, label="<script>β")
    c = a * b + a.exp() - 2 / b
    c.label = "c"
    return a, b, c


@round_trips
def test_a_graph_comes_back_with_the_same_fields_and_gradients(round_trip: Callable) -> None:
    a, b, c = _example()
    c.backward()
    assert a.grad == -1.5 + math.exp(0.5)
    assert b.grad == pytest.approx(0.5 + 2 / 2.25)
    before = _fields(c)
    loaded = round_trip(c, 0)
    assert _fields(loaded) == before
    for node in _nodes(loaded):
        node.grad = 0.0
    for node in _nodes(c):
        node.grad = 0.0
    c.backward()
    loaded.backward()
    assert _fields(loaded) == _fields(c)  # bit-identical gradients from the loaded graph


@round_trips
def test_rules_come_back_as_the_table_entries(round_trip: Callable) -> None:
    _, _, c = _example()
    loaded = round_trip(c, 0)
    rules = [node.rule for node in _nodes(loaded) if node.rule is not None]
    assert rules
    assert all(rule is RULES[rule.name] for rule in rules)
    assert round_trip(RULES["mul"], 0) is RULES["mul"]


@round_trips
def test_a_diamond_stays_a_diamond(round_trip: Callable) -> None:
    a = Value(3.0, label="a")
    b, c = a * 2.0, a.sin()
    d = b * c + a  # a reaches d by three paths
    loaded = round_trip(d, 0)
    product, a_again = loaded.parents
    (two_a, _), (sine_input,) = (node.parents for node in product.parents)
    assert two_a is a_again
    assert sine_input is a_again
    loaded.backward()  # d/da = 2 sin a + 2a cos a + 1, all into one node
    assert a_again.grad == pytest.approx(2 * math.sin(3) + 6 * math.cos(3) + 1, rel=1e-15)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_values_pickled_together_share_their_nodes(protocol: int) -> None:
    a = Value(2.0, label="a")
    b = a * a + 1.0
    a_loaded, b_loaded = _pickled([a, b], protocol)
    assert b_loaded.parents[0].parents == (a_loaded, a_loaded)
    b_loaded.backward()
    assert a_loaded.grad == 4.0  # a wrong identity would leave 0 here and 4 on a hidden copy
    # The other order too: the parent first met inside b's graph.
    b_again, a_again = _pickled([b, a], protocol)
    assert b_again.parents[0].parents == (a_again, a_again)
    # Pickled apart, they are two graphs: b's parent is a copy of a, not the loaded a.
    a_apart, b_apart = _pickled(a, protocol), _pickled(b, protocol)
    assert b_apart.parents[0].parents[0] is not a_apart


def test_deepcopy_with_one_memo_shares_nodes_across_calls() -> None:
    a = Value(2.0, label="a")
    b = a * a + 1.0
    memo: dict[int, Any] = {}
    a_copy = copy.deepcopy(a, memo)
    b_copy = copy.deepcopy(b, memo)
    assert b_copy.parents[0].parents == (a_copy, a_copy)
    assert a_copy is not a
    b_copy.backward()
    assert (a_copy.grad, a.grad) == (4.0, 0.0)


@round_trips
def test_many_roots_sharing_nodes_share_them_after(round_trip: Callable) -> None:
    leaves = [Value(float(i), label=f"x{i}") for i in range(5)]
    hidden = sum((leaf * leaf for leaf in leaves), Value(0.0))  # sum of squares
    roots = [hidden * leaf for leaf in leaves] + [hidden]
    loaded = round_trip([*roots, *leaves], 0)
    roots_loaded, leaves_loaded = loaded[: len(roots)], loaded[len(roots) :]
    hidden_loaded = roots_loaded[-1]
    for root, leaf in zip(roots_loaded[:-1], leaves_loaded):
        assert root.parents == (hidden_loaded, leaf)
    total = sum(roots_loaded[:-1], Value(0.0))
    total.backward()  # d/dx_i of (sum x^2)(sum x) = 2 x_i (sum x) + sum x^2
    for i, leaf in enumerate(leaves_loaded):
        assert leaf.grad == 2 * i * 10 + 30


@contextmanager
def _default_recursion_limit() -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _chain(length: int) -> tuple[Value, Value]:
    """x, then length ops alternating x * 1.000001 and + 0.5: d/dx = 1.000001 ** (length / 2)."""
    x = Value(1.0, label="x")
    node = x
    for step in range(length):
        node = node * 1.000001 if step % 2 == 0 else node + 0.5
    return x, node


@pytest.mark.parametrize("round_trip", ["pickle2", "pickle3", "pickle4", "pickle5", "deepcopy"])
def test_a_100000_deep_chain_needs_no_deep_recursion(round_trip: str) -> None:
    x, end = _chain(100_000)
    with _default_recursion_limit():
        loaded = ROUND_TRIPS[round_trip](end, 0)
    loaded.backward()
    end.backward()
    start, length = loaded, 0
    while start.parents:
        start, length = start.parents[0], length + 1
    assert (length, start.label) == (100_000, "x")
    assert start.grad == x.grad == pytest.approx(1.000001**50_000, rel=1e-9)
    assert _bits(start.grad) == _bits(x.grad)


def test_a_chain_pickles_after_its_start_was_pickled_alone() -> None:
    """A pickler kept alive after a dump, and a second dump: still one level per node."""
    x, end = _chain(20_000)
    kept = pickle.Pickler(io.BytesIO())
    kept.dump(end)
    with _default_recursion_limit():
        x_loaded, end_loaded = _pickled([x, end])
        kept.dump(x)
    end_loaded.backward()
    assert x_loaded.grad == pytest.approx(1.000001**10_000, rel=1e-9)


def test_recorded_gradients_come_back_differentiable() -> None:
    # y = exp(x) * x: its gradient graph depends on y's own nodes (exp' is exp's output).
    for round_trip in ROUND_TRIPS.values():
        x = Value(0.5, label="x")
        y = x.exp() * x
        y.backward(create_graph=True)
        loaded_x, loaded_y = round_trip([x, y], 0)
        assert type(loaded_x.grad) is RecordedGradient
        assert _bits(loaded_x.grad) == _bits(x.grad) == _bits(loaded_x.grad_value.data)
        assert loaded_x.grad == pytest.approx(math.exp(0.5) * 1.5, rel=1e-15)  # e^x (1 + x)
        gradient = loaded_x.grad_value
        loaded_x.grad = 0.0
        gradient.backward()  # d/dx e^x (1 + x) = e^x (2 + x)
        assert loaded_x.grad == pytest.approx(math.exp(0.5) * 2.5, rel=1e-15)
        assert loaded_y.parents[1] is loaded_x


@round_trips
def test_constants_and_number_operands_come_back(round_trip: Callable) -> None:
    x = Value(2.0)
    y = x * 3.0  # the 3 is kept as a number until the parents are asked for
    z = x.detach() * y
    loaded_y, loaded_z = round_trip([y, z], 0)
    (constant,) = [node for node in loaded_z.parents if type(node) is Constant]
    assert constant.data == 2.0
    assert constant.grad == 0.0
    assert type(loaded_y.parents[1]) is Constant
    assert loaded_y.parents[1].data == 3.0
    loaded_z.backward()
    assert loaded_y.parents[0].grad == 2.0 * 3.0
    assert constant.grad == 0.0


@pytest.mark.parametrize(
    "round_trip", [f for name, f in ROUND_TRIPS.items() if name != "pickle0"],
    ids=[name for name in ROUND_TRIPS if name != "pickle0"],
)  # fmt: skip
def test_unusual_numbers_and_labels_come_back_bit_for_bit(round_trip: Callable) -> None:
    """(Protocol 0 writes floats as text, which keeps every number but the sign of a nan.)"""
    labels = ["<script>alert(1)</script>", "x\x00\x1b[31m", "\ud800 lone", "ß∂ƒ 数", ""]
    numbers = [math.inf, -math.inf, math.nan, -0.0, 5e-324, 1.7976931348623157e308]
    values = [Value(n, label=t) for n, t in zip(numbers, labels * 2)]
    values.append(values[0] * values[3])  # inf * -0.0 = nan, local grads -0.0 and inf
    loaded = round_trip(values, 0)
    for original, again in zip(values, loaded):
        assert (_bits(again.data), again.label) == (_bits(original.data), original.label)
    assert [_bits(g) for g in loaded[-1].local_grads] == [_bits(-0.0), _bits(math.inf)]


def test_a_rule_outside_the_table_pickles_by_its_arguments() -> None:
    cube = Rule("cube", "x * x * x", grads=("3.0 * x * x",), doc="x cubed.", domain=((2.0,),))
    y = apply(cube, Value(2.0))
    loaded = _pickled(y)
    assert loaded.rule is not cube
    assert loaded.rule.formula == cube.formula
    assert loaded.rule.domain == ((2.0,),)
    assert loaded.local_grads == (12.0,)
    loaded.backward()
    assert loaded.parents[0].grad == 12.0
    a, b = _pickled([y, y * y])
    assert b.parents[0] is a
    assert b.parents[0].rule is a.rule


def test_a_rule_of_other_arguments_says_it_cannot_be_pickled() -> None:
    odd = Rule("odd", "x * y", grads=["y", "x"])  # type: ignore[arg-type]
    y = apply(odd, Value(2.0), Value(3.0))
    with pytest.raises(pickle.PicklingError, match=r"rule 'odd' cannot be pickled.*grads is list"):
        pickle.dumps(y)


def test_a_pickle_naming_an_unknown_table_rule_says_so() -> None:
    data = pickle.dumps(Value(2.0) * 3.0)
    assert data.count(b"mul") == 1
    with pytest.raises(pickle.UnpicklingError, match=r"rule 'mux' of autograd\.ops\.RULES"):
        pickle.loads(data.replace(b"mul", b"mux"))


def test_a_shallow_copy_shares_the_parents() -> None:
    a = Value(2.0, label="a")
    b = a * a
    b.label = "b"
    twin = copy.copy(b)
    assert twin is not b
    assert twin.parents == (a, a)
    assert (twin.data, twin.label, twin.op, twin.local_grads) == (4.0, "b", "mul", (2.0, 2.0))
    twin.backward()
    assert a.grad == 4.0  # through the original's parents
    assert type(copy.copy(Constant(1.0))) is Constant


def test_an_mlp_deep_copy_trains_apart_from_the_original() -> None:
    model = MLP(2, [3, 1])
    original = model.state_dict()
    twin = copy.deepcopy(model)
    assert [p.label for p in twin.parameters()] == [p.label for p in model.parameters()]
    assert twin.state_dict() == original
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    optimizer = SGD(twin.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        loss = (twin([1.0, -2.0]) - 1.0) ** 2
        loss.backward()
        optimizer.step()
    assert twin.state_dict() != original
    assert model.state_dict() == original
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_mlp_pickles_with_its_labels_and_outputs(protocol: int) -> None:
    model = MLP(2, [3, 1])
    loaded = _pickled(model, protocol)
    assert loaded.state_dict() == model.state_dict()
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    assert _bits(loaded([0.5, -1.0]).data) == _bits(model([0.5, -1.0]).data)


PROGRAM = """
import hashlib, pickle
from autograd import Value
from nn import MLP
x = Value(0.5, label="x")
y = (x.exp() * x + 2.0).tanh()
y.backward(create_graph=True)
model = MLP(2, [3, 1])
loss = model([x, 1.0])
loss.backward()
for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
    print(hashlib.sha256(pickle.dumps([model, loss, x, y], protocol=protocol)).hexdigest())
"""


def test_the_same_graph_pickles_to_the_same_bytes_in_every_run() -> None:
    outputs = {
        subprocess.run(
            [sys.executable, "-c", PROGRAM],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1
    assert len(next(iter(outputs)).split()) == pickle.HIGHEST_PROTOCOL - 1
    assert hashlib.sha256(b"").hexdigest() not in next(iter(outputs))


def test_a_deep_copy_shares_the_rules_and_copies_the_nodes() -> None:
    _, _, c = _example()
    twin = copy.deepcopy(c)
    pairs = list(zip(_nodes(c), _nodes(twin)))
    assert all(mine is not theirs for mine, theirs in pairs)
    assert all(mine.rule is theirs.rule for mine, theirs in pairs)
    cube = Rule("cube", "x * x * x", grads=("3.0 * x * x",))
    assert copy.deepcopy(apply(cube, Value(2.0))).rule is cube


def test_no_mode_is_written_with_a_value() -> None:
    _, _, c = _example()
    plain = pickle.dumps(c)
    with no_grad():
        assert pickle.dumps(c) == plain
    with detect_anomaly():
        assert pickle.dumps(c) == plain
    assert pickle.dumps(c) == plain  # and a second dump in one process, too
    with no_grad():
        loaded = pickle.loads(plain)
    assert type(loaded) is Value
    assert loaded.op == "sub"
    loaded.backward()
    assert loaded.parents[0].parents[0].parents[0].grad == -1.5 + math.exp(0.5)


def test_pytorch_copies_tensors_not_their_graph() -> None:
    """The difference docs/explanations/pytorch.md states: a non-leaf tensor has no deep copy."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 3)
    loaded = pickle.loads(pickle.dumps(x * 3))
    assert loaded.is_leaf
    assert loaded.grad_fn is None


def test_a_dump_that_failed_midway_leaves_the_next_dumps_right() -> None:
    odd = Rule("odd", "x * y", grads=["y", "x"])  # type: ignore[arg-type]
    x, end = _chain(2_000)
    bad = apply(odd, end, 2.0) * 3.0
    kept = pickle.Pickler(io.BytesIO())  # kept alive, with what it wrote before it failed
    with pytest.raises(pickle.PicklingError, match="rule 'odd'"):
        kept.dump(bad)
    with _default_recursion_limit():
        loaded_end, loaded_x = _pickled([end, x])
        loaded_alone = _pickled(end)
    for root in (loaded_end, loaded_alone):
        root.backward()
    assert loaded_x.grad == pytest.approx(1.000001**1_000, rel=1e-12)
    assert _bits(loaded_alone.data) == _bits(end.data)


class _Tagged(Value):
    """A Value with a field of its own, as a later version of Value might add one."""

    __slots__ = ("tag",)


@round_trips
def test_every_slot_travels_a_none_grad_and_a_subclass_field_too(round_trip: Callable) -> None:
    tagged = _Tagged(2.0, label="t")
    tagged.tag = "kept"
    reset = Value(1.0)
    reset.grad = None  # type: ignore[assignment]  # PyTorch's way to reset a gradient
    product = tagged * reset
    loaded_tagged, loaded_reset, loaded_product = round_trip([tagged, reset, product], 0)
    assert type(loaded_tagged) is _Tagged
    assert loaded_tagged.tag == "kept"
    assert loaded_reset.grad is None
    assert loaded_product.parents == (loaded_tagged, loaded_reset)
    assert copy.copy(tagged).tag == "kept"
