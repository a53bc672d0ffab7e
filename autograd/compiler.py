"""``autograd.compile``: trace a scalar function once, then run it as straight-line Python.

The trace records the graph of ``f`` on Values. From it, code is generated: one assignment per
op for the forward pass (the rule's value text, with the inputs' names put in), then one
``d_input += local * d_node`` per edge for the backward pass (the rule's local-derivative text),
in the same order as the eager engine, each sum begun as eager begins it, so the results are
bit for bit the eager ones. The text is simplified only where no bit can change
(:mod:`autograd.simplify`). Names come
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
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

from autograd import cbuild
from autograd.cgen import generate_c, symbol
from autograd.generated import compile_generated
from autograd.graph import topological_order
from autograd.modes import enable_grad, tracing
from autograd.numerics import div
from autograd.rule import FLOAT_NAMESPACE, RULE_FUNCTIONS, DivisionToIEEE
from autograd.simplify import contribution as contribution_of
from autograd.simplify import never_minus_zero, substitute
from autograd.value import Value, as_float

RESERVED = {*RULE_FUNCTIONS, "float", "abs", "inf", "nan", "upstream"}
"""Names the generated code uses for itself."""

NAMESPACE: dict[str, object] = {**FLOAT_NAMESPACE, "inf": math.inf, "nan": math.nan}
"""What the generated code's names mean: the rule functions, and the constants inf and nan."""


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
    """A constant as generated code writes it: ``repr`` for a finite float (read back exactly),
    else the namespace's ``inf`` and ``nan`` (names, where ``float('inf')`` would be a call
    each time), negated for a negative infinity or a nan with its sign bit set."""
    if math.isfinite(x):
        return repr(x)
    text = "inf" if math.isinf(x) else "nan"
    return f"(-{text})" if math.copysign(1.0, x) < 0.0 else text


def generate_source(
    output: Value,
    arguments: Sequence[Value],
    name: str = "compiled",
    held: Sequence[Value] = (),
) -> str:
    """Straight-line Python computing ``output`` and its gradient with respect to each argument
    from the arguments' numbers. Leaves that are not arguments are constants.

    The backward pass adds each edge's ``local * upstream`` in the eager engine's order. Each
    gradient starts as eager's does: an interior Value's at 0.0 (its first contribution ``c``
    gives ``0.0 + c``, which is ``c`` except that -0.0 becomes 0.0, as in eager), an argument's
    at 0.0 too (the grad of a Value just made), so an argument the output does not use has
    gradient 0.0. An argument in ``held`` instead takes its gradient so far as one more
    parameter of the function, ``d_<name>`` after all the arguments, and adds its contributions
    into it one by one, ``(held + c1) + c2``, as ``backward()`` adds into a ``.grad`` it holds
    (``-0.0``, the identity of addition, stands for eager's None); the held number of one the
    output does not use is returned as it was. An interior Value with one contribution that
    is another's gradient unchanged (``1.0 * d_t``, as a sum's inputs get) gets no variable of
    its own: its gradient is named ``d_t`` (the same number, with no copy to make).
    """
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

    receivers = [v for v in (*interior, *arguments) if v in names]
    gradient = {v: f"d_{names[v]}" for v in receivers}
    edges: dict[Value, int] = {}  # how many contributions each gradient receives
    for node in interior:
        for parent in node.parents:
            if parent in gradient:
                edges[parent] = edges.get(parent, 0) + 1
    interior_set = set(interior)
    holding = set(held)
    started = set(held)  # gradients that hold a number already: added into with +=
    sums = {gradient[node] for node in interior}  # begun at 1.0 or 0.0 + c: never -0.0

    def add(receiver: Value, contribution: str) -> str:
        if receiver in started:
            return f"    {gradient[receiver]} += {contribution}"
        started.add(receiver)
        expression = ast.parse(contribution, mode="eval").body
        if not never_minus_zero(expression, sums):
            expression = ast.BinOp(ast.Constant(0.0), ast.Add(), expression)
        return f"    {gradient[receiver]} = {ast.unparse(expression)}"  # brackets as needed

    signature = [names[a] for a in arguments] + [gradient[h] for h in held]
    lines = [f"def {name}({', '.join(signature)}):", "    # forward"]
    for node in interior:
        rule = node.rule
        assert rule is not None
        inputs = dict(zip(rule.inputs, (operand(p) for p in node.parents)))
        lines.append(f"    {names[node]} = {substitute(rule.value, inputs)}")
    lines.append("    # backward: d_v is d(output)/dv, each sum begun at 0.0 as eager begins it")
    if output in gradient:
        lines.append(add(output, "1.0") if output in started else f"    {gradient[output]} = 1.0")
        started.add(output)
    for node in reversed(interior):
        rule = node.rule
        assert rule is not None
        inputs = dict(zip(rule.inputs, (operand(p) for p in node.parents)))
        inputs["out"] = names[node]
        inputs["upstream"] = gradient[node]
        for parent, text in zip(node.parents, rule.grads):
            if parent in gradient:  # a masked zero contributes exactly 0, as in eager
                contribution = contribution_of(text, inputs, signed_zeros=parent in holding)
                if edges[parent] == 1 and parent in interior_set and contribution in sums:
                    gradient[parent] = contribution  # another's gradient, unchanged: no copy
                    started.add(parent)
                    continue
                lines.append(add(parent, contribution))
    grads = ", ".join(gradient[a] if a in started else "0.0" for a in arguments)
    lines.append(f"    return {operand(output)}, ({grads}{',' if len(arguments) == 1 else ''})")
    return "\n".join(lines) + "\n"


