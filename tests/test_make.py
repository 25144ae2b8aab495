"""`make lab` and `make test` stop at once, before installing anything, without Python 3.11."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_make_stops_before_making_a_venv_with_another_python(tmp_path, target, version):
    result = make(target, tmp_path / "venv", PYTHON=fake_python(tmp_path / "python", version))
    assert result.returncode != 0
    assert f"needs Python 3.11; PYTHON={tmp_path}/python is Python {version}." in result.stderr
    assert f"PYTHON=/path/to/python3.11 make {target}" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_make_says_when_the_venv_was_made_with_another_python(tmp_path):
    fake_python(tmp_path / "venv" / "bin" / "python", "3.12")
    result = make("lab", tmp_path / "venv")
    assert result.returncode != 0
    assert f"{tmp_path}/venv was made with Python 3.12; this course needs" in result.stderr
    assert not (tmp_path / "venv" / ".installed").exists()
