"""`make bench`: video 46's full sweep (21 slopes x 50 repetitions x 500 epochs), timed twice.

Once with the one-model loop (helpers.train_full_batch, the course's loop), once with the
batched trainer (helpers.train_many), from the same seed, so both train the same 1,050
models on the same data. Prints seconds for each, the ratio, and how far apart they end.
Not a test: timings depend on the machine.
"""

import time

import numpy as np
import torch
from torch import nn

from helpers import create_regression_data, train_full_batch, train_many

SLOPES = np.linspace(-2, 2, 21)
NUM_EXPS, NUM_EPOCHS, LEARNING_RATE = 50, 500, 0.05


def make_runs():
    """Data and a fresh 1-1-1 model per run, in the notebook's order: (X, y, models)."""
    torch.manual_seed(46)
    xs, ys, models = [], [], []
    for slope in SLOPES:
        for _ in range(NUM_EXPS):
            x, y = create_regression_data(slope, n=50)
            xs.append(x)
            ys.append(y)
            models.append(nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)))
    return torch.stack(xs), torch.stack(ys), models


def main():
    X, y, models = make_runs()
    start = time.perf_counter()
    loop = np.stack([train_full_batch(m, X[i], y[i], nn.MSELoss(), LEARNING_RATE, NUM_EPOCHS)[0]
                     for i, m in enumerate(models)])
    loop_s = time.perf_counter() - start

    X, y, models = make_runs()
    start = time.perf_counter()
    batched, _ = train_many(models, X, y, nn.MSELoss(), LEARNING_RATE, NUM_EPOCHS)
    batched_s = time.perf_counter() - start

    print(f"video 46 sweep: {len(models)} models x {NUM_EPOCHS} epochs, "
          f"{torch.get_num_threads()} torch threads")
    print(f"one-model loop   {loop_s:8.2f} s")
    print(f"batched trainer  {batched_s:8.2f} s")
    print(f"ratio            {loop_s / batched_s:8.1f} x")
    gap = np.abs(loop - batched)
    print(f"per-epoch loss difference: largest {gap.max():.1e}, "
          f"largest relative {(gap / np.maximum(np.abs(loop), 1e-12)).max():.1e}, "
          f"runs with a gap above 1e-5: {(gap.max(axis=1) > 1e-5).sum()} of {len(models)}")


if __name__ == "__main__":
    main()
