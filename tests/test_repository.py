"""Checks on the repository itself: layout, pins, and notebooks saved as a fresh run left them."""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
NOTEBOOKS = LESSONS + SOLUTIONS
MACHINE_PATH = re.compile(r"/(work|tmp|root|home|Users)/")
IMAGE_REF = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]*src=\"([^\"]+)\"")
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_\w+\s*$")
# reseeds: torch(.random|.cuda).manual_seed(_all), np.random.seed, random.seed
RESEED = re.compile(r"\b(?:torch\.(?:random\.|cuda\.)?manual_seed(?:_all)?"
                    r"|(?:np|numpy)\.random\.seed|random\.seed)\s*\(")
TIMINGS = tomllib.loads((ROOT / "tests" / "timings.toml").read_text())["notebooks"]


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_top_level_layout():
    expected = {"notebooks", "helpers", "Images", "data", "tests", "jupyter-config",
                "conftest.py", "requirements.txt", "requirements-dev.txt", "pyproject.toml",
                "Makefile", "README.md", "CONTRIBUTING.md"}
    found = {p.name for p in ROOT.iterdir() if not p.name.startswith(".")}
    # git-ignored, written by `pip install -e .` and by `make test-browser`
    found -= {"ann_course_helpers.egg-info", "browser-screenshots"}
    assert found == expected
    assert (ROOT / ".ci" / "run").is_file()


def test_the_install_brings_the_course_settings_for_jupyterlab():
    """A plain `jupyter lab` in the repository root opens on notebooks/ and reaches out to
    nothing: no news (JupyterLab's first start asks "get notified about official Jupyter news?"),
    no update check, no extension manager querying an index. `pip install -e .` puts these
    files into the venv (pyproject.toml's shared-data); make test-browser proves it end to end."""
    config = ROOT / "jupyter-config"
    server = json.loads((config / "jupyter_server_config.json").read_text())
    # nothing else, allow_root above all: the settings must not loosen JupyterLab's own safety
    assert server == {"LabApp": {"default_url": "/lab/tree/notebooks",
                                 "extension_manager": "readonly", "news_url": None,
                                 "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}
    settings = json.loads((config / "lab" / "settings" / "overrides.json").read_text())
    assert settings["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    shared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"]["wheel"]["shared-data"]
    assert shared == {
        "jupyter-config/jupyter_server_config.json": "etc/jupyter/jupyter_server_config.json",
        "jupyter-config/lab/settings/overrides.json": "share/jupyter/lab/settings/overrides.json"}


def test_this_venv_has_the_course_settings():
    """The installed copies are the repository's (reinstall after changing jupyter-config/)."""
    for source, installed in [
            ("jupyter_server_config.json", "etc/jupyter"),
            ("lab/settings/overrides.json", "share/jupyter/lab/settings")]:
        path = Path(sys.prefix) / installed / Path(source).name
        assert path.is_file(), f"{path} missing: pip install -e . (make install)"
        assert path.read_text() == (ROOT / "jupyter-config" / source).read_text(), path


def test_a_windows_clone_checks_out_every_file_as_committed(tmp_path):
    """Git for Windows checks text files out with CRLF (core.autocrlf=true) unless
    .gitattributes says otherwise: such a clone of HEAD must hold every file byte for byte as
    committed, and its helpers must load its iris data. (`make test-compat` runs every
    notebook in such clones.)"""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "-c", "core.autocrlf=true", "clone", "--quiet", ROOT, clone],
                   check=True)

    def git(*args):
        return subprocess.run(["git", "-c", "core.autocrlf=true", *args], cwd=clone,
                              check=True, capture_output=True, text=True).stdout

    converted = [line for line in git("ls-files", "--eol").splitlines()
                 if line.split()[0].replace("i/", "") != line.split()[1].replace("w/", "")]
    assert not converted, converted
    files = {line.split("\t")[1]: line.split()[1] for line in git("ls-files", "-s").splitlines()}
    on_disk = git("hash-object", "--no-filters", *files).split()  # the bytes as checked out
    changed = [name for (name, blob), seen in zip(files.items(), on_disk, strict=True)
               if blob != seen]
    assert not changed, f"checked out differently from their commit: {changed}"
    loaded = subprocess.run(
        [sys.executable, "-c", "import helpers; print(helpers.__file__, len(helpers.load_iris()))"],
        cwd=clone, env={**os.environ, "PYTHONPATH": str(clone)}, capture_output=True, text=True)
    assert loaded.stdout.split() == [str(clone / "helpers" / "__init__.py"), "150"], loaded.stderr


