# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types serve screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tryggnews init
	$(BIN)/tryggnews demo

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/ruff check src tests benchmarks scripts

types: $(STAMP)
	$(BIN)/mypy

test: lint types
	$(BIN)/pytest

serve: $(STAMP)
	$(BIN)/tryggnews serve

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshot_newsletter.py

clean:
	rm -rf $(VENV) var