def reached(output: Value, candidates: Sequence[Value]) -> list[int]:
    """The indices of the ``candidates`` that ``output`` depends on (itself included): those
    whose gradient a backward pass from ``output`` writes."""
    found = set(topological_order(output, leaves=True))
    return [i for i, candidate in enumerate(candidates) if candidate in found]


BACKENDS = ("python", "c", "auto")


def check_backend(backend: str) -> str:
    """``backend`` if it is one of :data:`BACKENDS`, else a ValueError naming them."""
    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}"
        )
    return backend


def build_backend(
    source: str, n_inputs: int, backend: str, stacklevel: int = 3
) -> tuple[Callable[..., Any], Callable[..., Any], str]:
    """The generated Python ``source`` built for ``backend``: a fast function, the one to call
    where it raises ``ArithmeticError`` (the same one for C, which never raises), and the
    backend used. ``"c"`` raises :class:`autograd.cbuild.CompilerNotFoundError` without a
    compiler and :class:`autograd.cbuild.CBuildError` when the build fails or cannot be cached.
    ``"auto"`` is C where that works and Python otherwise: silently where no compiler is found
    (what ``"auto"`` is for), with a :class:`autograd.cbuild.CFallbackWarning` saying why
    where one is found but the build fails (an unwritable cache folder, say), since that is a
    fault to fix. A ``CC`` that carries flags raises
    :class:`autograd.cbuild.CompilerFlagsError` for both. ``stacklevel``: the warning's, counted
    from the caller of this function (3: the caller of a compiled function, which traces it)."""
    if backend in ("c", "auto"):
        function = ast.parse(source).body[0]
        assert isinstance(function, ast.FunctionDef)
        returned = function.body[-1].value  # type: ignore[attr-defined]  # value, (grads)
        n_results = 1 + len(returned.elts[1].elts)
        try:
            c_function = cbuild.build(
                generate_c(source), symbol(function.name), n_inputs, n_results
            )
        except cbuild.CompilerNotFoundError:
            if backend == "c":
                raise
        except cbuild.CompilerFlagsError:
            raise  # CC asks for flags that would change the numbers: for "auto" too
        except (cbuild.CBuildError, OSError) as error:
            if backend == "c":
                raise
            warn_fallback(error, stacklevel + 1)
        else:
            return c_function, c_function, "c"
    fast, safe = _build(source)
    return fast, safe, "python"


def warn_fallback(error: BaseException, stacklevel: int) -> None:
    """Warn that ``backend="auto"`` runs Python because of ``error``; ``stacklevel`` as for
    :func:`warnings.warn`, counted from the caller of this function, so that the warning names
    the user's line that called the compiled function."""
    warnings.warn(
        f"backend='auto' runs the Python backend (the same numbers, slower): the C build "
        f"failed: {error}",
        cbuild.CFallbackWarning,
        stacklevel=stacklevel + 1,
    )


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
    raises, as ``1 / 0.0`` does). The second is built on its first call: most programs never
    divide by zero, and building it costs as much as the first. Both sources go to linecache,
    for tracebacks."""
    tree = ast.parse(source)
    function_name = tree.body[0].name  # type: ignore[attr-defined]
    fast: dict[str, Any] = dict(NAMESPACE)
    exec(compile_generated(source, f"compiled {function_name}", "exec"), fast)  # noqa: S102
    built: list[Callable[..., Any]] = []

    def safe(*numbers: float) -> Any:
        if not built:
            safe_tree = DivisionToIEEE().visit(ast.parse(source))
            namespace: dict[str, Any] = {**NAMESPACE, "_ieee_div": div}
            code = compile_generated(safe_tree, f"compiled {function_name}, IEEE", "exec")
            exec(code, namespace)  # noqa: S102
            built.append(namespace[function_name])
        return built[0](*numbers)

    return fast[function_name], safe


def compile_function(f: Callable[..., Value | float], backend: str = "python") -> CompiledFunction:
    """Compile ``f`` (a function of scalars returning a Value) to straight-line Python, or C.

    ``value, grads = compiled(*numbers)`` returns f's value and its derivative with respect to
    each argument, bit for bit as the eager engine computes them into Values just made (whose
    grad starts at 0.0, so a lone -0.0 contribution gives 0.0; an unused argument's is 0.0).
    ``f`` is traced on its first call; ``compiled.source`` is the generated code. ``backend="c"``
    builds the same code as C (``compiled.c_source``) with the C compiler and calls it
    (:func:`autograd.cbuild.caller`), with the same bits; ``backend="auto"`` is C where that
    works, else Python (see :func:`build_backend`).

    Examples:
        >>> c = compile_function(lambda x, y: (x * y).sin())
        >>> value, (dx, dy) = c(1.0, 2.0)
        >>> round(dx, 6)   # y cos(xy)
        -0.832294
    """
    return CompiledFunction(f, backend)
