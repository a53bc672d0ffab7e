"""Rule text as JavaScript, and a graph as a JavaScript program that recomputes it.

:func:`translate` turns one piece of rule text (``0.0 if out <= 0.0 else 1.0``) into a
JavaScript expression with the same float semantics, by walking its Python ``ast``. It takes
exactly the syntax the rule table uses: numbers, the names ``x``, ``y`` and ``out``, ``+ - * /``,
unary minus, comparisons (chained too), ``and``/``or``/``not`` over comparisons, ``a if test
else b``, and calls of the functions of :mod:`autograd.numerics` and ``abs``; ``**`` and ``%``
become calls with Python's meaning. Anything else raises :class:`TranslationError`, naming the
rule and the construct, so a new op either translates or fails the test that loops over the
table.

Where JavaScript's floats differ from Python's, the translation follows the rule text's IEEE
compilation (``Rule.local_grads_ieee``): ``/`` is IEEE division in both (``1 / 0 = inf``,
``0 / 0 = nan``); ``power`` is C99 ``pow`` (``1 ** nan = 1``, where ``Math.pow`` gives nan);
``%`` takes the sign of the divisor and raises for a zero divisor, as Python's does; a test of
``a if test else b`` must be a comparison (Python and JavaScript disagree about the truth of
nan). The functions live in ``runtime.js`` beside this file.

:func:`program` writes a graph as data, each node after its inputs, with the order of the
engine's backward pass; the runtime's ``run`` recomputes every node's data from the leaves'
numbers (the forward pass) and every gradient (the backward pass), summing as
:func:`autograd.graph.chain_rule` sums, masked zeros included.
"""

from __future__ import annotations

import ast
import inspect
import json
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Literal

from autograd import numerics
from autograd.graph import start_as_backward, topological_order
from autograd.ops import RULES
from autograd.rule import RULE_FUNCTIONS, Rule, float_text, mask_text
from autograd.trace import graph_nodes
from autograd.value import Constant, Value

Kind = Literal["number", "bool"]

RUNTIME_NAME = "chainruleRuntime"
"""The JavaScript global that ``runtime.js`` defines."""

_RUNTIME = "rt"  # what generated rule code calls the runtime
_ARITIES = {
    **{name: len(inspect.signature(getattr(numerics, name)).parameters) for name in RULE_FUNCTIONS},
    "abs": 1,
}
"""Every function rule text may call, with its number of arguments."""
_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "===",
                ast.NotEq: "!=="}  # fmt: skip
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_LARGEST_EXACT_INT = 2**53


class TranslationError(ValueError):
    """Rule text that cannot be written as JavaScript with the same meaning."""


def runtime() -> str:
    """The JavaScript runtime (``runtime.js``): the numerics functions, Python's ``%`` and
    ``%g``, and the passes of a program. It defines the global ``chainruleRuntime``."""
    return resources.files("autograd").joinpath("runtime.js").read_text("utf-8")


