# Every verb sets up what it needs: a virtual environment in .venv with the
# pinned dependencies, the database schema and the seed data.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers: one a core by default (WORKERS=0 runs in one process).
# Idle workers take tests from busy ones (worksteal): the slowest tests,
# a few minutes of fuzzing or a gunicorn run, would otherwise leave one
# worker with a queue at the end while the other waits.
WORKERS ?= auto
XDIST = -n $(WORKERS) $(if $(filter 0,$(WORKERS)),,--dist worksteal)
# The browser tests inject axe-core from here (never from a CDN); see package.json.
AXE := node_modules/axe-core/axe.min.js
LOCK_FLAGS := --universal --python-version 3.12 --generate-hashes --no-header

# Parley needs Python 3.12 or newer: the first one found on PATH, or under
# pyenv; PYTHON=/path/to/python3 overrides the search.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; exit 0; }; \
	done)
endif

.PHONY: run admin test test-fast test-postgres lint format db install deploy serve lock bench clean

run: db ## Serve the site with the seed data on http://$(HOST):$(PORT)
	@echo "Parley: http://$(HOST):$(PORT)/  (admin at /admin/; make an account with: make admin)"
	$(PY) manage.py runserver $(HOST):$(PORT)

admin: db ## Create a superuser for the admin
	$(PY) manage.py createsuperuser

db: $(VENV)/.installed ## Bring the database up to date and load the seed data
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_fixtures

install: $(VENV)/.installed ## The virtual environment with the pinned dependencies

# Production set-up, with the environment of docs/deploy.md loaded: refuses to
# go on if the deploy check finds anything, then static files, schema, data.
deploy: $(VENV)/.installed ## Check the production settings, collect static files, migrate, load the seed data
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_fixtures

serve: $(VENV)/.installed ## gunicorn with talks/gunicorn.py (what the systemd unit runs)
	$(VENV)/bin/gunicorn -c python:talks.gunicorn talks.wsgi

# Figures, never a test: see docs/performance.md. ARGS=--quick checks the harness in a few minutes.
bench: $(VENV)/.installed ## The reader's pages under load on the demo record (ARGS=--quick for a smoke run)
	$(PY) bench/bench.py $(ARGS)

test: lint $(AXE) ## Lint, then run the whole test suite (DATABASE_URL picks the database)
	$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

# The edit-test loop: lint, then every test but the browser's and those that
# start servers or manage.py of their own, with a few random fuzz examples.
test-fast: lint ## Lint and the quick tests, for the edit-test loop
	HYPOTHESIS_PROFILE=fast $(VENV)/bin/pytest $(XDIST) -m "not browser and not slow" $(PYTEST_ARGS)

test-postgres: ## The test suite on the local PostgreSQL server
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley} $(MAKE) test

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# What the site needs to run, and no more: a server gets only this. From the
# lock (requirements/*.txt, made from pyproject.toml's pins by `make lock`),
# every file checked against its hash.
$(VENV)/.installed: requirements/runtime.txt
	@test -n "$(PYTHON)" || { echo "Parley needs Python 3.12 or newer, and none was found on PATH or under ~/.pyenv. Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	test -x $(PY) || "$(PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/runtime.txt
	touch $@

# The test tools on top: pytest, ruff, Hypothesis, Playwright.
$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	touch $@

# The lock, after a pin in pyproject.toml changed: every dependency and
# theirs, for every platform and Python 3.12+, with the hashes of their
# files. Needs uv (pipx install uv) and PyPI; tests/test_project.py checks
# that the lock and pyproject.toml agree.
lock: ## Re-make requirements/*.txt from pyproject.toml's pins, with hashes
	uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements/runtime.txt
	uv pip compile pyproject.toml --extra test $(LOCK_FLAGS) -o requirements/test.txt

# npm ci runs when axe-core is missing or the lock changed; the touch keeps the
# file newer than the lock whatever date npm gives the files it unpacks.
# Without npm the browser tests fail and say how to get axe-core; the others run.
$(AXE): package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --silent --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the browser tests need axe-core from npm (apt-get install npm, then make test)." >&2; \
	fi

clean:
	rm -rf $(VENV) staticfiles .coverage htmlcov node_modules tests/browser/screenshots
