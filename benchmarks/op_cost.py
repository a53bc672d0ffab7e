"""The cost of one op and the memory of one node, for chainrule (and micrograd if installed).

    python benchmarks/op_cost.py

Times are the best of several timeit repeats (ns per op; timeit switches the garbage collector
off); backward is timed on a chain of 600 op nodes (ns per node, best of 200). Memory per node
is measured with tracemalloc: the bytes allocated while building a chain of 100,000 nodes,
divided by the number of ops (every op allocates its node, and micrograd's its tuples and
closure too; chainrule keeps a number operand as a float).
"""

from __future__ import annotations

import gc
import importlib.util
import time
import timeit
import tracemalloc
from collections.abc import Callable
from typing import Any

N_NODES = 100_000


def op_cost_ns(make: Callable[[float], Any], statement: str) -> float:
    namespace = {"a": make(2.0), "b": make(3.0)}
    timer = timeit.Timer(statement, globals=namespace)
    number = 200_000
    return min(timer.repeat(repeat=7, number=number)) / number * 1e9


def bytes_per_node(make: Callable[[float], Any], step: Callable[[Any, Any], Any]) -> float:
    gc.collect()
    x = make(1.0)
    w = make(1.0001)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(N_NODES):
        y = step(y, w)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / N_NODES


def backward_ns_per_node(make: Callable[[float], Any]) -> float:
    """Build y = x * w + c over 300 steps (600 op nodes, shallow enough for micrograd's
    recursive sort), then time y.backward(); the best of 200 graphs."""
    times = []
    for _ in range(200):
        x, w, c = make(1.0), make(0.9999), make(0.0001)
        y = x
        for _ in range(300):
            y = y * w + c
        start = time.perf_counter()
        y.backward()
        times.append(time.perf_counter() - start)
    return min(times) / 600 * 1e9


def report(name: str, make: Callable[[float], Any]) -> dict[str, float]:
    result = {
        "a * b (ns)": op_cost_ns(make, "a * b"),
        "a + b (ns)": op_cost_ns(make, "a + b"),
        "backward (ns/node)": backward_ns_per_node(make),
        "bytes/node, y * w": bytes_per_node(make, lambda y, w: y * w),
        "bytes/node, y * 1.0001": bytes_per_node(make, lambda y, w: y * 1.0001),
    }
    for key, value in result.items():
        print(f"{name:10} {key:24} {value:8.1f}")
    return result


def main() -> None:
    from autograd import Value

    ours = report("chainrule", Value)
    if importlib.util.find_spec("micrograd") is None:
        print("micrograd is not installed: no ratios (pip install micrograd==0.1.0)")
        return
    from micrograd.engine import Value as MicrogradValue

    theirs = report("micrograd", MicrogradValue)
    for key in ours:
        print(f"ratio      {key:24} {ours[key] / theirs[key]:8.2f}x micrograd")


if __name__ == "__main__":
    main()
