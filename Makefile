# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-test

# The pip that comes with Python installs uv alone (PEP 660 editable installs need pip 21.3);
# uv then installs the project: it downloads and unpacks in parallel, 5 s where pip took 95 s for
# the demo's 73 packages (docs/benchmarks.md, "The demo"). It reads no pip.conf: behind a
# private index, set UV_INDEX_URL.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile 'uv>=0.9,<1'

# Reinstall only when the dependency list changes. The demo needs the runtime dependencies
# alone; the test extras (Playwright, moto, Jupyter, ...) are installed by `make test`.
# uv does not compile bytecode: Python compiles only the modules it imports, when it first
# imports them, instead of every file of every package up front.
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/amoscope demo $(DEMO_ARGS)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check .
