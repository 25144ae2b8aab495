"""For every pytest run in the repository (tests/, notebooks/ or one notebook): one torch thread
per notebook kernel, a kernel start that survives a port collision (tests/kernel_start.py), and
each notebook's wall time printed at the end. Time never fails a test: budgets are held by
`make bench` (tests/bench.py), which times each notebook on its own."""

import os
from collections import defaultdict
from pathlib import Path

import nbval.kernel

from kernel_start import TOOK_A_PORT, start_kernel

nbval_start_new_kernel = nbval.kernel.start_new_kernel


def start_nbval_kernel(stderr=None, **kwargs):
    """nbval's kernel start (nbval.kernel.start_new_kernel, which nbval's RunningKernel calls),
    started again after a port collision; nbval's /dev/null for the kernel's stderr gives way
    to a file that is read when the start fails."""
    if stderr is not None:
        stderr.close()
    return start_kernel(nbval_start_new_kernel, **kwargs)


class NotebookTimer:
    """Adds up setup, call and teardown of every cell of each notebook (kernel start and
    stop included) and prints the totals."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.kernel_restarts = 0

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            self.seconds[Path(path).name] += report.duration
            if report.when == "setup":  # later phases' reports repeat the setup's log
                self.kernel_restarts += report.caplog.count(TOOK_A_PORT)

    def pytest_terminal_summary(self, terminalreporter):
        if not self.seconds:
            return
        tr = terminalreporter
        tr.section("notebook wall time (two at a time; `make bench` times them one by one)")
        for name, seconds in sorted(self.seconds.items()):
            tr.write_line(f"{name:45s} {seconds:6.1f} s")
        tr.write_line(f"{'total':45s} {sum(self.seconds.values()):6.1f} s")
        if self.kernel_restarts:
            tr.write_line(f"kernel starts repeated because {TOOK_A_PORT}: "
                          f"{self.kernel_restarts}")


def pytest_configure(config):
    """One torch thread per notebook kernel: `make test` runs two at once on two cores, and more
    threads than cores make every kernel slower (helpers.setup_notebook reads OMP_NUM_THREADS;
    the kernels inherit this process's environment). nbval starts its kernels through
    start_nbval_kernel, in every process that runs notebooks.

    Register the timer as a global plugin (a conftest's own hooks would only see the items
    under tests/), in the process that receives every report: the xdist controller, or the
    only process of a serial run."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    nbval.kernel.start_new_kernel = start_nbval_kernel
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(NotebookTimer(), "notebook-timer")
