# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/stride_test
AXE := node_modules/axe-core/axe.min.js

.PHONY: setup run test test-pg lint typecheck verify browser-deps bench bench-score bench-steps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(INSTALLED)

setup: $(INSTALLED)

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's chromium (never a downloaded browser) and inject
# axe-core from npm; both are installed here when missing.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

browser-deps: $(AXE)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium first: sudo apt-get install chromium" >&2; exit 1; fi; }

test: setup browser-deps
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

test-pg: setup browser-deps
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

verify: lint typecheck test

bench-score: setup
	$(BIN)/python bench/bench_score.py

# Server time per step render, in-process, against a trivial view (budget 25 ms).
bench-steps: setup
	$(BIN)/python bench/bench_steps.py

bench: bench-score bench-steps
