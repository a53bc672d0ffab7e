"""The benchmark suite: every engine side by side, in one run, as ratios.

    python benchmarks/suite.py [--quick] [--json FILE] [--docs FILE]

Each engine runs in a worker process of its own (benchmarks/worker.py); samples are taken
round-robin (one sample of each engine in turn, repeated), so a slow moment of the machine
falls on every engine alike; medians are reported. The garbage collector stays on, as users
have it; a second pass with it off shows its share. Engines whose package is missing are
reported as such. Ratios are to micrograd, and to hand-written floats (the floor).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENGINE_PACKAGES = {"hand-written": None, "chainrule": "autograd", "chainrule compiled": "autograd",
                   "chainrule C": "autograd", "micrograd": "micrograd",
                   "pytorch": "torch"}  # fmt: skip


class Worker:
    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), engine],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, workload: str, arg: Any = None, gc: bool = True) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"workload": workload, "arg": arg, "gc": gc}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def available_engines() -> list[str]:
    return [name for name, package in ENGINE_PACKAGES.items()
            if package is None or importlib.util.find_spec(package) is not None]  # fmt: skip


def round_robin(workers: list[Worker], workload: str, arg: Any, samples: int,
                gc: bool) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Median seconds and the result of each engine, sampled in turn, after one untimed run
    (the interpreter specialises code as it first runs it). A chain is built afresh each time,
    so W3, the slowest, is not run twice."""
    if workload != "w3":
        for worker in workers:
            worker.ask(workload, arg, gc)
    times: dict[str, list[float]] = {w.engine: [] for w in workers}
    results: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for _ in range(samples):
        for worker in workers:
            if worker.engine in failed:
                continue
            answer = worker.ask(workload, arg, gc)
            if "error" in answer:
                failed[worker.engine] = answer["error"]
                continue
            times[worker.engine].append(answer["seconds"])
            results[worker.engine] = answer["result"]
    summary = {}
    for worker in workers:
        name = worker.engine
        if name in failed:
            summary[name] = {"error": failed[name]}
        else:
            summary[name] = {"seconds": statistics.median(times[name]), "result": results[name]}
    return summary


