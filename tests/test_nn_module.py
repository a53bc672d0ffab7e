"""Modules: parameters and their names, initialisation, sizes, and state saved and loaded."""

from __future__ import annotations

import errno
import fractions
import json
import math
import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from failing_disk import fail_writes, leftovers

import autograd
from autograd import Value
from nn import MLP, Layer, Module, Neuron, compile_loss, mse_loss


def test_micrograd_sized_mlp_has_337_parameters() -> None:
    # 2*16 + 16, 16*16 + 16, 16 + 1
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_parameter_names_are_dotted_paths_in_order() -> None:
    model = MLP(2, [2, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]  # fmt: skip
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_a_custom_module_finds_its_parameters() -> None:
    class Scaled(Module):
        def __init__(self) -> None:
            self.inner = Neuron(1, "linear", rng=random.Random(1))
            self.scale = Value(2.0)
            self.name = "not a parameter"
            self.shared = [self.scale]  # listed once, under its first name

    names = [name for name, _ in Scaled().named_parameters()]
    assert names == ["inner.w.0", "inner.b", "scale"]


def test_neuron_computes_its_formula() -> None:
    neuron = Neuron(2, "tanh", weights=[0.5, -1.0], bias_value=0.25)
    out = neuron([2.0, 3.0])
    assert out.data == math.tanh(0.5 * 2.0 - 1.0 * 3.0 + 0.25)
    assert [p.label for p in neuron.parameters()] == ["w.0", "w.1", "b"]  # their names
    linear = Neuron(1, "linear", bias=False, weights=[3.0])
    assert linear([2.0]).data == 6.0
    assert linear.parameters() == linear.w


def test_a_neuron_adds_its_products_left_to_right_and_the_bias_last() -> None:
    """The graph, not only the number: ((w0 x0 + w1 x1) + w2 x2) + b, then the activation."""
    neuron = Neuron(3, "relu", weights=[1.0, 2.0, 3.0], bias_value=0.5)
    out = neuron.forward([4.0, 5.0, 6.0])
    assert out.op == "relu"
    with_bias = out.parents[0]
    assert with_bias.op == "add"
    assert with_bias.parents[1] is neuron.b
    sums = with_bias.parents[0]
    third = sums.parents[1]
    assert third.parents[0] is neuron.w[2]
    assert third.parents[1].data == 6.0
    first_two = sums.parents[0]
    assert [p.parents[0] for p in first_two.parents] == neuron.w[:2]
    assert [p.parents[1].data for p in first_two.parents] == [4.0, 5.0]
    assert out.data == 1.0 * 4.0 + 2.0 * 5.0 + 3.0 * 6.0 + 0.5


def test_calling_a_module_is_its_forward() -> None:
    model = MLP(2, [3, 2], activation="tanh")
    called, forwarded = model([0.5, -1.0]), model.forward([0.5, -1.0])
    assert isinstance(called, list)
    assert isinstance(forwarded, list)
    assert [v.data for v in called] == [v.data for v in forwarded]
    assert model.layers[0]([0.5, -1.0])[2].data == model.layers[0].neurons[2]([0.5, -1.0]).data


@pytest.mark.parametrize(("activation", "z", "expected"), [
    ("relu", -1.5, 0.0), ("relu", 1.5, 1.5), ("tanh", 0.5, math.tanh(0.5)),
    ("sigmoid", 0.5, 1 / (1 + math.exp(-0.5))), ("linear", -1.5, -1.5),
])  # fmt: skip
def test_activations(activation: str, z: float, expected: float) -> None:
    assert Neuron(1, activation, bias=False, weights=[1.0])([z]).data == expected


def test_mlp_returns_a_value_or_a_list() -> None:
    assert isinstance(MLP(3, [4, 1])([1.0, 2.0, 3.0]), Value)
    outputs = MLP(3, [4, 2])([1.0, 2.0, 3.0])
    assert isinstance(outputs, list)
    assert len(outputs) == 2
    assert len(Layer(3, 5)([1.0, 2.0, 3.0])) == 5


def test_explicit_weights_and_biases() -> None:
    model = MLP(
        2, [1, 1], activation="linear", weights=[[[2.0, 3.0]], [[4.0]]], biases=[[1.0], [0.5]]
    )
    assert model([1.0, 1.0]).data == (2.0 + 3.0 + 1.0) * 4.0 + 0.5  # type: ignore[union-attr]


def test_default_initialisation_is_reproducible_and_bounded() -> None:
    first, second = MLP(2, [16, 16, 1]).state_dict(), MLP(2, [16, 16, 1]).state_dict()
    assert first == second
    seeded = MLP(2, [16, 16, 1], rng=random.Random(5)).state_dict()
    assert seeded != first
    assert seeded == MLP(2, [16, 16, 1], rng=random.Random(5)).state_dict()
    layer = Layer(16, 8).parameters()
    assert all(-0.25 <= p.data <= 0.25 for p in layer)  # 1 / sqrt(16)
    assert len({p.data for p in layer}) == len(layer)  # neurons differ from each other


def test_default_initialisation_is_the_same_in_another_process() -> None:
    code = "from nn import MLP; print(sorted(MLP(2, [3, 1]).state_dict().items()))"
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(outputs) == 1
    assert outputs.pop().strip() == str(sorted(MLP(2, [3, 1]).state_dict().items()))


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Neuron(0), "nin must be a positive int, got 0"),
    (lambda: Neuron(2, "softmax"), "activation must be one of"),
    (lambda: Neuron(2, weights=[1.0]), "needs 2 weights, got 1"),
    (lambda: Neuron(2, bias=False, bias_value=1.0), "bias_value was given"),
    (lambda: Layer(2, 3, weights=[[1.0, 2.0]]), "needs 3 weights, got 1"),
    (lambda: MLP(2, []), "at least one layer"),
    (lambda: MLP(2, [3, 0]), "layer size must be a positive int, got 0"),
    (lambda: MLP(2, [3, 1], output_activation="max"), "activation must be one of"),
    (lambda: MLP(2, [3, 1], biases=[[0.0] * 3]), "needs 2 biases, got 1"),
])  # fmt: skip
def test_bad_construction_is_a_clear_value_error(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_wrong_input_size_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="this MLP takes 2 inputs, got 3"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="this layer takes 2 inputs, got 1"):
        Layer(2, 3)([1.0])
    with pytest.raises(ValueError, match="this neuron takes 2 inputs, got 0"):
        Neuron(2)([])


