"""`make check-pins`: every pin of requirements.txt and requirements-dev.txt has a wheel for each
supported system and Python, by pip's own resolver (dry runs: metadata only, nothing installed).

Systems: Windows x86-64, macOS on Apple silicon, Linux x86-64 and aarch64 (glibc 2.28 or newer),
each with Python 3.11.5, 3.12, 3.13 and 3.14. A pin whose environment marker excludes a system
(appnope is for macOS only) is checked where it applies. Needs the package registry, so it is
not part of the offline `make test`; CI runs it. Checks every system and Python, prints one line
for each, and exits 1 if any failed.

    python tests/check_pins.py [--jobs J]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT_FILES = ["requirements.txt", "requirements-dev.txt"]
PYTHONS = ["3.11.5", "3.12.0", "3.13.0", "3.14.0"]


def manylinux(arch):
    """Wheel platform tags a Linux with glibc 2.28 accepts (pip does not expand these)."""
    return ([f"manylinux_2_{n}_{arch}" for n in range(28, 4, -1)]
            + [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"])


# name: (wheel platform tags, environment-marker values)
SYSTEMS = {
    "Windows x86-64": (["win_amd64"], {"sys_platform": "win32", "platform_system": "Windows",
                                       "os_name": "nt", "platform_machine": "AMD64"}),
    "macOS arm64": (["macosx_14_0_arm64"], {"sys_platform": "darwin", "os_name": "posix",
                                            "platform_system": "Darwin",
                                            "platform_machine": "arm64"}),
    "Linux x86-64": (manylinux("x86_64"), {"sys_platform": "linux", "platform_system": "Linux",
                                           "os_name": "posix", "platform_machine": "x86_64"}),
    "Linux aarch64": (manylinux("aarch64"), {"sys_platform": "linux", "platform_system": "Linux",
                                             "os_name": "posix", "platform_machine": "aarch64"}),
}


def pins(files=REQUIREMENT_FILES):
    """Every pinned requirement of the requirement files, as packaging Requirements."""
    found = []
    for name in files:
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                found.append(Requirement(line))
    return found


def marker_environment(system, python):
    """The values environment markers see on `system` with `python` (e.g. "3.11.5")."""
    env = default_environment()
    env.update(SYSTEMS[system][1], python_full_version=python,
               python_version=".".join(python.split(".")[:2]))
    return env


def resolve(system, python):
    """pip's dry run of the pins that apply to `system` with `python`: (ok, packages, message)."""
    env = marker_environment(system, python)
    lines = [f"{r.name}{r.specifier}" for r in pins()
             if r.marker is None or r.marker.evaluate(env)]
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("\n".join(lines) + "\n")
        report = Path(tmp) / "report.json"
        platforms = [arg for tag in SYSTEMS[system][0] for arg in ("--platform", tag)]
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps",
             "--ignore-installed", "--only-binary=:all:", "--target", Path(tmp) / "target",
             "--python-version", python, *platforms, "--report", report, "-r", requirements],
            capture_output=True, text=True)
        errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        if result.returncode != 0:
            return False, len(lines), " / ".join(errors) or result.stderr.strip()[-300:]
        chosen = {item["metadata"]["name"].lower(): item["metadata"]["version"]
                  for item in json.loads(report.read_text())["install"]}
        return len(chosen) == len(lines), len(lines), f"{len(chosen)} of {len(lines)} chosen"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4, help="dry runs at once (default 4)")
    args = parser.parse_args(argv)
    combos = [(system, python) for system in SYSTEMS for python in PYTHONS]
    start = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda combo: resolve(*combo), combos))
    for (system, python), (ok, count, message) in zip(combos, results, strict=True):
        print(f"{system:15s} Python {python:7s} {count:4d} pins  "
              f"{'ok' if ok else 'FAILED: ' + message}")
    failed = sum(not ok for ok, _, _ in results)
    print(f"{len(combos) - failed} passed, {failed} failed "
          f"({time.perf_counter() - start:.0f} s)")
    return int(failed > 0)


if __name__ == "__main__":
    sys.exit(main())
