"""The student's path in a real browser: install as the README says, open, run all, nothing leaves.

Run by `make test-browser` (needs Debian's chromium at /usr/bin/chromium); `make test` never
collects it. The course is copied as a fresh clone would hold it (the files git tracks, as they are
in the working tree) and installed there with the README's plain commands (the Linux spelling of
"without make"), once for all workers; each pytest-xdist worker then starts the README's plain
`.venv/bin/jupyter lab` in a copy of its own, with nothing but a port, a token, --no-browser and,
as root, --allow-root added (tests/lab_server.py). So the settings under test are the ones the
install brings: JupyterLab must open on notebooks/ without the news prompt. Each notebook (the
lessons, then the worked answers in solutions/, reached through that folder) is opened from the
file browser, run with Kernel > "Restart Kernel and Run All Cells…" and checked against its saved
outputs. Every request of the page is intercepted: one to anything but the local server is
aborted and fails the notebook. One screenshot per notebook (its first screen after the run) goes
to browser-screenshots/. A notebook with a "## Playground" section then has its playground's
controls moved, as a student would, and must redraw with no error; a second screenshot shows the
playground after that. Last, each lesson with a playground is shown as a static viewer shows the
committed notebook (nbconvert's HTML, in a Chromium tab with no network): its playground's
picture must be there, as GitHub and a notebook not yet run show it.

NOTEBOOKS_DIR=path runs the notebooks of another folder instead of notebooks/.
"""

import os
import posixpath
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from filelock import FileLock
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from lab_server import course_settings_problems, running_lab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = Path(os.environ.get("NOTEBOOKS_DIR", ROOT / "notebooks")).resolve()
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(NOTEBOOKS_DIR.glob("solutions/*.ipynb"))
SCREENSHOTS = ROOT / "browser-screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
RUN_TIMEOUT_MS = 180_000
REDRAW_TIMEOUT_MS = 60_000  # one move of a playground's control: train eight starts, draw
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook open in front
WIDGET = "application/vnd.jupyter.widget-view+json"
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

# The playground in `cell` shows a picture loaded from a src other than `src` (a blob URL, new
# for each picture) and a status line holding `text`.
PLAYGROUND_SHOWS = """([cell, src, text]) => {
  const image = cell.querySelector('img.widget-image');
  const status = cell.querySelector('.widget-html-content');
  return Boolean(image?.src && image.src !== src && image.complete && image.naturalWidth > 0
                 && status?.textContent.includes(text));
}"""


def readme_commands():
    """The README's plain commands for Linux and macOS: (install lines, the line that opens the
    course)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"\n### Without make: Linux and macOS\n.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README.md has no '### Without make: Linux and macOS' section with a bash block"
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    *install, start = [line for line in lines if line]
    assert start == ".venv/bin/jupyter lab", start
    return install, start


def copy_course(destination):
    """The files git tracks, as the working tree holds them (so: a fresh clone of what is being
    tested), with NOTEBOOKS_DIR's notebooks in notebooks/."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, tracked):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    if NOTEBOOKS_DIR != (ROOT / "notebooks").resolve():
        shutil.rmtree(destination / "notebooks")
        shutil.copytree(NOTEBOOKS_DIR, destination / "notebooks")


@pytest.fixture(scope="session")
def installed_course(tmp_path_factory, worker_id):
    """The course installed with the README's commands, in a copy of the repository; made by the
    first worker, used by all. Returns its folder."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else \
        tmp_path_factory.getbasetemp().parent
    course, log = shared / "installed-course", shared / "install.log"
    with FileLock(shared / "install.lock"):
        if not (course / ".venv" / "bin" / "jupyter").exists():
            copy_course(course)
            install, _ = readme_commands()
            with log.open("w") as out:
                result = subprocess.run(["bash", "-euxc", "\n".join(install)], cwd=course,
                                        stdout=out, stderr=subprocess.STDOUT)
            if result.returncode != 0:
                pytest.fail(f"the README's install commands failed, see {log}", pytrace=False)
    return course


@pytest.fixture(scope="session")
def lab_url(tmp_path_factory, installed_course):
    """The README's `.venv/bin/jupyter lab`, started in a copy of the installed course with a
    fresh home (so it is its first start). Yields its URL."""
    course = tmp_path_factory.mktemp("course")
    copy_course(course)
    (course / ".venv").symlink_to(installed_course / ".venv")
    _, start = readme_commands()
    log = tmp_path_factory.getbasetemp() / "jupyter-lab.log"
    try:
        with running_lab(shlex.split(start), course, tmp_path_factory.mktemp("home"),
                         log) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


def test_plain_jupyter_lab_has_the_course_settings(lab_url):
    """What the install's settings promise, as the running server reports it."""
    assert not course_settings_problems(lab_url)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, driven by Playwright: one browser per worker."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_page(lab_url, chromium):
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

    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   service_workers="block")  # so the route sees all
    context.route("**/*", only_local)
    page = context.new_page()
    page.on("websocket", lambda websocket: requests.append(websocket.url))
    page.goto(lab_url)  # the server sends it on to the install's default URL, notebooks/
    yield page, requests
    context.close()


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
            problems.append((i, f"{kind}: {last_line(text)}"))
        # a live widget is drawn instead of the picture its saved output holds for viewers
        figures = sum("image/png" in output.get("data", {}) and WIDGET not in output.data
                      for output in cell.outputs)
        if seen["figures"] != figures:
            problems.append((i, f"{seen['figures']} figures shown, the saved notebook has "
                                f"{figures}"))
    running = [i for i in not_run if shown[i]["prompt"] == "[*]:"]
    if running:
        problems.append((running[0], "still running"))
    if not_run:
        problems.append((None, f"cells {', '.join(map(str, not_run))} did not run"))
    return problems


