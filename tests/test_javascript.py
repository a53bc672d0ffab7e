"""Rule text as JavaScript (autograd/javascript.py) and its runtime (autograd/runtime.js): every
rule of the table translates, anything else fails naming the rule and the construct, and in
Node.js the runtime's functions, its ``%g`` and every graph program give Python's numbers.

The tests that run JavaScript skip, saying so, only where Node.js is absent; CI has it and sets
CHAINRULE_NO_SKIPS=1."""

from __future__ import annotations

import inspect
import json
import math
import random
import shutil
import struct
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from programs import VALUE_BACKEND, random_program

from autograd import RULES, Constant, Rule, Value, apply, numerics
from autograd.javascript import (
    RUNTIME_NAME,
    TranslationError,
    checked_for_html,
    program,
    program_script,
    rule_script,
    rules_of,
    rules_script,
    runtime,
    translate,
)
from autograd.rule import RULE_FUNCTIONS
from autograd.trace import graph_nodes
from nn import seed

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

RELATIVE = 1e-12

# Numbers from the edges of float64 and of the ops' domains.
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300,
         1.7976931348623157e308, 1000.0, -1000.0, 709.8, -745.2, 30.0, -30.0, 20.0, 1e-8,
         math.inf, -math.inf, math.nan]  # fmt: skip

# JavaScript that passes floats in and out exactly, as the hex of their 64 bits.
BITS = """
function bits(x) {
  if (x === null || x === undefined) { return null; }
  if (typeof x === "boolean") { return x; }
  var view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}
function fromBits(h) {
  var view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + h));
  return view.getFloat64(0);
}
"""
READ_INPUT = 'var input = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));\n'


def to_bits(x: float) -> str:
    return struct.pack(">d", x).hex()


def from_bits(h: str | None) -> float | None:
    return None if h is None else float(struct.unpack(">d", bytes.fromhex(h))[0])


