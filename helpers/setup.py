"""One call at the top of every notebook: seeds and display settings."""

import random

import matplotlib.pyplot as plt
import matplotlib_inline.backend_inline
import numpy as np
import torch


def setup_notebook(seed: int = 0) -> None:
    """Seed python, numpy and torch, and set how figures and numbers are shown.

    Figures are drawn inline as PNG (pixels are not compared by the tests; the
    figure's text line is). Tensors and arrays print with 4 decimals. Torch uses one
    thread: the course's models are tiny, so more threads only compete (two test
    kernels on two cores ran up to 9x slower), and one thread gives the same
    numbers on any machine. Introduced in notebook 45.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    matplotlib_inline.backend_inline.set_matplotlib_formats("png")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.4, 4.2)})
    torch.set_printoptions(precision=4, sci_mode=False)
    np.set_printoptions(precision=4, suppress=True)
