# Partner Portal developer commands. `make help` lists them. CI runs the same targets (.ci/run).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pytest arguments: make test PYTEST_ARGS="-k heartbeat -x"
PYTEST_ARGS ?=
CHROMIUM := /usr/bin/chromium

.DEFAULT_GOAL := help
.PHONY: help venv run test test-e2e api-fuzz lint format migrate chromium clean

help:
	@echo "make run       start sandbox, web, Celery worker and beat (http://127.0.0.1:8000/)"
	@echo "make test      the whole test suite, browser tests included (SQLite, tasks eager)"
	@echo "make test-e2e  only the browser tests (tests/e2e)"
	@echo "make api-fuzz  schemathesis against the REST API's schema on a throwaway server"
	@echo "make lint      ruff"
	@echo "make format    ruff format and import sorting"
	@echo "make migrate   apply migrations to the configured database"
	@echo "make venv      create .venv and install requirements-dev.txt (done by the others)"
	@echo "make clean     remove .venv, var/, staticfiles/ and caches"

# Re-install only when a requirements file is newer than the stamp.
venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(STAMP)
	$(BIN)/python scripts/run.py

# Debian's chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "The browser tests need $(CHROMIUM): run 'sudo apt-get install -y chromium' (Debian) and try again." >&2; \
			exit 1; \
		fi; \
	fi

test: $(STAMP) chromium
	$(BIN)/pytest $(PYTEST_ARGS)

test-e2e: $(STAMP) chromium
	$(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# Starts the sandbox and a server on free ports, fuzzes /api/schema/ with a customer and a staff token.
api-fuzz: $(STAMP)
	$(BIN)/python scripts/api_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
