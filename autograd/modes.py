"""Recording modes: ``no_grad`` and ``detect_anomaly``, held in a context variable.

A :class:`contextvars.ContextVar` keeps each mode local to its thread and to its asyncio task, so
``with no_grad():`` in one thread or task never switches recording off in another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

switched_modes: set[int] = set()
"""The ids of the modes that blocks have switched to and that still exist. Empty, no context can
be in a mode other than the default, so an op need not read ``current_mode``; a mode kept by a
copied context (an asyncio task started inside the block) exists, and is found. Set and
discard are single calls, safe across threads."""


class Mode(NamedTuple):
    """What an op does besides computing its value."""

    record: bool
    """Record the graph (parents and local derivatives) so that ``backward`` can run."""
    anomaly: bool
    """Raise ``FloatingPointError`` where an op turns finite numbers into nan or inf."""

    def __del__(self, forget: Callable[[int], None] = switched_modes.discard) -> None:
        # bound at definition: Python's docs warn that at interpreter exit a __del__ may find
        # the module's globals already deleted
        forget(id(self))


DEFAULT_MODE = Mode(record=True, anomaly=False)
current_mode: ContextVar[Mode] = ContextVar("chainrule_mode", default=DEFAULT_MODE)
"""The mode of the running context. Switch it only with the context managers below, which also
record the new mode in ``switched_modes``: ops read this variable only when that set is not
empty."""

tracing: ContextVar[bool] = ContextVar("chainrule_tracing", default=False)
"""True while ``autograd.compile`` traces a function."""


class TracingError(TypeError):
    """A traced function did something a trace cannot capture (Python control flow on a Value)."""


@contextmanager
def _switched(**changes: bool) -> Iterator[None]:
    """Changes the current mode for the duration of a block, then restores it."""
    mode = current_mode.get()._replace(**changes)
    switched_modes.add(id(mode))
    token = current_mode.set(mode)
    del mode  # the context holds it, for as long as the context exists
    try:
        yield
    finally:
        current_mode.reset(token)


@overload
def no_grad() -> AbstractContextManager[None]: ...
@overload
def no_grad(function: F) -> F: ...
def no_grad(function: F | None = None) -> AbstractContextManager[None] | F:
    """Within this block ops record no graph: their results are :class:`autograd.Constant`
    numbers, which take no gradient (as PyTorch's results under ``no_grad`` do not require
    grad).

    Use it for evaluation and for updating parameters. It also works as a decorator, with or
    without parentheses (``@no_grad`` and ``@no_grad()``), as PyTorch's.

    Examples:
        >>> from autograd import Value, no_grad
        >>> with no_grad():
        ...     y = Value(2.0) * 3
        >>> type(y).__name__, y.op, y.parents
        ('Constant', '', ())
    """
    return _switch_or_decorate(function, "no_grad", record=False)


@overload
def enable_grad() -> AbstractContextManager[None]: ...
@overload
def enable_grad(function: F) -> F: ...
def enable_grad(function: F | None = None) -> AbstractContextManager[None] | F:
    """Within this block ops record the graph again, even inside ``no_grad``. It also works as
    a decorator, with or without parentheses."""
    return _switch_or_decorate(function, "enable_grad", record=True)


def _switch_or_decorate(
    function: F | None, name: str, **changes: bool
) -> AbstractContextManager[None] | F:
    """The context manager of a mode, or, given a function, that function running in it."""
    if function is None:
        return _switched(**changes)
    if not callable(function):
        raise TypeError(
            f"{name} takes no argument, or a function to decorate; got "
            f"{type(function).__name__}: {function!r}"
        )
    return _switched(**changes)(function)


def detect_anomaly() -> AbstractContextManager[None]:
    """Within this block, the first op that turns finite inputs into nan or inf raises.

    Forward: an op whose inputs are finite and whose value is not. Backward: an op whose upstream
    gradient and inputs are finite but whose contribution to an input is not; the grads are then
    left as they were before the pass. The ``FloatingPointError`` names the op, its inputs and
    their labels. It costs a check per op.
    """
    return _switched(anomaly=True)


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad``."""
    return current_mode.get().record
