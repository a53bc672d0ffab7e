"""An op rule: a primitive's forward value and local derivatives, written once as expressions.

A rule is text such as ``Rule("mul", "x * y", grads=("y", "x"))``: the output and the partial
derivative of the output with respect to each input, in ordinary arithmetic over the inputs
``x`` (and ``y``) and the output ``out``. The text is compiled here for floats, twice:

- ``forward`` / ``local_grads``: the fast path (where ``float(a)``, written for Values, is ``a``);
- ``forward_ieee`` / ``local_grads_ieee``: with ``/`` replaced by the IEEE division of
  :mod:`autograd.numerics`, used when the fast path raises (``1 / 0.0`` gives ``inf``, not
  ``ZeroDivisionError``).

:func:`compile_grads` compiles the same text for any other namespace: :mod:`autograd.higher`
runs it on Values, so a derivative is itself differentiable. Names such as ``exp`` or ``power``
are the functions of :mod:`autograd.numerics` on floats. ``**`` is not allowed: on floats it can
return a complex number, so rules write ``power(x, y)``.

**Masked zeros.** A derivative written ``0.0 if condition else expression`` is *zero by the
rule's convention* where the condition holds (relu below 0, the base of ``pow`` at exponent 0).
As PyTorch's ``where``, such a zero contributes exactly 0 to the chain rule even when the
upstream gradient is inf or nan, where ``0 * inf`` would be nan: the chain rule multiplies the
upstream gradient into each branch (:func:`contribution_text`), and a literal 0 stays 0.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Mapping
from typing import Any

from autograd import numerics
from autograd.generated import compile_generated

FloatFunction = Callable[..., float]
GradsFunction = Callable[..., tuple[Any, ...]]
MasksFunction = Callable[..., tuple[bool, ...]]

RULE_FUNCTIONS = tuple(
    name
    for name, function in vars(numerics).items()
    if callable(function) and getattr(function, "__module__", "") == numerics.__name__
    and not name.startswith("_")
)  # fmt: skip
"""The functions rule text may call, by name: those of :mod:`autograd.numerics`."""

FLOAT_NAMESPACE: dict[str, object] = {name: getattr(numerics, name) for name in RULE_FUNCTIONS}
"""What rule text's names mean on floats."""
_IEEE_NAMESPACE: dict[str, object] = {**FLOAT_NAMESPACE, "_ieee_div": numerics.div}
_INPUT_NAMES = ("x", "y")


class DivisionToIEEE(ast.NodeTransformer):
    """Rewrites ``a / b`` as ``_ieee_div(a, b)``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            call = ast.Call(ast.Name("_ieee_div", ast.Load()), [node.left, node.right], [])
            return ast.copy_location(call, node)
        return node


class _FloatCallsRemoved(ast.NodeTransformer):
    """Rewrites ``float(a)`` as ``a``: rule text calls float() to compare a Value's number
    (``float(y) == 0.0``), and on floats it is the identity, which costs a call."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1:
            return node.args[0]
        return node


