"""`make seeds N=20`: re-run notebooks with N other seeds and list every check that fails.

A notebook's checks must hold for any seed, not only the committed one. For each notebook,
this executes a copy (never the file itself) with `setup_notebook(seed=...)` set to each of
N seeds other than the committed one, runs every cell even after a failure, and reports each
cell that raised: the seed, the cell, the failing line and the message. Outputs are not
compared (other seeds print other numbers). Not part of `make test`: it takes minutes.

    python tests/seeds.py [-n N] [--jobs J] [--first S] [notebooks ...]
"""

import argparse
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from notebook_runs import committed_seed, run_notebook

ROOT = Path(__file__).resolve().parent.parent


def other_seeds(committed, n, first=1):
    """n seeds from `first` on, skipping the committed one."""
    return [s for s in range(first, first + n + 1) if s != committed][:n]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebook in notebooks/ and notebooks/solutions/")
    parser.add_argument("-n", type=int, default=20, help="seeds per notebook (default 20)")
    parser.add_argument("--first", type=int, default=1, help="first seed to try (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.jobs < 1:
        parser.error("-n and --jobs must be at least 1")
    paths = [p.resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "notebooks" / "solutions").glob("*.ipynb"))
    tasks = [(path, seed) for path in paths
             for seed in other_seeds(committed_seed(path), args.n, args.first)]

    if args.jobs > 1:
        # notebooks at once share the cores: one torch thread per kernel (the kernels inherit
        # this environment), as in make test; more threads than cores can make a batched sweep
        # twenty times slower (video 50's: 135 s instead of 6 s with two kernels of two threads)
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(f"{len(paths)} notebooks x {args.n} seeds, {args.jobs} at a time, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", flush=True)
    failed_seeds = defaultdict(list)
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = {task: pool.submit(run_notebook, *task) for task in tasks}
        for (path, seed), future in futures.items():
            seconds, failures = future.result()
            status = f"{len(failures)} failing cell(s)" if failures else "ok"
            print(f"{path.name:45s} seed {seed:4d} {seconds:6.1f} s  {status}", flush=True)
            for index, line, message in failures:
                print(f"    cell {index}: {line}\n      {message}", flush=True)
            if failures:
                failed_seeds[path.name].append(seed)

    print(f"\n{'notebook':45s} {'seeds':>5s} {'failed':>6s}  failing seeds")
    for path in paths:
        bad = failed_seeds.get(path.name, [])
        print(f"{path.name:45s} {args.n:5d} {len(bad):6d}  {' '.join(map(str, bad))}")
    return 1 if failed_seeds else 0


if __name__ == "__main__":
    sys.exit(main())
