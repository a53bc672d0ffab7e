"""``autograd.compile``: trace a scalar function once, then run it as straight-line Python.

The trace records the graph of ``f`` on Values. From it, code is generated: one assignment per
op for the forward pass (the rule's value text, with the inputs' names put in), then one
``d_input += local * d_node`` per edge for the backward pass (the rule's local-derivative text),
in the same order as the eager engine, so the results are bit for bit the eager ones. Names come
from labels and from ``f``'s parameter names; unlabelled values are ``t0, t1, ...``.

As with ``jax.jit``, Python control flow is fixed when ``f`` is traced: an ``if`` on a Value
raises during tracing, and Values that ``f`` reads from outside (closures) are baked in as
constants.
"""

from __future__ import annotations

import ast
import inspect
import keyword
import math
import re
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

from autograd import cbuild
from autograd.cgen import generate_c, symbol
from autograd.generated import compile_generated
from autograd.graph import topological_order
from autograd.modes import enable_grad, tracing
from autograd.numerics import div
from autograd.rule import FLOAT_NAMESPACE, RULE_FUNCTIONS, DivisionToIEEE, contribution_text
from autograd.value import Value, as_float

RESERVED = {*RULE_FUNCTIONS, "float", "abs", "inf", "nan", "upstream"}
"""Names the generated code uses for itself."""


@contextmanager
def _tracing() -> Any:
    token = tracing.set(True)
    try:
        with enable_grad():
            yield
    finally:
        tracing.reset(token)


def _identifier(text: str, taken: set[str]) -> str:
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_") or "t"
    if name.startswith("d_"):  # the gradient variables are d_<name>
        name = f"v_{name}"
    if name[0].isdigit() or keyword.iskeyword(name) or name in RESERVED or name in taken:
        base = name if not name[0].isdigit() else f"v{name}"
        number = 2
        while f"{base}_{number}" in taken or keyword.iskeyword(f"{base}_{number}"):
            number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


def _literal(x: float) -> str:
    return repr(x) if math.isfinite(x) else f"float('{x}')"


def _substitute(text: str, names: dict[str, str]) -> str:
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
    return ast.unparse(tree)


def generate_source(output: Value, arguments: Sequence[Value], name: str = "compiled") -> str:
    """Straight-line Python computing ``output`` and its gradient with respect to each argument
    from the arguments' numbers. Leaves that are not arguments are constants."""
    taken: set[str] = set()
    names: dict[Value, str] = {arg: _identifier(arg.label or f"x{i}", taken)
                               for i, arg in enumerate(arguments)}  # fmt: skip
    interior = topological_order(output)
    counter = 0
    for node in interior:
        if node.label:
            names[node] = _identifier(node.label, taken)
        else:
            names[node] = _identifier(f"t{counter}", taken)
            counter += 1

    def operand(value: Value) -> str:
        return names[value] if value in names else _literal(value.data)

    lines = [f"def {name}({', '.join(names[a] for a in arguments)}):", "    # forward"]
    for node in interior:
        rule = node.rule
        assert rule is not None
        inputs = dict(zip(rule.inputs, (operand(p) for p in node.parents)))
        lines.append(f"    {names[node]} = {_substitute(rule.value, inputs)}")
    lines.append("    # backward: d_v is d(output)/dv")
    receivers = [v for v in (*interior, *arguments) if v in names]
    gradient = {v: f"d_{names[v]}" for v in receivers}
    lines.append(f"    {' = '.join(gradient[v] for v in receivers)} = 0.0")
    lines.append(f"    {gradient[output]} += 1.0" if output in gradient else "    pass")
    for node in reversed(interior):
        rule = node.rule
        assert rule is not None
        inputs = dict(zip(rule.inputs, (operand(p) for p in node.parents)))
        inputs["out"] = names[node]
        inputs["upstream"] = gradient[node]
        for parent, text in zip(node.parents, rule.grads):
            if parent in gradient:  # a masked zero contributes exactly 0, as in eager
                contribution = _substitute(contribution_text(text, "upstream"), inputs)
                lines.append(f"    {gradient[parent]} += {contribution}")
    grads = ", ".join(gradient.get(a, "0.0") for a in arguments)
    lines.append(f"    return {operand(output)}, ({grads}{',' if len(arguments) == 1 else ''})")
    return "\n".join(lines) + "\n"


BACKENDS = ("python", "c", "auto")


def check_backend(backend: str) -> str:
    """``backend`` if it is one of :data:`BACKENDS`, else a ValueError naming them."""
    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}"
        )
    return backend


def build_backend(
    source: str, n_inputs: int, backend: str
) -> tuple[Callable[..., Any], Callable[..., Any], str]:
    """The generated Python ``source`` built for ``backend``: a fast function, the one to call
    where it raises ``ArithmeticError`` (the same one for C, which never raises), and the
    backend used. ``"auto"`` is C where a compiler is found (or the build is cached), else
    Python; ``"c"`` without a compiler raises :class:`autograd.cbuild.CompilerNotFoundError`."""
    if backend in ("c", "auto"):
        name = ast.parse(source).body[0].name  # type: ignore[attr-defined]
        try:
            c_function = cbuild.build(generate_c(source), symbol(name), n_inputs)
        except cbuild.CompilerNotFoundError:
            if backend == "c":
                raise
        else:
            return c_function, c_function, "c"
    fast, safe = _build(source)
    return fast, safe, "python"


