"""A smoke run of the benchmark suite: every engine's numbers agree (timings are not checked).

The suite runs each engine in its own worker process, exactly as ``make bench`` does, with one
sample of each workload; the results must agree across engines and with closed forms. The
agreement check, the tables and the peers' isolation are tested on made-up reports and in
process."""

from __future__ import annotations

import copy
import gc
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SUITE = BENCHMARKS / "suite.py"
CORE = {"hand-written", "hand-written (skips zero hinges)", "chainrule", "chainrule compiled",
        "micrograd"}  # fmt: skip
COMPILED = ["chainrule compiled", "chainrule C", "jax.jit", "casadi SX", "casadi C"]


@pytest.fixture(scope="module")
def modules() -> Iterator[Any]:
    """The benchmark modules (suite, engines, data, worker), imported from benchmarks/."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import data
        import engines
        import suite  # type: ignore[import-not-found]
        import worker

        yield type("Modules", (), {"suite": suite, "engines": engines, "data": data,
                                   "worker": worker})  # fmt: skip
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("bench") / "report.json"
    cache = tmp_path_factory.mktemp("cache")  # the C engine's builds, not in the user's cache
    subprocess.run(
        [sys.executable, str(SUITE), "--smoke", "--json", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "CHAINRULE_CACHE": str(cache)},
    )
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _results(row: dict[str, Any]) -> dict[str, float]:
    return {engine: cell["result"] for engine, cell in row.items() if "result" in cell}


def test_every_installed_engine_ran(report: dict[str, Any]) -> None:
    assert set(report["missing"]).isdisjoint(CORE)
    for engine in report["engines"]:
        ran = engine in report["workloads"]["w2"]["gc on"]
        assert ran != (engine in report["missing"]), engine


@pytest.mark.parametrize("workload", ["w1", "w2"])
@pytest.mark.parametrize("mode", ["gc on", "gc off", "first call"])
def test_training_steps_agree_across_engines(
    report: dict[str, Any], workload: str, mode: str
) -> None:
    """Every engine has run the same steps from the same weights: the losses agree (the first
    call's after one step, the others' after the same number of steps)."""
    row = report["workloads"][workload][mode]
    results = _results(row)
    not_applicable = {engine for engine, cell in row.items() if cell.get("error") == "n/a"}
    assert set(results) | not_applicable == set(report["engines"]) - set(report["missing"])
    reference = results["hand-written"]
    for engine, loss in results.items():
        assert math.isclose(loss, reference, rel_tol=1e-12), (engine, loss, reference)


@pytest.mark.parametrize("workload", ["w1", "w2"])
def test_the_report_keeps_cpu_and_wall_time(report: dict[str, Any], workload: str) -> None:
    for mode in ("gc on", "gc off", "first call"):
        for engine, cell in report["workloads"][workload][mode].items():
            if "result" in cell:
                assert cell["cpu"] > 0, (engine, mode, cell)
                assert cell["wall"] > 0, (engine, mode, cell)


def test_first_calls_are_reported_for_the_compiled_engines(report: dict[str, Any]) -> None:
    for engine in COMPILED:
        if engine not in report["missing"]:
            for workload in ("w1", "w2"):
                assert "cpu" in report["workloads"][workload]["first call"][engine], engine


@pytest.mark.parametrize("key", ["w3", "w3 gc off"])
def test_chain_gradients_are_the_closed_form(report: dict[str, Any], key: str) -> None:
    for n, row in report["workloads"][key].items():
        assert set(_results(row)) >= {"hand-written", "chainrule"}
        for engine, gradient in _results(row).items():
            assert math.isclose(gradient, 1.0001 ** int(n), rel_tol=1e-12), (engine, n)
    assert report["workloads"][key]["1000"]["micrograd"] == {"error": "RecursionError"}


def test_memory_is_measured(report: dict[str, Any]) -> None:
    for kind in ("sum", "chain"):
        row = report["workloads"]["w4"][kind]
        assert row["chainrule"] > 0
        assert row["micrograd"] > row["chainrule"]


def test_the_report_passes_its_own_check(modules: Any, report: dict[str, Any]) -> None:
    assert modules.suite.disagreements(report) == []
    assert 0 <= report["largest difference"] < 1e-12


def test_the_tables_name_every_engine(modules: Any, report: dict[str, Any]) -> None:
    text = modules.suite.table.tables(report)
    for engine in report["engines"]:
        assert f"| {engine} | " in text
    assert "W3 largest N survived" in text
    page = modules.suite.page(report)
    assert "**Ratios are of CPU time**" in " ".join(page.split())
    assert "W1 2-2-1 step, CPU |" in page
    assert "W1 2-2-1 step, wall |" in page
    assert "first call (CPU / wall)" in page


def test_a_missing_engine_is_noted_in_the_table(modules: Any, report: dict[str, Any]) -> None:
    absent = copy.deepcopy(report)
    absent["missing"]["jax.jit"] = "not installed"
    for rows in absent["workloads"].values():
        for row in rows.values():
            row.pop("jax.jit", None)
    text = modules.suite.table.training_table(absent)
    assert "| jax.jit | " + " | ".join(["not installed"] * 6) + " |" in text.splitlines()


def _fake_report(losses: dict[str, float]) -> dict[str, Any]:
    """A made-up report: W2 (collector on) with the given losses, every other row agreeing."""
    engines = list(losses)

    def row(value: float) -> dict[str, Any]:
        return {engine: {"cpu": 1e-3, "wall": 1e-3, "result": value} for engine in engines}

    steps = {"gc on": row(0.5), "gc off": row(0.5), "first call": row(0.5)}
    w2 = copy.deepcopy(steps)
    w2["gc on"] = {e: {"cpu": 1e-3, "wall": 1e-3, "result": x} for e, x in losses.items()}
    ops = {"gc on": row(0.0), "gc off": row(0.0)}
    chain = {"100": row(1.0001**100)}
    return {
        "engines": engines, "missing": {}, "python": "3.11", "machine": "x86_64",
        "quick": False, "smoke": False, "largest difference": 0.0,
        "workloads": {"w1": steps, "w2": w2, "w5 *": ops, "w5 +": ops, "w3": chain,
                      "w3 gc off": chain, "w4": {"sum": {}, "chain": {}}},
    }  # fmt: skip


def test_a_disagreeing_engine_stops_publication(modules: Any, tmp_path: Path) -> None:
    """One engine's W2 loss is off by 1e-6 relative: the check names the engine, the workload
    and both numbers, and nothing is written."""
    fake = _fake_report({"hand-written": 0.9222363309761248, "jax.jit": 0.9222372532124558,
                         "chainrule": 0.9222363309761249})  # fmt: skip
    problems = modules.suite.disagreements(fake)
    assert len(problems) == 1
    assert problems[0].startswith("jax.jit, w2, gc on: 0.9222372532124558, but hand-written ")
    assert "0.9222363309761248" in problems[0]
    json_path, docs_path = tmp_path / "report.json", tmp_path / "benchmarks.md"
    with pytest.raises(SystemExit) as stopped:
        modules.suite.publish(fake, str(json_path), str(docs_path))
    assert "jax.jit, w2, gc on: 0.9222372532124558" in str(stopped.value.code)
    assert not json_path.exists()
    assert not docs_path.exists()


def test_an_unexpected_failure_stops_publication(modules: Any) -> None:
    fake = _fake_report({"hand-written": 0.5, "casadi C": 0.5})
    fake["workloads"]["w1"]["gc off"]["casadi C"] = {"error": "CalledProcessError: cc failed"}
    fake["workloads"]["w3"]["100"]["casadi C"] = {"error": "n/a"}
    assert modules.suite.disagreements(fake) == [
        "casadi C, w1, gc off: failed: CalledProcessError: cc failed"
    ]


def test_summation_order_differences_pass_and_publish(modules: Any, tmp_path: Path) -> None:
    fake = _fake_report({"hand-written": 0.9222363309761248, "jax.jit": 0.9222363309761255})
    json_path, docs_path = tmp_path / "report.json", tmp_path / "benchmarks.md"
    modules.suite.publish(fake, str(json_path), str(docs_path))
    assert json.loads(json_path.read_text())["engines"] == ["hand-written", "jax.jit"]
    assert "| jax.jit | " in docs_path.read_text()


def test_both_hand_written_floors_give_the_eager_engines_losses(modules: Any) -> None:
    """The same-work floor backpropagates every sample, the other skips the samples whose hinge
    is 0; their gradients differ by adding zeros only, so their losses are identical, step after
    step, and equal chainrule's eager engine's (the oracle) to rounding."""
    engines = modules.engines
    model = engines.chainrule_mlp()
    points, labels = modules.data.moons()
    zero_hinges = sum(
        1 - label * model(list(point)).data <= 0 for point, label in zip(points, labels)
    )
    assert zero_hinges > 0  # so the two floors do differ in work
    same_work, skipping, eager = (
        engines.Hand().w2(),
        engines.HandSkipping().w2(),
        engines.Chainrule().w2(),
    )
    for _ in range(3):
        loss = same_work()
        assert skipping() == loss
        assert math.isclose(eager(), loss, rel_tol=1e-14)


def test_the_shared_numbers_survive_json_exactly(modules: Any) -> None:
    from nn.seed import INPUTS, TARGET, WEIGHTS

    shared = modules.data.compute()
    assert json.loads(json.dumps(shared)) == shared
    assert shared["weights"] == list(WEIGHTS.values())
    assert (shared["inputs"], shared["target"]) == (list(INPUTS), TARGET)
    assert len(shared["points"]) == len(shared["labels"]) == 100
    assert set(shared["labels"]) == {-1.0, 1.0}


def test_the_benchmark_modules_import_no_chainrule_code() -> None:
    """The HIPS autograd worker imports these; chainrule's ``autograd`` must stay unloaded."""
    program = (
        f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r})\n"
        "import data, engines, peers, table, worker\n"
        "print(sorted(m for m in ('autograd', 'nn') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd="/"
    )
    assert done.stdout.strip() == "[]"


