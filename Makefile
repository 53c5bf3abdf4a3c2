# cdlink: every entry point bootstraps its own virtual environment from nothing.
# Same commands locally and in CI: make demo, make test, make lint, make bench.

SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: help demo test test-fast coverage lint bench chaos services browser messages lock clean screenshots bytecode

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --editable .
	@touch $@

# Python reads the bytecode it finds even under PYTHONDONTWRITEBYTECODE (set in some images and
# CI machines) but then writes none, so every process the suite starts (each xdist worker, each
# `cdlink` a browser or process test runs) compiled cdlink and its dependencies again: about 3 s
# of CPU each, hundreds of times. Compiled here once; compileall only redoes files that changed.
# A file that does not compile is not this step's to report (the tests and the lint do).
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q -j 0 $(VENV)/lib src tests bench || true

demo: $(VENV)/.installed  ## start the demo: SQLite, embedded workers, sandbox, seeded shop
	$(BIN)/cdlink demo

# One pytest-xdist worker per core and one more: the browser and process tests spend much of
# their time waiting on the processes they start, and the extra worker fills those waits (on
# 2 cores the suite took 1,313 s with 2 workers, 977 s with 3, 1,114 s with 4). Tests that must
# not run beside each other share an xdist_group mark, which --dist loadgroup keeps on one
# worker (docs/development.md).
PYTEST_WORKERS ?= $(shell python3 -c "import os; print(len(os.sched_getaffinity(0)) + 1)")
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

test: $(VENV)/.installed services browser bytecode  ## run the whole test suite (SQLite and PostgreSQL)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --durations=20 $(PYTEST_ARGS)

# Line and branch tracing costs about half again the suite's time on Python 3.11, so the
# coverage floor has its own target rather than slowing every `make test`.
coverage: $(VENV)/.installed services browser bytecode  ## the whole suite with coverage and its floor (slower)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --cov --cov-report=term --durations=20 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed services bytecode  ## the quick loop: no slow, browser (e2e) or chaos test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow and not e2e" $(PYTEST_ARGS)

lint: $(VENV)/.installed  ## ruff, mypy strict, import-linter
	$(BIN)/ruff check src tests bench examples scripts
	$(BIN)/ruff format --check src tests bench examples scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed services bytecode  ## run the benchmarks and write docs/benchmarks.md
	PYTHONWARNINGS=ignore::DeprecationWarning $(BIN)/python -m bench $(BENCH_ARGS)

chaos: $(VENV)/.installed services bytecode  ## faults and killed workers on both runtimes (docs/chaos.md)
	PYTHONWARNINGS=ignore::DeprecationWarning $(BIN)/python -m bench.chaos $(CHAOS_ARGS)

services:  ## start PostgreSQL and Redis when they are not running
	@bash scripts/services.sh

browser:  ## install Debian's chromium (and axe-core) for the browser tests, once
	@bash scripts/install-browser.sh
	@bash scripts/install-axe.sh

screenshots: $(VENV)/.installed browser  ## every page at 1366 and 390 px, fr and en, light and dark
	PYTHONPATH=. $(BIN)/python scripts/screenshots.py

messages: $(VENV)/.installed  ## extract, merge and compile the interface translations
	@bash scripts/messages.sh

lock: | $(UV)  ## re-resolve requirements.lock after changing pyproject.toml
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --no-header \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock --quiet

clean:  ## remove the environments and caches (not your data)
	rm -rf $(TOOLS) $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage* htmlcov
