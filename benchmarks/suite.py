"""The benchmark suite: every engine side by side, in one run, as ratios of CPU time.

    python benchmarks/suite.py [--quick | --smoke] [--json FILE] [--docs FILE]

Each engine runs in a worker process of its own (benchmarks/worker.py); samples are taken
round-robin (one sample of each engine in turn, repeated), so a slow moment of the machine
falls on every engine alike; medians of CPU time and of wall time are reported. The garbage
collector stays on, as users have it; a second pass with it off shows its share. Engines whose
package is missing are reported as "not installed". Ratios are to micrograd, and to
hand-written floats doing the same work (the floor).

Before anything is written, every engine's results (losses after the same steps, dy/dx of the
chains) are checked against the hand-written floor's; if any disagree, the suite names them and
exits with status 1, writing neither --json nor --docs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import data  # noqa: E402
import peers  # noqa: E402
import table  # noqa: E402
from engines import ENGINES  # noqa: E402

ENGINE_PACKAGES = {"hand-written": None, "hand-written (skips zero hinges)": None,
                   "chainrule": "autograd", "chainrule compiled": "autograd",
                   "chainrule C": "autograd", "micrograd": "micrograd", "pytorch": "torch",
                   **peers.PACKAGES}  # fmt: skip
NEEDS_C = {"chainrule C", "casadi C"}
RELATIVE_TOLERANCE = 1e-9
"""How far an engine's result may be from the floor's, relative to it. The engines do the same
arithmetic in other orders (a vectorized sum over the 100 points, mean against sum times 1/n,
XLA's own exp); each step's rounding differs by about 1e-16 relative and the steps taken (a few
dozen for W2, a few thousand for W1, which converges) keep that below 1e-13 (measured: the
page prints the largest difference seen). A wrong derivative or a skipped term moves the loss
after one step by far more than 1e-9."""
EXPECTED_ERRORS = {"n/a", "RecursionError"}
"""Errors a workload may report without failing the check: it does not apply to the engine, or
micrograd's recursive sort overflowed on a deep chain."""


class Worker:
    def __init__(self, engine: str, shared: dict[str, Any], env: dict[str, str]) -> None:
        self.engine = engine
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), engine],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._send(shared)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def ask(self, workload: str, arg: Any = None, gc: bool = True) -> dict[str, Any]:
        assert self.process.stdout is not None
        self._send({"workload": workload, "arg": arg, "gc": gc})
        line = self.process.stdout.readline()
        if not line:
            return {"error": f"the worker exited with status {self.process.wait()}"}
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def missing_engines() -> dict[str, str]:
    """The engines that cannot run here, each with the note the table shows."""
    missing = {}
    for name, package in ENGINE_PACKAGES.items():
        if package is not None and importlib.util.find_spec(package) is None:
            missing[name] = "not installed"
        elif name in NEEDS_C and peers.c_compiler() is None:
            missing[name] = "no C compiler"
    if not (peers.HIPS_DIR / "autograd" / "__init__.py").is_file():
        missing["hips autograd"] = "not installed"
    return missing


