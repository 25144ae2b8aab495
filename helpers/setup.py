"""One call at the top of every notebook: seeds and display settings."""

import os
import random

import matplotlib.pyplot as plt
import matplotlib_inline.backend_inline
import numpy as np
import torch

MAX_THREADS = 4  # the batched sweeps train at most a few dozen models at once


def default_threads() -> int:
    """Torch's CPU threads for a notebook: OMP_NUM_THREADS if set, else up to 4 of the cores
    this process may use."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]):
        return int(os.environ["OMP_NUM_THREADS"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_THREADS, cores or 1))


def setup_notebook(seed: int = 0) -> None:
    """Seed python, numpy and torch, and set how figures and numbers are shown.

    Figures are drawn inline as PNG (pixels are not compared by the tests; the
    figure's text line is). Tensors and arrays print with 4 decimals. Torch gets
    `default_threads()`: one model's tensors are too small to share out, but a
    batched sweep computes its models on several cores (video 57's sweep: 1.8x
    faster on two), and the numbers are the same with any number of threads
    (tests/test_sweeps.py). `make test` runs two notebooks at once on two cores, so it
    gives each one thread (OMP_NUM_THREADS=1). Introduced in notebook 45.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(default_threads())
    matplotlib_inline.backend_inline.set_matplotlib_formats("png")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.4, 4.2)})
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