class _ComparedAsNumbers(ast.NodeTransformer):
    """Rewrites each operand of a comparison ``a < b`` as ``float(a)``: on Values, rule text
    compares their numbers (a Value defines no ``<``)."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _float_of(node.left)
        node.comparators = [_float_of(operand) for operand in node.comparators]
        return node


def _float_of(expression: ast.expr) -> ast.expr:
    return ast.Call(ast.Name("float", ast.Load()), [expression], [])


def float_text(text: str) -> str:
    """Rule text as it runs on floats: with ``float(a)`` written ``a``."""
    return ast.unparse(_FloatCallsRemoved().visit(ast.parse(text, mode="eval")))


def _is_zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == 0


def _mask(node: ast.expr) -> ast.expr | None:
    """An expression true where the derivative ``node`` is a masked zero; None if it never is."""
    if _is_zero(node):
        return ast.Constant(True)
    if isinstance(node, ast.IfExp):
        body, orelse = _mask(node.body), _mask(node.orelse)
        if body is None and orelse is None:
            return None
        return ast.IfExp(node.test, body or ast.Constant(False), orelse or ast.Constant(False))
    return None


def mask_text(grad: str) -> str | None:
    """Where the derivative ``grad`` is zero by the rule's convention, as a condition on ``x``,
    ``y`` and ``out``; None where it never is.

    Examples:
        >>> mask_text("0.0 if out <= 0.0 else 1.0")
        'True if out <= 0.0 else False'
        >>> print(mask_text("y"))
        None
    """
    mask = _mask(ast.parse(float_text(grad), mode="eval").body)
    return None if mask is None else ast.unparse(mask)


def contribution_text(grad: str, upstream: str) -> str:
    """The chain rule's ``local derivative * upstream`` for the derivative text ``grad``, with
    the upstream gradient multiplied into each branch, so a masked zero stays exactly 0.

    Examples:
        >>> contribution_text("0.0 if y == 0.0 else y * x", "g")
        '0.0 if y == 0.0 else y * x * g'
        >>> contribution_text("x + y", "g")
        '(x + y) * g'
    """

    def scaled(node: ast.expr) -> ast.expr:
        if _is_zero(node):
            return ast.Constant(0.0)
        if isinstance(node, ast.IfExp):
            return ast.IfExp(node.test, scaled(node.body), scaled(node.orelse))
        return ast.BinOp(node, ast.Mult(), ast.Name(upstream, ast.Load()))

    return ast.unparse(scaled(ast.parse(float_text(grad), mode="eval").body))


def _evaluate(expression: ast.expr, point: Mapping[str, float]) -> float:
    """A piece of float rule text at ``point``, with IEEE division (it never raises for 0)."""
    tree = DivisionToIEEE().visit(ast.Expression(copy.deepcopy(expression)))
    code = compile(ast.fix_missing_locations(tree), "<rule text>", "eval")
    return float(eval(code, dict(_IEEE_NAMESPACE), dict(point)))  # noqa: S307 - our own rule text


class _BranchesDecided(ast.NodeTransformer):
    """Rewrites each ``a if test else b`` as the branch that ``point`` takes."""

    def __init__(self, point: Mapping[str, float]) -> None:
        self.point = point

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        branch = node.body if _evaluate(node.test, self.point) else node.orelse
        return self.visit(branch)  # type: ignore[no-any-return]


def _word(text: str, alone: bool, number: bool = False) -> ast.expr:
    """``text`` as a name in written math; bracketed inside an operation if it is a negative
    number or a name that holds an operator or a space (``1 - (-0.5)``, ``2 * (w35*y3)``)."""
    compound = text.startswith("-") if number else any(c in text for c in " +-*/^·()")
    return ast.Name(f"({text})" if compound and not alone else text, ast.Load())


class _Written(ast.NodeTransformer):
    """Rewrites the names ``x``, ``y``, ``out`` and the numbers of rule text as the words given
    for them; a function's arguments stand alone, as does the whole expression."""

    def __init__(self, words: Mapping[str, str], write: Callable[[float], str]) -> None:
        self.words = words
        self.write = write

    def text(self, node: ast.expr, alone: bool) -> ast.expr:
        if isinstance(node, ast.Name) and node.id in self.words:
            return _word(self.words[node.id], alone)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return _word(self.write(float(node.value)), alone, number=True)
        return self.visit(node)  # type: ignore[no-any-return]

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.text(node, alone=False)

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        return self.text(node, alone=False)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        node.args = [self.text(argument, alone=True) for argument in node.args]
        return node  # the function's own name stays


def _with_numbers(
    node: ast.expr, point: Mapping[str, float], write: Callable[[float], str]
) -> ast.expr | None:
    """``node`` with each operand of its outermost operation (through any unary minus) as a
    number, evaluated where it is an expression; None for a lone name or number."""

    def number(operand: ast.expr, alone: bool) -> ast.expr:
        return _word(write(_evaluate(operand, point)), alone, number=True)

    if isinstance(node, ast.UnaryOp):
        inner = _with_numbers(node.operand, point, write)
        return None if inner is None else ast.UnaryOp(node.op, inner)
    if isinstance(node, ast.BinOp):
        return ast.BinOp(number(node.left, False), node.op, number(node.right, False))
    if isinstance(node, ast.Call):
        arguments = [number(argument, True) for argument in node.args]
        return ast.Call(node.func, arguments, [])
    return None


