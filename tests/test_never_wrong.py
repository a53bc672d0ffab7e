"""Wrong gradients without an error, each reproduced and shut out: interrupted passes, passes near
the recursion limit, inf/nan through masked zeros, stale gradient graphs, graphs whose data
changed, explain after backward, and two threads in one graph. Expected numbers are derived by
hand (in the comments) or come from PyTorch."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

import autograd
from autograd import Value, detect_anomaly, explain, grad
from autograd.trace import backward_steps

X, W = 0.7, -1.3


def _graph() -> tuple[Value, Value, Value, Value]:
    """y = x x w + sin(x), through an interior node s = x x used twice: dy/dx = 2 x w + cos x,
    dy/dw = x^2, and the interior grad dy/ds = w."""
    x, w = Value(X, label="x"), Value(W, label="w")
    s = x * x
    y = s * w + x.sin() + s * 0.0
    return x, w, s, y


EXPECTED_X = 2 * X * W + math.cos(X)
EXPECTED_W = X * X


def _check_correct(x: Value, w: Value, s: Value, y: Value) -> None:
    x.grad = w.grad = 0.0
    y.backward()
    assert x.grad == pytest.approx(EXPECTED_X, rel=1e-15)
    assert w.grad == pytest.approx(EXPECTED_W, rel=1e-15)
    assert s.grad == pytest.approx(W, rel=1e-15)
    assert type(s.grad) is float  # no mark of a pass is left in a grad


ENTRY_POINTS = {"backward", "float_pass", "backward_create_graph"}
"""The functions that take the lock and pause the collector, left out here: a trace function
can raise where no signal is ever delivered (at a ``with`` line's exit event, before
``__exit__`` runs). Real signals interrupt them in the test with SIGALRM below."""


@contextmanager
def _interrupt_at_line(
    n: int | tuple[int, ...], module_files: tuple[str, ...], spare: frozenset[str] = frozenset()
) -> Iterator[list[int]]:
    """Raises KeyboardInterrupt at the n-th line executed in ``module_file`` outside the entry
    points (the sort, the accumulation, the walk, the writing of grads), as a Ctrl-C would
    there; yields a list that receives the number of lines seen."""
    seen = [0]
    cuts = (n,) if isinstance(n, int) else n

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            seen[0] += 1
            if seen[0] in cuts:
                raise KeyboardInterrupt
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        inside = (
            code.co_filename in module_files
            and code.co_name not in ENTRY_POINTS
            and code.co_name not in spare
        )
        return local if inside else None

    sys.settrace(tracer)
    try:
        yield seen
    finally:
        sys.settrace(None)


def _lines_of_a_pass(run: Callable[[Value], None], module_file: tuple[str, ...]) -> int:
    run(_graph()[-1])  # once before, so that caches filled on a first pass are filled
    *_, y = _graph()
    with _interrupt_at_line(0, module_file) as seen:
        run(y)
    return seen[0]


GRAPH = (autograd.graph.__file__,)
PASSES: dict[str, tuple[Callable[[Value], None], tuple[str, ...]]] = {
    "backward": (lambda y: y.backward(), GRAPH),
    "anomaly": (lambda y: _anomaly_backward(y), GRAPH),
    "steps": (lambda y: list(backward_steps(y)) and None, GRAPH),
    "create_graph": (
        lambda y: y.backward(create_graph=True),
        (*GRAPH, autograd.higher.__file__),
    ),
}


def _anomaly_backward(y: Value) -> None:
    with detect_anomaly():
        y.backward()


@pytest.mark.parametrize("name", sorted(PASSES))
def test_an_interrupt_anywhere_twice_in_a_row_never_poisons_the_graph(name: str) -> None:
    run, module_file = PASSES[name]
    lines = _lines_of_a_pass(run, module_file)
    assert lines > 10
    for n in range(1, lines + 1):
        x, w, s, y = _graph()
        # Ctrl-C twice in a row (the second where a clean-up would run), then again in a later
        # pass at another place
        for cuts in ((n, n + 2), (max(1, lines - n),)):
            with _interrupt_at_line(cuts, module_file), pytest.raises(KeyboardInterrupt):
                run(y)
        _check_correct(x, w, s, y)


@pytest.mark.parametrize("name", ["anomaly", "steps", "create_graph"])
def test_an_interrupt_during_the_walk_changes_no_grad(name: str) -> None:
    """The shared walk sums into a dictionary and writes grads only once it has finished (an
    interrupt while it writes them is covered by the test above)."""
    run, module_file = PASSES[name]
    writing = frozenset({"_write_grads"})
    run(_graph()[-1])
    *_, y = _graph()
    with _interrupt_at_line(0, module_file, writing) as seen:
        run(y)
    for n in range(1, seen[0] + 1):
        x, w, s, y = _graph()
        x.grad, w.grad = 5.0, -2.0
        with _interrupt_at_line(n, module_file, writing), pytest.raises(KeyboardInterrupt):
            run(y)
        assert (x.grad, w.grad, s.grad, y.grad) == (5.0, -2.0, 0.0, 0.0)


def _chain(n: int) -> tuple[Value, Value]:
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return x, y


def _depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _at_depth(target: int, call: Callable[[], None]) -> None:
    if _depth() < target:
        _at_depth(target, call)
    else:
        call()


@pytest.mark.parametrize("below", range(1, 21))
def test_backward_near_the_recursion_limit_is_right_or_raises(below: int) -> None:
    """At every depth from 1 to 20 frames below the limit: the right gradient (d/dx of the
    chain is 1.0001^300) or a RecursionError, and never a graph left wrong for the next pass."""
    x, y = _chain(300)
    expected = 1.0001**300
    limit = sys.getrecursionlimit()
    try:
        _at_depth(limit - below, y.backward)
    except RecursionError:
        pass
    else:
        assert x.grad == pytest.approx(expected, rel=1e-12)
    x.grad = 0.0
    y.backward()
    assert x.grad == pytest.approx(expected, rel=1e-12)


def test_each_mark_is_an_object_of_its_own() -> None:
    """A pass's visit mark is a 0.0 that is no other object: on CPython a float computed at run
    time (a new object), elsewhere a float subclass, which keeps its identity where plain floats
    compare by value under ``is`` (PyPy)."""
    from autograd.graph import _fresh_mark, _Mark

    marks = [_fresh_mark() for _ in range(3)] + [_Mark() for _ in range(3)]
    assert all(mark == 0.0 for mark in marks)
    assert len({id(mark) for mark in marks}) == len(marks)
    zero = 0.0
    assert all(mark is not zero for mark in marks)


def test_marks_never_outlive_a_pass() -> None:
    """Every grad that held the mark received a contribution, a plain float."""
    *_, y = _graph()
    y.backward()
    for node in autograd.topological_order(y):
        assert type(node.grad) is float


# --- masked zeros: torch's where -------------------------------------------------------------


def test_masked_zeros_contribute_zero_even_from_an_infinite_upstream() -> None:
    # relu(-2) = 0, so d/dx of f(relu(x)) is f'(0) * 0 = 0 by relu's convention, where f' is
    # inf (sqrt, 1/r, log); PyTorch's where gives 0, not 0 * inf = nan.
    for f in (
        lambda r: r.sqrt(),
        lambda r: 1 / r,
        lambda r: r.log(),
        lambda r: r**0.5,
    ):
        x = Value(-2.0)
        f(x.relu()).backward()
        assert x.grad == 0.0
        (dx,) = grad(f(x.relu()), [x], create_graph=True)
        assert dx.data == 0.0
        compiled = autograd.compile(lambda v, f=f: f(v.relu()))
        assert compiled(-2.0)[1] == (0.0,)
    # (x ** y) / 0 at y = 0: d/dx is 0 by pow's convention (y = 0), d/dy = x^0 ln x / 0 = inf.
    x, y = Value(2.0), Value(0.0)
    ((x**y) / 0.0).backward()
    assert (x.grad, y.grad) == (0.0, math.inf)


def test_a_zero_that_is_no_convention_still_gives_nan_as_torch() -> None:
    # d(x * 0)/dx = 0 is arithmetic, not a convention: with an inf upstream, 0 * inf = nan, as
    # PyTorch's mul gives.
    x = Value(3.0)
    ((x * 0.0).sqrt() * math.inf).backward()
    assert math.isnan(x.grad)


# --- grad_value ------------------------------------------------------------------------------


def test_grad_value_goes_with_the_number_it_belongs_to() -> None:
    x = Value(1.0)
    (x * x).backward(create_graph=True)  # grad 2x = 2, recorded
    assert x.grad_value.parents
    x.grad = 0.0
    (2 * x).backward()  # grad 2 again, first order: no graph
    assert x.grad == 2.0
    assert x.grad_value.parents == ()
    assert grad(x.grad_value, [x])[0].data == 0.0
    # a nan gradient keeps its graph: d sqrt(x)/dx at -1 is nan, and so is its derivative
    v = Value(-1.0)
    v.sqrt().backward(create_graph=True)
    assert math.isnan(v.grad)
    assert v.grad_value.parents


# --- a graph whose data changed ---------------------------------------------------------------


def test_create_graph_over_changed_data_raises_and_first_order_uses_the_recorded_point() -> None:
    w = Value(1.0, label="w")
    y = (w * w).exp()
    w.data = 2.0
    with pytest.raises(RuntimeError, match=r"'w' \(leaf, data=2.0\)"):
        y.backward(create_graph=True)
    assert w.grad == 0.0  # nothing was written
    with pytest.raises(RuntimeError, match="changed"):
        grad(y, [w], create_graph=True)
    y.backward()  # the recorded local derivatives: d e^(w^2)/dw = 2 w e^(w^2) at w = 1
    assert w.grad == pytest.approx(2 * math.e, rel=1e-15)


# --- explain ---------------------------------------------------------------------------------


def test_explain_after_backward_reports_this_pass() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    product = a * b
    product.backward()
    text = explain(product)
    assert text.splitlines()[-1] == "so dv2/da = 3, dv2/db = 2"
    assert (a.grad, b.grad) == (6.0, 4.0)  # and the grads accumulated, as backward's do


# --- threads ---------------------------------------------------------------------------------


def test_two_threads_in_one_graph_add_exactly_two_passes() -> None:
    x, y = _chain(20_000)
    y.backward()
    single = x.grad
    x.grad = 0.0
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        threads = [threading.Thread(target=y.backward) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert x.grad == 2 * single


def test_independent_graphs_in_threads_stay_right() -> None:
    results: dict[int, float] = {}

    def work(index: int) -> None:
        x, y = _chain(2_000 + index)
        y.backward()
        results[index] = x.grad

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1, 2, 3]
    for index, gradient in results.items():
        assert gradient == pytest.approx(1.0001 ** (2_000 + index), rel=1e-12)


def _deep_masked_graph() -> tuple[Value, Value, Value]:
    """A graph deeper than the sort's recursion (so its stack takes over) with a masked zero
    under a nan upstream gradient: relu(-x) = 0 at x = 0.5, 1 / 0 = inf, and the upstream of
    1 / r is 0, so its contribution to relu is 0 * (-inf / 0) = nan, which relu masks. dy/dx is
    the chain's 1.0001^150, plus exactly 0 through the masked relu."""
    x = Value(0.5, label="x")
    chain = x
    for _ in range(150):
        chain = chain * 1.0001 + 0.0
    masked = (1 / (-x).relu()).relu()  # relu(inf) = inf, its input's grad is masked
    y = chain + masked * 0.0
    return x, chain, y