def round_robin(workers: list[Worker], workload: str, arg: Any, samples: int, gc: bool,
                first: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Median CPU and wall seconds and the last result of each engine, sampled in turn, after
    one untimed run (the interpreter specialises code as it first runs it). That run is each
    step function's first call when it is the first request for it: its times go to ``first``.
    A chain is built afresh each time, so W3, the slowest, is not run twice."""
    failed: dict[str, str] = {}
    if workload != "w3":
        for worker in workers:
            answer = worker.ask(workload, arg, gc)
            if "error" in answer:
                failed[worker.engine] = answer["error"]
            if first is not None and (answer.get("first") or "error" in answer):
                first[worker.engine] = answer
    times: dict[str, list[tuple[float, float]]] = {w.engine: [] for w in workers}
    results: dict[str, Any] = {}
    for _ in range(samples):
        for worker in workers:
            if worker.engine in failed:
                continue
            answer = worker.ask(workload, arg, gc)
            if "error" in answer:
                failed[worker.engine] = answer["error"]
                continue
            times[worker.engine].append((answer["cpu"], answer["wall"]))
            results[worker.engine] = answer["result"]
    summary = {}
    for worker in workers:
        name = worker.engine
        if name in failed:
            summary[name] = {"error": failed[name]}
        else:
            summary[name] = {
                "cpu": statistics.median(cpu for cpu, _ in times[name]),
                "wall": statistics.median(wall for _, wall in times[name]),
                "result": results[name],
            }
    return summary


def run(quick: bool, smoke: bool = False) -> dict[str, Any]:
    """Every workload on every engine that can run here. The C builds (chainrule C's cache,
    CasADi C's libraries) go to a fresh folder, so first calls include the compiler."""
    missing = missing_engines()
    names = [name for name in ENGINES if name not in missing]
    shared = data.compute()
    cache = tempfile.mkdtemp(prefix="chainrule-bench-")
    env = {**os.environ, "CHAINRULE_CACHE": os.environ.get("CHAINRULE_CACHE", cache)}
    if smoke:  # a check, not a timing: CasADi C's W2 builds in 12 s instead of a minute
        env["CASADI_BENCH_OPT"] = "-O0"
    workers = [Worker(name, shared, env) for name in names]
    samples = 1 if smoke else 3 if quick else 15
    report: dict[str, Any] = {
        "engines": list(ENGINES),
        "missing": missing,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": quick,
        "smoke": smoke,
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
            first: dict[str, Any] = {}
            report["workloads"][key] = {
                "gc on": round_robin(workers, workload, arg, count, gc=True, first=first),
                "gc off": round_robin(workers, workload, arg, count, gc=False),
            }
            if workload != "w5":
                report["workloads"][key]["first call"] = first
        sizes = ([100, 1_000] if smoke else [100, 1_000, 10_000] if quick
                 else [100, 1_000, 10_000, 100_000, 1_000_000])  # fmt: skip
        for key, collect in (("w3", True), ("w3 gc off", False)):
            report["workloads"][key] = {
                str(n): round_robin(workers, "w3", n, 1 if n >= 100_000 else 3, gc=collect)
                for n in sizes
            }
        report["workloads"]["w4"] = {
            kind: {w.engine: w.ask("w4", kind).get("result", float("nan")) for w in workers}
            for kind in ("sum", "chain")
        }
    finally:
        for worker in workers:
            worker.close()
    report["largest difference"] = largest_difference(report)
    return report


def checked_rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The rows whose results must agree across engines: W1 and W2 (losses after the same
    steps, collector on and off, and after the first call's one step) and W3 (dy/dx of each
    chain)."""
    rows = []
    for key in ("w1", "w2"):
        for mode in ("gc on", "gc off", "first call"):
            rows.append((f"{key}, {mode}", report["workloads"][key][mode]))
    for key in ("w3", "w3 gc off"):
        for n, row in report["workloads"][key].items():
            rows.append((f"{key} N={n}", row))
    return rows


def _relative(value: float, reference: float) -> float:
    return abs(value - reference) / abs(reference) if reference else abs(value)


def disagreements(report: dict[str, Any]) -> list[str]:
    """Every engine result that differs from the hand-written floor's by more than
    :data:`RELATIVE_TOLERANCE` (relative), or that failed unexpectedly, as a sentence."""
    problems = []
    for where, row in checked_rows(report):
        reference = row.get(table.HAND, {}).get("result")
        if reference is None:
            problems.append(f"{where}: the hand-written floor has no result to check against")
            continue
        for engine, cell in row.items():
            if "error" in cell:
                if cell["error"] not in EXPECTED_ERRORS:
                    problems.append(f"{engine}, {where}: failed: {cell['error']}")
            elif not (difference := _relative(cell["result"], reference)) <= RELATIVE_TOLERANCE:
                problems.append(
                    f"{engine}, {where}: {cell['result']!r}, but hand-written gives "
                    f"{reference!r} (relative difference {difference:.3g}, "
                    f"tolerance {RELATIVE_TOLERANCE:g})"
                )
    return problems


def largest_difference(report: dict[str, Any]) -> float:
    """The largest relative difference of any engine's result from the floor's."""
    differences = [
        _relative(cell["result"], row[table.HAND]["result"])
        for _, row in checked_rows(report)
        if "result" in row.get(table.HAND, {})
        for cell in row.values()
        if "result" in cell
    ]
    return max(differences, default=0.0)


def page(report: dict[str, Any]) -> str:
    """docs/benchmarks.md: how the numbers were taken (benchmarks/page.md), then the tables."""
    sampled = ("one sample of each (a smoke run: the numbers are not timings)" if report["smoke"]
               else "3 samples (W2: 3)" if report["quick"]
               else "15 samples (W2: 5)")  # fmt: skip
    template = (HERE / "page.md").read_text(encoding="utf-8")
    return template.format(
        python=report["python"],
        machine=report["machine"],
        sampled=sampled,
        largest=report["largest difference"],
        training=table.training_table(report),
        first_calls=table.first_call_table(report),
        scalars=table.scalar_table(report),
    )


def publish(report: dict[str, Any], json_path: str | None, docs_path: str | None) -> None:
    """Writes the report and the page, after the agreement check; exits with status 1 and
    writes nothing if any engine disagrees with the floor."""
    problems = disagreements(report)
    if problems:
        lines = "\n".join(f"- {problem}" for problem in problems)
        raise SystemExit(f"engines disagree with the hand-written floor; nothing written:\n{lines}")
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if docs_path:
        Path(docs_path).write_text(page(report), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few samples, chains up to 1e4")
    parser.add_argument(
        "--smoke", action="store_true", help="one sample of each: a check, not a timing"
    )
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    parser.add_argument("--docs", metavar="FILE", help="write the tables as a Markdown page")
    args = parser.parse_args()
    report = run(args.quick or args.smoke, smoke=args.smoke)
    print(table.tables(report))
    publish(report, args.json, args.docs)


if __name__ == "__main__":
    main()