def _worked(
    text: str, point: Mapping[str, float], words: Mapping[str, str], write: Callable[[float], str]
) -> tuple[str, str | None]:
    """Rule text worked at a point: see :func:`worked_derivative`, which it is, for any text."""
    body = ast.parse(float_text(text), mode="eval").body
    try:
        body = _BranchesDecided(point).visit(copy.deepcopy(body))
        with_numbers = _with_numbers(body, point, write)
    except ArithmeticError:
        with_numbers = None
    with_names = _Written(words, write).text(copy.deepcopy(body), alone=True)
    return ast.unparse(with_names), None if with_numbers is None else ast.unparse(with_numbers)


def worked_derivative(
    grad: str, point: Mapping[str, float], words: Mapping[str, str], write: Callable[[float], str]
) -> tuple[str, str | None]:
    """The derivative text ``grad`` worked at a point, for a reader: each ``a if test else b``
    decided at ``point`` (the numbers of ``x``, ``y`` and ``out``), then written twice, once
    with the ``words`` for x, y and out (their names), once with each operand of the outermost
    operation as a number (``write`` writes a number). The second is None where it would only
    repeat the first (a lone name or number) or where an operand cannot be evaluated.

    Examples:
        >>> write = "{:.4g}".format
        >>> sigmoid = "out * (1.0 - out)"
        >>> worked_derivative(sigmoid, {"x": 0.755, "out": 0.6803}, {"x": "z3", "out": "y3"}, write)
        ('y3 * (1 - y3)', '0.6803 * 0.3197')
        >>> relu = "0.0 if out <= 0.0 else 1.0"
        >>> worked_derivative(relu, {"x": -2.0, "out": 0.0}, {"x": "a", "out": "r"}, write)
        ('0', None)
    """
    return _worked(grad, point, words, write)


def worked_value(
    value: str, point: Mapping[str, float], words: Mapping[str, str], write: Callable[[float], str]
) -> tuple[str, str | None]:
    """The value text of a rule (``Rule.value``) worked at the inputs ``point`` (the numbers of
    ``x`` and ``y``), as :func:`worked_derivative` works a derivative: once with the ``words``
    for the inputs, once with each operand of the outermost operation as a number; the second
    None where it would only repeat the first. A name that holds an operator is bracketed.

    Examples:
        >>> write = "{:.4g}".format
        >>> worked_value("x + y", {"x": 0.035, "y": 0.72}, {"x": "w13*y1", "y": "w23*y2"}, write)
        ('(w13*y1) + (w23*y2)', '0.035 + 0.72')
        >>> worked_value("sigmoid(x)", {"x": 0.755}, {"x": "z3"}, write)
        ('sigmoid(z3)', 'sigmoid(0.755)')
        >>> worked_value("0.0 if x <= 0.0 else x", {"x": -2.0}, {"x": "a"}, write)
        ('0', None)
    """
    return _worked(value, point, words, write)


def _check_text(name: str, text: str, allowed: set[str]) -> None:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            raise ValueError(f"rule {name!r}: write power(a, b) instead of a ** b in {text!r}")
        if isinstance(node, ast.Name) and node.id not in allowed:
            raise ValueError(f"rule {name!r}: unknown name {node.id!r} in {text!r}")


def _lambda(
    name: str, params: str, body: str, namespace: dict[str, object], ieee: bool = False
) -> Any:
    tree = ast.parse(f"lambda {params}: {body}", mode="eval")
    if ieee:
        tree = DivisionToIEEE().visit(tree)
    code = compile_generated(tree, f"rule {name}", "eval")
    return eval(code, dict(namespace))  # noqa: S307 - our own rule text


def compile_grads(rule: Rule, namespace: dict[str, object]) -> GradsFunction:
    """The rule's local derivatives as a function of ``(x[, y], out)`` whose names (``exp``,
    ``power``, ...) mean what ``namespace`` says: :mod:`autograd.higher` passes the functions
    that work on Values."""
    params = ", ".join(rule.inputs)
    grads = _ComparedAsNumbers().visit(ast.parse(f"({', '.join(rule.grads)},)", mode="eval"))
    body = ast.unparse(ast.fix_missing_locations(grads))
    return _lambda(rule.name, f"{params}, out", body, namespace)  # type: ignore[no-any-return]