def test_interrupts_in_the_stack_sort_and_the_masked_path_never_poison() -> None:
    x, _, y = _deep_masked_graph()
    y.backward()
    want = x.grad
    assert want == pytest.approx(1.0001**150, rel=1e-12)
    lines = _lines_of_a_pass(lambda y: y.backward(), GRAPH)
    for n in range(1, lines, max(1, lines // 300)):
        x, _, y = _deep_masked_graph()
        with _interrupt_at_line((n, n + 2), GRAPH), pytest.raises(KeyboardInterrupt):
            y.backward()
        x.grad = 0.0
        y.backward()
        assert x.grad.hex() == want.hex()


def test_real_interrupts_leave_the_collector_on_and_the_lock_free() -> None:
    """SIGALRM at random moments of many passes (a Ctrl-C is a signal too): afterwards the
    garbage collector is on, the lock is free and a pass gives the right numbers."""
    signal = pytest.importorskip("signal")
    import random
    import time

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    rng = random.Random(0)
    interrupted = passes = 0
    deadline = time.monotonic() + 60.0  # a bound for a very slow machine, not a timing claim
    try:
        while interrupted < 100 and time.monotonic() < deadline:
            passes += 1
            x, w, s, y = _graph()
            try:
                try:
                    signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-6, 6e-5))
                    for _ in range(20):
                        y.backward()
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except KeyboardInterrupt:  # in a pass, or just after it before the timer stopped
                interrupted += 1
            assert gc_enabled()
            assert not autograd.graph.RUNNING[0]
            assert _lock_is_free()
            _check_correct(x, w, s, y)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted >= 100, f"only {interrupted} of {passes} runs were interrupted"


