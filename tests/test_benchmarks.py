"""A smoke run of the benchmark suite: every engine's numbers agree (timings are not checked).

The suite runs each engine in its own worker process, exactly as ``make bench`` does, with one
sample of each workload; the results must agree across engines and with closed forms."""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SUITE = Path(__file__).resolve().parent.parent / "benchmarks" / "suite.py"


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
    assert {"hand-written", "chainrule", "chainrule compiled", "micrograd"} <= set(
        report["engines"]
    )


@pytest.mark.parametrize("workload", ["w1", "w2"])
def test_training_steps_agree_across_engines(report: dict[str, Any], workload: str) -> None:
    """Every engine has run the same steps from the same weights: the losses agree."""
    results = _results(report["workloads"][workload]["gc off"])
    assert set(results) == set(report["engines"])
    reference = results["hand-written"]
    for engine, loss in results.items():
        assert math.isclose(loss, reference, rel_tol=1e-12), (engine, loss, reference)


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


def test_the_table_names_every_engine(report: dict[str, Any]) -> None:
    sys.path.insert(0, str(SUITE.parent))
    try:
        from suite import table  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    text = table(report)
    assert text.splitlines()[0] == "| workload | " + " | ".join(report["engines"]) + " |"
    assert "W3 largest N survived" in text


@pytest.mark.parametrize("workload", ["w1", "w5"])
@pytest.mark.parametrize("collect", [True, False])
def test_each_workload_runs_with_the_collector_as_asked(workload: str, collect: bool) -> None:
    """timeit, which times W5, switches the collector off unless told otherwise."""
    sys.path.insert(0, str(SUITE.parent))
    try:
        import worker
    finally:
        sys.path.remove(str(SUITE.parent))
    seen: list[bool] = []

    class Probe:
        def w1(self) -> Any:
            return lambda: seen.append(gc.isenabled())

        def w5(self, op: str) -> tuple[str, dict[str, Any]]:
            return "seen.append(gc.isenabled())", {"seen": seen}

    request = {"workload": workload, "arg": "*", "gc": collect}
    assert "seconds" in worker.answer(Probe(), request, {})
    assert seen
    assert set(seen) == {collect}
    assert gc.isenabled()
