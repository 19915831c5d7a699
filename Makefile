# Kontor: the two commands for a fresh machine are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# Deployments and the demo install the pinned runtime lock; the tests add the test tools' lock.
# Both are made from pyproject.toml by `make lock`.
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
TEST_STAMP := $(VENV)/.test-$(shell cat requirements-test.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo demo-reset test test-sqlite test-postgres browser services validate translations bench bench-journey clean lock audit

$(VENV)/bin/python:
	@echo "Creating the virtual environment $(VENV) ..."
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.lock pyproject.toml | $(VENV)/bin/python
	@echo "Installing Kontor and its pinned dependencies (requirements.lock); the first run takes a minute ..."
	$(BIN)/pip install --progress-bar off -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.runtime-*
	@touch $@

$(TEST_STAMP): requirements-test.lock $(RUNTIME_STAMP)
	@echo "Installing the test tools (requirements-test.lock) ..."
	$(BIN)/pip install --progress-bar off -r requirements-test.lock
	@rm -f $(VENV)/.test-*
	@touch $@

## Pin every dependency again from pyproject.toml (needs the package index).
lock: | $(VENV)/bin/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --extra test pyproject.toml -o requirements-test.lock

## Known vulnerabilities in the pinned dependencies (pip-audit; needs the advisory service).
audit: | $(VENV)/bin/python
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --disable-pip --no-deps --require-hashes -r requirements.lock
	$(BIN)/pip-audit --disable-pip --no-deps --require-hashes -r requirements-test.lock

## Set up and run Kontor with its embedded defaults: SQLite, in-process worker, the built-in demo LMS.
demo: $(RUNTIME_STAMP)
	$(BIN)/flask --app wsgi demo

## Start the demo afresh: forget the demo LMS's course (activities, gradebook) and the demo database.
## Keeps the keys and the secret. INSTANCE_PATH as for Kontor (default: ./instance).
demo-reset:
	@echo "Removing the demo LMS's course and the demo database in $(or $(INSTANCE_PATH),instance)/ ..."
	rm -f $(or $(INSTANCE_PATH),instance)/demo-lms-state-*.json $(or $(INSTANCE_PATH),instance)/kontor.sqlite3 \
	  $(or $(INSTANCE_PATH),instance)/kontor.sqlite3-wal $(or $(INSTANCE_PATH),instance)/kontor.sqlite3-shm
	@echo "Done: the next \`make demo\` starts with a fresh course whose activity opens a quiz."

## Set up and run the whole test suite: once on SQLite, once on PostgreSQL. The two passes run side
## by side (one pass keeps one core busy, with the database server and Chromium beside it); each
## pass's output is printed when it ends, and the run fails when a test fails in either.
test: $(TEST_STAMP) browser services
	@echo "Running the suite on SQLite and on PostgreSQL side by side; each pass's report follows when it ends ..."
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(TEST_STAMP)
	KONTOR_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(TEST_STAMP)
	KONTOR_TEST_DATABASE=postgresql KONTOR_TEST_POSTGRES_URL=$(POSTGRES_URL) $(BIN)/pytest

## Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

## PostgreSQL and Redis for the tests, started when the machine does not already run them.
services:
	@scripts/ensure-services

## The whole student journey under load on PostgreSQL (bench/journey.py; STUDENTS=500, ARGS for more options).
bench-journey: $(TEST_STAMP) services
	$(BIN)/python bench/journey.py --students $(or $(STUDENTS),500) --postgres-url $(POSTGRES_URL) $(ARGS)

validate: $(RUNTIME_STAMP)
	$(BIN)/flask --app wsgi quiz validate quizzes/

translations: $(TEST_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o lms_module/translations/messages.pot .
	$(BIN)/pybabel update -i lms_module/translations/messages.pot -d lms_module/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d lms_module/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