def last_line(text):
    """The last line of an error or stderr text that is not blank, shortened to 200 characters."""
    return ([line.strip() for line in text.splitlines() if line.strip()] or [""])[-1][:200]


def playground_cell(saved):
    """The index of the saved notebook's playground: the last code cell after its
    "## Playground" heading; None when it has none."""
    heading = next((i for i, cell in enumerate(saved.cells) if cell.cell_type == "markdown"
                    and cell.source.startswith("## Playground")), None)
    if heading is None:
        return None
    return max((i for i, cell in enumerate(saved.cells[heading:], heading)
                if cell.cell_type == "code"), default=None)


def drive_playground(page, cell):
    """Moves the controls of the playground shown by `cell` (its index) as a student would:
    "new starts", then one more hidden unit (the slider's handle, by keyboard), then the ReLU
    box, then one step of each slider of the data it has (the qwerties' blur, the regression's
    slope and noise). Each move must redraw the picture, and the status line must then show the
    new value where it names it (units, ReLU, slope, noise). An
    error or stderr of a widget's callback goes to the log console (as JupyterLab logs what a
    cell did not ask for), not to the cell: both must stay clean. Returns the problems, as
    problems_of does."""
    output = page.locator(NOTEBOOK).locator(".jp-Cell").nth(cell)
    units = output.locator(".widget-slider", has=page.locator(".widget-label",
                                                              has_text="hidden units"))
    relu = output.locator(".widget-checkbox", has_text="ReLU").locator("input")
    stderr = output.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')

    def more_units():
        units.locator(".noUi-handle").press("ArrowRight")
        value = units.locator(".noUi-handle").get_attribute("aria-valuenow")
        return f"-{int(float(value))}-"  # in the network's sizes, e.g. 2-17-1-1

    def switch_relu():
        relu.click()
        return "(ReLU" if relu.is_checked() else "(linear"

    def data_slider(name, named_in_status):
        """One step right of the slider `name`; the status line names slope and noise."""
        def move():
            handle = output.locator(".widget-slider", has=page.locator(
                ".widget-label", has_text=name)).locator(".noUi-handle")
            handle.press("ArrowRight")
            value = float(handle.get_attribute("aria-valuenow"))
            return f"{name} {value:.1f}" if named_in_status else ""
        return move

    def new_starts():
        output.get_by_role("button", name="new starts").click()
        return ""  # new starting weights: the status line may read as before

    problems, src, errors = [], "", stderr.count()
    output.scroll_into_view_if_needed()
    moves = [("shown", lambda: " starts of "), ("new starts", new_starts),
             ("hidden units + 1", more_units), ("ReLU switched", switch_relu)]
    for name, named_in_status in [("blur", False), ("slope", True), ("noise", True)]:
        label = output.locator(".widget-slider .widget-label", has_text=name)
        if label.count():
            moves.append((f"{name} one step up", data_slider(name, named_in_status)))
    for what, move in moves:
        try:
            text = move()
        except PlaywrightError as error:
            problems.append((cell, f"playground {what}: {str(error).splitlines()[0]}"))
            break
        try:
            page.wait_for_function(PLAYGROUND_SHOWS, arg=[output.element_handle(), src, text],
                                   timeout=REDRAW_TIMEOUT_MS)
        except PlaywrightError:
            status = output.locator(".widget-html-content").all_inner_texts() or ["none"]
            wanted = f" with {text!r} in the status line" if text else ""
            problems.append((cell, f"playground {what}: no new picture{wanted} within "
                                   f"{REDRAW_TIMEOUT_MS // 1000} s; the status line: "
                                   f"{status[0][:200]}"))
            break
        src = output.locator("img.widget-image").get_attribute("src")
    problems += [(cell, f"stderr after moving the playground: {last_line(text)}")
                 for text in stderr.all_inner_texts()[errors:]]
    log = page.locator(".jp-LogConsoleStatusItem")  # hidden while nothing is logged
    if log.is_visible():
        log.click()  # opens the log console, under the notebook
        entries = page.locator(".jp-LogConsolePanel .jp-OutputArea-output")
        entries.first.wait_for()
        problems += [(cell, f"in the log console: {last_line(text)}")
                     for text in entries.all_inner_texts()]
        page.locator(".lm-TabBar-tab", has_text="Log: ").locator(
            ".lm-TabBar-tabCloseIcon").click()
    return problems


