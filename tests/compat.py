"""`make test-compat`: the course in a student's own environment, at both ends of the ranges that
pyproject.toml declares.

- oldest: Python 3.11 (the newest 3.11 from 3.11.5 found here). torch at its lower bound is
  installed first, as a student's own PyTorch would be; then `pip install -e .` with every
  other declared package held at its lower bound. torch must still be the one installed first.
- newest: the newest Python found here (3.11.5 or newer, no upper limit), and `pip install
  --upgrade -e .`: the newest release of every package that the ranges allow and this machine's
  pip installs.

Each environment is a venv in .venvs/compat-NAME (kept, so that a later run installs only what
changed), and tests a clone of this repository's HEAD (uncommitted changes are not in it) made
as Git for Windows makes it (core.autocrlf=true), in .venvs/compat-NAME/course. There it runs the
helpers' unit tests and every lesson and worked answer top to bottom (nbval-lax: an error or a
failed assert fails; outputs are not compared, since other versions may print another last
digit; a deprecation another release announces is shown, not an error), then starts the
environment's `jupyter lab` and checks the course's settings. Prints the versions used and one
line per environment; exits 1 if any failed.

    python tests/compat.py [oldest] [newest]
"""

import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from lab_server import course_settings_problems, running_lab
from lock import canonical, pins
from pythons import supported_pythons

ROOT = Path(__file__).resolve().parent.parent
DECLARED = [Requirement(line) for line in
            tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
LOWER_BOUNDS = {canonical(r.name): next(iter(r.specifier)).version for r in DECLARED}
# to run two notebooks at a time, at the maintainers' pinned versions
RUNNER = [f"{r.name}{r.specifier}" for r in pins(["requirements-dev.txt"])
          if canonical(r.name) in ("pytest-xdist", "execnet")]
# The helpers' unit tests; not the repository's own checks (the lock, the Makefile, the files):
# those are about this repository, not the student's environment. Images/ is drawn by the
# lock's matplotlib: another version draws other bytes, and the check of that is the lock's.
UNIT_TESTS = ["tests/test_data.py", "tests/test_figures.py", "tests/test_playground.py",
              "tests/test_results.py", "tests/test_sweeps.py", "tests/test_training.py"]
LOCK_ONLY = "tests/test_figures.py::test_images_folder_holds_exactly_the_generated_figures"
ENVS = ["oldest", "newest"]


def run(*args, **kwargs):
    print("$", " ".join(map(str, args)), flush=True)
    return subprocess.run(args, **kwargs).returncode


def python_for(env):
    """(path, version) of the interpreter an environment is made with."""
    if env == "oldest":
        found = supported_pythons(["3.11"])
    else:
        found = supported_pythons([f"3.{minor}" for minor in range(11, 30)], (3, 99))
    if not found:
        sys.exit(f"no Python for the {env} environment: "
                 f"{'3.11.5 or a newer 3.11' if env == 'oldest' else '3.11.5 or newer'}")
    return found[max(found, key=lambda minor: found[minor][1])]


def clone(destination):
    """This repository's HEAD, checked out as Git for Windows does by default."""
    shutil.rmtree(destination, ignore_errors=True)
    subprocess.run(["git", "-c", "core.autocrlf=true", "clone", "--quiet", str(ROOT),
                    str(destination)], check=True)


def install(env, bin_dir, course):
    """Install the course into the venv at bin_dir's parent; returns pip's exit code."""
    pip = [bin_dir / "python", "-m", "pip", "install", "--quiet"]
    if env == "oldest":
        code = run(*pip, f"torch=={LOWER_BOUNDS['torch']}")  # the student's own PyTorch
        constraints = bin_dir.parent / "lower-bounds.txt"  # every other package at its bound
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in
                                       LOWER_BOUNDS.items() if name != "torch"))
        return code or run(*pip, "-e", course, "-c", constraints, *RUNNER)
    return run(*pip, "--upgrade", "--upgrade-strategy", "eager", "-e", course, *RUNNER)


def versions(bin_dir):
    """{package: version} of the declared packages and the tools around them, in the venv."""
    names = [*LOWER_BOUNDS, "jupyter_server", "jupyterlab_widgets", "pytest"]
    script = ("import sys, importlib.metadata as m; print(sys.version.split()[0]); "
              f"[print(m.version(name)) for name in {names!r}]")
    out = subprocess.run([bin_dir / "python", "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    return dict(zip(["python", *names], out, strict=True))


def check_env(env):
    """Make, install and test one environment; returns (problems, versions, seconds)."""
    start = time.perf_counter()
    python, version = python_for(env)
    venv = ROOT / ".venvs" / f"compat-{env}"
    bin_dir, course = venv / "bin", venv / "course"
    print(f"\n=== {env}: Python {'.'.join(map(str, version))} ({python}), venv {venv}",
          flush=True)
    if not (bin_dir / "python").exists():
        run(python, "-m", "venv", venv)
    clone(course)
    if install(env, bin_dir, course):
        return ["the install failed"], {}, time.perf_counter() - start
    used = versions(bin_dir)
    print("\n".join(f"    {name:20s} {v}" for name, v in used.items()), flush=True)
    problems = []
    if env == "oldest":
        problems += [f"{name} {used[name]}, not its lower bound {lower}"
                     for name, lower in LOWER_BOUNDS.items()
                     if used[name].split("+")[0] != lower]
    # Deprecations that other releases announce are shown, not errors (as pyproject.toml has
    # them for the lock): matplotlib 3.8.4 calls pyparsing 3.3's deprecated names on import.
    if run(bin_dir / "python", "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider",
           "-W", "default::DeprecationWarning",
           "-n", "2", "--dist", "loadscope", "--nbval-lax", "--nbval-current-env",
           "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "--deselect", LOCK_ONLY,
           *UNIT_TESTS, "notebooks", cwd=course):
        problems.append("tests failed (above)")
    with tempfile.TemporaryDirectory() as home:
        with running_lab([bin_dir / "jupyter", "lab"], course, home, Path(home) / "lab.log") as url:
            problems += [f"jupyter lab {p}" for p in course_settings_problems(url)]
    return problems, used, time.perf_counter() - start


def main(argv):
    unknown = set(argv) - set(ENVS)
    if unknown:
        sys.exit(f"unknown environments {sorted(unknown)}: choose from {ENVS}")
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout
    if dirty:
        print("note: uncommitted changes are not tested (the environments test HEAD)")
    results = {env: check_env(env) for env in argv or ENVS}
    print("\n=== make test-compat")
    for env, (problems, used, seconds) in results.items():
        stack = ", ".join(f"{name} {used[name]}" for name in
                          ["python", "torch", "numpy", "matplotlib", "pandas"] if name in used)
        print(f"{env:7s} {'passed' if not problems else 'FAILED'} {seconds:5.0f} s  {stack}")
        for problem in problems:
            print(f"        {problem}")
    return int(any(problems for problems, _, _ in results.values()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
