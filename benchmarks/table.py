"""The suite's report as Markdown: the training steps per engine, their first calls, and the
scalar workloads (W3-W5), with ratios of CPU time to micrograd (mg) and to hand-written floats
doing the same work (hand)."""

from __future__ import annotations

import math
from typing import Any

HAND = "hand-written"
MICRO = "micrograd"
STEPS = {"w1": "W1 2-2-1 step", "w2": "W2 moons step"}
OPS = {"w5 *": "W5 a * b", "w5 +": "W5 a + b"}


def time_text(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(value: float, reference: float | None) -> str:
    if reference is None or not reference or math.isnan(value) or math.isnan(reference):
        return "-"
    return f"{value / reference:.2f}x"


def _header(columns: list[str]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]


def _cpu_cell(row: dict[str, Any], engine: str) -> str:
    """CPU time and its ratios to micrograd and to hand-written (both CPU time)."""
    cell = row.get(engine, {})
    if "cpu" not in cell:
        return str(cell.get("error", "-"))
    micro = row.get(MICRO, {}).get("cpu")
    hand = row.get(HAND, {}).get("cpu")
    cpu = cell["cpu"]
    return f"{time_text(cpu)} ({ratio(cpu, micro)} mg, {ratio(cpu, hand)} hand)"


def _wall_cell(row: dict[str, Any], engine: str) -> str:
    cell = row.get(engine, {})
    return time_text(cell["wall"]) if "wall" in cell else "-"


def training_table(report: dict[str, Any]) -> str:
    """W1 and W2 per engine: CPU time with its ratios, with the collector on and off, and wall
    time (collector on). An engine that is not installed says so."""
    columns = ["engine"]
    for title in STEPS.values():
        columns += [f"{title}, CPU", f"{title}, CPU, gc off", f"{title}, wall"]
    lines = _header(columns)
    for engine in report["engines"]:
        if engine in report["missing"]:
            lines.append(f"| {engine} | " + " | ".join([report["missing"][engine]] * 6) + " |")
            continue
        cells = []
        for key in STEPS:
            on, off = report["workloads"][key]["gc on"], report["workloads"][key]["gc off"]
            cells += [_cpu_cell(on, engine), _cpu_cell(off, engine), _wall_cell(on, engine)]
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def first_call_table(report: dict[str, Any]) -> str:
    """The first call of a fresh step function (making it, tracing and compiling where the
    engine does, and one step), CPU / wall, beside the steady step's CPU time."""
    columns = ["engine"]
    for title in STEPS.values():
        columns += [f"{title}, first call (CPU / wall)", f"{title}, steady (CPU)"]
    lines = _header(columns)
    for engine in report["engines"]:
        if engine in report["missing"]:
            continue
        cells = []
        for key in STEPS:
            first = report["workloads"][key]["first call"].get(engine, {})
            steady = report["workloads"][key]["gc on"].get(engine, {})
            if "cpu" in first:
                cells.append(f"{time_text(first['cpu'])} / {time_text(first['wall'])}")
            else:
                cells.append(str(first.get("error", "-")))
            cells.append(time_text(steady["cpu"]) if "cpu" in steady else "-")
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scalar_engines(report: dict[str, Any]) -> list[str]:
    """The engines that ran any of W3-W5 (the peers and the second floor have none)."""
    ran = []
    for engine in report["engines"]:
        ops = [report["workloads"][key][mode].get(engine, {}) for key in OPS
               for mode in ("gc on", "gc off")]  # fmt: skip
        chains = [row.get(engine, {}) for row in report["workloads"]["w3"].values()]
        if any("cpu" in cell for cell in ops + chains):
            ran.append(engine)
    return ran


def scalar_table(report: dict[str, Any]) -> str:
    """W5, W3 and W4 with the engines as columns."""
    engines = scalar_engines(report)
    lines = _header(["workload", *engines])
    for key, title in OPS.items():
        for mode in ("gc on", "gc off"):
            row = report["workloads"][key][mode]
            cells = [_cpu_cell(row, engine) for engine in engines]
            lines.append(f"| {title}, CPU, {mode} | " + " | ".join(cells) + " |")
    chain = report["workloads"]["w3"]
    for n, row in chain.items():
        cells = [(time_text(row[e]["cpu"] / (2 * int(n))) + "/node") if "cpu" in row.get(e, {})
                 else row.get(e, {}).get("error", "-") for e in engines]  # fmt: skip
        lines.append(f"| W3 chain N={int(n):,}, CPU | " + " | ".join(cells) + " |")
    survived = []
    for engine in engines:
        ok = [int(n) for n, row in chain.items() if "cpu" in row.get(engine, {})]
        survived.append(f"{max(ok):,}" if ok else "-")
    lines.append("| W3 largest N survived | " + " | ".join(survived) + " |")
    for key, mode in (("w3", "gc on"), ("w3 gc off", "gc off")):
        exponents = [exponent(report["workloads"][key], engine) for engine in engines]
        lines.append(
            f"| W3 scaling exponent (N >= 1,000), {mode} | " + " | ".join(exponents) + " |"
        )
    for kind, row in report["workloads"]["w4"].items():
        micro = row.get(MICRO)
        cells = []
        for engine in engines:
            size = row.get(engine, math.nan)
            missing = math.isnan(size) or not size
            cells.append("-" if missing else f"{size:.0f} B ({ratio(size, micro)} mg)")
        lines.append(f"| W4 bytes/node, {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scaling_exponent(points: list[tuple[int, float]]) -> float:
    """The slope of log(time) against log(N), least squares."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def exponent(chain: dict[str, Any], engine: str) -> str:
    large = [(int(n), row[engine]["cpu"]) for n, row in chain.items()
             if "cpu" in row.get(engine, {}) and int(n) >= 1_000]  # fmt: skip
    return f"{scaling_exponent(large):.2f}" if len(large) >= 2 else "-"


def tables(report: dict[str, Any]) -> str:
    return "\n\n".join([training_table(report), first_call_table(report), scalar_table(report)])
