"""`make bench`: each notebook's wall time against its budget, and video 46's loop vs batched.

Not a test: timings depend on the machine, and machines of one kind differ by 1.5x and more.
1. Every notebook runs on its own in a fresh kernel (as a student runs it), one after the
   other; its wall time (kernel start included) is printed beside the runtime the README and
   its title cell quote and its budget, both from tests/timings.toml. Exits 1 if a notebook
   is over budget, so a maintainer sees a slowdown before students do.
2. Video 46's full sweep (21 slopes x 50 repetitions x 500 epochs), once with the one-model
   loop (helpers.train_full_batch, the course's loop) and once with the batched trainer
   (helpers.train_many), from the same seed, so both train the same 1,050 models on the
   same data: seconds for each, the ratio, and how far apart the losses end.
3. One update of each lesson's playground (train its starts, then draw), at the lesson's
   values and at video 57's largest shapes, against the budgets of a live panel: 0.5 s, and
   2 s for 57's largest. Printed, not held: the exit code is the notebooks' alone.
4. With --corners, each playground's slowest corner (128 hidden units, 5 hidden layers, the
   epochs slider's end) at the lesson's rate and at rate 1: one update each, for information
   (a minute or more in all; the panel says how long such an update will take while it runs).

    python tests/bench.py [--skip-notebooks] [--skip-sweep] [--skip-playground] [--corners]
                          [notebooks ...]
"""

import argparse
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from helpers import create_regression_data, playground, train_full_batch, train_many
from helpers.playground import LESSONS
from helpers.setup import default_threads
from notebook_runs import run_notebook

ROOT = Path(__file__).resolve().parent.parent
TIMINGS = tomllib.loads((ROOT / "tests" / "timings.toml").read_text())["notebooks"]
SLOPES = np.linspace(-2, 2, 21)
NUM_EXPS, NUM_EPOCHS, LEARNING_RATE = 50, 500, 0.05


def bench_notebooks(paths):
    """Print each notebook's wall time against its budget; returns the names over budget."""
    print(f"{'notebook':52s} {'measured':>9s} {'quoted':>7s} {'budget':>7s}")
    over = []
    for path in paths:
        seconds, failures = run_notebook(path)
        name = path.resolve().relative_to(ROOT / "notebooks").as_posix()  # solutions/...
        timing = TIMINGS.get(name, {})
        budget = timing.get("budget", float("inf"))
        flag = "  OVER BUDGET" if seconds > budget else ""
        flag += f"  ({len(failures)} failing cells)" if failures else ""
        print(f"{name:52s} {seconds:7.1f} s {timing.get('runtime', '?'):>5} s "
              f"{budget:5.0f} s{flag}", flush=True)
        if seconds > budget:
            over.append(name)
    return over


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


def bench_sweep():
    """Video 46's sweep with the one-model loop and with the batched trainer."""
    torch.set_num_threads(default_threads())  # as setup_notebook does
    X, y, models = make_runs()
    start = time.perf_counter()
    loop = np.stack([train_full_batch(m, X[i], y[i], nn.MSELoss(), LEARNING_RATE, NUM_EPOCHS)[0]
                     for i, m in enumerate(models)])
    loop_s = time.perf_counter() - start

    X, y, models = make_runs()
    start = time.perf_counter()
    batched, _ = train_many(models, X, y, nn.MSELoss(), LEARNING_RATE, NUM_EPOCHS)
    batched_s = time.perf_counter() - start

    print(f"\nvideo 46 sweep: {len(models)} models x {NUM_EPOCHS} epochs, "
          f"{torch.get_num_threads()} torch thread(s)")
    print(f"one-model loop   {loop_s:8.2f} s")
    print(f"batched trainer  {batched_s:8.2f} s")
    print(f"ratio            {loop_s / batched_s:8.0f} x")
    gap = np.abs(loop - batched)
    print(f"per-epoch loss difference: largest {gap.max():.1e}, "
          f"largest relative {(gap / np.maximum(np.abs(loop), 1e-12)).max():.1e}")


PLAYGROUND_BUDGET, LARGEST_57_BUDGET = 0.5, 2.0
LARGEST_57 = {"hidden_units": 100, "hidden_layers": 5}  # the widest, deepest nets of the sweep


def bench_playgrounds():
    """Median of 3 updates (train + draw) of each lesson's playground, after a first one."""
    torch.set_num_threads(default_threads())  # as setup_notebook does
    print(f"\nplayground updates ({torch.get_num_threads()} torch thread(s)), median of 3:")
    print(f"{'lesson':28s} {'train':>7s} {'draw':>7s} {'update':>7s} {'budget':>7s}")
    cases = [(f"{lesson}", lesson, {}, PLAYGROUND_BUDGET) for lesson in LESSONS]
    cases.append(("57, 100 units x 5 layers", 57, LARGEST_57, LARGEST_57_BUDGET))
    for name, lesson, knobs, budget in cases:
        panel = playground(lesson=lesson, **knobs)
        train, draw = np.median([panel.update() for _ in range(3)], axis=0)
        flag = "  OVER BUDGET" if train + draw > budget else ""
        print(f"{name:28s} {train:5.2f} s {draw:5.2f} s {train + draw:5.2f} s {budget:5.1f} s"
              f"{flag}", flush=True)


def bench_corners():
    """One update of each playground at its slowest corner."""
    torch.set_num_threads(default_threads())  # as setup_notebook does
    print(f"\nplayground corners ({torch.get_num_threads()} torch thread(s)): 128 hidden "
          f"units, 5 hidden layers, the epochs slider's end")
    print(f"{'lesson':28s} {'train':>7s} {'draw':>7s} {'update':>7s}")
    for lesson, setup in LESSONS.items():
        epochs = max(5000, setup.knobs.num_epochs)  # the slider's end
        for lr in sorted({setup.knobs.lr, 1.0}):
            panel = playground(lesson=lesson, hidden_units=128, hidden_layers=5,
                               num_epochs=epochs, lr=lr)
            train, draw = panel.seconds
            print(f"{f'{lesson}, lr {lr:g}, {epochs} epochs':28s} {train:5.1f} s {draw:5.2f} s "
                  f"{train + draw:5.1f} s", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: all of notebooks/")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-playground", action="store_true")
    parser.add_argument("--corners", action="store_true",
                        help="also each playground's slowest corner (a minute or more)")
    args = parser.parse_args(argv)
    over = []
    if not args.skip_notebooks:
        paths = [p.resolve() for p in args.notebooks] or sorted(
            (ROOT / "notebooks").glob("*.ipynb")) + sorted(
            (ROOT / "notebooks" / "solutions").glob("*.ipynb"))
        over = bench_notebooks(paths)
    if not args.skip_sweep:
        bench_sweep()
    if not args.skip_playground:
        bench_playgrounds()
    if args.corners:
        bench_corners()
    if over:
        print(f"\nover budget: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
