"""``fewer_collections``: an opt-in way for a training loop to spend less time in the collector.

Every op makes a Value, and CPython's cyclic garbage collector runs its youngest generation each
time ``threshold0`` (700 by default) more container objects have been made than freed. A
training step of a large graph makes hundreds of thousands of Values, so the collector runs
hundreds of times per step and walks objects that are all alive (the graph is still needed by
``backward``): about a quarter of an eager ``MLP(2, [16, 16, 1])`` step on 100 points.

Inside ``with fewer_collections():`` the first threshold is raised (100,000 by default), so the
collector runs a hundred times less often; on exit the thresholds are put back exactly as they
were, also after an exception. Nothing is switched off: cycles are still collected, and the
memory a graph holds is freed as before, by reference counting, when it is dropped.

The thresholds belong to the whole process, so they change for every thread while a block
runs. Blocks may nest and overlap, in one thread or many: while any is open the first threshold
is that of the block entered last of those still open, and when the last one closes all three
are put back as they were before the first opened. chainrule never changes them by itself.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

TRAINING_THRESHOLD = 100_000
"""The collector's first threshold inside :func:`fewer_collections`, unless told otherwise."""
LARGEST_THRESHOLD = 2**31 - 1
"""The largest threshold CPython takes (a C int)."""

_lock = threading.Lock()
_open: list[tuple[object, int]] = []
"""The blocks open now, in the order they were entered: (a token of the block, its threshold)."""
_before: list[tuple[int, int, int]] = []
"""The thresholds found when the first of the open blocks was entered."""


@contextmanager
def fewer_collections(threshold: int = TRAINING_THRESHOLD) -> Iterator[None]:
    """Raise the cyclic garbage collector's first-generation threshold to ``threshold`` for the
    block, and restore all three thresholds afterwards.

    Examples:
        >>> import gc
        >>> from autograd import fewer_collections
        >>> before = gc.get_threshold()
        >>> with fewer_collections():
        ...     gc.get_threshold()[0]
        100000
        >>> gc.get_threshold() == before
        True
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError(
            f"fewer_collections: threshold must be an int, got {type(threshold).__name__}"
        )
    if threshold < 1:
        raise ValueError(
            f"fewer_collections: threshold must be at least 1 (0 would switch the collector "
            f"off), got {threshold}"
        )
    if threshold > LARGEST_THRESHOLD:
        raise ValueError(
            f"fewer_collections: threshold must be at most {LARGEST_THRESHOLD}, got {threshold}"
        )
    token = object()
    with _lock:
        if not _open:
            _before[:] = [gc.get_threshold()]
        _open.append((token, threshold))
        gc.set_threshold(threshold, *_before[0][1:])
    try:
        yield
    finally:
        with _lock:
            _open.remove(next(entry for entry in _open if entry[0] is token))
            if _open:
                gc.set_threshold(_open[-1][1], *_before[0][1:])
            else:
                gc.set_threshold(*_before[0])
