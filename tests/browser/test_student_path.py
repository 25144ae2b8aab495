"""The student's path in a real browser: `make lab`, open a notebook, run all, nothing leaves.

Run by `make test-browser` (needs Debian's chromium at /usr/bin/chromium); `make test` never
collects it. JupyterLab starts with `make lab`'s options on a temporary copy of the course;
each notebook (the lessons, then the worked answers in solutions/, reached through that folder)
is opened from the file browser, run with Kernel > "Restart Kernel and Run All Cells…" and
checked against its saved outputs. Every request of the page is intercepted: one to anything
but the local server is aborted and fails the notebook. One screenshot per
notebook (its first screen after the run) goes to browser-screenshots/. make test-browser runs
two notebooks at a time: each pytest-xdist worker has its own JupyterLab and Chromium.

NOTEBOOKS_DIR=path runs the notebooks of another folder instead of notebooks/.
"""

import os
import posixpath
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = Path(os.environ.get("NOTEBOOKS_DIR", ROOT / "notebooks")).resolve()
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(NOTEBOOKS_DIR.glob("solutions/*.ipynb"))
SCREENSHOTS = ROOT / "browser-screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
RUN_TIMEOUT_MS = 180_000
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook open in front
DIAGRAM_REF = re.compile(r"\]\(([^)\s]*Images/[^)\s]+)\)")

