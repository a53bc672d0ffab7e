"""One engine's benchmark process: reads a request per line on stdin, answers one JSON line.

    python benchmarks/worker.py ENGINE

The first line is the workloads' shared numbers (data.py), as JSON. A request is {"workload":
"w1", "arg": null, "gc": true}; the answer is {"cpu": ..., "wall": ..., "result": ...} for one
timed run (seconds of CPU time, ``time.process_time``, which counts every thread of the
process, and of wall time, ``time.perf_counter``), or {"error": "..."} if the workload failed
(micrograd's recursive sort fails on deep chains, for example). A step function is made once
and reused; the first request for it makes it and calls it once, and that answer also says
"first": true (its times are the first call's: tracing and compiling, where the engine does).

The HIPS autograd worker puts its installation (build/peers/hips) first on sys.path and never
imports chainrule; the others put the checkout the suite runs from first, so that the chainrule
timed is this one.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import data  # noqa: E402
from engines import ENGINES  # noqa: E402
from peers import HIPS_DIR  # noqa: E402

W5_NUMBER = 20_000
BATCH = {"w1": 200, "w2": 2}  # steps timed together
WARM = {"w2": 1}
"""Steps run untimed just before the timed ones, the same for every engine (so that all take
the same steps): a W2 step timed alone after the other workers ran measured 2 to 5 times its
time in a training loop (jax.jit 860 against 180 us), the caches cold and the CPU idle; after
one untimed step, 270 us."""


def main(engine_name: str) -> None:
    data.use(json.loads(sys.stdin.readline()))
    if engine_name == "hips autograd":
        sys.path.insert(0, str(HIPS_DIR))
    else:
        sys.path.insert(1, str(HERE.parent))
    try:
        engine = ENGINES[engine_name]()
    except NotImplementedError as error:
        engine = Unavailable(str(error))
    prepared: dict[str, Callable[[], Any]] = {}
    for line in sys.stdin:
        print(json.dumps(answer(engine, json.loads(line), prepared)), flush=True)


def answer(engine: Any, request: dict[str, Any], prepared: dict[str, Callable[[], Any]]) -> Any:
    """Runs one request on ``engine`` with the collector on or off as asked, and restores it."""
    workload, arg = request["workload"], request.get("arg")
    collect = request.get("gc", True)
    if collect:
        gc.enable()
    else:
        gc.disable()
    try:
        if workload == "w4":
            return {"cpu": 0.0, "wall": 0.0, "result": engine.w4(arg)}
        if workload == "w5":
            statement, namespace = engine.w5(arg)
            # timeit switches the collector off while it times: switch it back on if asked
            setup = "gc.enable()" if collect else "pass"
            timer = timeit.Timer(statement, setup, globals={**namespace, "gc": gc})
            cpu, wall = cpu_time(), time.perf_counter()
            timer.timeit(W5_NUMBER)
            return _timed(cpu, wall, W5_NUMBER, 0.0)
        key = f"{workload}:{arg}"
        if workload != "w3" and key not in prepared:
            cpu, wall = cpu_time(), time.perf_counter()
            prepared[key] = getattr(engine, workload)()
            result = prepared[key]()
            return {**_timed(cpu, wall, 1, result), "first": True}
        if workload == "w3":  # each w3 run builds its own chain
            prepared[key] = engine.w3(arg)
        for _ in range(WARM.get(workload, 0)):
            prepared[key]()
        repeat = BATCH.get(workload, 1)
        cpu, wall = cpu_time(), time.perf_counter()
        for _ in range(repeat):
            result = prepared[key]()
        return _timed(cpu, wall, repeat, result)
    except RecursionError:
        return {"error": "RecursionError"}
    except NotImplementedError:
        return {"error": "n/a"}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    finally:
        gc.enable()


def cpu_time() -> float:
    """CPU seconds of this process (every thread) and of the children it has waited for (a C
    compiler run by a first call)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _timed(cpu: float, wall: float, repeat: int, result: Any) -> dict[str, Any]:
    """The answer for ``repeat`` runs started at (``cpu``, ``wall``): seconds per run."""
    cpu, wall = cpu_time() - cpu, time.perf_counter() - wall
    return {"cpu": cpu / repeat, "wall": wall / repeat, "result": result}


class Unavailable:
    """An engine that cannot run here (no C compiler, say): every workload is n/a."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __getattr__(self, workload: str) -> Any:
        raise NotImplementedError(self.reason)


if __name__ == "__main__":
    main(sys.argv[1])
