# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run   - install, initialise the database, collect and serve the dashboard
#   make test  - install with the dev extras and run the whole suite (what CI runs)
#   make test-fast - day to day: SQLite only, without the tests marked slow (about a minute)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= config.toml
PORT   ?= 8501

.PHONY: run test test-fast lint bench clean ocr

# Screenshot text (staff reports): Tesseract and the languages of Santa Clara, from
# Debian's packages, installed once when missing (apt-get; sudo when not root). Elsewhere
# the reason is printed and Rumor Desk runs without OCR (typed reports still work).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-vie \
	tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-kor tesseract-ocr-fil \
	tesseract-ocr-hin

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

ocr:
	@missing=""; for p in $(OCR_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
	    echo "installing OCR packages:$$missing"; \
	    $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "note: screenshot text needs Tesseract with the languages:$$missing (not a Debian system: install them yourself)"; \
	  fi; \
	fi

run: $(VENV)/.installed ocr
	$(BIN)/rumordesk --config $(CONFIG) init
	$(BIN)/rumordesk --config $(CONFIG) run --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow and not postgresql" $(PYTEST_ARGS)

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
