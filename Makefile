# The two commands for everyone: `make lab` and `make test`. The rest is for maintainers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb)) $(sort $(wildcard notebooks/solutions/*.ipynb))

.PHONY: lab test test-avx2 test-browser print-lab-options install notebooks images bench seeds \
	lint clean

# Served from the repository root (so notebooks can show ../Images), opened on notebooks/;
# the extension manager, news and update checks are off: nothing reaches the network
# (.lab-settings/overrides.json also stops the "get notified about Jupyter news?" prompt).
LAB_OPTIONS := --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	--LabApp.extension_manager=readonly --LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	--LabApp.app_settings_dir=.lab-settings \
	$(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(INSTALLED)  ## open JupyterLab on the course
	$(BIN)/jupyter lab $(LAB_OPTIONS)

test: lint  ## run the whole suite: ruff, then helpers, repository checks, every notebook
	$(BIN)/python -m pytest -n 2 --dist loadscope

# PyTorch picks its CPU kernels by processor; most laptops have AVX2 but no AVX-512.
AVX2 := ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
test-avx2: $(INSTALLED)  ## every notebook again, strict, on a laptop's AVX2 kernels (CI runs it)
	$(AVX2) $(BIN)/python -m pytest -n 2 --dist loadscope notebooks

test-browser: $(INSTALLED)  ## the student's path in Chromium: make lab, open, run all (Debian's chromium)
	$(BIN)/python -m pytest tests/browser -n 2 --dist worksteal --durations=0

print-lab-options:  ## the options of `make lab`, read by the browser test
	@echo $(LAB_OPTIONS)

install: $(INSTALLED)

# The pins (torch's wheel first) are for Python 3.11: stop before installing anything otherwise.
PYTHON_VERSION := import sys; print("%d.%d" % sys.version_info[:2])

$(BIN)/python:
	@v=$$($(PYTHON) -c '$(PYTHON_VERSION)' 2>/dev/null); [ "$$v" = 3.11 ] || { \
		echo "This course needs Python 3.11; PYTHON=$(PYTHON) is $${v:+Python }$${v:-not a working Python}." >&2; \
		echo "Install Python 3.11 and point at it: PYTHON=/path/to/python3.11 make $(or $(MAKECMDGOALS),lab)" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when the pins or the package definition change.
$(INSTALLED): requirements.txt pyproject.toml | $(BIN)/python
	@v=$$($(BIN)/python -c '$(PYTHON_VERSION)' 2>/dev/null); [ "$$v" = 3.11 ] || { \
		echo "$(VENV) was made with $${v:+Python }$${v:-a Python that no longer runs}; this course needs Python 3.11." >&2; \
		echo "Remove it (make clean) and run make again, with PYTHON=/path/to/python3.11 if needed." >&2; \
		exit 1; }
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

notebooks: $(INSTALLED)  ## re-execute every notebook in place (fresh kernel, top to bottom)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(if $(NB),$(NB),$(NOTEBOOKS))

images: $(INSTALLED)  ## redraw the architecture figures in Images/
	$(BIN)/python -m helpers.images

bench: $(INSTALLED)  ## each notebook's time against its budget; video 46's loop vs batched
	$(BIN)/python tests/bench.py

N ?= 20
seeds: $(INSTALLED)  ## every notebook with N other seeds (NB= for some): lists failing checks
	$(BIN)/python tests/seeds.py -n $(N) $(NB)

lint: $(INSTALLED)  ## ruff over helpers, tests and notebooks
	$(BIN)/ruff check helpers tests notebooks

clean:
	rm -rf $(VENV) *.egg-info
