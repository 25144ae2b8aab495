"""The pins: exact, split between the student's requirements.txt and the maintainers'
requirements-dev.txt, installed here as pinned, and closed: everything a pinned package needs on
any supported system and Python is pinned too. Offline: this reads the installed packages'
metadata. `make check-pins` asks the registry that each pin has a wheel everywhere."""

import re
from importlib import metadata

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from check_pins import PYTHONS, SYSTEMS, marker_environment, pins

COURSE = ["torch", "numpy", "matplotlib", "matplotlib-inline", "seaborn", "torchinfo",
          "jupyterlab", "ipywidgets", "nbval"]
MAINTAINERS = ["ruff", "pytest-xdist", "playwright"]
CUDA_RUNTIME = ("nvidia-", "cuda-", "triton")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# what each installed package needs, read once: {name: [requirement line, ...]}
REQUIRES = {canonical(d.metadata["Name"]): d.requires or [] for d in metadata.distributions()}


def test_every_requirement_is_pinned_exactly():
    for requirement in pins():
        assert [s.operator for s in requirement.specifier] == ["=="], str(requirement)
        assert re.fullmatch(r"[0-9][0-9a-z.+]*", next(iter(requirement.specifier)).version)
    versions = {canonical(r.name): next(iter(r.specifier)).version for r in pins()}
    assert versions["torch"] == "2.13.0"


def test_the_student_installs_the_course_and_not_the_maintainers_tools():
    def names(filename):
        return {canonical(requirement.name) for requirement in pins([filename])}

    student, maintainers = names("requirements.txt"), names("requirements-dev.txt")
    assert set(COURSE) <= student and not set(MAINTAINERS) & student
    assert set(MAINTAINERS) <= maintainers and not student & maintainers


def test_this_environment_is_exactly_the_pins():
    here = default_environment()
    for requirement in pins():
        if requirement.marker is None or requirement.marker.evaluate(here):
            installed = metadata.version(requirement.name)  # torch's wheel here: 2.13.0+cpu
            assert requirement.specifier.contains(installed), (str(requirement), installed)


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("system", SYSTEMS)
def test_everything_the_pins_pull_in_is_pinned(system, python):
    env = marker_environment(system, python)
    here = default_environment()
    applying = [r for r in pins() if r.marker is None or r.marker.evaluate(env)]
    versions = {canonical(r.name): next(iter(r.specifier)).version for r in applying}
    problems, seen = [], set()
    todo = [(canonical(r.name), frozenset(r.extras)) for r in applying]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        if name not in REQUIRES:
            # a pin for other systems only (appnope, colorama, pywinpty): none has dependencies
            assert any(not r.marker.evaluate(here) for r in applying
                       if r.marker and canonical(r.name) == name), name
            continue
        for line in REQUIRES[name]:
            needed = Requirement(line)
            if needed.marker and not any(needed.marker.evaluate({**env, "extra": extra})
                                         for extra in extras or {""}):
                continue
            dep = canonical(needed.name)
            if name == "torch" and dep.startswith(CUDA_RUNTIME):
                continue  # only PyPI's CUDA build (Linux) needs them, and torch pins them
            if dep not in versions:
                problems.append(f"{name} needs {needed}: not pinned")
            elif not needed.specifier.contains(versions[dep], prereleases=True):
                problems.append(f"{name} needs {needed}: pinned {versions[dep]}")
            else:
                todo.append((dep, frozenset(needed.extras)))
    assert not problems, problems