def test_notebooks_run_under_strict_nbval_with_the_sanitizer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--nbval" in config["addopts"] and "--nbval-lax" not in config["addopts"]
    sanitize = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    assert sanitize.count("regex: ") == sanitize.count("replace: ") >= 3


def test_the_iris_loader_never_touches_the_network(monkeypatch):
    from helpers import load_iris

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert len(load_iris()) == 150


def test_there_are_notebooks():
    assert LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_notebook_is_named_and_titled_for_its_video(path):
    assert re.fullmatch(r"(4[3-9]|5[0-7])_[a-z0-9_]+\.ipynb", path.name)
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# Video {path.name[:2]} ")


def _explore_questions(lesson):
    """The numbers of the questions in the lesson's "## Explore" cell, and that cell's text."""
    cells = [c.source for c in nbformat.read(lesson, as_version=4).cells
             if c.cell_type == "markdown" and "\n## Explore\n" in f"\n{c.source}"]
    assert len(cells) == 1, f"{lesson.name} needs one markdown cell with an '## Explore' heading"
    explore = cells[0][cells[0].index("## Explore"):]
    return [int(n) for n in re.findall(r"^(\d+)\. ", explore, re.MULTILINE)], explore


def _solutions_of(lesson):
    return lesson.parent / "solutions" / f"{lesson.stem}_solutions.ipynb"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_every_explore_question_has_a_worked_answer(lesson):
    numbers, explore = _explore_questions(lesson)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2, numbers
    solutions = _solutions_of(lesson)
    link = f"solutions/{solutions.name}"
    assert solutions.is_file(), f"{lesson.name} has no worked answers at notebooks/{link}"
    assert f"]({link})" in explore, f"{lesson.name}'s Explore cell does not link to {link}"
    cells = nbformat.read(solutions, as_version=4).cells
    sections = [i for i, c in enumerate(cells)
                if c.cell_type == "markdown" and c.source.startswith("## Question ")]
    titles = [re.match(r"## Question (\d+): \S", cells[i].source) for i in sections]
    assert [t and int(t.group(1)) for t in titles] == numbers, \
        f"{solutions.name} must have one '## Question k: title' section per question, in order"
    for start, end in zip(sections, [*sections[1:], len(cells)], strict=True):
        code = [c.source for c in cells[start:end] if c.cell_type == "code"]
        assert any(re.search(r"^\s*assert ", s, re.MULTILINE) for s in code), \
            f"{solutions.name}, {cells[start].source.splitlines()[0]}: no checked claim"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solutions_are_named_and_titled_for_their_lesson(path):
    lesson = ROOT / "notebooks" / path.name.replace("_solutions.ipynb", ".ipynb")
    assert path.name.endswith("_solutions.ipynb") and lesson.is_file(), \
        f"{path.name} must be named after its lesson, NN_topic_solutions.ipynb"
    title = nbformat.read(path, as_version=4).cells[0].source
    assert title.startswith(f"# Video {path.name[:2]} · Solutions: "), title.splitlines()[0]
    assert f"](../{lesson.name})" in title, f"{path.name}'s title cell links to its lesson"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_saved_straight_after_a_fresh_run(path):
    cells = [c for c in _code_cells(path) if c.source.strip()]
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1))
    for i, cell in enumerate(cells, start=1):
        assert "execution" not in cell.metadata, f"cell {i} keeps run timestamps in its metadata"
        for output in cell.outputs:
            assert output.output_type != "error", f"cell {i} holds an error"
            assert output.get("name") != "stderr", f"cell {i} printed to stderr: {output.text}"
            assert not MACHINE_PATH.search(str(output.get("text", "")) +
                                           str(output.get("data", {}).get("text/plain", ""))), \
                f"cell {i} shows a machine path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_seeds_once_and_never_downloads(path):
    sources = [c.source for c in _code_cells(path)]
    setup_calls = [i for i, s in enumerate(sources) if "setup_notebook(" in s]
    assert len(setup_calls) == 1 and setup_calls[0] <= 1, "call setup_notebook once, at the top"
    for source in sources:
        for download in ("load_dataset(", "urlretrieve", "http"):
            assert download not in source, f"notebooks load data through helpers: {download}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_never_reseeds_after_setup(path):
    # A reseed mid-notebook makes "change the seed in the setup cell" leave everything after
    # it unchanged. Saving and restoring a generator's state (get/set_rng_state) is fine.
    for i, source in enumerate(_code_cells(path), start=1):
        found = [m.group(0) for m in RESEED.finditer(source.source)]
        assert not found, f"code cell {i} reseeds ({found}): seed once, with setup_notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_uncompared_cell_says_why(path):
    for cell in _code_cells(path):
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if NBVAL_MARKER.match(line):
                assert line.strip() == "# NBVAL_IGNORE_OUTPUT", line
                reason = lines[i + 1].strip() if i + 1 < len(lines) else ""
                assert reason.startswith("#") and len(reason) > 10, "say why on the next line"
        assert not cell.metadata.get("tags"), "mark uncompared cells with a comment, not a tag"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_referenced_image_exists(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for match in IMAGE_REF.finditer(cell.source):
            target = match.group(1) or match.group(2)
            assert (path.parent / target).is_file(), f"{path.name} shows a missing image {target}"


def _playground_output(path):
    """The outputs of the lesson's playground: the last code cell after "## Playground"."""
    cells = nbformat.read(path, as_version=4).cells
    heading = [i for i, c in enumerate(cells)
               if c.cell_type == "markdown" and c.source.startswith("## Playground")]
    if not heading:
        return None
    return [c for c in cells[heading[0]:] if c.cell_type == "code"][-1].outputs


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_saved_playground_shows_its_picture_without_a_kernel(path):
    """Every lesson of helpers.playground.LESSONS ends with its playground, whose saved output
    holds the picture as an ordinary PNG; no widget state is saved, so that nbconvert and
    GitHub show that picture (they would draw the widget instead, which needs a kernel)."""
    from helpers.playground import LESSONS as PLAYGROUNDS

    nb = nbformat.read(path, as_version=4)
    assert "widgets" not in nb.metadata, "saved widget state: make notebooks leaves it out"
    outputs = _playground_output(path)
    assert (outputs is not None) == (int(path.name[:2]) in PLAYGROUNDS)
    if outputs is not None:
        pictures = [o.data["image/png"] for o in outputs if "image/png" in o.get("data", {})]
        assert len(pictures) == 1 and base64.b64decode(pictures[0])[:4] == b"\x89PNG"


def _in_notebooks(path):
    return path.relative_to(ROOT / "notebooks").as_posix()


def test_readme_maps_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        where = f"notebooks/{_in_notebooks(path)}"
        assert f"]({where})" in readme, f"README course map lacks {where}"
    for command in ("make lab", "make test"):
        assert command in readme


def test_the_readmes_first_screen_has_the_two_commands_and_the_course_map():
    """A student reads what the course is, how to open it and where each video is without
    scrolling; the rest of the README comes after, the maintainers' part in CONTRIBUTING.md."""
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    for command in ("make lab", "make test"):
        assert command in first_screen, command
    first = LESSONS[0].name
    assert f"| {first[:2]} | [`notebooks/{first}`](notebooks/{first}) |" in first_screen


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip("# ").lower()).replace(" ", "-")


