"""``Value``: a float that remembers how it was computed, so its derivatives can be found.

A Value holds its number (``data``), its gradient (``grad``), the rule that made it, that rule's
inputs (``parents``) and the local derivative of the rule with respect to each input
(``local_grads``), recorded when the op ran. This module is the node alone: applying rules lives
in :mod:`autograd.record`, the passes over the graph in :mod:`autograd.graph` and
:mod:`autograd.higher`, and the op methods are generated from the rule table and attached by
:mod:`autograd.methods`.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

from autograd import pickling
from autograd.modes import TracingError, tracing
from autograd.rule import Rule


def as_float(data: object, what: str = "Value data") -> float:
    """``data`` as a float, for any real number but bool; a clear TypeError otherwise."""
    if isinstance(data, bool) or not isinstance(data, numbers.Real):
        given = f"{type(data).__name__}: {data!r}"
        raise TypeError(f"{what} must be a real number such as 1 or 0.5, got {given}")
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(f"{what} {number_text(data)} is too large for a float") from None


def number_text(number: object) -> str:
    """A number for a message: its repr, or for an int of more than 30 digits its size (the
    repr of a 5,000-digit int is refused by Python itself, and unreadable anyway)."""
    if isinstance(number, int) and abs(number) >= 10**30:
        digits = len(str(abs(number))) if abs(number).bit_length() < 14_000 else None
        size = f"{digits} digits" if digits else f"{abs(number).bit_length()} bits"
        return f"(an int of {size})"
    return repr(number)


class RecordedGradient(float):
    """A gradient number that also holds the gradient as a Value, from a backward pass with
    ``create_graph=True`` (see :attr:`Value.grad_value`).

    It is a float in every way; any arithmetic on it gives a plain float, so whatever changes a
    grad (a first-order pass adding into it, an assignment, ``zero_grad``) drops the Value with
    the number it belonged to, and a stale gradient graph can never be read.
    """

    __slots__ = ("value",)
    value: Value

    def __new__(cls, value: Value) -> RecordedGradient:
        number = super().__new__(cls, value._data)
        number.value = value
        return number

    # Pickled as its number, with the Value as state: the Value may be a node still being
    # loaded (a gradient graph can depend on the node whose gradient it is).
    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        return (_recorded_gradient, (float(self),), (None, {"value": self.value}))

    def __deepcopy__(self, memo: dict[int, Any]) -> RecordedGradient:
        number = memo[id(self)] = _recorded_gradient(float(self))
        number.value = copy.deepcopy(self.value, memo)
        return number


def _recorded_gradient(number: float) -> RecordedGradient:
    """A RecordedGradient of this number whose Value is yet to be set (unpickling, copying)."""
    return float.__new__(RecordedGradient, number)


BackwardPass = Callable[["Value", float], None]
RecordedPass = Callable[["Value", "Value | float"], None]


def _not_installed(root: Value, grad: Value | float) -> None:
    raise RuntimeError("import autograd, which installs the backward passes")


first_order_pass: BackwardPass = _not_installed
recorded_pass: RecordedPass = _not_installed
"""The backward passes, installed by :mod:`autograd.methods` (they live in layers above this
one, which import it)."""


class Value:
    """A scalar in a computation graph.

    ``Value(data, label="")`` makes a leaf: ``data`` is a real number (int, float or any
    ``numbers.Real`` except bool) stored as a float. Ops on Values (``+ - * / **``, unary ``-``,
    ``abs``, and the methods generated from the rule table, :mod:`autograd.ops`) make new Values
    that record their inputs, so that :meth:`backward` can apply the chain rule. Values hash by
    identity and define no ``==``.

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
        "__weakref__",  # weak references, for caches keyed by Value (8 bytes per node)
        "_d_first",
        "_d_second",
        "_data",
        "_first",
        "_label",
        "_rule",
        "_second",
        "grad",
    )

    _data: float  # ``data``: the engine reads and writes this slot, users the checked property
    grad: float | None
    """d(root)/d(self) after ``root.backward()``: a float, or None for "no gradient".

    A new Value holds 0.0. None is what ``zero_grad()`` (in :mod:`nn`) leaves, as PyTorch's
    ``zero_grad(set_to_none=True)``: the next backward pass sets the grad of a leaf it reaches
    to its gradient, and a leaf it does not reach keeps None, which an optimizer's ``step()``
    takes to mean "skip this parameter". Assignable, to a float (0.0 resets the sum, and the
    parameter still takes a step) or to None, PyTorch's ``leaf.grad = None``."""
    _first: Value | float | None  # float: a number operand, see ``parents``
    _second: Value | float | None
    _d_first: float
    _d_second: float

    def __init__(self, data: float, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self._data = data if type(data) is float else as_float(data)
        self.grad = 0.0
        self._label = label
        self._rule: Rule | None = None
        self._first = None
        self._second = None

    def __repr__(self) -> str:
        grad = None if self.grad is None else float(self.grad)
        text = f"Value(data={self.data!r}, grad={grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self.op:
            text += f", op={self.op!r}"
        return text + ")"

    # --- the Value as a number ----------------------------------------------------------------
    # What learners type on a number works on a Value's data, as on a 0-dim PyTorch tensor:
    # comparisons give bools (so ``sorted``, ``max`` and ``if v > 0:`` work), ``f"{v:.4f}"``,
    # ``round``, ``int`` and ``math.floor`` give what they give for the float. None of it is an
    # op: the result records nothing. While ``autograd.compile`` traces, each raises, since
    # the compiled code could not replay a decision or a number taken from one input.

    def _number(self, use: str) -> float:
        """The data, for ``use`` (a few words for the error message); raises while tracing."""
        if tracing.get():
            raise TracingError(
                f"a Value ({describe(self)}) was {use} while autograd.compile was tracing; the "
                "compiled code would take the same branch, or the same number, for every input. "
                "Write it with ops (relu, abs, maximum) or do not compile this function."
            )
        return self._data

    def __float__(self) -> float:
        return self._number("turned into a float")

    def __int__(self) -> int:
        """``int(v)``: the data truncated toward zero, as ``int(float)``."""
        return int(self._number("turned into an int"))

    def __trunc__(self) -> int:
        return math.trunc(self._number("truncated"))

    def __floor__(self) -> int:
        return math.floor(self._number("rounded down"))

    def __ceil__(self) -> int:
        return math.ceil(self._number("rounded up"))

    @overload
    def __round__(self, ndigits: None = None) -> int: ...
    @overload
    def __round__(self, ndigits: int) -> float: ...
    def __round__(self, ndigits: int | None = None) -> float:
        """``round(v)`` is an int and ``round(v, 2)`` a float, as for the data."""
        data = self._number("rounded")
        return round(data) if ndigits is None else round(data, ndigits)

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the data; ``f"{v}"`` is ``str(v)``."""
        return str(self) if spec == "" else format(self._number("formatted"), spec)

    def __bool__(self) -> bool:
        """False for 0.0 and -0.0, True otherwise (nan too), as for a float or a 0-dim tensor."""
        return self._number("used as a condition") != 0.0

    def __pos__(self) -> Value:
        """``+v`` is v itself, as ``+x`` is x for a float."""
        return self

    def __lt__(self, other: object) -> bool:
        """``v < w`` compares the data (a number compares as itself); so do ``<= > >=``. ``==``
        stays identity: Values hash by identity, as graph nodes must."""
        number = _compared(other)
        if number is None:
            return NotImplemented
        return self._number("compared") < number

    def __le__(self, other: object) -> bool:
        number = _compared(other)
        if number is None:
            return NotImplemented
        return self._number("compared") <= number

    def __gt__(self, other: object) -> bool:
        number = _compared(other)
        if number is None:
            return NotImplemented
        return self._number("compared") > number

    def __ge__(self, other: object) -> bool:
        number = _compared(other)
        if number is None:
            return NotImplemented
        return self._number("compared") >= number

    @property
    def data(self) -> float:
        """The number this Value holds. Assignable, to a real number, which is stored as a float
        (so a numpy float32 cannot make the next forward pass float32); anything else raises
        TypeError and leaves the data as it was. Assigning changes no recorded derivative: a
        graph built before is stale, which ``backward(create_graph=True)`` detects."""
        return self._data

    @data.setter
    def data(self, data: float) -> None:
        self._data = data if type(data) is float else as_float(data)

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
        it can be differentiated again. It is kept with the number: once ``grad`` changes in any
        other way (a first-order ``backward`` adds into it, an assignment, ``zero_grad``), it is
        ``Constant(grad)``, a number with no history. Assign a Value to set it, None to drop it.
        """
        grad = self.grad
        if grad is None:
            raise RuntimeError(
                f"{describe(self)} has no gradient (its grad is None) since it was reset"
            )
        return grad.value if type(grad) is RecordedGradient else Constant(grad)

    @grad_value.setter
    def grad_value(self, value: Value | None) -> None:
        if value is None:
            self.grad = None if self.grad is None else float(self.grad)
        elif isinstance(value, Value):
            self.grad = RecordedGradient(value)
        else:
            raise TypeError(f"grad_value must be a Value or None, got {type(value).__name__}")

    # --- ops ----------------------------------------------------------------------------------
    # The operator and function methods are generated from the rule table and attached by
    # autograd/methods.py; each has the docs of its table entry. These signatures are for type
    # checkers (tests/test_methods.py checks that they are the table's methods).
    if TYPE_CHECKING:

        def __add__(self, other: Value | float) -> Value: ...
        def __radd__(self, other: float) -> Value: ...
        def __sub__(self, other: Value | float) -> Value: ...
        def __rsub__(self, other: float) -> Value: ...
        def __mul__(self, other: Value | float) -> Value: ...
        def __rmul__(self, other: float) -> Value: ...
        def __truediv__(self, other: Value | float) -> Value: ...
        def __rtruediv__(self, other: float) -> Value: ...
        def __pow__(self, other: Value | float) -> Value: ...
        def __rpow__(self, other: float) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def maximum(self, other: Value | float) -> Value: ...
        def minimum(self, other: Value | float) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def softplus(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def log1p(self) -> Value: ...
        def expm1(self) -> Value: ...
        def erf(self) -> Value: ...
        def tan(self) -> Value: ...
        def atan(self) -> Value: ...
        def atan2(self, other: Value | float) -> Value: ...
        def sinh(self) -> Value: ...
        def cosh(self) -> Value: ...

    # --- graph --------------------------------------------------------------------------------
    def backward(self, grad: Value | float = 1.0, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(that Value).

        The pass visits the graph once, in reverse topological order, adding
        ``local derivative * upstream gradient`` into each input (the chain rule; a Value used
        twice receives both contributions). ``grad`` is d(loss)/d(self), 1 by default: a number,
        or a Value (with ``create_graph=True`` the gradients are then differentiable with
        respect to it too; without, its number is used). A local
        derivative that is zero by its rule's convention (relu below 0) contributes exactly 0,
        even from an inf or nan upstream gradient, as PyTorch.

        Accumulation, as PyTorch with ``retain_graph=True``: the grads of leaves (Values made by
        ``Value(...)``) accumulate across ``backward`` calls until you reset them (assign None or
        0.0, or ``zero_grad()`` in ``nn``, which assigns None: see :attr:`grad`), while the
        grads of interior Values hold this pass's values. So with ``a = Value(3.0);
        c = (2 * a) ** 2``, calling ``c.backward()`` twice leaves ``a.grad`` at 24 and then 48
        (micrograd, which also accumulates into interior nodes, reports 72).

        With ``create_graph=True`` the backward pass is itself recorded: each Value's
        ``grad_value`` is its gradient as a Value, which can be differentiated again
        (higher-order gradients), and ``grad`` is its float. This pass is slower; the default
        pass does float arithmetic only. It raises ``RuntimeError`` if a Value of the graph
        changed its ``data`` after the graph was recorded (as PyTorch's version counter); the
        first-order pass uses the local derivatives recorded with the graph, so it gives the
        gradient at the point where the graph was computed.

        Passes that write grads run one at a time (a lock), so two threads backpropagating
        through one graph add exactly two passes' gradients.
        """
        if type(grad) is float:
            seed = grad
        elif isinstance(grad, Value):  # with create_graph, the seed is part of the pass
            if create_graph:
                recorded_pass(self, grad)
                return
            seed = grad._data
        else:
            seed = as_float(grad, "the seed gradient")
        if create_graph:
            recorded_pass(self, seed)
        else:
            first_order_pass(self, seed)

    # --- pickling and copying: see autograd/pickling.py -----------------------------------------
    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        """Pickles the Value with its ancestors as one flat list (any depth; shared nodes stay
        shared, also with other Values pickled by the same pickler)."""
        return pickling.reduce_value(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        pickling.set_state(self, state)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph behind this Value (any depth), sharing the rules; nodes
        already copied with ``memo`` are reused, so a diamond stays a diamond."""
        return pickling.deepcopy_value(self, memo)  # type: ignore[no-any-return]

    def __copy__(self) -> Value:
        """A new node with the same data, grad, label, rule and local derivatives, whose parents
        are the original's own parents (shared, not copied)."""
        return pickling.copy_value(self)  # type: ignore[no-any-return]

    def detach(self) -> Value:
        """A :class:`Constant` with the same data and label: a number with no history, which
        takes no gradient (as PyTorch's ``detach()``, whose result does not require grad), so
        gradients stop here. For a new leaf that takes gradients, write ``Value(v.data)``.
        While ``autograd.compile`` traces it raises: the compiled code would use the traced
        number for every input."""
        self._number("detached")  # raises while tracing
        return Constant(self._data, self.label)


class Constant(Value):
    """A number that takes no gradient: an operand such as the 2 in ``x * 2``, a result
    computed under ``no_grad``, the result of :meth:`Value.detach`, or the result of an op
    whose inputs are all Constants or numbers.

    A Constant is a leaf that takes no gradient, as a Python number given to a PyTorch op or a
    tensor that does not require grad: its ``grad`` is always 0.0, assigning to it has no
    effect, and ``backward()`` on it raises (there is no graph to pass gradients through). It
    keeps the graph uniform (every op input is a Value, so drawings show it) without computing
    or reporting derivatives nobody asked for, such as d(x ** 2)/d2 = x ** 2 ln x, which is nan
    for x < 0.

    An op on Constants alone gives a Constant, as an op on tensors that do not require grad
    gives one with no ``grad_fn``: ``a.detach() * b.detach()`` records no graph, and
    ``backward()`` on it raises instead of leaving every gradient at 0. (Its op methods are
    Value's, wrapped by :func:`install_constant_methods`, so Value's own ops pay nothing.)
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:
        pass


def _takes_no_gradient(operand: Value | float | None) -> bool:
    """Whether an op's input passes no gradient on: none, a number operand or a Constant."""
    return operand is None or operand.__class__ is float or isinstance(operand, Constant)


def _constant_method(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` for a Constant: Value's op, whose result becomes a Constant (the same number,
    no graph) when no input takes a gradient."""

    def constant_op(self: Constant, *other: object) -> Any:
        result = method(self, *other)
        if (
            result.__class__ is Value
            and _takes_no_gradient(result._first)
            and _takes_no_gradient(result._second)
        ):
            return Constant(result._data)
        return result

    constant_op.__name__ = method.__name__
    constant_op.__qualname__ = f"Constant.{method.__name__}"
    constant_op.__doc__ = method.__doc__
    return constant_op


def install_constant_methods(methods: dict[str, Callable[..., Any]]) -> None:
    """Give Constant the op methods of Value (``methods``, by name), each making a Constant of
    a result computed from Constants and numbers alone. Python asks a subclass's reflected
    method first (``v * c`` calls ``c.__rmul__(v)``), which then gives Value's result."""
    for name, method in methods.items():
        setattr(Constant, name, _constant_method(method))


def check_takes_gradient(root: Value) -> None:
    """Raises if a backward pass from ``root`` could only give zero gradients: ``root`` is a
    :class:`Constant` (a number, a result computed under ``no_grad``, ``detach()``'s, or an op's
    on Constants alone), so there is no graph to pass a gradient through. Every other result of
    an op has an input that takes a gradient, so its graph reaches a leaf that does. PyTorch
    raises here too ("does not require grad"); without the error every gradient would silently
    stay 0."""
    if root._first is None and isinstance(root, Constant):
        raise RuntimeError(
            f"backward() was called on {describe(root)}, a Constant: a number that takes no "
            "gradient, such as a number operand, a result computed under no_grad, the result of "
            "detach(), or of ops on such numbers alone. It has no graph to pass gradients "
            "through. Compute the value outside no_grad, from the Values you want gradients for, "
            "and call backward() on that."
        )


def _compared(other: object) -> float | None:
    """What a Value is compared with, as a number: a Value's data, a real number (bool
    included, as in Python), or None for anything else."""
    if isinstance(other, Value):
        return other._number("compared")
    if isinstance(other, numbers.Real):
        return other  # type: ignore[return-value]
    return None


def describe(value: Value) -> str:
    """A short description for messages: the label if any, and the data."""
    name = f"{value.label!r} " if value.label else ""
    kind = "constant" if isinstance(value, Constant) else (value.op or "leaf")
    return f"{name}({kind}, data={value.data!r})"
