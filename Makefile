# Every verb sets up what it needs: a virtual environment in .venv with the
# pinned dependencies, the database schema and the seed data.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Parley needs Python 3.12 or newer: the first one found on PATH, or under
# pyenv; PYTHON=/path/to/python3 overrides the search.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; exit 0; }; \
	done)
endif

.PHONY: run admin test test-postgres lint format db clean

run: db ## Serve the site with the seed data on http://$(HOST):$(PORT)
	@echo "Parley: http://$(HOST):$(PORT)/  (admin at /admin/; make an account with: make admin)"
	$(PY) manage.py runserver $(HOST):$(PORT)

admin: db ## Create a superuser for the admin
	$(PY) manage.py createsuperuser

db: $(VENV)/.installed ## Bring the database up to date and load the seed data
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_fixtures

test: $(VENV)/.installed ## Lint, then run the whole test suite (DATABASE_URL picks the database)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: ## The test suite on the local PostgreSQL server
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley} $(MAKE) test

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Parley needs Python 3.12 or newer, and none was found on PATH or under ~/.pyenv. Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	test -x $(PY) || "$(PYTHON)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $@

clean:
	rm -rf $(VENV) staticfiles .coverage htmlcov
