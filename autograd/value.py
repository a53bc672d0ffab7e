"""``Value``: a float that remembers how it was computed, so its derivatives can be found.

A Value holds its number (``data``), its gradient (``grad``), the op that made it, that op's
inputs (``parents``) and the local derivative of the op with respect to each input
(``local_grads``), recorded when the op runs. The calculus lives in the rule table
(:mod:`autograd.ops`); this module only applies rules and records the graph.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

from autograd import graph as _graph  # graph needs Value at run time: no names
from autograd import ops
from autograd.modes import DEFAULT_MODE, TracingError, current_mode, switched_modes, tracing
from autograd.rule import Rule

_new = object.__new__


def _as_float(data: object) -> float:
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        given = f"{type(data).__name__}: {data!r}"
        raise TypeError(f"Value data must be a real number such as 1 or 0.5, got {given}")
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(f"Value data {data!r} is too large for a float") from None


class Value:
    """A scalar in a computation graph.

    ``Value(data, label="")`` makes a leaf: ``data`` is a real number (int, float or any
    ``numbers.Real`` except bool) stored as a float. Ops on Values (``+ - * / **``, unary ``-``,
    ``abs``, and the methods below) make new Values that record their inputs, so that
    :meth:`backward` can apply the chain rule. Values hash by identity and define no ``==``.

    Examples:
        >>> a = Value(3.0, label="a")
        >>> c = (2 * a) ** 2
        >>> c.backward()
        >>> a.grad
        24.0
    """

    # The inputs and their local derivatives live in four slots of the node itself, not in
    # tuples: one object per op is one allocation and one object for the garbage collector to
    # track, where tuples would make three. ``parents`` and ``local_grads`` read them. An op's
    # result leaves ``_label`` unset until it is given a label: one store fewer per op.
    __slots__ = (
        "_d_first",
        "_d_second",
        "_first",
        "_grad_value",
        "_label",
        "_rule",
        "_second",
        "data",
        "grad",
    )

    data: float
    """The number this Value holds."""
    grad: float
    """d(root)/d(self) after ``root.backward()``; 0.0 until then. Assignable (to reset it)."""
    _first: Value | float | None  # float: a number operand, see ``parents``
    _second: Value | float | None
    _d_first: float
    _d_second: float

    def __init__(self, data: float, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self.data = data if type(data) is float else _as_float(data)
        self.grad = 0.0
        self._label = label
        self._rule: Rule | None = None
        self._first = None
        self._second = None

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self.op:
            text += f", op={self.op!r}"
        return text + ")"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        """True, as any object; but while ``autograd.compile`` traces, Python control flow on a
        Value (``if v:``, ``while v:``, ``v and w``) raises, since the trace could not replay it."""
        if tracing.get():
            raise TracingError(
                f"a Value ({describe(self)}) was used as a condition while autograd.compile was "
                "tracing; the compiled code would take the same branch for every input. Write the "
                "branch with ops (relu, abs) or do not compile this function."
            )
        return True

    @property
    def label(self) -> str:
        """A name for drawings and messages; ``""`` if none. Assignable, to a str."""
        try:
            return self._label
        except AttributeError:
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self._label = label

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs in argument order, duplicates kept: ``(a + a).parents == (a, a)``;
        ``()`` for a leaf. A number operand, such as the 2 in ``x * 2``, is a :class:`Constant`.

        (An op keeps a number operand as a plain float, which saves making a Constant, about
        100 ns per op; the Constant is made the first time the parents are asked for, and kept.)
        """
        first = self._first
        if first is None:
            return ()
        if isinstance(first, float):
            first = self._first = Constant(first)
        second = self._second
        if second is None:
            return (first,)
        if isinstance(second, float):
            second = self._second = Constant(second)
        return (first, second)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, recorded when the op ran."""
        if self._first is None:
            return ()
        if self._second is None:
            return (self._d_first,)
        return (self._d_first, self._d_second)

    @property
    def op(self) -> str:
        """The name of the rule that made this Value (``"mul"``, ...); ``""`` for a leaf."""
        return "" if self._rule is None else self._rule.name

    @property
    def rule(self) -> Rule | None:
        """The rule that made this Value, or None for a leaf."""
        return self._rule

    @property
    def grad_value(self) -> Value:
        """The gradient as a differentiable Value, after ``backward(create_graph=True)``.

        It equals ``grad``; unlike ``grad`` it is a node of the graph of the backward pass, so
        it can be differentiated again. Where ``grad`` was set otherwise (a first-order
        ``backward``, or an assignment), it is ``Constant(grad)``. Assign None to drop it.
        """
        try:
            recorded: Value | None = self._grad_value
        except AttributeError:
            recorded = None
        if recorded is not None and recorded.data == self.grad:
            return recorded
        return Constant(self.grad)

    @grad_value.setter
    def grad_value(self, value: Value | None) -> None:
        if value is not None and not isinstance(value, Value):
            raise TypeError(f"grad_value must be a Value or None, got {type(value).__name__}")
        self._grad_value = value

    # --- ops ----------------------------------------------------------------------------------
    # Each operator and function method is generated at import from the rule table's text (see
    # autograd/fastops.py), so the class body holds no code for them: these stubs give their
    # signatures and documentation to type checkers and readers.
    if TYPE_CHECKING:

        def __add__(self, other: Value | float) -> Value:
            """self + other."""

        def __radd__(self, other: float) -> Value:
            """other + self."""

        def __sub__(self, other: Value | float) -> Value:
            """self - other."""

        def __rsub__(self, other: float) -> Value:
            """other - self."""

        def __mul__(self, other: Value | float) -> Value:
            """self * other."""

        def __rmul__(self, other: float) -> Value:
            """other * self."""

        def __truediv__(self, other: Value | float) -> Value:
            """self / other: ±inf for a zero divisor, nan for 0 / 0."""

        def __rtruediv__(self, other: float) -> Value:
            """other / self."""

        def __pow__(self, other: Value | float) -> Value:
            """self ** other: nan, never complex, for a negative base and non-integer exponent."""

        def __rpow__(self, other: float) -> Value:
            """other ** self."""

        def __neg__(self) -> Value:
            """-self."""

        def __abs__(self) -> Value:
            """|self|, with derivative 0 at 0."""

        def exp(self) -> Value:
            """e ** self."""

        def log(self) -> Value:
            """Natural logarithm: -inf at 0, nan below."""

        def sqrt(self) -> Value:
            """Square root: nan below 0."""

        def tanh(self) -> Value:
            """Hyperbolic tangent."""

        def sigmoid(self) -> Value:
            """1 / (1 + e ** -self), stable for every input."""

        def relu(self) -> Value:
            """max(0, self), with derivative 0 at 0."""

        def sin(self) -> Value:
            """Sine."""

        def cos(self) -> Value:
            """Cosine."""

    # --- graph --------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(that Value).

        The pass visits the graph once, in reverse topological order, adding
        ``local derivative * upstream gradient`` into each input (the chain rule; a Value used
        twice receives both contributions). ``grad`` is d(loss)/d(self), 1 by default.

        Accumulation, as PyTorch with ``retain_graph=True``: the grads of leaves (Values made by
        ``Value(...)``) accumulate across ``backward`` calls until you reset them (assign 0.0,
        or ``zero_grad()`` in ``nn``), while the grads of interior Values hold this pass's values.
        So with ``a = Value(3.0); c = (2 * a) ** 2``, calling ``c.backward()`` twice leaves
        ``a.grad`` at 24 and then 48 (micrograd, which also accumulates into interior nodes,
        reports 72).

        With ``create_graph=True`` the backward pass is itself recorded: each Value's
        ``grad_value`` is its gradient as a Value, which can be differentiated again
        (higher-order gradients), and ``grad`` is its float. This pass is slower; the default
        pass does float arithmetic only.
        """
        seed = grad if type(grad) is float else _as_float(grad)
        if create_graph:
            from autograd.higher import backward_create_graph  # needs Value: imported late

            backward_create_graph(self, seed)
        else:
            _graph.backward(self, seed)

    def detach(self) -> Value:
        """A new leaf with the same data and label and no history: gradients stop here."""
        return Value(self.data, self.label)


