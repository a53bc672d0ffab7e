"""Pickling and copying graphs: ``pickle``, ``copy.deepcopy`` and ``copy.copy`` of a Value.

A Value refers to its parents, so pickling one pickles its whole ancestor graph. Pickle follows
references by recursion, one level per node of a chain, so a graph is never handed to it as
nested references. Instead, a Value whose parents the pickler has not yet written reduces to
its ancestors as one flat list in topological order (parents first) followed by itself: when
pickle writes a node of that list, its parents are already written, so it costs one level of
recursion whatever the depth of the graph. Identity is pickle's own: it writes each object once
and refers to it afterwards, so a node shared by several paths, or by several Values pickled
together (``pickle.dumps([a, b])``), comes back as one node.

What the pickler has already written is tracked per pickler in a :class:`_Session` that the
pickler itself keeps alive (it is written into the pickle, as a marker of a few bytes). That
knowledge only decides how much is listed, never what a node refers to: if it were wrong, the
cost would be recursion depth, not a wrong graph.

A node is written as every slot of its class, by name (a slot added to Value later travels
too, and a slot left unset stays unset). Gradients come after the structure. A gradient
recorded by ``backward(create_graph=True)`` is a Value of another graph, which may depend on
the very node being written (the gradient of ``exp`` is its output), so a listed node's
recorded gradient is written after the node that listed it, as part of that node's state,
where pickle allows cycles.

Rules pickle by name: a rule of the table (:data:`autograd.ops.RULES`) is written as its name
and found in the table when the pickle is loaded; any other rule (made by ``Rule(...)`` for
:func:`autograd.apply`) is written as its constructor arguments, which must be text, numbers
and tuples of them. A mode (``no_grad``, ``detect_anomaly``) is not part of a Value and is not
pickled.

``copy.deepcopy`` does the same walk with the memo ``deepcopy`` passes, so it is exact: nodes
already copied with that memo are reused. A deep copy shares the rules (they are immutable).
``copy.copy`` copies one node: the copy has the same data, grad, label, rule, local derivatives
and the *same* parent objects, so a backward pass from it reaches the original graph.
"""

from __future__ import annotations

import copy
import copyreg
import pickle
import threading
import weakref
from collections.abc import Container
from typing import Any

from autograd.ops import RULES
from autograd.rule import Rule

Node = Any  # a Value; this module sits below autograd.value, which imports it
State = tuple[Any, ...]


def _new_ancestors(root: Node, known: Container[int]) -> list[Node]:
    """The ancestors of ``root`` whose id is not in ``known``, parents before children (first
    operand before second), ``root`` excluded; the walk stops at known nodes. Iterative, so any
    depth works; the order depends on the graph alone, never on ids or hashes."""
    order: list[Node] = []
    done: set[int] = set()
    entered: set[int] = set()  # parents pushed; finished when met again on top of the stack
    stack: list[Node] = [root]  # nodes only: no tuple per step for the garbage collector
    push, finish = stack.append, order.append
    while stack:
        node = stack[-1]
        key = id(node)
        if key in done:
            stack.pop()
            continue
        if key in entered:
            stack.pop()
            done.add(key)
            finish(node)
            continue
        entered.add(key)
        second = node._second  # pushed first, so the first operand is walked first
        if second is not None and type(second) is not float:
            key = id(second)
            if key not in known and key not in done:
                push(second)
        first = node._first
        if first is not None and type(first) is not float:
            key = id(first)
            if key not in known and key not in done:
                push(first)
    order.pop()  # the root itself
    return order


