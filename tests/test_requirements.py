"""The dependencies: pyproject.toml declares the tested ranges; requirements.txt (the student's)
and requirements-dev.txt (the maintainers' tools) are the exact lock within them, written by
`make lock`, and installed here exactly. Offline: this reads the files and the installed
packages' metadata. `make check-pins` asks the registry that the lock is what `make lock` writes
and that each pin has a wheel everywhere."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from lock import CUDA_RUNTIME, canonical, pins

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DECLARED = [Requirement(line) for line in PROJECT["project"]["dependencies"]]
COURSE = ["torch", "numpy", "matplotlib", "matplotlib-inline", "seaborn", "pandas", "torchinfo",
          "jupyterlab", "ipywidgets", "ipykernel", "nbval"]
MAINTAINERS = ["ruff", "pytest-xdist", "playwright", "uv"]


def locked(filename):
    """{canonical name: version} of one requirement file."""
    return {canonical(r.name): next(iter(r.specifier)).version for r in pins([filename])}


def test_pyproject_declares_the_course_as_ranges_with_a_lower_bound():
    assert [canonical(r.name) for r in DECLARED] == COURSE
    for requirement in DECLARED:
        operators = [s.operator for s in requirement.specifier]
        assert operators == [">="], f"{requirement}: a lower bound, and no upper bound"
    assert PROJECT["project"]["requires-python"] == ">=3.11.5"
    assert PROJECT["dependency-groups"]["dev"] == MAINTAINERS


def test_every_requirement_is_pinned_exactly():
    for requirement in pins():
        assert [s.operator for s in requirement.specifier] == ["=="], str(requirement)
        assert re.fullmatch(r"[0-9][0-9a-z.+]*", next(iter(requirement.specifier)).version)
    assert locked("requirements.txt")["torch"] == "2.13.0"


def test_the_lock_lies_within_the_declared_ranges():
    versions = locked("requirements.txt")
    for requirement in DECLARED:
        assert requirement.specifier.contains(versions[canonical(requirement.name)]), \
            (str(requirement), versions[canonical(requirement.name)])


def test_the_lock_leaves_torchs_cuda_runtime_to_torch():
    """PyPI's torch for Linux x86-64 pulls in several GB of CUDA libraries, pinned by torch
    itself; in the lock they would be installed beside the CPU build too."""
    cuda = [name for name in locked("requirements.txt") if CUDA_RUNTIME.fullmatch(name)]
    assert not cuda, f"{cuda} in requirements.txt: make lock leaves them out"


def test_the_student_installs_the_course_and_not_the_maintainers_tools():
    student, maintainers = locked("requirements.txt"), locked("requirements-dev.txt")
    assert set(COURSE) <= set(student) and not set(MAINTAINERS) & set(student)
    assert set(MAINTAINERS) <= set(maintainers)
    for name in set(student) & set(maintainers):  # what the tools share with the course
        assert student[name] == maintainers[name], name


def test_this_environment_is_exactly_the_pins():
    here = default_environment()
    for requirement in pins():
        if requirement.marker is None or requirement.marker.evaluate(here):
            installed = metadata.version(requirement.name)  # torch's wheel here: 2.13.0+cpu
            assert requirement.specifier.contains(installed), (str(requirement), installed)
