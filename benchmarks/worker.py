"""One engine's benchmark process: reads a request per line on stdin, answers one JSON line.

A request is {"workload": "w1", "arg": null, "gc": true}; the answer is {"seconds": ...,
"result": ...} for one timed run, or {"error": "..."} if the workload failed (micrograd's
recursive sort fails on deep chains, for example). Setups are made once and reused.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engines import ENGINES

W5_NUMBER = 20_000
BATCH = {"w1": 200}  # steps timed together, for workloads of microseconds


def main(engine_name: str) -> None:
    engine = ENGINES[engine_name]()
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
            return {"seconds": 0.0, "result": engine.w4(arg)}
        if workload == "w5":
            statement, namespace = engine.w5(arg)
            # timeit switches the collector off while it times: switch it back on if asked
            setup = "gc.enable()" if collect else "pass"
            timer = timeit.Timer(statement, setup, globals={**namespace, "gc": gc})
            return {"seconds": timer.timeit(W5_NUMBER) / W5_NUMBER, "result": 0.0}
        key = f"{workload}:{arg}"
        if workload == "w3" or key not in prepared:  # each w3 run builds its own chain
            prepared[key] = engine.w3(arg) if workload == "w3" else getattr(engine, workload)()
        repeat = BATCH.get(workload, 1)
        start = time.perf_counter()
        for _ in range(repeat):
            result = prepared[key]()
        return {"seconds": (time.perf_counter() - start) / repeat, "result": result}
    except RecursionError:
        return {"error": "RecursionError"}
    except NotImplementedError:
        return {"error": "n/a"}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    finally:
        gc.enable()


if __name__ == "__main__":
    main(sys.argv[1])
