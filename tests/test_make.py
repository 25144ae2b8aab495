"""`make lab` and `make test` stop at once, before installing anything, outside Python 3.11.5
to 3.14, and say why; pyproject.toml and the README state the same range."""

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = "Python 3.11.5 to 3.14"
# version -> what the refusal says of it (None: supported)
VERSIONS = {
    "2.7.18": "older than the pinned packages support",
    "3.10.13": "older than the pinned packages support",
    "3.11.4": "older than the pinned packages support",
    "3.11.5": None,
    "3.12.1": None,
    "3.13.0": None,
    "3.14.2": None,
    "3.15.0": "torch 2.13.0, which the course pins, has no wheel for it yet",
}


def fake_python(path, version):
    """A stand-in interpreter that answers every question with its version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def make(target, venv, **variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    args = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(["make", "-s", "-C", ROOT, target, f"VENV={venv}", *args], env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("target", ["lab", "test"])
@pytest.mark.parametrize("version", [v for v, why in VERSIONS.items() if why])
def test_make_stops_before_making_a_venv_outside_the_range(tmp_path, target, version):
    python = fake_python(tmp_path / "python", version)
    result = make(target, tmp_path / "venv", PYTHON=python)
    assert result.returncode != 0
    assert (f"This course needs {SUPPORTED}; PYTHON={python} is Python {version}"
            f"{':' if version.startswith('3.15') else ','} {VERSIONS[version]}.") in result.stderr
    assert f"PYTHON=/path/to/python3.13 make {target}" in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("version", [v for v, why in VERSIONS.items() if not why])
def test_make_goes_on_with_a_supported_python(tmp_path, version):
    # The stand-in makes no venv, so make stops at the next step: the venv's own check.
    result = make("lab", tmp_path / "venv", PYTHON=fake_python(tmp_path / "python", version))
    assert "This course needs" not in result.stderr
    assert f"{tmp_path}/venv was made with a Python that no longer runs" in result.stderr


def test_make_stops_when_python_does_not_run(tmp_path):
    result = make("lab", tmp_path / "venv", PYTHON=tmp_path / "nothing-here")
    assert f"PYTHON={tmp_path}/nothing-here is not a working Python." in result.stderr
    assert not (tmp_path / "venv").exists()


def test_make_says_when_the_venv_was_made_with_another_python(tmp_path):
    fake_python(tmp_path / "venv" / "bin" / "python", "3.10.13")
    result = make("lab", tmp_path / "venv")
    assert result.returncode != 0
    assert (f"{tmp_path}/venv was made with Python 3.10.13, older than the pinned packages "
            f"support; this course needs {SUPPORTED}.") in result.stderr
    assert not (tmp_path / "venv" / ".installed").exists()


def test_pyproject_has_the_same_oldest_python_and_the_readme_the_range():
    """The oldest Python is the lock's and the ranges' alike; the newest is the lock's only
    (torch 2.13.0's wheels), so pyproject.toml, which an environment of the student's own
    meets, has no upper bound."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    specifier = SpecifierSet(requires)
    for version, why in VERSIONS.items():
        assert (version in specifier) == (why is None or why.startswith("torch")), version
    readme = re.sub(r"\s+", " ", (ROOT / "README.md").read_text())
    assert f"{SUPPORTED}" in readme