class Constant(Value):
    """A plain number that entered the graph as an operand, such as the 2 in ``x * 2``.

    A Constant is a leaf that takes no gradient, as a Python number given to a PyTorch op: its
    ``grad`` is always 0.0 and assigning to it has no effect. It keeps the graph uniform (every
    op input is a Value, so drawings show it) without computing or reporting derivatives nobody
    asked for, such as d(x ** 2)/d2 = x ** 2 ln x, which is nan for x < 0.
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:
        pass


def _operand(x: object) -> Value:
    if isinstance(x, Value):
        return x
    if (
        type(x) is float
        or type(x) is int
        or (isinstance(x, numbers.Real) and not isinstance(x, bool))
    ):
        return Constant(x)  # type: ignore[arg-type]
    raise _NotAnOperandError


class _NotAnOperandError(Exception):
    """Raised by _operand for an operand that is neither a Value nor a real number."""


def _apply2(rule: Rule, a: Value | float, b: Value | float) -> Value:
    if isinstance(a, float):
        a = Constant(a)
    if isinstance(b, float):
        b = Constant(b)
    x = a.data
    y = b.data
    try:
        data = rule.forward(x, y)
    except ArithmeticError:
        data = rule.forward_ieee(x, y)
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    mode = current_mode.get()
    if mode is DEFAULT_MODE or mode.record:
        try:
            out._d_first, out._d_second = rule.local_grads(x, y, data)
        except ArithmeticError:
            out._d_first, out._d_second = rule.local_grads_ieee(x, y, data)
        out._rule = rule
        out._first = a
        out._second = b
    else:
        out._rule = None
        out._first = None
        out._second = None
    if mode.anomaly:
        _check_forward(rule, (a, b), out)
    return out


def _unary(rule: Rule, a: Value) -> Value:
    x = a.data
    try:
        data = rule.forward(x)
    except ArithmeticError:
        data = rule.forward_ieee(x)
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    mode = current_mode.get()
    if mode is DEFAULT_MODE or mode.record:
        try:
            (out._d_first,) = rule.local_grads(x, data)
        except ArithmeticError:
            (out._d_first,) = rule.local_grads_ieee(x, data)
        out._rule = rule
        out._first = a
        out._second = None
    else:
        out._rule = None
        out._first = None
        out._second = None
    if mode.anomaly:
        _check_forward(rule, (a,), out)
    return out


def apply(rule: Rule, *operands: Value | float) -> Value:
    """Apply a rule to Values or numbers (numbers become Constants) and record the result.

    This is how every op of :class:`Value` runs; it also runs a rule that is not in the table.

    Examples:
        >>> from autograd.ops import MUL
        >>> apply(MUL, Value(3.0), 4).data
        12.0
    """
    if len(operands) != rule.arity:
        raise TypeError(f"rule {rule.name!r} takes {rule.arity} operand(s), got {len(operands)}")
    try:
        values = [_operand(x) for x in operands]
    except _NotAnOperandError:
        given = ", ".join(type(x).__name__ for x in operands)
        raise TypeError(f"rule {rule.name!r} takes Values or real numbers, got {given}") from None
    if rule.arity == 1:
        return _unary(rule, values[0])
    return _apply2(rule, values[0], values[1])


def describe(value: Value) -> str:
    """A short description for messages: the label if any, and the data."""
    name = f"{value.label!r} " if value.label else ""
    kind = "constant" if isinstance(value, Constant) else (value.op or "leaf")
    return f"{name}({kind}, data={value.data!r})"


def _check_forward(rule: Rule, inputs: tuple[Value, ...], out: Value) -> None:
    if all(math.isfinite(v.data) for v in inputs) and not math.isfinite(out.data):
        described = ", ".join(f"{name} = {describe(v)}" for name, v in zip(rule.inputs, inputs))
        raise FloatingPointError(
            f"detect_anomaly: {rule.name} turned finite inputs into {out.data!r} in the forward "
            f"pass; inputs: {described}; rule: {rule.formula}"
        )


def _operand_or_none(x: object) -> Value | float | None:
    """``x`` as an op's operand: a Value as it is, a real number as a float (which the op keeps
    until its parents are asked for, see :attr:`Value.parents`), None for anything else."""
    if isinstance(x, Value):
        return x
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            pass  # _as_float says so
    elif not isinstance(x, numbers.Real) or isinstance(x, bool):
        return None
    return _as_float(x)


def _install_specialised_methods() -> None:
    """Give Value its operator and function methods, generated from the rule table's text
    (see :mod:`autograd.fastops`); the stubs in the class body describe them."""
    from autograd.fastops import specialised_methods

    machinery = {
        "Value": Value,
        "new": _new,
        "switched_modes": switched_modes,
        "get_mode": current_mode.get,
        "DEFAULT_MODE": DEFAULT_MODE,
        "operand_or_none": _operand_or_none,
        "apply1": _unary,
        "apply2": _apply2,
    }
    for name, function in specialised_methods(ops.RULES, machinery).items():
        function.__qualname__ = f"Value.{name}"
        setattr(Value, name, function)


_install_specialised_methods()
