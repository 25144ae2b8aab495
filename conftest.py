"""For every pytest run in the repository (tests/, notebooks/ or one notebook): one torch thread
per notebook kernel, and each notebook's wall time printed at the end. Time never fails a test:
budgets are held by `make bench` (tests/bench.py), which times each notebook on its own."""

import os
from collections import defaultdict
from pathlib import Path


class NotebookTimer:
    """Adds up setup, call and teardown of every cell of each notebook (kernel start and
    stop included) and prints the totals."""

    def __init__(self):
        self.seconds = defaultdict(float)

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            self.seconds[Path(path).name] += report.duration

    def pytest_terminal_summary(self, terminalreporter):
        if not self.seconds:
            return
        tr = terminalreporter
        tr.section("notebook wall time (two at a time; `make bench` times them one by one)")
        for name, seconds in sorted(self.seconds.items()):
            tr.write_line(f"{name:45s} {seconds:6.1f} s")
        tr.write_line(f"{'total':45s} {sum(self.seconds.values()):6.1f} s")


def pytest_configure(config):
    """One torch thread per notebook kernel: `make test` runs two at once on two cores, and more
    threads than cores make every kernel slower (helpers.setup_notebook reads OMP_NUM_THREADS;
    the kernels inherit this process's environment).

    Register the timer as a global plugin (a conftest's own hooks would only see the items
    under tests/), in the process that receives every report: the xdist controller, or the
    only process of a serial run."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(NotebookTimer(), "notebook-timer")
