"""JupyterLab started as a student starts it, and what it says of the course's settings.

Used by the browser test (`make test-browser`) and by `make test-compat`. The course's settings
(jupyter-config/, installed into the environment with the course) send a plain `jupyter lab` on
to notebooks/ and keep it from reaching out: no news, no update check, an extension manager that
cannot install. They loosen nothing: JupyterLab's refusal to run as root stays, and only this
module adds --allow-root, on its own command line, where the machine runs as root (CI's does).
"""

import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from urllib.parse import urlsplit


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_lab(command, cwd, home, log):
    """Run `command` (a list: the student's `jupyter lab`) in `cwd` with HOME=`home` (so that it
    is its first start), adding only --no-browser, a free port, a random token and, as root,
    --allow-root. Writes its output to `log` (a path). Yields its URL, token included."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(home)
    port, token = free_port(), secrets.token_urlsafe(16)
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with open(log, "w") as out:
        server = subprocess.Popen(
            [*command, *as_root, "--no-browser", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"],
            cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{url}api/status?token={token}", timeout=1)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not start, see {log}") from None
                    time.sleep(0.2)
            yield f"{url}?token={token}"
        finally:
            server.terminate()
            server.wait(timeout=30)


def course_settings_problems(url):
    """What the running server at `url` (with its token) contradicts of the course's settings,
    as a list of sentences (empty when it has them all): it sends the student on to notebooks/,
    its extension manager cannot install (so asks no index), news are off and the notification
    settings default to no news and no update check."""
    base, query = url.split("?")

    def get(path):
        with urllib.request.urlopen(f"{base}{path}?{query}") as response:
            return response.url, response.read().decode()

    problems = []
    landed, page = get("")
    if urlsplit(landed).path != "/lab/tree/notebooks":
        problems.append(f"opens on {urlsplit(landed).path}, not /lab/tree/notebooks")
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">'
                                  r"(.*?)</script>", page, re.S).group(1))
    if config.get("extensionManager", {}).get("can_install") is not False:
        problems.append(f"its extension manager can install: {config.get('extensionManager')}")
    if config.get("news") != {"disabled": True}:
        problems.append(f"news are not disabled: {config.get('news')}")
    schema = json.loads(get("lab/api/settings/@jupyterlab/apputils-extension:notification")[1])
    defaults = {name: value["default"] for name, value in schema["schema"]["properties"].items()}
    if defaults.get("fetchNews") != "false" or defaults.get("checkForUpdates") is not False:
        problems.append(f"notification defaults {defaults}")
    news = json.loads(get("lab/api/news")[1])
    if news != {"news": []}:
        problems.append(f"it serves news: {news}")
    return problems