def _lock_is_free() -> bool:
    """Free for another thread (the lock is re-entrant, so this thread could always take it)."""
    taken: list[bool] = []

    def try_it() -> None:
        lock = autograd.graph.GRADS_LOCK
        if lock.acquire(timeout=1.0):
            lock.release()
            taken.append(True)

    thread = threading.Thread(target=try_it)
    thread.start()
    thread.join()
    return taken == [True]


def gc_enabled() -> bool:
    import gc

    return gc.isenabled()


def test_create_graph_agrees_with_first_order_through_masked_zeros() -> None:
    # sqrt'(0) = inf meets relu's masked zero: 0 * inf = nan in every pass, as PyTorch
    for make in (lambda v: v.sqrt().relu(), lambda v: (v * math.inf).relu()):
        first, recorded = Value(0.0), Value(0.0)
        make(first).backward()
        make(recorded).backward(create_graph=True)
        assert first.grad.hex() == recorded.grad.hex()
    # a node reached only through a masked zero holds this pass's 0, not a stale gradient
    x = Value(-1.0)
    a = x * 3.0
    (a * a).backward()
    a.relu().backward(create_graph=True)
    assert a.grad == 0.0


def test_recorded_gradients_accumulate_even_where_the_number_is_zero() -> None:
    # d/dw of the accumulated d/dx: x w gives w (0 here, but a function of w), x x gives 2x;
    # d(w + 2x)/dw = 1
    x, w = Value(1.0), Value(0.0)
    (x * w).backward(create_graph=True)
    (x * x).backward(create_graph=True)
    assert x.grad == 2.0
    assert grad(x.grad_value, [w])[0].data == 1.0


def test_a_pass_begun_inside_a_pass_raises_instead_of_hanging() -> None:
    """A Value subclass whose grad setter runs backward (as a signal handler or a __del__
    could): the inner pass raises a clear error, and the outer pass is cut short by it, which
    leaves nothing wrong behind."""
    other = Value(2.0)
    inner = other * other

    class Noisy(Value):
        __slots__ = ()

        @property  # type: ignore[override]
        def grad(self) -> float:
            return 0.0

        @grad.setter
        def grad(self, value: float) -> None:
            inner.backward()

    errors: list[BaseException] = []

    def run() -> None:
        leaf = Noisy(1.0)
        try:
            (leaf * 3.0).backward()
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10.0)
    assert not thread.is_alive(), "a pass inside a pass waited for itself"
    assert errors
    assert "passes cannot nest" in str(errors[0])
    other.grad = 0.0  # (making a Noisy ran the setter, outside any pass, once)
    inner.backward()
    assert other.grad == 4.0  # d(o^2)/do at 2
