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

The thresholds belong to the whole process, so they change for every thread while the block
runs; nested blocks each restore what they found. chainrule never changes them by itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

TRAINING_THRESHOLD = 100_000
"""The collector's first threshold inside :func:`fewer_collections`, unless told otherwise."""


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
    before = gc.get_threshold()
    gc.set_threshold(threshold, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
