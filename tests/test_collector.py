"""``fewer_collections``: the collector's first threshold raised for a block and put back as it
was, whatever happens in the block; fewer collections while a graph is built; bad thresholds
refused with nothing changed."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from autograd import Value, fewer_collections


@pytest.fixture(autouse=True)
def _thresholds_as_found() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_the_first_threshold_is_raised_and_all_three_put_back() -> None:
    gc.set_threshold(700, 11, 13)
    with fewer_collections():
        assert gc.get_threshold() == (100_000, 11, 13)
    assert gc.get_threshold() == (700, 11, 13)
    with fewer_collections(5_000):
        assert gc.get_threshold() == (5_000, 11, 13)
    assert gc.get_threshold() == (700, 11, 13)


def test_an_exception_or_an_interrupt_in_the_block_still_restores_them() -> None:
    gc.set_threshold(700, 10, 10)
    for error in (ValueError("in the block"), KeyboardInterrupt()):
        with pytest.raises(type(error)), fewer_collections():
            raise error
        assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_each_restore_what_they_found() -> None:
    gc.set_threshold(700, 10, 10)
    with fewer_collections(50_000):
        with fewer_collections(200_000):
            assert gc.get_threshold()[0] == 200_000
        assert gc.get_threshold()[0] == 50_000
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize(
    ("threshold", "error", "words"),
    [
        (0, ValueError, "at least 1 (0 would switch the collector off), got 0"),
        (-5, ValueError, "got -5"),
        (1.5, TypeError, "must be an int, got float"),
        (True, TypeError, "must be an int, got bool"),
        ("100000", TypeError, "must be an int, got str"),
    ],
)
def test_a_bad_threshold_is_refused_and_changes_nothing(
    threshold: object, error: type[Exception], words: str
) -> None:
    gc.set_threshold(700, 10, 10)
    match = words.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(error, match=match), fewer_collections(threshold):  # type: ignore[arg-type]
        pytest.fail("the block must not run")
    assert gc.get_threshold() == (700, 10, 10)


def _young_collections_while_building(values: int) -> int:
    """How many times the collector ran its youngest generation while a chain was built and
    backpropagated."""
    runs = [0]

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 0:
            runs[0] += 1

    gc.callbacks.append(count)
    try:
        x = Value(0.5)
        y = x
        for _ in range(values):
            y = y * 1.0000001
        y.backward()
        assert x.grad == pytest.approx(1.0000001**values, rel=1e-9)
    finally:
        gc.callbacks.remove(count)
    return runs[0]


def test_the_collector_runs_far_less_often_inside_the_block() -> None:
    """Building and backpropagating a chain of 60,000 Values runs the youngest generation
    dozens of times with the default threshold of 700 (79 on CPython 3.11); inside the block,
    with 100,000 containers between runs, at most a few times."""
    gc.set_threshold(700, 10, 10)
    outside = _young_collections_while_building(60_000)
    with fewer_collections():
        inside = _young_collections_while_building(60_000)
    assert outside > 40
    assert inside <= 3


def test_blocks_that_overlap_in_two_threads_put_the_thresholds_back() -> None:
    """Thread A enters, thread B enters, A leaves, B leaves: afterwards the thresholds are
    those found before A entered, and while only B is open, B's threshold holds."""
    import threading

    gc.set_threshold(700, 10, 10)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []

    def a() -> None:
        with fewer_collections():
            a_in.set()
            b_in.wait()
        a_out.set()

    def b() -> None:
        a_in.wait()
        with fewer_collections(50_000):
            b_in.set()
            a_out.wait()
            seen.append(gc.get_threshold()[0])

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [50_000]
    assert gc.get_threshold() == (700, 10, 10)


def test_a_threshold_beyond_a_c_int_is_refused() -> None:
    gc.set_threshold(700, 10, 10)
    refused = pytest.raises(ValueError, match="at most 2147483647, got 2147483648")
    with refused, fewer_collections(2**31):
        pytest.fail("the block must not run")
    assert gc.get_threshold() == (700, 10, 10)
