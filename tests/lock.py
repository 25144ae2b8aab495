"""The lock: requirements.txt and requirements-dev.txt, written by uv from pyproject.toml.

    python tests/lock.py write    # `make lock`: regenerate both files in place
    python tests/lock.py check    # `make check-pins`: the lock is what `write` gives, and every
                                  # pin has a wheel for each supported system and Python

`write` runs `uv pip compile --universal`: one lock, with environment markers, for every system
and Python at once. It keeps every existing pin that still fits pyproject.toml's ranges (uv
prefers the versions already in the output file), so a new release upstream does not move the
lock; to upgrade a package, remove its line (or everything) and write again. torch's CUDA
runtime (PyPI's Linux x86-64 build pulls it in) is torch's to pin and is left out, so that the
CPU build installs without it. requirements-dev.txt holds the maintainers' tools (pyproject's
`dev` group) at the versions the course's lock allows.

`check` writes the lock again in a scratch folder and fails if it differs from the committed
one, then asks uv to resolve the lock for Windows x86-64, macOS on Apple silicon (14 or newer,
as torch's wheel needs), Linux x86-64 and aarch64 (glibc 2.28 or newer), each with Python
3.11.5, 3.12, 3.13 and 3.14, from wheels only: each must succeed and add nothing but torch's
CUDA runtime. Both need the package registry, so neither is part of the offline `make test`;
CI runs `check`. Prints one line per check and exits 1 if any failed.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT_FILES = ["requirements.txt", "requirements-dev.txt"]
OLDEST_PYTHON = "3.11.5"  # the lock's oldest Python (soupsieve 4.1.3 needs it)
PYTHONS = [OLDEST_PYTHON, "3.12", "3.13", "3.14"]
# name: uv's --python-platform
SYSTEMS = {"Windows x86-64": "x86_64-pc-windows-msvc", "macOS arm64": "aarch64-apple-darwin",
           "Linux x86-64": "x86_64-manylinux_2_28", "Linux aarch64": "aarch64-manylinux_2_28"}
MACOS = "14.0"  # torch 2.13.0's oldest macOS
# torch's CUDA runtime, pulled in by PyPI's Linux x86-64 build only: torch pins it itself
CUDA_RUNTIME = re.compile(r"(nvidia|cuda)-.*|triton")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(files=REQUIREMENT_FILES, folder=ROOT):
    """Every requirement of the requirement files, as packaging Requirements."""
    found = []
    for name in files:
        for line in (folder / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                found.append(Requirement(line))
    return found


def uv(*args, cwd=ROOT, env=None):
    """Run this Python's uv (requirements-dev.txt) and return the finished process. uv
    resolves for a Python that may not be installed here, and must not try to download it."""
    return subprocess.run([sys.executable, "-m", "uv", *args, "--no-python-downloads"],
                          cwd=cwd, env=env, capture_output=True, text=True)


def compile_into(folder, *args):
    """uv pip compile for every system and Python from OLDEST_PYTHON on, in `folder`."""
    result = uv("pip", "compile", *args, "--universal", "--python-version", OLDEST_PYTHON,
                "--custom-compile-command", "make lock", "--quiet", cwd=folder)
    if result.returncode != 0:
        sys.exit(f"uv pip compile {' '.join(args)} failed:\n{result.stderr}")


def write(folder=ROOT):
    """Compile the lock into `folder`, which holds pyproject.toml and the current lock. A
    first pass finds the CUDA runtime that torch pulls in, the second leaves it out."""
    compile_into(folder, "pyproject.toml", "-o", "requirements.txt")
    cuda = sorted({canonical(r.name) for r in pins(["requirements.txt"], folder)
                   if CUDA_RUNTIME.fullmatch(canonical(r.name))})
    compile_into(folder, "pyproject.toml", *[f"--no-emit-package={name}" for name in cuda],
                 "-o", "requirements.txt")
    compile_into(folder, "--group", "dev", "-c", "requirements.txt", "-o",
                 "requirements-dev.txt")


def lock_differences():
    """The lock written anew in a scratch copy, against the committed one: a unified diff,
    empty when they agree."""
    diff = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in ["pyproject.toml", *REQUIREMENT_FILES]:
            shutil.copy(ROOT / name, scratch)
        write(Path(scratch))
        for name in REQUIREMENT_FILES:
            diff += difflib.unified_diff(
                (ROOT / name).read_text().splitlines(), (Path(scratch) / name).read_text()
                .splitlines(), f"{name} (committed)", f"{name} (make lock)", lineterm="")
    return diff


def resolve(system, python):
    """uv's resolution of the lock for one system and Python, from wheels only:
    (ok, message)."""
    env = {**os.environ, "MACOSX_DEPLOYMENT_TARGET": MACOS}
    result = uv("pip", "compile", *REQUIREMENT_FILES, "--python-platform", SYSTEMS[system],
                "--python-version", python, "--only-binary", ":all:", "--no-header",
                "--no-annotate", env=env)
    if result.returncode != 0:
        errors = [line.strip() for line in result.stderr.splitlines()
                  if line.strip() and not line.startswith("warning")]
        return False, " / ".join(errors)[-400:]
    resolved = {canonical(Requirement(line).name) for line in result.stdout.splitlines()
                if line.strip() and not line.startswith("#")}
    locked = {canonical(r.name) for r in pins()}
    added = sorted(name for name in resolved - locked if not CUDA_RUNTIME.fullmatch(name))
    if added:
        return False, f"needs packages the lock lacks: {', '.join(added)}"
    return True, f"{len(resolved & locked)} pins"


def check(jobs):
    start = time.perf_counter()
    diff = lock_differences()
    print("the lock is what `make lock` writes" if not diff else
          "the lock differs from what `make lock` writes (run make lock):\n" + "\n".join(diff))
    combos = [(system, python) for system in SYSTEMS for python in PYTHONS]
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda combo: resolve(*combo), combos))
    for (system, python), (ok, message) in zip(combos, results, strict=True):
        print(f"{system:15s} Python {python:7s} {'ok, ' if ok else 'FAILED: '}{message}")
    failed = sum(not ok for ok, _ in results) + bool(diff)
    print(f"{len(combos) + 1 - failed} passed, {failed} failed "
          f"({time.perf_counter() - start:.0f} s)")
    return int(failed > 0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--jobs", type=int, default=4, help="resolutions at once (default 4)")
    args = parser.parse_args(argv)
    if args.command == "write":
        write()
        return 0
    return check(args.jobs)


if __name__ == "__main__":
    sys.exit(main())