def test_zero_grad() -> None:
    model = MLP(2, [2, 1])
    model([1.0, 2.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()  # as torch's default set_to_none=True: no gradient
    assert all(p.grad is None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_through_json_file(tmp_path: Path) -> None:
    source = MLP(2, [4, 1], rng=random.Random(1))
    target = MLP(2, [4, 1], rng=random.Random(2))
    path = tmp_path / "model.json"
    source.save(path)
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.state_dict"
    assert document["parameters"] == source.state_dict()
    target.load(path)
    assert target.state_dict() == source.state_dict()  # bit for bit: floats written by repr
    assert [p.data.hex() for p in target.parameters()] == [
        p.data.hex() for p in source.parameters()
    ]


def test_load_state_dict_non_strict_reports_what_it_skipped() -> None:
    model = MLP(1, [1], bias=False, weights=[[[1.0]]])
    result = model.load_state_dict({"layers.0.neurons.0.w.0": 2.0, "extra": 1.0}, strict=False)
    assert model.parameters()[0].data == 2.0
    assert result.unexpected_keys == ["extra"]
    assert result.missing_keys == []


BAD_STATES = {
    "missing name": ({}, ValueError, r"missing 3 names: \['layers\.0\.neurons\.0\.w\.0'"),
    "unexpected name": ({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": 1.0,
                         "layers.0.neurons.0.b": 1.0, "bogus": 1.0}, ValueError, "unexpected"),
    "nan": ({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": math.nan,
             "layers.0.neurons.0.b": 1.0}, ValueError, "must be finite"),
    "infinity": ({"layers.0.neurons.0.w.0": math.inf, "layers.0.neurons.0.w.1": 1.0,
                  "layers.0.neurons.0.b": 1.0}, ValueError, "must be finite"),
    "string": ({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": 1.0,
                "layers.0.neurons.0.b": "0.5"}, TypeError, "must be a real number, got str"),
    "bool": ({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.w.1": True,
              "layers.0.neurons.0.b": 1.0}, TypeError, "must be a real number, got bool"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_STATES))
def test_bad_state_changes_no_parameter(case: str) -> None:
    state, error, message = BAD_STATES[case]
    model = MLP(2, [1], rng=random.Random(3))
    before = model.state_dict()
    with pytest.raises(error, match=message):
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


BAD_FILES = {
    "broken json": ('{"format": "chainrule.state_dict", "parameters": {', "not valid JSON"),
    "not an object": ("[1, 2]", "not a chainrule state file"),
    "wrong format": ('{"format": "torch", "version": 1, "parameters": {}}', "not a chainrule"),
    "wrong version": ('{"format": "chainrule.state_dict", "version": 9, "parameters": {}}',
                      "has version 9, expected 1"),
    "nan in file": ('{"format": "chainrule.state_dict", "version": 1, "parameters": '
                    '{"layers.0.neurons.0.w.0": NaN, "layers.0.neurons.0.w.1": 1.0, '
                    '"layers.0.neurons.0.b": 1.0}}', "must be finite"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_changes_no_parameter(case: str, tmp_path: Path) -> None:
    text, message = BAD_FILES[case]
    path = tmp_path / "model.json"
    path.write_text(text)
    model = MLP(2, [1], rng=random.Random(3))
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    model = MLP(2, [1])
    before = model.state_dict()
    with pytest.raises(FileNotFoundError, match=r"absent\.json"):
        model.load(tmp_path / "absent.json")
    assert model.state_dict() == before


def test_save_refuses_non_finite_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = MLP(2, [1])
    model.save(path)
    saved = path.read_text()
    model.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match="must be finite"):
        model.save(path)
    assert path.read_text() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temporary left


def test_repr() -> None:
    assert repr(MLP(2, [16, 16, 1])) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear', bias=True)"
    )
    assert repr(Neuron(3, "tanh", bias=False)) == "Neuron(3, activation='tanh', bias=False)"


def _names_in_drawing(dot: str) -> list[str]:
    """The bold names of a drawing: the labelled Values (parameters, labelled results)."""
    return re.findall(r"<B>(.*?)</B>", dot)


def test_an_mlps_parameters_are_labelled_by_their_names() -> None:
    model = MLP(2, [4, 4, 1], rng=random.Random(0))
    named = model.named_parameters()
    assert [p.label for _, p in named] == [name for name, _ in named]
    assert named[3 * 3][0] == "layers.0.neurons.3.w.0"  # the fourth neuron of the first layer
    assert len({p.label for p in model.parameters()}) == len(model.parameters()) == 37
    assert [p.label for p in Layer(2, 2).parameters()][:3] == ["neurons.0.w.0", "neurons.0.w.1",
                                                               "neurons.0.b"]  # fmt: skip
    output = model([0.5, -1.0])
    assert isinstance(output, Value)
    # The forward pass labels one Value per neuron, its output, by the neuron's path; the
    # ops inside a neuron stay unlabelled, so labels cost nothing per op.
    assert output.label == "layers.2.neurons.0"


def test_a_neurons_output_label_must_be_a_str() -> None:
    neuron = Neuron(2, rng=random.Random(0))
    assert neuron([0.5, -1.0]).label == ""  # a neuron on its own labels nothing
    neuron.output_label = "unit"
    assert neuron([0.5, -1.0]).label == "unit"
    neuron.output_label = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="label must be a str, got int: 3"):
        neuron([0.5, -1.0])


def test_a_drawing_and_explain_of_an_mlp_name_every_parameter_once() -> None:
    model = MLP(2, [4, 4, 1], rng=random.Random(0))
    output = model([0.5, -1.0])
    assert isinstance(output, Value)
    loss = mse_loss([output], [1.0])
    names = [name for name, _ in model.named_parameters()]
    drawn = _names_in_drawing(autograd.draw(loss, grads=False).dot)
    neurons = [f"layers.{i}.neurons.{j}" for i, size in enumerate([4, 4, 1]) for j in range(size)]
    # each once, none other: the parameters, each neuron's output and the loss
    assert sorted(drawn) == sorted([*names, *neurons, "mse_loss"])
    last = autograd.explain(loss).splitlines()[-1]
    explained = re.findall(r"dmse_loss/d(\S+) = ", last)
    assert sorted(explained) == sorted(names)  # every parameter, once, under its name
    for name, parameter in model.named_parameters():  # with backward's gradients
        assert f"dmse_loss/d{name} = {parameter.grad:.6g}" in last
    first_weight = model.layers[0].neurons[0].w[0]
    by_path = autograd.explain(loss, wrt=first_weight)
    assert by_path.startswith(
        "dmse_loss/dlayers.0.neurons.0.w.0, summed over the 4 paths from layers.0.neurons.0.w.0"
    )  # through each of the four neurons of the second layer


def test_a_module_of_your_own_labels_its_parameters_by_its_own_paths() -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.first = Neuron(1, weights=[0.5], bias_value=0.0)
            self.scale = Value(2.0, label="my scale")
            self.shared = [self.scale]  # listed once, under its first name

    pair = Pair()
    assert [p.label for p in pair.parameters()] == ["w.0", "b", "my scale"]  # as made
    pair.label_parameters()
    assert [p.label for p in pair.parameters()] == ["first.w.0", "first.b", "scale"]
    assert [p.label for p in pair.parameters()] == list(pair.state_dict())


def test_the_seed_network_keeps_the_documents_names() -> None:
    from nn import seed

    loss = seed.loss_graph(seed.network())
    names = {v.label for v in autograd.topological_order(loss, leaves=True)}
    assert {"w13", "w23", "w14", "w24", "w35", "w45", "z3", "y3", "z5", "y5", "E"} <= names
    assert not any(name.startswith(("layers.", "half_squared")) for name in names)


def test_compiled_code_names_its_variables_after_the_parameters() -> None:
    model = MLP(2, [4, 4, 1], rng=random.Random(0))
    sample_loss = compile_loss(model, lambda out, target: mse_loss([out], [target]))
    source = sample_loss.source([0.5, -1.0], 1.0)
    signature = source.splitlines()[0]
    names = [name.replace(".", "_") for name, _ in model.named_parameters()]
    held = [f"d_{name}" for name in names]  # each parameter's .grad so far, added into
    assert signature == f"def sample_loss({', '.join([*names, 'x0', 'x1', *held])}):"
    assert "layers_0_neurons_3_w_0" in names
    assert "    return mse_loss, (" in source


def test_a_module_that_refers_to_its_parent_lists_its_parameters_once() -> None:
    class Child(Module):
        def __init__(self, parent: Module) -> None:
            self.parent = parent
            self.w = Value(1.0)

    class Parent(Module):
        def __init__(self) -> None:
            self.b = Value(2.0)
            self.child = Child(self)
            self.again = self.child  # the same module twice
            self.loop: list[object] = []
            self.loop.append(self.loop)  # a list that holds itself

    model = Parent()
    assert [name for name, _ in model.named_parameters()] == ["b", "child.w"]
    assert [name for name, _ in model.child.named_parameters()] == ["parent.b", "w"]
    assert list(model.state_dict()) == ["b", "child.w"]


def test_a_shared_module_is_listed_once_as_in_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed")
    shared_t = torch.nn.Linear(1, 1, bias=False)
    model_t = torch.nn.ModuleDict({"first": shared_t, "second": shared_t})
    names_t = [name for name, _ in model_t.named_parameters()]

    class Linear(Module):
        def __init__(self) -> None:
            self.weight = Value(0.5)

    class Pair(Module):
        def __init__(self) -> None:
            shared = Linear()
            self.first = shared
            self.second = shared

    assert [name for name, _ in Pair().named_parameters()] == names_t == ["first.weight"]


def _state_file(parameters: str, version: str = "1") -> str:
    return f'{{"format": "chainrule.state_dict", "version": {version}, "parameters": {parameters}}}'


W0, W1, B = "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"
HOSTILE_FILES = {
    "10**400": (_state_file(f'{{"{W0}": 1.0, "{W1}": 1{"0" * 400}, "{B}": 1.0}}'),
                rf"'{re.escape(W1)}' is too large for a float, got an integer of 401 digits"),
    "5000 digits": (_state_file(f'{{"{W0}": 1.0, "{W1}": 1.0, "{B}": -{"7" * 5000}}}'),
                    rf"'{re.escape(B)}' is too large for a float, got an integer of 5000 digits"),
    "1e400": (_state_file(f'{{"{W0}": 1e400, "{W1}": 1.0, "{B}": 1.0}}'),
              rf"'{re.escape(W0)}' must be finite, got inf"),
    "deep array": (_state_file(f'{{"{W0}": {"[" * 100_000}'), r"model\.json is nested too deeply"),
    "deep value": (_state_file(f'{{"{W0}": {"[" * 100_000}1{"]" * 100_000}}}'),
                   r"model\.json is nested too deeply"),
    "deep objects": ('{"a": ' * 100_000 + "1" + "}" * 100_000, r"model\.json is nested too deeply"),
    "version true": (_state_file("{}", version="true"),
                     r"model\.json has version True, expected 1"),
    "version 1.0": (_state_file("{}", version="1.0"),
                    r"model\.json has version 1\.0, expected 1"),
    "huge version": (_state_file("{}", version="9" * 5000),
                     r"model\.json has version an integer of 5000 digits, expected 1"),
    "name twice": (_state_file(f'{{"{W0}": 1.0, "{W1}": 1.0, "{B}": 1.0, "{B}": 2.0}}'),
                   rf"model\.json names '{re.escape(B)}' twice"),
    "100000 unknown names": (
        _state_file("{" + ", ".join(f'"k{index}": 0' for index in range(100_000)) + "}"),
        r"missing 3 names: .*, unexpected 100000 names: \['k0', 'k1', 'k2', 'k3', 'k4', \.\.\.\]$",
    ),
    "1 MB string": (_state_file(f'{{"{W0}": 1.0, "{W1}": 1.0, "{B}": "{"x" * 10**6}"}}'),
                    rf"'{re.escape(B)}' must be a real number, got str: 'xxx"),
    "1 MB name": (_state_file(f'{{"{W0}": 1.0, "{W1}": 1.0, "{B}": 1.0, "{"n" * 10**6}": 1}}'),
                  r"unexpected 1 name: \['nnnn"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_file_gets_a_short_clear_error_and_changes_no_parameter(
    case: str, tmp_path: Path
) -> None:
    text, message = HOSTILE_FILES[case]
    path = tmp_path / "model.json"
    path.write_text(text)
    model = MLP(2, [1], rng=random.Random(3))
    before = [parameter.data.hex() for parameter in model.parameters()]
    error = TypeError if case == "1 MB string" else ValueError
    with pytest.raises(error, match=message) as caught:
        model.load(path)
    assert len(str(caught.value)) < 600 + len(str(path))
    assert [parameter.data.hex() for parameter in model.parameters()] == before


@pytest.mark.parametrize(
    "content", [b"\xff\xfe{}", '{"format": "chainrule.state_dict"}'.encode("utf-16")]
)
def test_a_file_that_is_not_utf8_is_a_value_error_naming_it(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(content)
    model = MLP(2, [1], rng=random.Random(3))
    before = model.state_dict()
    with pytest.raises(
        ValueError, match=r"model\.json is not UTF-8 text: invalid start byte at byte 0"
    ):
        model.load(path)
    assert model.state_dict() == before


HUGE_NUMBERS = {
    "10**400": (10**400, "too large for a float, got an integer of 401 digits"),
    "10**5000": (10**5000, "too large for a float, got an integer of 5001 digits"),
    "10**5000 - 1": (10**5000 - 1, "too large for a float, got an integer of 5000 digits"),
    "-10**5000": (-(10**5000), "too large for a float, got an integer of 5001 digits"),
    "Fraction": (fractions.Fraction(10**400, 3), "too large for a float, got Fraction"),
}


@pytest.mark.parametrize("case", sorted(HUGE_NUMBERS))
def test_a_number_too_large_for_a_float_names_its_key(case: str) -> None:
    number, message = HUGE_NUMBERS[case]
    model = MLP(2, [1], rng=random.Random(3))
    before = model.state_dict()
    state: dict[str, object] = {**before, W1: number}
    with pytest.raises(ValueError, match=rf"state value '{re.escape(W1)}' is {message}"):
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_a_mismatch_lists_a_few_names_and_counts_them() -> None:
    model = MLP(2, [1], rng=random.Random(3))
    before = model.state_dict()
    state = {f"extra.{index}": 0.0 for index in range(1_000_000)}
    with pytest.raises(ValueError, match="unexpected 1000000 names") as caught:
        model.load_state_dict(state)
    assert str(caught.value) == (
        "state does not match the MLP's 3 parameters: missing 3 names: ['layers.0.neurons.0.w.0', "
        "'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b'], unexpected 1000000 names: "
        "['extra.0', 'extra.1', 'extra.2', 'extra.3', 'extra.4', ...]"
    )  # one line, however many names
    assert model.state_dict() == before


def test_save_keeps_the_mode_of_the_file_and_writes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "models" / "model.json"
    target.parent.mkdir()
    model = MLP(2, [1], rng=random.Random(3))
    model.save(target)
    target.chmod(0o644)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    model.parameters()[0].data = 0.25
    model.save(link)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # a re-save once made it 0o600
    assert link.is_symlink()
    assert link.resolve() == target
    assert json.loads(target.read_text())["parameters"][W0] == 0.25
    assert (
        leftovers(tmp_path, "models", "latest.json") == leftovers(target.parent, "model.json") == []
    )


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()]
)
def test_a_save_that_fails_mid_write_keeps_the_old_file(
    failure: BaseException, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    model = MLP(2, [4, 1], rng=random.Random(3))
    model.save(path)
    saved = path.read_bytes()
    model.parameters()[0].data = 0.25
    fail_writes(monkeypatch, tmp_path, after_bytes=100, error=failure)
    with pytest.raises(type(failure)):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == saved
    assert leftovers(tmp_path, "model.json") == []
    restored = MLP(2, [4, 1], rng=random.Random(4))
    restored.load(path)
    assert restored.parameters()[0].data != 0.25
