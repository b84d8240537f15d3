# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck pytest clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# ical.js, the independent iCalendar parser the tests read every feed with (tests/js).
NPM ?= npm
JS_STAMP := tests/js/node_modules/.installed-$(shell cat tests/js/package-lock.json | sha1sum | cut -c1-12)

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && $(NPM) ci --no-audit --no-fund --loglevel=error
	rm -f tests/js/node_modules/.installed-*
	touch $@

# The page tests' browser: Debian's chromium, driven by Playwright (no browser download).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	command -v chromium >/dev/null || { $(SUDO) apt-get update -q && \
	  $(SUDO) apt-get install -y -q --no-install-recommends chromium; }

install: $(STAMP) $(JS_STAMP) $(CHROMIUM)

## Start the product on SQLite with the demo clinic seeded; prints the URLs and logins.
## Every process it starts gets the same settings: exported for the whole recipe, and a
## CLINIC_PUBLIC_URL already set (a proxy's address) is kept.
run: export CLINIC_PUBLIC_URL ?= http://$(HOST):$(PORT)
# The demo clinic's name in its messages and pages (a name already set is kept).
run: export CLINIC_NAME ?= Harbor Clinic
run: $(STAMP)
	$(BIN)/clinic db upgrade
	$(BIN)/clinic demo
	$(BIN)/clinic serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

pytest: install
	@if [ -z "$$CLINIC_TEST_POSTGRES_URL" ]; then \
	  echo "NOTE: CLINIC_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is skipped (SQLite only)."; \
	fi
	$(BIN)/pytest -q

## The whole suite: lint, types, and the tests on SQLite (and PostgreSQL when configured).
test: lint typecheck pytest

clean:
	rm -rf test-output $(VENV) .mypy_cache .ruff_cache .pytest_cache clinic.db clinic.db-wal clinic.db-shm
