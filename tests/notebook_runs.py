"""Execute a copy of a notebook in a fresh kernel, as `make bench` and `make seeds` do.

The notebook file itself is never written: the copy lives in memory.
"""

import re
import time

import nbformat
from nbclient import NotebookClient

from kernel_start import start_kernel

SEED_CALL = re.compile(r"setup_notebook\((?:seed=)?(\d+)\)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ARROW = re.compile(r"^-+> *\d+ (.*)$", re.MULTILINE)  # IPython's "---> 12 assert ..."


def committed_seed(path):
    """The seed of the notebook's one setup_notebook call."""
    nb = nbformat.read(path, as_version=4)
    seeds = [int(m.group(1)) for cell in nb.cells if cell.cell_type == "code"
             for m in SEED_CALL.finditer(cell.source)]
    if len(seeds) != 1:
        raise ValueError(f"{path}: expected one setup_notebook(seed=...) call, "
                         f"found {len(seeds)}")
    return seeds[0]


def failing_line(traceback):
    """The line of the cell that raised: the first arrow of the traceback."""
    arrows = ARROW.findall(ANSI.sub("", "\n".join(traceback)))
    return arrows[0].strip() if arrows else ""


def run_notebook(path, seed=None):
    """Run every cell of the notebook at `path` top to bottom, with `seed` in its
    setup_notebook call if given, and go on after a failing cell.

    Returns (seconds, failures): the wall time from kernel start to the last cell, and one
    (cell index, failing line, 'Error: message') per cell that raised.
    """
    def execute(stderr):
        """A fresh copy, so that a second start after a port collision begins clean."""
        nb = nbformat.read(path, as_version=4)
        if seed is not None:
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.source = SEED_CALL.sub(f"setup_notebook(seed={seed})", cell.source)
        client = NotebookClient(nb, timeout=1200, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute(stderr=stderr)  # the kernel's own start-up warnings stay out of sight
        return nb, time.perf_counter() - start

    nb, seconds = start_kernel(execute)
    failures = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                message = ANSI.sub("", f"{output.ename}: {output.evalue}")
                failures.append((index, failing_line(output.traceback), message))
    return seconds, failures
