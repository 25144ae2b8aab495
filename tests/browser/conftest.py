"""Screenshots of this run only: cleared once, before pytest-xdist's workers start."""

import shutil

from test_student_path import SCREENSHOTS


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
        SCREENSHOTS.mkdir()
