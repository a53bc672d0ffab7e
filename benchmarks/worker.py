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
BATCH = {"w1": 50}  # steps timed together, for workloads of microseconds


def main(engine_name: str) -> None:
    engine = ENGINES[engine_name]()
    prepared: dict[str, Callable[[], Any]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        workload, arg = request["workload"], request.get("arg")
        if request.get("gc", True):
            gc.enable()
        else:
            gc.disable()
        try:
            if workload == "w4":
                answer = {"seconds": 0.0, "result": engine.w4(arg)}
            elif workload == "w5":
                statement, namespace = engine.w5(arg)
                timer = timeit.Timer(statement, globals=namespace)
                answer = {"seconds": timer.timeit(W5_NUMBER) / W5_NUMBER, "result": 0.0}
            else:
                key = f"{workload}:{arg}"
                if workload == "w3" or key not in prepared:  # each w3 run builds its own chain
                    prepared[key] = (
                        engine.w3(arg) if workload == "w3" else getattr(engine, workload)()
                    )
                repeat = BATCH.get(workload, 1)
                start = time.perf_counter()
                for _ in range(repeat):
                    result = prepared[key]()
                answer = {"seconds": (time.perf_counter() - start) / repeat, "result": result}
        except RecursionError:
            answer = {"error": "RecursionError"}
        except NotImplementedError:
            answer = {"error": "n/a"}
        except Exception as error:
            answer = {"error": f"{type(error).__name__}: {error}"}
        finally:
            gc.enable()
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
