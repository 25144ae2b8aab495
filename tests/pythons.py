"""`make test-pythons`: the whole suite under every supported Python found on this machine.

Looks for python3.11 to python3.14 on PATH and in pyenv's versions, keeps the newest of each
minor version inside the supported range (3.11.5 to 3.14), and runs `make test` with it in its
own venv, .venvs/3.X (git-ignored; kept, so that later runs skip the install). Prints one line
per Python and exits 1 if any failed or none was found.

    python tests/pythons.py [3.12 3.13 ...]    # only these minor versions
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINORS = ["3.11", "3.12", "3.13", "3.14"]
OLDEST, NEWEST_MINOR = (3, 11, 5), (3, 14)


def version_of(python):
    """(major, minor, micro) of an interpreter, or None if it does not run."""
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return tuple(map(int, out.stdout.split())) if out.returncode == 0 else None


def candidates(minors=MINORS):
    """Every python3.X (X in minors) on PATH and in pyenv's versions (pyenv's shims answer only
    for the versions that pyenv has made current, hence its folders too)."""
    found = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        found += [Path(folder) / f"python{minor}" for minor in minors]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += sorted(pyenv.glob("3.*/bin/python3"))
    return [path for path in found if path.is_file() and os.access(path, os.X_OK)]


def supported_pythons(wanted=MINORS, newest_minor=NEWEST_MINOR):
    """{'3.12': (path, version), ...}: the newest interpreter of each wanted minor, from 3.11.5
    to newest_minor (the lock's range by default)."""
    best = {}
    for path in candidates(wanted):
        version = version_of(path)
        if not version or not OLDEST <= version or version[:2] > newest_minor:
            continue
        minor = f"{version[0]}.{version[1]}"
        if minor in wanted and (minor not in best or version > best[minor][1]):
            best[minor] = (path, version)
    return dict(sorted(best.items()))


def main(argv):
    unknown = [minor for minor in argv if minor not in MINORS]
    if unknown:
        sys.exit(f"unsupported minor versions {unknown}: choose from {', '.join(MINORS)}")
    pythons = supported_pythons(argv or MINORS)
    if not pythons:
        sys.exit(f"no supported Python ({', '.join(argv or MINORS)}) found on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    results = []
    for minor, (path, version) in pythons.items():
        print(f"\n=== make test with Python {'.'.join(map(str, version))} ({path}), "
              f"venv .venvs/{minor}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(["make", "-C", ROOT, "test", f"PYTHON={path}",
                               f"VENV=.venvs/{minor}"], env=env).returncode
        results.append((version, code, time.perf_counter() - start))
    print("\n=== make test per Python")
    for version, code, seconds in results:
        print(f"Python {'.'.join(map(str, version)):8s} {'passed' if code == 0 else 'FAILED':7s}"
              f" {seconds:6.0f} s (install included when the venv was new)")
    return int(any(code for _, code, _ in results))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