def screenshot(page, path, cell=None):
    """The open notebook's first screen, or the screen of one of its cells."""
    panel = page.locator(NOTEBOOK)
    if cell is None:
        panel.locator(".jp-WindowedPanel-outer").evaluate_all(
            "scrollers => scrollers.forEach(scroller => scroller.scrollTo(0, 0))")
        # the scrolled-to-top notebook is drawn anew: wait for its title (the first cell, an h1
        # "Video NN · …") to be shown, and for two frames to be painted, or the picture is blank
        title = panel.locator(".jp-MarkdownOutput h1", has_text="Video").first
        try:
            title.wait_for(state="visible", timeout=10_000)
        except PlaywrightError:
            pass  # no notebook shown: the picture shows what is there instead
    else:
        panel.locator(".jp-Cell").nth(cell).scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => "
                  "requestAnimationFrame(done)))")
    page.screenshot(path=path)
    return path.relative_to(ROOT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_student_opens_and_runs_the_notebook(browser_page, notebook):
    page, requests = browser_page
    where = notebook.relative_to(NOTEBOOKS_DIR).as_posix()  # e.g. solutions/43_..._solutions
    saved = nbformat.read(notebook, as_version=4)
    try:
        run_all(page, where)
        problems = []
    except PlaywrightError as error:
        problems = [(None, f"the run did not finish: {str(error).splitlines()[0]}")]
    finished, playground = not problems, playground_cell(saved)
    if page.locator(NOTEBOOK).count():
        shown = page.locator(NOTEBOOK).evaluate(READ_CELLS)
        problems += problems_of(saved, shown, posixpath.dirname(f"notebooks/{where}"))
    moved = []
    if finished and playground is not None:
        problems += drive_playground(page, playground)
        moved = [screenshot(page, SCREENSHOTS / f"{notebook.stem}.playground.png", playground)]
    shots = [screenshot(page, SCREENSHOTS / f"{notebook.stem}.png"), *moved]
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


PLAYGROUNDS = [path for path in NOTEBOOKS
               if playground_cell(nbformat.read(path, as_version=4)) is not None]


@pytest.fixture(scope="session")
def offline_page(chromium):
    """A Chromium tab with no network but files: a viewer of a saved notebook, offline."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route("http*://**", lambda route: route.abort())
    yield context.new_page()
    context.close()


def screenshot_of(page, path):
    page.screenshot(path=path)
    return path.relative_to(ROOT)


@pytest.mark.parametrize("notebook", PLAYGROUNDS, ids=lambda path: path.name)
def test_a_static_render_shows_the_playgrounds_picture(offline_page, installed_course, notebook,
                                                       tmp_path):
    """The committed notebook as a static viewer shows it (no kernel, no widgets):
    `jupyter nbconvert --to html`, opened in Chromium. Its playground must show a picture."""
    subprocess.run([installed_course / ".venv" / "bin" / "jupyter", "nbconvert", "--to", "html",
                    "--output-dir", tmp_path, notebook], check=True, capture_output=True)
    offline_page.goto((tmp_path / f"{notebook.stem}.html").as_uri())
    cell = offline_page.locator(".jp-Cell").nth(playground_cell(nbformat.read(notebook, 4)))
    pictures = cell.locator(".jp-OutputArea-output img")
    widths = pictures.evaluate_all("images => Promise.all(images.map(image => image.decode()"
                                   ".then(() => image.naturalWidth, () => 0)))")
    cell.scroll_into_view_if_needed()
    shot = screenshot_of(offline_page, SCREENSHOTS / f"{notebook.stem}.static.png")
    assert widths and all(width > 500 for width in widths), \
        f"{notebook.name}: the static render's playground shows pictures of widths {widths}; " \
        f"see {shot}"