class CompiledFunction:
    """``f`` compiled on its first call: ``value, grads = compiled(*numbers)``."""

    def __init__(self, f: Callable[..., Value | float], backend: str = "python") -> None:
        self.f = f
        self.requested_backend = check_backend(backend)
        self.backend = ""
        """The backend in use once traced: "python" or "c" ("auto" resolved)."""
        self.source = ""
        self._fast: Callable[..., tuple[float, tuple[float, ...]]] | None = None
        self._safe: Callable[..., tuple[float, tuple[float, ...]]] | None = None
        self._floats_only: Callable[..., tuple[float, tuple[float, ...]]] | None = None
        """C through :func:`autograd.cbuild.caller`: it checks the numbers itself, and raises
        TypeError, having run nothing, unless they are as many floats as traced."""
        self._arity = -1

    def _trace(self, numbers: Sequence[float]) -> None:
        try:
            parameters = [p.name for p in inspect.signature(self.f).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]  # fmt: skip
        except (TypeError, ValueError):
            parameters = []
        names = (
            parameters
            if len(parameters) == len(numbers)
            else [f"x{i}" for i in range(len(numbers))]
        )
        leaves = [Value(x, label=name) for x, name in zip(numbers, names)]
        with _tracing():
            out = self.f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"compile: f must return a Value, got {type(out).__name__}")
        name = getattr(self.f, "__name__", "")
        if not name.isidentifier() or keyword.iskeyword(name):
            name = "compiled"  # a lambda's name, <lambda>, is none
        elif name in RESERVED or name in FLOAT_NAMESPACE:
            name = f"compiled_{name}"  # a function named abs or exp would call itself
        self.source = generate_source(out, leaves, name)
        self._fast, self._safe, self.backend = build_backend(
            self.source, len(numbers), self.requested_backend
        )
        self._arity = len(numbers)
        if getattr(self._fast, "floats_only", False):
            self._floats_only = self._fast

    def __call__(self, *numbers: float) -> tuple[float, tuple[float, ...]]:
        if self._floats_only is not None:
            try:
                return self._floats_only(*numbers)
            except TypeError:
                pass  # numbers to convert first, or as many as not traced: see below
        if self._fast is not None and len(numbers) == self._arity:
            for x in numbers:
                if type(x) is not float:
                    break
            else:  # the common case: as many floats as traced, no conversion to do
                try:
                    return self._fast(*numbers)
                except ArithmeticError:
                    return self._safe(*numbers)  # type: ignore[misc]
        values = [as_float(x) for x in numbers]
        if self._fast is None:
            self._trace(values)
        elif len(values) != self._arity:
            raise TypeError(
                f"this compiled function takes {self._arity} numbers, got {len(values)}"
            )
        assert self._fast is not None
        assert self._safe is not None
        try:
            return self._fast(*values)
        except ArithmeticError:  # 1 / 0.0 and the like: the IEEE version, as the eager engine
            return self._safe(*values)

    @property
    def c_source(self) -> str:
        """The traced program as a self-contained C file (whatever the backend): see
        :func:`autograd.cgen.generate_c`. Empty before the first call."""
        return generate_c(self.source) if self.source else ""

    def __repr__(self) -> str:
        state = f"traced, {self.backend}" if self._fast else "not yet traced"
        return f"<compiled {getattr(self.f, '__name__', 'function')} ({state})>"


def _build(source: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The generated function twice: as written, and with IEEE division (for when the first
    raises, as ``1 / 0.0`` does). Both sources are in linecache, for tracebacks."""
    tree = ast.parse(source)
    function_name = tree.body[0].name  # type: ignore[attr-defined]
    fast: dict[str, Any] = dict(FLOAT_NAMESPACE)
    exec(compile_generated(source, f"compiled {function_name}", "exec"), fast)  # noqa: S102
    safe_tree = DivisionToIEEE().visit(tree)
    safe: dict[str, Any] = {**FLOAT_NAMESPACE, "_ieee_div": div}
    exec(compile_generated(safe_tree, f"compiled {function_name}, IEEE", "exec"), safe)  # noqa: S102
    return fast[function_name], safe[function_name]


def compile_function(f: Callable[..., Value | float], backend: str = "python") -> CompiledFunction:
    """Compile ``f`` (a function of scalars returning a Value) to straight-line Python, or C.

    ``value, grads = compiled(*numbers)`` returns f's value and its derivative with respect to
    each argument, bit for bit as the eager engine computes them. ``f`` is traced on its first
    call; ``compiled.source`` is the generated code. ``backend="c"`` builds the same code as C
    (``compiled.c_source``) with the C compiler and calls it (:func:`autograd.cbuild.caller`),
    with the same bits; ``backend="auto"`` is C where a compiler is found, else Python.

    Examples:
        >>> c = compile_function(lambda x, y: (x * y).sin())
        >>> value, (dx, dy) = c(1.0, 2.0)
        >>> round(dx, 6)   # y cos(xy)
        -0.832294
    """
    return CompiledFunction(f, backend)
