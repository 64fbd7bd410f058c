# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-test

# The pip that comes with Python installs everything here (PEP 660 editable installs need pip
# 21.3); upgrading it first would cost a download on every fresh clone.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes. The demo needs the runtime dependencies
# alone; the test extras (Playwright, moto, Jupyter, ...) are installed by `make test`.
# --no-compile: Python compiles only the modules it imports, when it first imports them,
# instead of pip compiling every file of every package up front.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
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