class Rule:
    """One primitive op: its name, its value and the local derivative of each input, and how
    it meets the user (method names, free function, docs) and the tests (oracles and a domain).

    - ``methods``: the ``Value`` methods that apply it; for two inputs, the first takes
      ``(self, other)`` and a second, reflected one takes ``(other, self)``.
    - ``function``: the name of its free function in ``autograd`` (``exp(v)``), or None.
    - ``doc``: one sentence for the methods' and the function's docstrings.
    - ``oracle``: the op as an expression of ``x`` (and ``y``) in plain math, with the names
      ``exp log sqrt sin cos tanh power abs max min`` and ``log1p expm1 tan sinh cosh atan
      atan2 erf``; the tests evaluate it in mpmath (values
      and derivatives at 80 digits) and in sympy (symbolic second derivatives).
    - ``kink``: where the op has no derivative, as an expression that is 0 there (``x`` for
      relu); the tests keep random programs away from it.
    - ``torch``: the op as an expression of ``torch`` on tensors, for the tests.
    - ``domain``: points where the op is smooth, at which the tests compare value and
      derivatives with the oracle (edges where it has no derivative are tested apart).

    Examples:
        >>> mul = Rule("mul", "x * y", grads=("y", "x"))
        >>> mul.forward(3.0, 4.0), mul.local_grads(3.0, 4.0, 12.0)
        (12.0, (4.0, 3.0))
        >>> print(mul.formula)
        out = x * y;  dout/dx = y;  dout/dy = x
    """

    __slots__ = (
        "arity",
        "doc",
        "domain",
        "forward",
        "forward_ieee",
        "function",
        "grads",
        "inputs",
        "kink",
        "local_grads",
        "local_grads_ieee",
        "maskable",
        "masks",
        "methods",
        "name",
        "note",
        "oracle",
        "torch",
        "value",
    )

    def __init__(
        self,
        name: str,
        value: str,
        *,
        grads: tuple[str, ...],
        note: str = "",
        methods: tuple[str, ...] = (),
        function: str | None = None,
        doc: str = "",
        oracle: str = "",
        kink: str = "",
        torch: str = "",
        domain: tuple[tuple[float, ...], ...] = (),
    ) -> None:
        if not 1 <= len(grads) <= len(_INPUT_NAMES):
            raise ValueError(f"rule {name!r}: expected 1 or 2 local derivatives, got {len(grads)}")
        self.name = name
        self.value = value
        self.grads = grads
        self.note = note
        self.methods = methods
        self.function = function
        self.doc = doc
        self.oracle = oracle
        self.kink = kink
        self.torch = torch
        self.domain = domain
        self.arity = len(grads)
        self.inputs = _INPUT_NAMES[: self.arity]
        if any(len(point) != self.arity for point in domain):
            raise ValueError(f"rule {name!r}: every domain point needs {self.arity} number(s)")
        allowed = set(self.inputs) | set(RULE_FUNCTIONS) | {"abs"}
        _check_text(name, value, allowed)
        for text in grads:
            _check_text(name, text, allowed | {"out", "float"})
        params = ", ".join(self.inputs)
        float_value = float_text(value)
        float_grads = float_text(f"({', '.join(grads)},)")
        self.forward: FloatFunction = _lambda(name, params, float_value, FLOAT_NAMESPACE)
        self.forward_ieee: FloatFunction = _lambda(
            name, params, float_value, _IEEE_NAMESPACE, ieee=True
        )
        self.local_grads: GradsFunction = _lambda(
            name, f"{params}, out", float_grads, FLOAT_NAMESPACE
        )
        self.local_grads_ieee: GradsFunction = _lambda(
            name, f"{params}, out", float_grads, _IEEE_NAMESPACE, ieee=True
        )
        masks = [mask_text(text) for text in grads]
        self.maskable = any(mask is not None for mask in masks)
        """Whether some derivative of this rule can be a masked zero."""
        self.masks: MasksFunction = _lambda(
            name,
            f"{params}, out",
            f"({', '.join(mask or 'False' for mask in masks)},)",
            _IEEE_NAMESPACE,
            ieee=True,
        )
        """For each input, whether its local derivative is a masked zero at ``(x[, y], out)``."""

    @property
    def formula(self) -> str:
        """The rule as one line of math: the output, then each local derivative."""
        parts = [f"out = {self.value}"]
        parts += [f"dout/d{name} = {text}" for name, text in zip(self.inputs, self.grads)]
        return ";  ".join(parts)

    def __repr__(self) -> str:
        return f"Rule({self.name!r}: {self.formula})"
