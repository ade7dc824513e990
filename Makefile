# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/stride_test
AXE := node_modules/axe-core/axe.min.js

.PHONY: setup run test test-pg lint typecheck verify test-deps bench bench-score bench-steps bench-pdf \
	bench-http bench-journey smoke audit lock bench-admin load-tools

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

# Debian packages the tests use: chromium (browser tests), poppler-utils
# (pdftoppm/pdftotext for the PDF tests), and WeasyPrint's Pango/HarfBuzz and
# fonts: DejaVu, with Droid Sans Fallback (CJK) and Unifont (every other script,
# emoji in outline) for the runner's own words that DejaVu cannot draw.
# Installed when missing if we are root; otherwise named.
FONTS := fonts-dejavu-core fonts-droid-fallback fonts-unifont
DEBS := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 $(FONTS)

# $(call debian-packages,PACKAGES): install the missing ones if we are root, otherwise name them.
define debian-packages
@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
  else echo "Install these Debian packages first: sudo apt-get install $$missing" >&2; exit 1; fi; fi
endef

test-deps: $(AXE)
	$(call debian-packages,$(DEBS))

# The HTTP load generator for the single-step runs (Debian's wrk).
load-tools:
	$(call debian-packages,wrk)

test: setup test-deps
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

test-pg: setup test-deps
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

# The clinician's PDF: full report vs a one-page WeasyPrint baseline, cached
# download, peak RSS after 10 and 300 renders (bench/bench_pdf.py).
bench-pdf: setup
	$(BIN)/python bench/bench_pdf.py

# The reviewer's workspace on PostgreSQL (BENCH_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/stride_bench): seeds up to BENCH_ROWS shared
# submissions if the table holds fewer, then list, filtered list, detail,
# statistics and a 100k-row CSV export against a trivial baseline. BENCH_ROWS=100000
# for a quicker run.
BENCH_ROWS ?= 1000000
bench-admin: setup
	$(BIN)/python bench/bench_admin.py --rows $(BENCH_ROWS)

# The requests as the image serves them: gunicorn, DEBUG=False, PostgreSQL, Redis.
# Needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379 (as CI has).
smoke: setup
	$(BIN)/python bench/smoke.py

# HTTP benchmarks against that server, from a second process on loopback: wrk for
# the heaviest step's GET and POST, locust for whole journeys.
bench-http: setup load-tools
	$(BIN)/python bench/bench_http.py

bench-journey: setup
	$(BIN)/python bench/bench_http.py --journey

# Every bench-* target above, then one summary table (bench/run_all.py).
bench: setup
	$(BIN)/python bench/run_all.py

# requirements.lock: the runtime dependencies as installed; the image and pip-audit use it.
lock: setup
	$(BIN)/python scripts/lock.py

# Known vulnerabilities in the locked dependencies. --strict: a package that
# could not be looked up is a failure, not a pass.
audit: setup
	$(BIN)/python scripts/lock.py --check
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r requirements.lock
