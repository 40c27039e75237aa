# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint types imports serve screenshots catalogues clean

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

# The import contracts in pyproject.toml: rooms layered, transports at the bottom, no cycles.
imports: $(STAMP)
	$(BIN)/lint-imports

# axe-core for the accessibility checks in the browser tests, pinned by package-lock.json.
# Without npm the browser tests skip those checks (and fail under TRYGGNEWS_REQUIRE_BROWSER=1).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else \
		echo "npm not found: install Node.js (apt-get install npm) for the accessibility checks"; \
	fi

# The suite runs in one process per core (pytest-xdist): most of it waits on real servers,
# processes and browsers, so two processes nearly halve it. PYTEST_WORKERS=0 runs it in one.
# Tests marked "serial" (a kill test whose bound needs a core of its own) run after, alone.
PYTEST_WORKERS ?= auto
test: lint types imports $(NODE_STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not serial"
	$(BIN)/pytest -m serial

serve: $(STAMP)
	$(BIN)/tryggnews serve

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshot_newsletter.py
	$(BIN)/python scripts/screenshot_newsletter.py --language ar

# Fixed text for translators (docs/languages.md): extract the Swedish source strings and
# merge them into every language's catalogue; new strings arrive untranslated, and the
# catalogue test fails until a translation is written.
catalogues: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel extract -F src/tryggnews/i18n/newsletter.cfg -k t -k N_ --no-default-keywords \
		--project=tryggnews -w 100 -o var/newsletter.pot templates src/tryggnews/content/vocabulary.py
	$(BIN)/pybabel update -D newsletter -i var/newsletter.pot -d src/tryggnews/i18n/locales -w 100 \
		--no-fuzzy-matching

clean:
	rm -rf $(VENV) var node_modules