def test_the_peers_extra_is_pinned_and_leaves_hips_autograd_out() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = text.split("bench-peers = [", 1)[1].split("]", 1)[0]
    pins = [line.split("#")[0].strip().strip('",') for line in extra.splitlines()]
    assert sorted(pin.split("==")[0] for pin in pins if pin) == ["casadi", "jax", "jaxlib"]
    assert all("==" in pin for pin in pins if pin)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    bench = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "'.[bench,bench-peers]'" in bench
    assert "--target build/peers/hips" in bench


@pytest.mark.parametrize("workload", ["w1", "w5"])
@pytest.mark.parametrize("collect", [True, False])
def test_each_workload_runs_with_the_collector_as_asked(
    modules: Any, workload: str, collect: bool
) -> None:
    """timeit, which times W5, switches the collector off unless told otherwise."""
    seen: list[bool] = []

    class Probe:
        def w1(self) -> Any:
            return lambda: seen.append(gc.isenabled())

        def w5(self, op: str) -> tuple[str, dict[str, Any]]:
            return "seen.append(gc.isenabled())", {"seen": seen}

    request = {"workload": workload, "arg": "*", "gc": collect}
    prepared: dict[str, Any] = {}
    answer = modules.worker.answer(Probe(), request, prepared)
    assert {"cpu", "wall"} <= set(answer)
    assert answer.get("first", False) == (workload == "w1")  # a step function's first call
    if workload == "w1":
        assert "cpu" in modules.worker.answer(Probe(), request, prepared)
    assert seen
    assert set(seen) == {collect}
    assert gc.isenabled()
