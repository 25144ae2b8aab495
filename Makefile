# The two commands for everyone: `make lab` and `make test`. The rest is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb)) $(sort $(wildcard notebooks/solutions/*.ipynb))

.PHONY: lab test test-avx2 test-browser test-pythons test-compat lock check-pins install notebooks \
	images bench seeds lint clean

# JupyterLab's settings (open on notebooks/, no news prompt, no extension manager or update
# check reaching out) come with the install (jupyter-config/, see pyproject.toml): `make lab` is
# the README's plain `jupyter lab` in the repository root, nothing more.
lab: $(INSTALLED)  ## open JupyterLab on the course
	$(BIN)/jupyter lab

test: lint  ## run the whole suite: ruff, then helpers, repository checks, every notebook
	$(BIN)/python -m pytest -n 2 --dist loadscope

# PyTorch picks its CPU kernels by processor; most laptops have AVX2 but no AVX-512.
AVX2 := ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
test-avx2: $(DEV_INSTALLED)  ## every notebook again, strict, on a laptop's AVX2 kernels (CI runs it)
	$(AVX2) $(BIN)/python -m pytest -n 2 --dist loadscope notebooks

# Installs the course in a copy of the repository with the README's plain commands (its own
# .venv), starts its `jupyter lab` and drives Chromium through every notebook (Debian's chromium).
test-browser: $(DEV_INSTALLED)  ## the student's path in Chromium: plain install, jupyter lab, run all
	$(BIN)/python -m pytest tests/browser -n 2 --dist worksteal --durations=0

# Each supported Python found on this machine gets its own venv in .venvs/ and the whole suite.
test-pythons:  ## make test under every supported Python found here (PYTHONS="3.12 3.13" for some)
	$(PYTHON) tests/pythons.py $(PYTHONS)

# The student's own environment: pyproject.toml's ranges at both ends, each in its own venv in
# .venvs/ (oldest: every lower bound, Python 3.11; newest: the newest releases, the newest Python
# found), made from a clone checked out as Git for Windows does (CRLF). Needs the registry.
test-compat: $(DEV_INSTALLED)  ## every notebook and helper test at the oldest and newest versions allowed
	$(BIN)/python tests/compat.py $(ENVS)

# Both need the package registry, so neither is part of the offline make test.
lock: $(DEV_INSTALLED)  ## write requirements*.txt from pyproject.toml with uv, keeping the pins that fit
	$(BIN)/python tests/lock.py write

check-pins: $(DEV_INSTALLED)  ## the lock is what make lock writes; wheels for every system x Python 3.11-3.14
	$(BIN)/python tests/lock.py check

install: $(INSTALLED)

# The supported Pythons: 3.11.5, the oldest the pins install on (soupsieve 4.1.3 needs it), to
# 3.14 (torch 2.13.0 has no wheel for 3.15 yet). $(call python_problem,PYTHON) prints what is
# wrong with an interpreter, or nothing when it is supported. Plain shell and awk, so that it
# answers for any interpreter, Python 2 included, before anything is installed.
SUPPORTED := Python 3.11.5 to 3.14
define python_problem
v=$$($(1) -c 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))' 2>/dev/null); \
if [ -z "$$v" ]; then echo "not a working Python"; else echo "$$v" | awk -F. '{ \
	n = $$1 * 10000 + $$2 * 100 + $$3; \
	if (n < 31105) print "Python " $$0 ", older than the pinned packages support"; \
	else if (n >= 31500) print "Python " $$0 ": torch 2.13.0, which the course pins, has no wheel for it yet" }'; fi
endef

# Stops before making the venv when PYTHON is outside the range.
$(BIN)/python:
	@problem=$$($(call python_problem,$(PYTHON))); [ -z "$$problem" ] || { \
		echo "This course needs $(SUPPORTED); PYTHON=$(PYTHON) is $$problem." >&2; \
		echo "Point at a supported one: PYTHON=/path/to/python3.13 make $(or $(MAKECMDGOALS),lab)" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

# The README's plain install; again only when the pins, the package definition or the JupyterLab
# settings change (the install copies them into the venv).
$(INSTALLED): requirements.txt pyproject.toml $(shell find jupyter-config -type f) | $(BIN)/python
	@problem=$$($(call python_problem,$(BIN)/python)); [ -z "$$problem" ] || { \
		[ "$$problem" != "not a working Python" ] || problem="a Python that no longer runs"; \
		echo "$(VENV) was made with $$problem; this course needs $(SUPPORTED)." >&2; \
		echo "Remove it (make clean) and run make again, with PYTHON=/path/to/python3.13 if needed." >&2; \
		exit 1; }
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# The maintainers' tools, on top: make test installs them, make lab does not.
$(DEV_INSTALLED): requirements-dev.txt $(INSTALLED)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# No widget state is saved: a viewer without a kernel (GitHub, nbconvert, JupyterLab on a notebook
# not yet run) then shows the playground's picture, which its output holds as an ordinary PNG.
notebooks: $(INSTALLED)  ## re-execute every notebook in place (fresh kernel, top to bottom)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.store_widget_state=False $(if $(NB),$(NB),$(NOTEBOOKS))

images: $(INSTALLED)  ## redraw the architecture figures in Images/
	$(BIN)/python -m helpers.images

bench: $(INSTALLED)  ## each notebook's time against its budget; 46's loop vs batched; playgrounds
	$(BIN)/python tests/bench.py $(ARGS)

N ?= 20
seeds: $(INSTALLED)  ## every notebook with N other seeds (NB= for some): lists failing checks
	$(BIN)/python tests/seeds.py -n $(N) $(NB)

lint: $(DEV_INSTALLED)  ## ruff over helpers, tests and notebooks
	$(BIN)/ruff check conftest.py helpers tests notebooks

clean:  ## remove .venv (not the .venvs/ of make test-pythons)
	rm -rf $(VENV)
