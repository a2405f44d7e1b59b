# Portgate: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(PY) -m flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=

.PHONY: run test bench install install-test install-js clean-db worker lint bytecode

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the declared dependencies change.
$(VENV)/.installed: setup.cfg pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: setup.cfg pyproject.toml $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# The project's own bytecode, written at install time as pip does for site-packages: a process
# that may not write __pycache__ (PYTHONDONTWRITEBYTECODE, a read-only tree) would otherwise
# compile ~200 modules on every start (~0.2 s of each CLI command). Only changed files are
# compiled again; a .pyc older than its source is ignored by Python (mtime check), never run.
PROJECT_PACKAGES := gateway validators npac forms app.py
bytecode: | $(VENV)/bin/python
	$(PY) -m compileall -q -j 0 $(PROJECT_PACKAGES)

install: $(VENV)/.installed bytecode
install-test: $(VENV)/.installed-test bytecode

# Test-only JavaScript (package.json): axe-core, which the browser tests inject into every page.
# `npm ci` installs exactly package-lock.json; again only when the lock is newer than the install
# (npm keeps the packed 1985 mtimes, hence the touch). Without npm the browser tests skip the
# accessibility checks, or fail under PORTGATE_REQUIRE_BROWSER=1 (CI).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: axe-core not installed, browser accessibility checks will skip"; fi

install-js: $(AXE)

## make run: virtualenv, install, create and seed the demo database (first run), serve the portal
## and run the background worker beside it (batches, notices, clocks); Ctrl-C stops both
## The demo's notices go to a local sink (`flask dev-sink`, printed and kept in instance/mail)
## unless PORTGATE_SMTP_URL says otherwise; Blue Heron's webhook points at it unless it has one.
SINK_SMTP_PORT ?= 1025
SINK_HTTP_PORT ?= 5001
DEMO_WEBHOOK_SECRET := whsec-demo-local-sink
run: $(VENV)/.installed-dev bytecode
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	@export PORTGATE_SMTP_URL="$${PORTGATE_SMTP_URL:-smtp://127.0.0.1:$(SINK_SMTP_PORT)}" \
	    PORTGATE_WEBHOOK_ALLOW_PRIVATE="$${PORTGATE_WEBHOOK_ALLOW_PRIVATE:-1}" \
	    PORTGATE_BASE_URL="$${PORTGATE_BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(FLASK) partner webhook --if-unset --ccna BHW --secret $(DEMO_WEBHOOK_SECRET) \
	    --url http://127.0.0.1:$(SINK_HTTP_PORT)/blue-heron; \
	$(FLASK) dev-sink --smtp-port $(SINK_SMTP_PORT) --http-port $(SINK_HTTP_PORT) \
	    --secret $(DEMO_WEBHOOK_SECRET) & sink=$$!; \
	$(FLASK) work & worker=$$!; \
	trap 'kill -TERM $$worker $$sink 2>/dev/null; wait $$worker $$sink' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: install what the tests need (Python extras, axe-core through npm) and run the suite
## (with the project's bytecode written first: the servers, workers and CLI commands the tests
## start would otherwise compile the project again in each process, under PYTHONDONTWRITEBYTECODE)
test: $(VENV)/.installed-test $(AXE) bytecode
	$(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

## make bench: every figure of bench/RESULTS.md (SQLite and, when reachable, PostgreSQL; HTTP
## figures need wrk; BENCH_SCALE=small for a ~5-minute check run)
bench: $(VENV)/.installed-bench bytecode
	$(PY) bench/run_all.py

## make lint: ruff (pyflakes, pycodestyle, bugbear, isort, complexity...) and mypy (pyproject.toml)
lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m mypy

## make worker: the background worker alone (batches, then deliver, and sweep every minute)
worker: $(VENV)/.installed bytecode
	$(FLASK) work

clean-db:
	rm -f instance/portgate.db instance/portgate.db-wal instance/portgate.db-shm
