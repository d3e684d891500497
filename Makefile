# Self-documenting Makefile: `make help` lists the targets (from the `## ` comments).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
KERNEL := research
STAMP := $(VENV)/.installed
# Exact versions every install uses (pip constraints); `make lock` rewrites it from a working .venv.
LOCK := requirements-lock.txt

.DEFAULT_GOAL := help
.PHONY: help setup lock data report test lint notebooks lab clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (research)"
	touch $(STAMP)

setup: $(STAMP) ## Create .venv, install the package (versions pinned by requirements-lock.txt) and register the `research` kernel

lock: $(STAMP) ## Rewrite requirements-lock.txt from the packages installed in .venv (after changing pyproject.toml)
	@{ echo "# Exact versions for Python 3.11 on Linux, used as pip constraints by \`make setup\`."; \
	   echo "# Written by \`make lock\` from a working .venv; pyproject.toml keeps the lower bounds."; \
	   $(BIN)/python -m pip freeze --exclude-editable --all | grep -Ev '^(pip|setuptools|wheel)=='; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

data: $(STAMP) ## Build data/processed from data/raw (keeps the current data when raw files are missing or incomplete)
	$(BIN)/research data build --if-available

report: data ## Set up, build data, execute every notebook with papermill and render HTML under reports/
	$(BIN)/research reports run --jobs 2

test: $(STAMP) ## Run the test suite (uses the embedded default; set RESEARCH_RAW_MIRROR to also rebuild from raw)
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/ruff format --check src tests notebooks benchmarks
	$(BIN)/mypy

notebooks: $(STAMP) ## Sync each notebooks/*.py (jupytext py:percent) with its paired .ipynb
	$(BIN)/jupytext --sync notebooks/[0-9]*.py

# Extra JupyterLab options, e.g. `make lab LAB_ARGS="--port=8899 --no-browser"`.
LAB_ARGS ?=

lab: $(STAMP) ## Open JupyterLab on notebooks/ with the project kernel (loopback only, token required)
	$(BIN)/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

clean: ## Remove executed reports and caches (keeps .venv and data)
	rm -rf reports .pytest_cache .mypy_cache .ruff_cache
