"""Per-notebook wall time, printed at the end of the run and held to a budget."""

from collections import defaultdict
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 30.0
_seconds = defaultdict(float)


def _over_budget():
    return {nb: s for nb, s in _seconds.items() if s > NOTEBOOK_BUDGET_S}


def pytest_runtest_logreport(report):
    """Add up setup, call and teardown of every cell (kernel start and stop included)."""
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[Path(path).name] += report.duration


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if _over_budget() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    tr = terminalreporter
    tr.section(f"notebook wall time (budget {NOTEBOOK_BUDGET_S:.0f} s each)")
    for name, seconds in sorted(_seconds.items()):
        flag = "  OVER BUDGET" if seconds > NOTEBOOK_BUDGET_S else ""
        tr.write_line(f"{name:45s} {seconds:6.1f} s{flag}")
    tr.write_line(f"{'total':45s} {sum(_seconds.values()):6.1f} s")
    for name, seconds in _over_budget().items():
        tr.write_line(f"FAILED budget: {name} took {seconds:.1f} s > {NOTEBOOK_BUDGET_S:.0f} s",
                      red=True)