def run_node(tmp_path: Path, script: str, data: object) -> Any:
    """Runs ``script`` (after the runtime and :data:`BITS`) in Node with ``input`` = ``data``;
    returns what it prints, read as JSON."""
    assert NODE is not None
    (tmp_path / "script.js").write_text(runtime() + BITS + READ_INPUT + script, encoding="utf-8")
    (tmp_path / "input.json").write_text(json.dumps(data), encoding="utf-8")
    run = subprocess.run(
        [NODE, str(tmp_path / "script.js"), str(tmp_path / "input.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def agree(a: float | None, b: float | None) -> bool:
    """Equal to 1e-12 relative, with the same inf and nan pattern."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b or abs(a - b) <= RELATIVE * max(abs(a), abs(b))


def disagreements(found: Sequence[Any], expected: Sequence[Any], what: Sequence[str]) -> list[str]:
    return [
        f"{name}: JavaScript {js!r}, Python {py!r}"
        for js, py, name in zip(found, expected, what)
        if not (agree(js, py) if not isinstance(py, bool) else js is py)
    ]


# --- the translator ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_of_the_table_translates(name: str) -> None:
    script = rule_script(RULES[name])
    assert "forward: function" in script
    assert "grads: function" in script
    assert checked_for_html(script) == script


def test_the_whole_table_is_one_script_and_new_rules_come_from_the_table() -> None:
    script = rules_script()
    for name in RULES:
        assert f'"{name}": {{arity: {RULES[name].arity},' in script
    assert rules_script({"product": RULES["mul"]}).count("arity") == 1


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("x // y", "the operator FloorDiv"),
        ("x @ y", "the operator MatMult"),
        ("x & y", "the operator BitAnd"),
        ("~x", "the operator Invert"),
        ("x if x else y", "'x' where a comparison"),
        ("x + (x < y)", "'x < y' where a number"),
        ("not x", "'x' where a comparison"),
        ("x is y", "the comparison Is"),
        ("x in y", "the comparison In"),
        ("z * x", "the name 'z'"),
        ("exp", "the name 'exp'"),
        ("frexp(x)", "a call of 'frexp'"),
        ("x.real", "Attribute"),
        ("x[0]", "Subscript"),
        ("(lambda: x)()", "a call of"),
        ("'x'", "the constant 'x'"),
        ("1j * x", "the constant 1j"),
        ("exp(x, y)", "exp() with 2 argument(s) (it takes 1)"),
        ("maximum(x=x, y=y)", "keyword or starred"),
        ("9007199254740993 * x", "not exact as a float"),
        ("x +", "not a Python expression"),
    ],
)
def test_anything_else_fails_naming_the_rule_and_the_construct(text: str, construct: str) -> None:
    with pytest.raises(TranslationError, match="rule 'probe'") as raised:
        translate(text, rule="probe", names=("x", "y"))
    assert construct in str(raised.value)
    assert repr(text) in str(raised.value) or "not a Python expression" in str(raised.value)


def test_a_new_rule_that_does_not_translate_fails_the_table_loop() -> None:
    rule = Rule("halve_down", "x // 2.0", grads=("0.0",))  # Python compiles it; JS is not given
    assert rule.forward(5.0) == 2.0
    with pytest.raises(TranslationError, match=r"rule 'halve_down'.*FloorDiv"):
        rule_script(rule)


def test_translations_keep_python_meaning_where_javascript_differs() -> None:
    assert translate("x ** y", rule="r") == "rt.power(x, y)"
    assert translate("x % y", rule="r") == "rt.modulo(x, y)"
    assert translate("x == y", rule="r", kind="bool") == "(x === y)"
    assert translate("x != y", rule="r", kind="bool") == "(x !== y)"
    assert translate("0.0 < x < 1.0", rule="r", kind="bool") == "((0.0 < x) && (x < 1.0))"
    assert translate("float(y) == 0.0", rule="r", kind="bool") == "(y === 0.0)"
    assert translate("1e999 - x", rule="r") == "(Infinity - x)"
    assert translate("- -x", rule="r") == "(-(-x))"  # never "--x", a decrement


def test_generated_code_cannot_end_its_script() -> None:
    assert "< " in rules_script()
    assert "<!--" not in rules_script()
    with pytest.raises(ValueError, match="'</script'"):
        checked_for_html("var a = '</SCRIPT>';")


# --- the runtime in Node ----------------------------------------------------------------------

PYTHON_FUNCTIONS: dict[str, Callable[..., float]] = {
    **{name: getattr(numerics, name) for name in RULE_FUNCTIONS},
    "abs": abs,
}


@needs_node
def test_the_runtime_has_every_function_rule_text_may_call(tmp_path: Path) -> None:
    names = run_node(tmp_path, f"console.log(JSON.stringify(Object.keys({RUNTIME_NAME})));", {})
    assert set(PYTHON_FUNCTIONS) <= set(names)
    assert "div" in RULE_FUNCTIONS
    assert "sigmoid" in RULE_FUNCTIONS


def _python_call(function: Callable[..., float], arguments: tuple[float, ...]) -> float | str:
    try:
        return function(*arguments)
    except ArithmeticError:
        return "raises"


CALL_SCRIPT = f"""
var out = input.map(function (call) {{
  try {{
    return bits({RUNTIME_NAME}[call[0]].apply(null, call[1].map(fromBits)));
  }} catch (error) {{
    return "raises";
  }}
}});
console.log(JSON.stringify(out));
"""


def _compare_calls(tmp_path: Path, calls: list[tuple[str, tuple[float, ...]]]) -> list[str]:
    found = run_node(
        tmp_path, CALL_SCRIPT, [[name, [to_bits(a) for a in args]] for name, args in calls]
    )
    problems = []
    for (name, arguments), js in zip(calls, found):
        function = PYTHON_FUNCTIONS.get(name) or (lambda x, y: x % y)
        py = _python_call(function, arguments)
        same = js == py if isinstance(py, str) or js == "raises" else agree(from_bits(js), py)
        if not same:
            shown = js if js == "raises" else from_bits(js)
            problems.append(f"{name}{arguments}: JavaScript {shown!r}, Python {py!r}")
    return problems


@needs_node
def test_each_runtime_function_gives_the_number_numerics_gives(tmp_path: Path) -> None:
    calls: list[tuple[str, tuple[float, ...]]] = []
    rng = random.Random(12)
    ordinary = [rng.uniform(-10, 10) for _ in range(40)] + [
        rng.uniform(-800, 800) for _ in range(20)
    ]
    for name, function in PYTHON_FUNCTIONS.items():
        arity = 1 if name == "abs" else len(inspect.signature(function).parameters)
        if arity == 1:
            calls += [(name, (x,)) for x in EDGES + ordinary]
        else:
            calls += [(name, (x, y)) for x in EDGES for y in EDGES]
            calls += [(name, (x, y)) for x, y in zip(ordinary, reversed(ordinary))]
    assert _compare_calls(tmp_path, calls) == []


@needs_node
def test_modulo_is_pythons_percent(tmp_path: Path) -> None:
    calls = [("modulo", (x, y)) for x in [*EDGES, 7.0, -7.0, 5.5] for y in [*EDGES, 3.0, -3.0]]
    assert any(_python_call(lambda x, y: x % y, args) == "raises" for _, args in calls)
    assert _compare_calls(tmp_path, calls) == []


def _format_cases() -> list[float]:
    rng = random.Random(2026)
    values = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-300, -1e-300, 5e-324,
              2.2250738585072014e-308, 1.7976931348623157e308, 1e300, 1e16, 1e15, 123456789.0,
              0.0001, 0.00009999, 0.00001, 9.9995, 9.99949999, 99995.0, 0.00099995, 999950000.0,
              12.125, 0.125, 0.5, 1.5, 2.5, 0.1, 0.3, 1 / 3, 2 / 3, 100.0, 1000.0, 9999.0, 99999.0,
              0.6803, 0.2175, -0.19028349290764435]  # fmt: skip
    values += [(k + 0.5) * 2.0**-e for k in range(0, 200, 7) for e in (0, 1, 3, 5, 8)]  # ties
    values += [struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0] for _ in range(3000)]
    values += [rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 12) for _ in range(3000)]
    values += [round(rng.uniform(-100, 100), rng.randint(0, 5)) for _ in range(1000)]
    return values


@needs_node
def test_the_runtime_writes_numbers_as_python_writes_them(tmp_path: Path) -> None:
    values = _format_cases()
    precisions = [1, 2, 3, 4, 6, 8, 17]
    script = f"""
    var out = input.precisions.map(function (p) {{
      return input.values.map(function (h) {{ return {RUNTIME_NAME}.formatG(fromBits(h), p); }});
    }});
    console.log(JSON.stringify(out));
    """
    found = run_node(
        tmp_path, script, {"values": [to_bits(x) for x in values], "precisions": precisions}
    )
    wrong = [
        (x, p, js, format(x, f".{p}g"))
        for p, written in zip(precisions, found)
        for x, js in zip(values, written)
        if js != format(x, f".{p}g")
    ]
    assert wrong == []
    assert len(values) * len(precisions) > 50_000


# --- rules and graph programs in Node ---------------------------------------------------------


def _points(rule: Rule) -> list[tuple[float, ...]]:
    if rule.arity == 1:
        return [(x,) for x in EDGES] + list(rule.domain)
    return [(x, y) for x in EDGES for y in EDGES] + list(rule.domain)


def _python_rule(rule: Rule, point: tuple[float, ...]) -> list[Any]:
    """What the engine records for the rule at ``point``: value, local derivatives, masks."""
    try:
        value = rule.forward(*point)
    except ArithmeticError:
        value = rule.forward_ieee(*point)
    try:
        grads = rule.local_grads(*point, value)
    except ArithmeticError:
        grads = rule.local_grads_ieee(*point, value)
    return [value, *grads, *rule.masks(*point, value)]


@needs_node
def test_every_rule_gives_pythons_value_derivatives_and_masks(tmp_path: Path) -> None:
    cases = [(name, point) for name, rule in RULES.items() for point in _points(rule)]
    script = f"""
    var rules = {rules_script()};
    var out = input.map(function (c) {{
      var rule = rules[c[0]], x = c[1].map(fromBits);
      var value = rule.forward.apply(null, x), args = x.concat([value]);
      var grads = rule.grads.apply(null, args).map(bits);
      return [bits(value)].concat(grads, rule.masks.apply(null, args));
    }});
    console.log(JSON.stringify(out));
    """
    found = run_node(
        tmp_path, script, [[name, [to_bits(x) for x in point]] for name, point in cases]
    )
    problems = []
    for (name, point), js in zip(cases, found):
        expected = _python_rule(RULES[name], point)
        decoded = [v if isinstance(v, bool) else from_bits(v) for v in js]
        labels = [
            f"{name}{point} {part}" for part in ["value", "dx", "dy"][: 1 + RULES[name].arity]
        ]
        labels += [f"{name}{point} mask{i}" for i in range(RULES[name].arity)]
        problems += disagreements(decoded, expected, labels)
    assert problems == []
    assert len(cases) > 5000


PROGRAM_SCRIPT = f"""
var rules = {rules_script()};
var out = input.map(function (c) {{
  var leaves = c.leaves.map(function (h) {{ return h === null ? null : fromBits(h); }});
  var result = {RUNTIME_NAME}.run(c.program, rules, leaves);
  return {{data: result.data.map(bits), grads: result.grads.map(bits)}};
}});
console.log(JSON.stringify(out));
"""


def _engine(root: Value) -> tuple[list[float], list[float | None]]:
    """Every node's data and, after ``root.backward()``, grad (None for a Constant)."""
    nodes = graph_nodes(root)
    root.backward()
    return [v.data for v in nodes], [None if isinstance(v, Constant) else v.grad for v in nodes]


def _compare_programs(
    tmp_path: Path, cases: list[tuple[Value, Callable[[], Value]]]
) -> tuple[list[str], int]:
    """For each (graph, rebuild): the program of ``graph`` run in Node on the leaves of a fresh
    ``rebuild()`` (the same program at other numbers, or the same) against the engine's pass
    over that fresh graph. Returns the disagreements and how many numbers were compared."""
    inputs = []
    expected = []
    for graph, rebuild in cases:
        nodes, data = program(graph)
        fresh = rebuild()
        fresh_nodes = graph_nodes(fresh)
        assert [v.op for v in fresh_nodes] == [v.op for v in nodes]  # the same program
        leaves = [None if v.parents else to_bits(v.data) for v in fresh_nodes]
        inputs.append({"program": data, "leaves": leaves})
        expected.append(_engine(fresh))
    found = run_node(tmp_path, PROGRAM_SCRIPT, inputs)
    problems = []
    compared = 0
    for case, (data, grads), js in zip(range(len(cases)), expected, found):
        js_data = [from_bits(h) for h in js["data"]]
        js_grads = [from_bits(h) for h in js["grads"]]
        what = [f"graph {case} node {i}" for i in range(len(data))]
        problems += disagreements(js_data, data, [f"{w} data" for w in what])
        problems += disagreements(js_grads, grads, [f"{w} grad" for w in what])
        compared += len(data) + len(grads)
    return problems, compared


def _op_graph(name: str, point: tuple[float, ...], upstream: float | None, twice: bool) -> Value:
    """op(x[, y]) (op(x, x) if ``twice``), times a leaf ``upstream``, which then is the op's
    upstream gradient: inf or nan there brings in the masked zeros."""
    x = Value(point[0], label="x")
    operands = [x, x] if twice else [x, *(Value(p, label="y") for p in point[1:])]
    out = apply(RULES[name], *operands)
    return out if upstream is None else out * Value(upstream, label="u")


@needs_node
def test_every_rule_as_a_graph_gives_the_engines_data_and_grads(tmp_path: Path) -> None:
    cases: list[tuple[Value, Callable[[], Value]]] = []
    for name, rule in RULES.items():
        for point in _points(rule):
            for upstream in (None, -3.0, math.inf, math.nan):

                def build(
                    n: str = name, p: tuple[float, ...] = point, u: float | None = upstream
                ) -> Value:
                    return _op_graph(n, p, u, twice=False)

                cases.append((build(), build))
        if rule.arity == 2:
            for x in EDGES:
                for upstream in (None, math.inf):

                    def build_twice(
                        n: str = name, p: float = x, u: float | None = upstream
                    ) -> Value:
                        return _op_graph(n, (p, p), u, twice=True)

                    cases.append((build_twice(), build_twice))
    problems, compared = _compare_programs(tmp_path, cases)
    assert problems == []
    assert compared > 100_000


@needs_node
def test_random_graphs_recomputed_at_other_inputs_give_the_engines_numbers(tmp_path: Path) -> None:
    rng = random.Random(20261201)
    cases: list[tuple[Value, Callable[[], Value]]] = []
    for n_steps in [4, 8, 12, 20, 30] * 12:
        recipe = random_program(rng, n_inputs=3, n_steps=n_steps)
        first = [rng.uniform(-2, 2) for _ in range(3)]
        edited = [rng.uniform(-2, 2) for _ in range(3)]

        def build(numbers: list[float], recipe: Any = recipe) -> Value:
            inputs = [Value(x, label=f"x{i}") for i, x in enumerate(numbers)]
            slots = recipe.run(inputs, VALUE_BACKEND)
            total = slots[-1]
            for slot in slots[len(inputs) : -1]:  # every step in the graph, not only the last's
                total = total + slot
            return total  # type: ignore[no-any-return]

        cases.append((build(first), lambda b=build, n=first: b(n)))  # as recorded
        cases.append((build(first), lambda b=build, n=edited: b(n)))  # edited
    problems, compared = _compare_programs(tmp_path, cases)
    assert problems == []
    assert compared > 10_000


@needs_node
def test_the_seed_network_gives_the_documents_numbers_and_edits_like_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = seed.loss_graph()
    nodes, data = program(recorded)
    names = [v.label for v in nodes]

    def fresh(y1: float, w13: float) -> Value:
        monkeypatch.setattr(seed, "INPUTS", (y1, seed.INPUTS[1]))
        model = seed.network()
        model.parameters()[0].data = w13
        return seed.loss_graph(model)

    edits = [(0.35, 0.1), (0.7, 0.1), (0.35, -2.5), (-1e3, 40.0)]
    graphs = [(seed.loss_graph(), lambda y1=y1, w13=w13: fresh(y1, w13)) for y1, w13 in edits]
    problems, _ = _compare_programs(tmp_path, graphs)
    assert problems == []

    # The document's first step, and its hand-derived gradient at an edited input, in plain
    # floats: dE/dw13 = (y5 - ya) f'(z5) w35 f'(z3) y1.
    leaves = [None if v.parents else to_bits(v.data) for v in nodes]
    leaves[names.index("y1")] = to_bits(0.7)
    found = run_node(
        tmp_path,
        PROGRAM_SCRIPT,
        [
            {"program": data, "leaves": [None if v.parents else to_bits(v.data) for v in nodes]},
            {"program": data, "leaves": leaves},
        ],
    )
    document = dict(zip(names, (from_bits(h) for h in found[0]["data"])))
    assert document["y5"] == 0.6902834929076443
    assert document["E"] == 0.01810390383656677
    f = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    w, y1, y2 = seed.WEIGHTS, 0.7, seed.INPUTS[1]
    y3, y4 = f(w["w13"] * y1 + w["w23"] * y2), f(w["w14"] * y1 + w["w24"] * y2)
    y5 = f(w["w35"] * y3 + w["w45"] * y4)
    by_hand = (y5 - 0.5) * y5 * (1 - y5) * w["w35"] * y3 * (1 - y3) * y1
    edited_grads = dict(zip(names, (from_bits(h) for h in found[1]["grads"])))
    assert math.isclose(edited_grads["w13"], by_hand, rel_tol=1e-12)
    assert edited_grads["w13"] != from_bits(found[0]["grads"][names.index("w13")])


@needs_node
def test_a_program_script_runs_alone_and_leaf_grads_start_where_backward_starts(
    tmp_path: Path,
) -> None:
    x = Value(0.5, label="x")
    x.grad = 2.0  # a leaf's grad accumulates: the program starts it where backward would
    y = x * x + x.sin()
    script = (
        program_script(y)
        + BITS
        + f"""
    var p = chainruleProgram, runtime = {RUNTIME_NAME};
    var r = runtime.run(p.program, p.rules, runtime.recorded(p.program));
    console.log(JSON.stringify(r.grads.map(bits)));
    """
    )
    (tmp_path / "alone.js").write_text(script, encoding="utf-8")
    assert NODE is not None
    run = subprocess.run(
        [NODE, str(tmp_path / "alone.js")], capture_output=True, text=True, check=True
    )
    grads = [from_bits(h) for h in json.loads(run.stdout)]
    nodes = graph_nodes(y)
    y.backward()
    assert grads == [v.grad for v in nodes]
    assert x.grad == 2.0 + 2 * 0.5 + math.cos(0.5)


SOFTSIGN = Rule(
    "softsign", "x / (1.0 + abs(x))", grads=("1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))",)
)
DOUBLED = Rule("mul", "2.0 * x * y", grads=("2.0 * y", "2.0 * x"))  # not the table's mul


@needs_node
def test_rules_made_outside_the_table_run_their_own_text(tmp_path: Path) -> None:
    def build() -> Value:
        x, y = Value(0.3, label="x"), Value(-2.0, label="y")
        return apply(DOUBLED, apply(SOFTSIGN, x) * y, x)  # the table's mul, then DOUBLED

    nodes, _ = program(build())
    keys = {rule.name + " " + rule.value: key for rule, key in rules_of(nodes).items()}
    assert keys == {"softsign x / (1.0 + abs(x))": "softsign", "mul x * y": "mul",
                    "mul 2.0 * x * y": "mul#2"}  # fmt: skip
    script = (
        program_script(build())
        + BITS
        + f"""
    var p = chainruleProgram, runtime = {RUNTIME_NAME};
    var r = runtime.run(p.program, p.rules, runtime.recorded(p.program));
    console.log(JSON.stringify([r.data.map(bits), r.grads.map(bits)]));
    """
    )
    (tmp_path / "custom.js").write_text(script, encoding="utf-8")
    assert NODE is not None
    run = subprocess.run([NODE, str(tmp_path / "custom.js")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    found_data, found_grads = json.loads(run.stdout)
    data_expected, grads_expected = _engine(build())
    assert [from_bits(h) for h in found_data] == data_expected
    assert [from_bits(h) for h in found_grads] == grads_expected
