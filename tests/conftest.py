"""Per-notebook wall time, printed at the end of the run and held to a budget."""

from collections import defaultdict
from pathlib import Path

import pytest

NOTEBOOK_BUDGET_S = 30.0


class NotebookTimer:
    """Adds up setup, call and teardown of every cell of each notebook (kernel start and
    stop included) and fails the run when a notebook is over budget."""

    def __init__(self):
        self.seconds = defaultdict(float)

    def over_budget(self):
        return {nb: s for nb, s in self.seconds.items() if s > NOTEBOOK_BUDGET_S}

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            self.seconds[Path(path).name] += report.duration

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session):
        if self.over_budget() and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.seconds:
            return
        tr = terminalreporter
        tr.section(f"notebook wall time (budget {NOTEBOOK_BUDGET_S:.0f} s each)")
        for name, seconds in sorted(self.seconds.items()):
            flag = "  OVER BUDGET" if seconds > NOTEBOOK_BUDGET_S else ""
            tr.write_line(f"{name:45s} {seconds:6.1f} s{flag}")
        tr.write_line(f"{'total':45s} {sum(self.seconds.values()):6.1f} s")
        for name, seconds in self.over_budget().items():
            tr.write_line(f"FAILED budget: {name} took {seconds:.1f} s > "
                          f"{NOTEBOOK_BUDGET_S:.0f} s", red=True)


def pytest_configure(config):
    """Register the timer as a global plugin (a conftest's own hooks would only see the items
    under tests/), in the process that receives every report: the xdist controller, or the
    only process of a serial run."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(NotebookTimer(), "notebook-timer")