class _Translator:
    """Writes one piece of rule text as a fully bracketed JavaScript expression."""

    def __init__(self, rule: str, text: str, names: Iterable[str]) -> None:
        self.rule = rule
        self.text = text
        self.names = set(names)

    def fail(self, construct: str) -> TranslationError:
        return TranslationError(
            f"rule {self.rule!r}: cannot translate {construct} to JavaScript in {self.text!r}; "
            "rule text may use numbers, the names x, y and out, + - * / ** %, comparisons, "
            "and/or/not over comparisons, 'a if comparison else b', and calls of "
            f"{', '.join(sorted(_ARITIES))}"
        )

    def expect(self, node: ast.expr, kind: Kind) -> str:
        code, found = self.visit(node)
        if found != kind:
            what = "a number" if kind == "number" else "a comparison (true or false)"
            raise self.fail(f"{ast.unparse(node)!r} where {what} belongs")
        return code

    def visit(self, node: ast.expr) -> tuple[str, Kind]:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return node.id, "number"
            raise self.fail(f"the name {node.id!r}")
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return f"(-{self.expect(node.operand, 'number')})", "number"
            if isinstance(node.op, ast.UAdd):
                return f"(+{self.expect(node.operand, 'number')})", "number"
            if isinstance(node.op, ast.Not):
                return f"(!{self.expect(node.operand, 'bool')})", "bool"
            raise self.fail(f"the operator {type(node.op).__name__}")
        if isinstance(node, ast.BinOp):
            return self.binary(node), "number"
        if isinstance(node, ast.BoolOp):
            joint = " && " if isinstance(node.op, ast.And) else " || "
            return f"({joint.join(self.expect(value, 'bool') for value in node.values)})", "bool"
        if isinstance(node, ast.Compare):
            return self.compare(node), "bool"
        if isinstance(node, ast.IfExp):
            test = self.expect(node.test, "bool")
            body, kind = self.visit(node.body)
            orelse = self.expect(node.orelse, kind)
            return f"({test} ? {body} : {orelse})", kind
        if isinstance(node, ast.Call):
            return self.call(node), "number"
        raise self.fail(f"{type(node).__name__} ({ast.unparse(node)!r})")

    def constant(self, node: ast.Constant) -> tuple[str, Kind]:
        value = node.value
        if isinstance(value, bool):
            return ("true" if value else "false"), "bool"
        if isinstance(value, int) and abs(value) > _LARGEST_EXACT_INT:
            raise self.fail(f"the integer {value} (not exact as a float)")
        if isinstance(value, (int, float)):
            number = float(value)
            if math.isinf(number):
                return "Infinity", "number"
            return repr(number), "number"
        raise self.fail(f"the constant {value!r}")

    def binary(self, node: ast.BinOp) -> str:
        left = self.expect(node.left, "number")
        right = self.expect(node.right, "number")
        if isinstance(node.op, ast.Pow):
            return f"{_RUNTIME}.power({left}, {right})"
        if isinstance(node.op, ast.Mod):
            return f"{_RUNTIME}.modulo({left}, {right})"
        symbol = _ARITHMETIC.get(type(node.op))
        if symbol is None:
            raise self.fail(f"the operator {type(node.op).__name__}")
        return f"({left} {symbol} {right})"

    def compare(self, node: ast.Compare) -> str:
        operands = [self.expect(node.left, "number")]
        operands += [self.expect(operand, "number") for operand in node.comparators]
        parts = []
        for position, operator in enumerate(node.ops):
            symbol = _COMPARISONS.get(type(operator))
            if symbol is None:
                raise self.fail(f"the comparison {type(operator).__name__}")
            parts.append(f"({operands[position]} {symbol} {operands[position + 1]})")
        return parts[0] if len(parts) == 1 else f"({' && '.join(parts)})"

    def call(self, node: ast.Call) -> str:
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function not in _ARITIES:
            raise self.fail(f"a call of {ast.unparse(node.func)!r}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"keyword or starred arguments in {ast.unparse(node)!r}")
        if len(node.args) != _ARITIES[function]:
            raise self.fail(
                f"{function}() with {len(node.args)} argument(s) (it takes {_ARITIES[function]})"
            )
        arguments = ", ".join(self.expect(argument, "number") for argument in node.args)
        return f"{_RUNTIME}.{function}({arguments})"


def translate(
    text: str, *, rule: str, names: Iterable[str] = ("x", "y", "out"), kind: Kind = "number"
) -> str:
    """Rule text as a JavaScript expression over ``names``, calling the runtime as ``rt``;
    ``float(a)`` is ``a`` (on floats it is the identity). ``kind`` is what the text must give:
    a number (a value, a derivative) or true/false (a mask).

    Examples:
        >>> translate("0.0 if out <= 0.0 else 1.0", rule="relu")
        '((out <= 0.0) ? 0.0 : 1.0)'
        >>> translate("-out / y", rule="div")
        '((-out) / y)'
        >>> translate("x // y", rule="floor")
        Traceback (most recent call last):
        ...
        autograd.javascript.TranslationError: rule 'floor': cannot translate the operator ...
    """
    translator = _Translator(rule, text, names)
    try:
        tree = ast.parse(float_text(text), mode="eval")
    except SyntaxError as error:
        raise translator.fail(f"text that is not a Python expression ({error.msg})") from None
    return translator.expect(tree.body, kind)


def rule_script(rule: Rule) -> str:
    """One rule as a JavaScript object: ``forward(x[, y])``, ``grads(x[, y], out)`` (a list,
    in input order), ``masks(x[, y], out)`` (whether each derivative is a masked zero there),
    ``maskable``, all from the rule's own text, as :class:`autograd.rule.Rule` compiles it."""
    inputs = list(rule.inputs)
    params = ", ".join(inputs)
    value = translate(rule.value, rule=rule.name, names=inputs)
    grads = ", ".join(
        translate(text, rule=rule.name, names=[*inputs, "out"]) for text in rule.grads
    )
    masks = ", ".join(
        translate(mask or "False", rule=rule.name, names=[*inputs, "out"], kind="bool")
        for mask in map(mask_text, rule.grads)
    )
    return (
        f"{{arity: {rule.arity}, maskable: {'true' if rule.maskable else 'false'},\n"
        f"    forward: function ({params}) {{ return {value}; }},\n"
        f"    grads: function ({params}, out) {{ return [{grads}]; }},\n"
        f"    masks: function ({params}, out) {{ return [{masks}]; }}}}"
    )


def rules_script(rules: Mapping[str, Rule] | None = None) -> str:
    """Rules as a JavaScript expression: an object of :func:`rule_script` objects by key,
    calling the runtime; by default the whole table, by rule name."""
    chosen = RULES if rules is None else rules
    entries = ",\n  ".join(
        f"{json.dumps(key)}: {rule_script(rule)}" for key, rule in chosen.items()
    )
    return f"(function ({_RUNTIME}) {{\n  return {{\n  {entries}\n  }};\n}})({RUNTIME_NAME})"


def rules_of(nodes: Iterable[Value]) -> dict[Rule, str]:
    """A key for each rule that made one of ``nodes``, in order of first use: its name, or, for
    a second rule of the same name (one made outside the table), the name and a number, so no
    node runs another rule's text."""
    keys: dict[Rule, str] = {}
    taken: set[str] = set()
    for node in nodes:
        rule = node.rule
        if rule is None or rule in keys:
            continue
        key, count = rule.name, 1
        while key in taken:
            count += 1
            key = f"{rule.name}#{count}"
        keys[rule] = key
        taken.add(key)
    return keys


def _json_number(x: float) -> float | str:
    """``x`` for JSON, which has no inf or nan: those as ``repr`` writes them."""
    return x if math.isfinite(x) else repr(x)


def program(root: Value) -> tuple[list[Value], dict[str, object]]:
    """The graph of ``root`` as a program, and its nodes (:func:`autograd.trace.graph_nodes`),
    each node being its position in that list.

    The program is JSON data for the runtime's ``run``:

    - ``ops``: the key of each node's rule in :func:`rules_of` (its name, for a rule of the
      table); None for a leaf;
    - ``inputs``: the positions of each node's inputs;
    - ``constant``: whether it is a Constant, which takes no gradient;
    - ``data``: each leaf's number; None for a node made by an op;
    - ``start``: what its gradient's sum starts from, as
      :func:`autograd.graph.start_as_backward` says now: 0 for a node made by an op, what a
      leaf's grad holds; None for a Constant;
    - ``order``: the nodes that pass gradients on, in the order of the engine's backward pass;
    - ``root``: the root's position.

    inf and nan are written as the strings ``"inf"``, ``"-inf"`` and ``"nan"``.
    """
    nodes = graph_nodes(root)
    position = {node: index for index, node in enumerate(nodes)}
    keys = rules_of(nodes)
    data: dict[str, object] = {
        "ops": [None if node.rule is None else keys[node.rule] for node in nodes],
        "inputs": [[position[parent] for parent in node.parents] for node in nodes],
        "constant": [isinstance(node, Constant) for node in nodes],
        "data": [None if node.parents else _json_number(node.data) for node in nodes],
        "start": [
            None if isinstance(node, Constant) else _json_number(start_as_backward(node))
            for node in nodes
        ],
        "order": [position[node] for node in reversed(topological_order(root))],
        "root": position[root],
    }
    return nodes, data


def program_script(root: Value, variable: str = "chainruleProgram") -> str:
    """A whole JavaScript program for ``root``'s graph: the runtime, the rules it uses and
    ``var <variable> = {program, rules}``. ``chainruleRuntime.run(p.program, p.rules, leaves)``
    then recomputes it from the leaves' numbers (``chainruleRuntime.recorded(p.program)`` gives
    the recorded ones)."""
    nodes, data = program(root)
    rules = {key: rule for rule, key in rules_of(nodes).items()}
    return (
        f"{runtime()}\nvar {variable} = {{program: {script_json(data)}, "
        f"rules: {rules_script(rules)}}};\n"
    )


def script_json(data: object) -> str:
    """``data`` as JSON that is safe inside an HTML ``<script>``: ``<``, ``>`` and ``&`` are
    written as escapes, so a label holding ``</script>`` ends nothing."""
    text = json.dumps(
        data, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def checked_for_html(script: str) -> str:
    """``script`` as it may stand inside an HTML ``<script>`` element; raises ValueError where
    it holds ``</script`` or ``<!--`` (generated code never should: comparisons are written
    with a space after ``<``)."""
    lowered = script.lower()
    for bad in ("</script", "<!--"):
        if bad in lowered:
            raise ValueError(f"generated JavaScript holds {bad!r}, which would end its script")
    return script
