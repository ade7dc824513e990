# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/stride_test
AXE := node_modules/axe-core/axe.min.js

# Every Python package comes from uv.lock (versions and sha256 of every file, for
# every platform), so the same commit installs the same bytes whenever it is run.
# uv itself lives in its own venv, pinned with hashes in requirements-uv.txt:
# `uv sync` removes from .venv whatever the lock does not name, uv included.
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
# uv uses $(PYTHON) and never downloads an interpreter of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# The runtime closure, hashed, for the image and pip-audit (they install with pip).
EXPORT := $(UV) export --frozen --no-dev --no-emit-project --format requirements-txt

.PHONY: setup run test test-pg lint typecheck verify test-deps bench bench-score bench-steps bench-pdf \
	bench-http bench-journey smoke schemathesis audit lock lock-check bench-admin load-tools mutants

$(UV): requirements-uv.txt
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check --no-deps --only-binary :all: \
		--require-hashes -r requirements-uv.txt
	touch $(UV)

# --frozen: install what uv.lock says, never re-resolve; a pyproject.toml that
# disagrees with the lock is caught by `make lock-check` (CI's first step).
$(INSTALLED): uv.lock pyproject.toml $(UV)
	$(UV) sync --frozen --quiet
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
	$(BIN)/lint-imports --no-logo

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

# The API against its own OpenAPI document (GET /api/v1/openapi.json) on a live
# gunicorn (DEBUG=False, SQLite, no service needed): schemathesis, seeded and
# bounded; fails on a 5xx or anything the document does not describe (bench/contract.py).
schemathesis: setup
	$(BIN)/python bench/contract.py

# HTTP benchmarks against that server, from a second process on loopback: wrk for
# the heaviest step's GET and POST at saturation (capacity), then an open-loop run
# (bench/open_loop.py, fixed arrival rate) at BENCH_OPEN_SHARE (0.5) of that capacity
# for the step's GET, POST and /healthz; locust for whole journeys.
bench-http: setup load-tools
	$(BIN)/python bench/bench_http.py

bench-journey: setup
	$(BIN)/python bench/bench_http.py --journey

# Every bench-* target above, then one summary table (bench/run_all.py).
bench: setup
	$(BIN)/python bench/run_all.py

# After changing pyproject.toml: re-resolve uv.lock (keeping the versions it has
# where they still fit; `$(UV) lock --upgrade-package NAME` to move one) and
# rewrite requirements.lock from it.
lock: $(UV)
	$(UV) lock
	$(EXPORT) > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock

# Fails when pyproject.toml and uv.lock disagree, or requirements.lock is not
# the export of uv.lock; either way the fix is `make lock`.
lock-check: $(UV)
	@$(UV) lock --check --quiet || { echo "uv.lock does not match pyproject.toml: run \`make lock\` and commit the result" >&2; exit 1; }
	@$(EXPORT) | diff -u requirements.lock - || { echo "requirements.lock is not the export of uv.lock: run \`make lock\` and commit the result" >&2; exit 1; }

# Known vulnerabilities in the locked dependencies. --strict: a package that
# could not be looked up is a failure, not a pass.
audit: setup lock-check
	$(BIN)/pip-audit --strict --require-hashes --disable-pip --progress-spinner off -r requirements.lock

# Mutation testing of the clinical core (docs/mutation.md): mutmut mutates
# screening/scoring.py and screening/instrument.py in a copy under mutants/ and
# runs the scoring tests against each mutant, with Hypothesis derandomized and
# capped (HYPOTHESIS_PROFILE=mutants), two workers; then prints total, killed,
# survived, timeouts and the kill rate. `.venv/bin/mutmut results` lists survivors.
mutants: setup
	rm -rf mutants
	HYPOTHESIS_PROFILE=mutants $(BIN)/mutmut run --max-children 2 >/dev/null 2>mutants.log || { tail -30 mutants.log >&2; exit 1; }
	$(BIN)/mutmut export-cicd-stats >/dev/null
	@$(BIN)/python -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
	t = s['total']; k = s['killed']; sv = s['survived']; to = s['timeout']; \
	print(f\"total {t}  killed {k}  survived {sv}  timeouts {to}  not checked {s['not_checked']}  other {t - k - sv - to - s['not_checked']}\"); \
	print(f'kill rate {100 * (k + to) / t:.1f} % of all mutants (a timeout counts as killed)')"