# Per cell of the open notebook: its prompt, error and stderr texts, figures (PNG outputs shown
# as <img>) and the markdown images with their loaded width (0 when the file did not load).
READ_CELLS = """panel => Promise.all([...panel.querySelectorAll('.jp-Cell')].map(async cell => ({
  prompt: cell.querySelector('.jp-InputArea-prompt')?.textContent.trim() ?? '',
  stderr: [...cell.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(output => output.textContent),
  figures: cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/png"] img').length,
  images: await Promise.all([...cell.querySelectorAll('.jp-MarkdownOutput img')].map(
    img => img.decode().catch(() => null).then(
      () => ({path: new URL(img.src).pathname, width: img.naturalWidth})))),
})))"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_options():
    """`make lab`'s options, from the Makefile, the one place that defines them."""
    result = subprocess.run(["make", "-s", "print-lab-options"], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    return shlex.split(result.stdout)


@pytest.fixture(scope="session")
def lab_url(tmp_path_factory):
    """JupyterLab started as `make lab` starts it, in a copy of the course, with a fresh home
    (so it is its first start), on a free port with a random token. Yields its URL."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(NOTEBOOKS_DIR, course / "notebooks")
    for folder in ("Images", "data", ".lab-settings"):
        shutil.copytree(ROOT / folder, course / folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(tmp_path_factory.mktemp("home"))
    port, token = free_port(), secrets.token_urlsafe(16)
    log = (tmp_path_factory.getbasetemp() / "jupyter-lab.log").open("w")
    server = subprocess.Popen(
        [Path(sys.executable).with_name("jupyter"), "lab", *lab_options(), "--no-browser",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}"],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}api/status?token={token}", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start, see {log.name}", pytrace=False)
                time.sleep(0.2)
        yield f"{url}?token={token}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

@pytest.fixture(scope="session")
def browser_page(lab_url):
    """One Chromium tab on JupyterLab, as the student opens it, and the list of every URL it
    requested; each one outside the local server was aborted."""
    local = urlsplit(lab_url).netloc
    requests = []

    def only_local(route):
        requests.append(route.request.url)
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      service_workers="block")  # so the route sees all
        context.route("**/*", only_local)
        page = context.new_page()
        page.on("websocket", lambda websocket: requests.append(websocket.url))
        page.goto(lab_url)  # the server sends it on to make lab's default URL, notebooks/
        yield page, requests
        browser.close()


def run_all(page, notebook):
    """Opens the notebook (a path under notebooks/) from the file browser, restarts the kernel
    and runs all cells; returns once the kernel is idle and no cell waits to run."""
    *folders, notebook = notebook.split("/")
    page.locator(".jp-BreadCrumbs-item", has_text="notebooks").click()  # back to notebooks/
    for name in [*folders, notebook]:  # each waits for its listing to show it
        page.locator(".jp-DirListing-item").filter(
            has=page.get_by_text(name, exact=True)).dblclick()
    kernel_idle = page.get_by_title(f"Change kernel for {notebook}").filter(has_text="| Idle")
    kernel_idle.wait_for(timeout=60_000)
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name="Restart Kernel and Run All Cells…").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()  # Restart
    waiting = page.locator(NOTEBOOK).locator(".jp-InputArea-prompt", has_text="[*]").first
    waiting.wait_for(state="attached")
    waiting.wait_for(state="detached", timeout=RUN_TIMEOUT_MS)
    kernel_idle.wait_for()


def close(page):
    """File > Close and Shut Down Notebook (after closing any dialog left open); unsaved."""
    page.keyboard.press("Escape")
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name="Close and Shut Down Notebook…").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()  # Ok
    page.locator(NOTEBOOK).wait_for(state="detached")


def problems_of(saved, shown, folder):
    """What the run shown in the browser got wrong against the saved notebook (in `folder`,
    e.g. notebooks/solutions), as a list of (cell index or None, what)."""
    if len(shown) != len(saved.cells):
        return [(None, f"{len(shown)} cells shown, the notebook has {len(saved.cells)}")]
    problems, not_run = [], []
    for i, (cell, seen) in enumerate(zip(saved.cells, shown, strict=True)):
        if cell.cell_type == "markdown":
            loaded = {image["path"] for image in seen["images"] if image["width"] > 0}
            for target in DIAGRAM_REF.findall(cell.source):
                if "/files/" + posixpath.normpath(f"{folder}/{target}") not in loaded:
                    problems.append((i, f"diagram {target} not shown"))
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if not re.fullmatch(r"\[\d+\]:", seen["prompt"]):
            not_run.append(i)
            continue
        for text in seen["stderr"]:
            kind = "error" if "Traceback" in text else "stderr"
            last_line = [line for line in text.splitlines() if line.strip()][-1]
            problems.append((i, f"{kind}: {last_line.strip()[:200]}"))
        figures = sum("image/png" in output.get("data", {}) for output in cell.outputs)
        if seen["figures"] != figures:
            problems.append((i, f"{seen['figures']} figures shown, the saved notebook has "
                                f"{figures}"))
    running = [i for i in not_run if shown[i]["prompt"] == "[*]:"]
    if running:
        problems.append((running[0], "still running"))
    if not_run:
        problems.append((None, f"cells {', '.join(map(str, not_run))} did not run"))
    return problems


def screenshot(page, path, cell=None):
    """The open notebook's first screen, or the screen of one of its cells."""
    panel = page.locator(NOTEBOOK)
    if cell is None:
        panel.locator(".jp-WindowedPanel-outer").evaluate_all(
            "scrollers => scrollers.forEach(scroller => scroller.scrollTo(0, 0))")
    else:
        panel.locator(".jp-Cell").nth(cell).scroll_into_view_if_needed()
    page.screenshot(path=path)
    return path.relative_to(ROOT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_student_opens_and_runs_the_notebook(browser_page, notebook):
    page, requests = browser_page
    where = notebook.relative_to(NOTEBOOKS_DIR).as_posix()  # e.g. solutions/43_..._solutions
    try:
        run_all(page, where)
        problems = []
    except PlaywrightError as error:
        problems = [(None, f"the run did not finish: {str(error).splitlines()[0]}")]
    if page.locator(NOTEBOOK).count():
        shown = page.locator(NOTEBOOK).evaluate(READ_CELLS)
        problems += problems_of(nbformat.read(notebook, as_version=4), shown,
                                posixpath.dirname(f"notebooks/{where}"))
    shots = [screenshot(page, SCREENSHOTS / f"{notebook.stem}.png")]
    cells = [i for i, _ in problems if i is not None]
    if cells:
        shots.append(screenshot(page, SCREENSHOTS / f"{notebook.stem}.cell{cells[0]}.png",
                                cells[0]))
    news = page.locator(".Toastify__toast", has_text="news").all_inner_texts()
    close(page)
    local = urlsplit(page.url).netloc
    report = [f"cell {i}: {what}" if i is not None else what for i, what in problems]
    report += [f"the page asked for {url}, outside the local server"
               for url in requests if urlsplit(url).netloc != local]
    report += [f"a notification about news: {text.splitlines()[0]}" for text in news]
    if not any(f"/api/contents/notebooks/{where}" in url for url in requests):
        report.append("the page's requests were not seen: the check of them proves nothing")
    requests.clear()  # the first notebook also answers for the requests of JupyterLab's start
    if report:
        pytest.fail("\n  ".join([f"{notebook.name}:", *report, "screenshots: " +
                                 ", ".join(map(str, shots))]), pytrace=False)