def scaling_exponent(points: list[tuple[int, float]]) -> float:
    """The slope of log(time) against log(N), least squares."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def run(quick: bool, smoke: bool = False) -> dict[str, Any]:
    engines = available_engines()
    workers = [Worker(name) for name in engines]
    samples = 1 if smoke else 3 if quick else 15
    report: dict[str, Any] = {
        "engines": engines,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": quick,
        "workloads": {},
    }
    try:
        plan: list[tuple[str, Any, int]] = [
            ("w1", None, samples),
            ("w2", None, 1 if smoke else max(3, samples // 3)),
            ("w5", "*", samples),
            ("w5", "+", samples),
        ]
        for workload, arg, count in plan:
            key = workload if arg is None else f"{workload} {arg}"
            report["workloads"][key] = {
                "gc on": round_robin(workers, workload, arg, count, gc=True),
                "gc off": round_robin(workers, workload, arg, count, gc=False),
            }
        sizes = ([100, 1_000] if smoke else [100, 1_000, 10_000] if quick
                 else [100, 1_000, 10_000, 100_000, 1_000_000])  # fmt: skip
        for key, collect in (("w3", True), ("w3 gc off", False)):
            report["workloads"][key] = {
                str(n): round_robin(workers, "w3", n, 1 if n >= 100_000 else 3, gc=collect)
                for n in sizes
            }
        report["workloads"]["w4"] = {kind: {w.engine: w.ask("w4", kind)["result"] for w in workers}
                                     for kind in ("sum", "chain")}  # fmt: skip
    finally:
        for worker in workers:
            worker.close()
    return report


def _ratio(value: float, reference: float | None) -> str:
    if reference is None or not reference or math.isnan(value) or math.isnan(reference):
        return "-"
    return f"{value / reference:.2f}x"


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table: times, and ratios to micrograd and to hand-written."""
    engines = report["engines"]
    lines = ["| workload | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    names = {"w1": "W1 2-2-1 step", "w2": "W2 moons step", "w5 *": "W5 a * b",
             "w5 +": "W5 a + b"}  # fmt: skip
    for key, title in names.items():
        for mode in ("gc on", "gc off"):
            row = report["workloads"][key][mode]
            micro = row.get("micrograd", {}).get("seconds")
            hand = row.get("hand-written", {}).get("seconds")
            cells = []
            for engine in engines:
                seconds = row[engine].get("seconds")
                if seconds is None:
                    cells.append(row[engine].get("error", "-"))
                    continue
                text = _time(seconds)
                text += f" ({_ratio(seconds, micro)} mg, {_ratio(seconds, hand)} hand)"
                cells.append(text)
            lines.append(f"| {title}, {mode} | " + " | ".join(cells) + " |")
    chain = report["workloads"]["w3"]
    for n, row in chain.items():
        cells = [(_time(row[e]["seconds"] / (2 * int(n))) + "/node") if "seconds" in row[e]
                 else row[e]["error"] for e in engines]  # fmt: skip
        lines.append(f"| W3 chain N={int(n):,} | " + " | ".join(cells) + " |")
    survived = []
    for engine in engines:
        ok = [int(n) for n, row in chain.items() if "seconds" in row[engine]]
        survived.append(f"{max(ok):,}" if ok else "-")
    lines.append("| W3 largest N survived | " + " | ".join(survived) + " |")
    for key, mode in (("w3", "gc on"), ("w3 gc off", "gc off")):
        exponents = [_exponent(report["workloads"][key], engine) for engine in engines]
        lines.append(
            f"| W3 scaling exponent (N >= 1,000), {mode} | " + " | ".join(exponents) + " |"
        )
    memory = report["workloads"]["w4"]
    for kind, row in memory.items():
        micro = row.get("micrograd")
        cells = []
        for engine in engines:
            size = row[engine]
            missing = math.isnan(size) or not size
            cells.append("-" if missing else f"{size:.0f} B ({_ratio(size, micro)} mg)")
        lines.append(f"| W4 bytes/node, {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _exponent(chain: dict[str, Any], engine: str) -> str:
    large = [(int(n), row[engine]["seconds"]) for n, row in chain.items()
             if "seconds" in row[engine] and int(n) >= 1_000]  # fmt: skip
    return f"{scaling_exponent(large):.2f}" if len(large) >= 2 else "-"


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few samples, chains up to 1e4")
    parser.add_argument(
        "--smoke", action="store_true", help="one sample of each: a check, not a timing"
    )
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    parser.add_argument("--docs", metavar="FILE", help="write the table as a Markdown page")
    args = parser.parse_args()
    report = run(args.quick or args.smoke, smoke=args.smoke)
    text = table(report)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if args.docs:
        header = (
            "# Benchmarks\n\nGenerated by `make bench` (`python benchmarks/suite.py`) on "
            f"Python {report['python']} ({report['machine']}). Each engine runs in a process of "
            "its own; after one untimed run, samples are taken round-robin and medians "
            "reported, with the garbage collector on (as users have it) and off (to show its "
            "share). W1 is timed over 200 steps at a time; W5 with timeit, which switches the "
            "collector off unless told otherwise, so the gc on rows switch it back on. Ratios are "
            "to micrograd (mg) and to hand-written floats (hand).\n\n"
            "- W1: one training step (forward, backward, SGD update) of the document's 2-2-1 "
            "network.\n"
            "- W2: one full-batch step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons "
            "points, hinge loss + 1e-4 L2.\n"
            "- W3: build and backpropagate the chain x -> x * 1.0001 + 0.0001 of N steps; time "
            "per node, the largest N each engine survives, and the scaling exponent (the slope of "
            "log time against log N), also with the collector off.\n"
            "- W4: memory per node (tracemalloc) of a wide sum and a chain of 1e5 terms "
            "(PyTorch's tensors live outside tracemalloc's view).\n"
            "- W5: the cost of one `a * b` and one `a + b`.\n\n"
            "Targets for the eager engine (GC on, ratios to micrograd): W5 at most 0.25x, W1 at "
            "most 0.40x, W2 at most 0.15x, W4 at most 0.25x, W3 a million steps with an exponent "
            "of at most 1.1; for compiled code (ratios to hand-written): W1 and W2 at most 3x, "
            'and W2 compiled to C at most 0.05x. chainrule C is `backend="c"`, with W2\'s '
            "samples through `compiled.batch` (one call into C per step).\n\n"
        )
        Path(args.docs).write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