def _markdown_of(path):
    """The markdown of a file or a notebook, without its code (fenced or `inline`)."""
    if path.suffix == ".ipynb":
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "markdown")
    else:
        text = path.read_text()
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", text, flags=re.S))


@pytest.mark.parametrize("path", [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *NOTEBOOKS],
                         ids=lambda p: p.name)
def test_every_relative_link_works(path):
    """Links to files of the repository point at files that exist, and links to a heading
    (#...) at a heading of the same file."""
    text = _markdown_of(path)
    anchors = {_slug(line) for line in text.splitlines() if line.startswith("#")}
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        file, _, anchor = target.partition("#")
        if file:
            assert (path.parent / file).exists(), f"{path.name} links to a missing {file}"
        else:
            assert anchor in anchors, f"{path.name} links to a missing heading #{anchor}"


def test_every_notebook_has_a_measured_runtime_and_a_budget():
    assert set(TIMINGS) == {_in_notebooks(path) for path in NOTEBOOKS}
    for name, timing in TIMINGS.items():
        assert 0 < timing["runtime"] < timing["budget"], name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_quoted_runtimes_are_the_measured_ones(path):
    where = _in_notebooks(path)
    runtime = TIMINGS[where]["runtime"]
    title = nbformat.read(path, as_version=4).cells[0].source
    quoted = re.findall(r"\*\*Runtime:\*\* about (\d+) s", title)
    assert quoted == [str(runtime)], f"title cell quotes {quoted}, tests/timings.toml {runtime}"
    # a row: | video | [lesson](...) | topic | N s | [answers](solutions/...), N s |
    cell = r"\) \|.*?\| (\d+) s \|" if path in LESSONS else r"\), (\d+) s \|"
    row = re.search(rf"\(notebooks/{re.escape(where)}{cell}", (ROOT / "README.md").read_text())
    assert row and row.group(1) == str(runtime), f"README's course map row for {where}"