UNSET = ...
"""How a slot left unset (an op's label, a leaf's local derivatives) is written."""
_SLOTS: dict[type, tuple[str, ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    """The names of the slots of a node's class, sorted (so the order is fixed): every field
    of a Value, a slot added later included."""
    names = _SLOTS.get(cls)
    if names is None:
        names = tuple(
            sorted(
                {
                    name
                    for klass in cls.__mro__
                    for name in klass.__dict__.get("__slots__", ())
                    if name not in ("__weakref__", "__dict__")
                }
            )
        )
        _SLOTS[cls] = names
    return names


def _fields(node: Node, with_grad: bool) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The slot names of the node and their values (:data:`UNSET` for an unset slot; for the
    gradient too unless ``with_grad``)."""
    names = _slots(type(node))
    return names, tuple(
        UNSET if name == "grad" and not with_grad else getattr(node, name, UNSET) for name in names
    )


def _can_refer_to_nodes(grad: object) -> bool:
    """Whether writing this gradient may write Values: anything but a plain number (a
    recorded gradient holds a Value)."""
    return type(grad) not in (float, int)


def set_state(node: Node, state: State) -> None:
    """Restores a node from its pickled state: its slots (a gradient left unset comes with the
    node that listed this one), and then the gradients of the nodes it listed."""
    names, values, deferred = state
    for name, value in zip(names, values):
        if value is not UNSET:
            setattr(node, name, value)  # a Constant ignores its grad: it is always 0.0
    for listed, listed_grad in deferred:
        listed.grad = listed_grad


def new_node(_session: None, cls: type) -> Node:
    """An empty node of class ``cls``, filled in by its state (pickle's BUILD)."""
    return object.__new__(cls)


def _session_marker() -> None:
    """What a :class:`_Session` becomes when loaded: nothing."""
    return None


class _Session:
    """What one pickler has written: the ids of the Values it has reduced (and so remembers),
    and those listed by a reduction whose list it is writing now."""

    __slots__ = ("__weakref__", "listed", "written")

    def __init__(self) -> None:
        self.written: set[int] = set()
        self.listed: set[int] = set()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_session_marker, ())


_local = threading.local()


def _session(fresh: bool = False) -> _Session:
    """This thread's current session (kept alive only by the pickler that wrote it), or a new
    one."""
    reference = getattr(_local, "session", None)
    session = None if fresh or reference is None else reference()
    if session is None:
        session = _Session()
        _local.session = weakref.ref(session)
    return session


def reduce_value(node: Node) -> tuple[Any, ...]:
    """``node.__reduce_ex__``: see the module docstring.

    Three forms, each naming the session in its arguments (so the pickler keeps it alive for as
    long as it remembers what it wrote):

    - a node listed by a reduction being written: its structure and a numeric gradient (a
      recorded gradient comes with the node that listed it);
    - a node whose parents are written: its structure and its gradient;
    - otherwise: its unwritten ancestors as a list in the arguments (so they are written before
      it, each in one level of recursion), its structure and gradient, and the recorded
      gradients of the listed nodes.
    """
    session = _session()
    key = id(node)
    if key in session.listed:
        grad = node.grad
        session.listed.discard(key)
        session.written.add(key)
        fields = _fields(node, with_grad=not _can_refer_to_nodes(grad))
        return (new_node, (session, type(node)), (*fields, ()))
    # No list is being written now: any id left listed was written before being reached.
    session.listed.clear()
    if key in session.written:
        # A pickler reduces a node once (then remembers it): this session is another pickler's
        # (one kept alive after its dump). Start afresh: at worst, nodes are listed again.
        session = _session(fresh=True)
    ancestors = _new_ancestors(node, session.written)
    session.written.add(key)
    if not ancestors:
        return (new_node, (session, type(node)), (*_fields(node, with_grad=True), ()))
    session.listed.update(map(id, ancestors))
    deferred = tuple(
        (listed, listed.grad) for listed in ancestors if _can_refer_to_nodes(listed.grad)
    )
    return (
        listed_then_node,
        (session, ancestors, type(node)),
        (*_fields(node, with_grad=True), deferred),
    )


def listed_then_node(_session: None, _ancestors: list[Node], cls: type) -> Node:
    """An empty node of class ``cls``, made once its listed ancestors are loaded."""
    return object.__new__(cls)


def deepcopy_value(node: Node, memo: dict[int, Any]) -> Node:
    """``node.__deepcopy__(memo)``: copies the ancestors not yet in ``memo`` in topological
    order (iterative, any depth), then the gradients (a recorded gradient's graph is copied
    with the same memo). Rules are shared."""
    order = [*_new_ancestors(node, memo), node]
    keep_alive = memo.setdefault(id(memo), [])  # as copy.deepcopy does: ids stay unique
    for original in order:
        duplicate = object.__new__(type(original))
        names, values = _fields(original, with_grad=False)
        for name, value in zip(names, values):
            if value is UNSET or name == "grad":
                continue
            if name in ("_first", "_second"):
                value = value if value is None or type(value) is float else memo[id(value)]
            elif name != "_rule":  # rules are shared
                value = copy.deepcopy(value, memo)
            setattr(duplicate, name, value)
        memo[id(original)] = duplicate
        keep_alive.append(original)
    for original in order:
        grad = original.grad
        memo[id(original)].grad = copy.deepcopy(grad, memo) if _can_refer_to_nodes(grad) else grad
    return memo[id(node)]


def copy_value(node: Node) -> Node:
    """``node.__copy__()``: a new node with the same fields; the parents are shared."""
    duplicate = object.__new__(type(node))
    set_state(duplicate, (*_fields(node, with_grad=True), ()))
    return duplicate


# --- rules ------------------------------------------------------------------------------------
_RULE_ARGUMENTS = (
    "value", "grads", "note", "methods", "function", "doc", "oracle", "kink", "torch", "domain",
)  # fmt: skip


def table_rule(name: str) -> Rule:
    """The rule of the table named ``name``, for a pickle being loaded."""
    try:
        return RULES[name]
    except KeyError:
        raise pickle.UnpicklingError(
            f"the pickle refers to the rule {name!r} of autograd.ops.RULES, which has no rule "
            f"of that name (this version has {', '.join(RULES)})"
        ) from None


def user_rule(name: str, arguments: tuple[tuple[str, Any], ...]) -> Rule:
    """A rule that is not in the table, made again from its constructor arguments."""
    return Rule(name, **dict(arguments))


def _plain(item: object) -> bool:
    """Whether ``item`` is text, a number, None, or a tuple of them (nested): what a rule
    is made from, and what can be written without code."""
    if item is None or type(item) in (str, float, int, bool):
        return True
    return type(item) is tuple and all(_plain(part) for part in item)


def reduce_rule(rule: Rule) -> tuple[Any, ...]:
    """A table rule as its name; another as its constructor arguments (text and tuples), or
    a PicklingError naming the rule and the argument that is neither."""
    if RULES.get(rule.name) is rule:
        return (table_rule, (rule.name,))
    arguments = tuple((name, getattr(rule, name)) for name in _RULE_ARGUMENTS)
    for name, argument in (("name", rule.name), *arguments):
        if not _plain(argument):
            raise pickle.PicklingError(
                f"rule {rule.name!r} cannot be pickled: it is not in autograd.ops.RULES, so it "
                f"is written as its constructor arguments, and its {name} is "
                f"{type(argument).__name__}: {argument!r}, where text, numbers and tuples of "
                "them are expected"
            )
    return (user_rule, (rule.name, arguments))


copyreg.pickle(Rule, reduce_rule)  # used by pickle, copy.copy and copy.deepcopy
