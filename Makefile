# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run   - install, initialise the database, collect and serve the dashboard
#   make test  - install with the dev extras and run the whole suite (what CI runs)
#   make test-fast - the suite without the tests marked slow (under a minute)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= config.toml
PORT   ?= 8501

.PHONY: run test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/rumordesk --config $(CONFIG) init
	$(BIN)/rumordesk --config $(CONFIG) run --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# ruff, then the layer contract (pyproject.toml [tool.importlinter]) on an installed copy,
# where every folder sits in its place under rumordesk/ (tests/test_architecture.py).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_architecture.py -m "not slow"

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest_feeds.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
