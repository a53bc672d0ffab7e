"""Test-suite settings: a reproducible Hypothesis profile, a C build cache of the run's own, and no
skips where CI asks for none."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Derandomized: the same examples in every run, so a green suite stays green.
settings.register_profile(
    "chainrule",
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("chainrule")

# autograd.compile(backend="c") caches its builds in a folder of the test run, not the user's.
os.environ.setdefault("CHAINRULE_CACHE", tempfile.mkdtemp(prefix="chainrule-test-cache-"))


@pytest.fixture(scope="module")
def own_build_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds go to a cache of the test module's own (``usefixtures`` it), not the run's."""
    saved = os.environ.get("CHAINRULE_CACHE")
    os.environ["CHAINRULE_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        del os.environ["CHAINRULE_CACHE"]
    else:
        os.environ["CHAINRULE_CACHE"] = saved


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CHAINRULE_NO_SKIPS=1 (set by .ci/run, which installs every optional tool), a skipped
    test fails the run: a skip there means a tool went missing."""
    if os.environ.get("CHAINRULE_NO_SKIPS") == "1" and _skipped:
        print(f"\nCHAINRULE_NO_SKIPS=1 but {len(_skipped)} test(s) skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