# What the student reads is about what the student sees: which cells the tests compare, which
# seeds the checks ran with and which CPU kernels round differently belong in code comments,
# this README or the tests.
TEST_TALK = re.compile(r"nbval|uncompared|not compared|\bAVX|CPU kernels?|make seeds"
                       r"|make bench|tests/|seeds we ran|other seeds we|over seeds \d"
                       r"|any seed|we assert", re.I)
CALLOUT_LABEL = re.compile(r"^> \*\*([^*]+)\*\*", re.MULTILINE)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_prose_never_talks_about_the_test_machinery(path):
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown":
            found = TEST_TALK.findall(cell.source)
            assert not found, f"markdown cell {i} talks about the tests: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_callouts_use_the_three_labels(path):
    """An Erratum where the notes' code is wrong or fails, a Clean-up where the code changes
    and no result does, a Note for the rest (a heading in the wrong place): README, "The notes".
    Explorations are "Explore N" everywhere."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown":
            for label in CALLOUT_LABEL.findall(cell.source):
                assert label in ("Erratum.", "Clean-up.", "Note."), \
                    f"markdown cell {i}: callout labelled {label!r}"
            assert not re.search(r"\bexploration", cell.source, re.I), \
                f"markdown cell {i}: say 'Explore N', as the Explore cell numbers them"


def _headings(path):
    return [(i, line) for i, cell in enumerate(nbformat.read(path, as_version=4).cells)
            if cell.cell_type == "markdown" for line in cell.source.splitlines()
            if line.startswith("#")]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_one_checks_section_after_the_video_and_before_going_further(path):
    headings = _headings(path)
    checks = [i for i, line in headings if re.search(r"\bchecks?\b", line, re.I)]
    assert [line for i, line in headings if i in checks] == ["## Checks"], \
        f"one heading, '## Checks': {[line for i, line in headings if i in checks]}"
    later = [i for i, line in headings if line.startswith(("## Going further", "## Explore"))]
    assert later and checks[0] < min(later), "## Checks comes before Going further and Explore"
