# The two commands for everyone: `make lab` and `make test`. The rest is for maintainers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: lab test test-avx2 install notebooks images bench seeds lint clean

# Served from the repository root (so notebooks can show ../Images), opened on notebooks/;
# the extension manager, news and update checks are off: nothing reaches the network.
LAB_OPTIONS := --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	--LabApp.extension_manager=readonly --LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(INSTALLED)  ## open JupyterLab on the course
	$(BIN)/jupyter lab $(LAB_OPTIONS)

test: lint  ## run the whole suite: ruff, then helpers, repository checks, every notebook
	$(BIN)/python -m pytest -n 2 --dist loadscope

# PyTorch picks its CPU kernels by processor; most laptops have AVX2 but no AVX-512.
AVX2 := ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
test-avx2: $(INSTALLED)  ## every notebook again, strict, on a laptop's AVX2 kernels (CI runs it)
	$(AVX2) $(BIN)/python -m pytest -n 2 --dist loadscope notebooks

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when the pins or the package definition change.
$(INSTALLED): requirements.txt pyproject.toml | $(BIN)/python
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
