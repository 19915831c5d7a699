# Kontor: the two commands for a fresh machine are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-sqlite test-postgres browser services validate translations bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Set up and run Kontor with its embedded defaults: SQLite, in-process worker, the built-in demo LMS.
demo: $(STAMP)
	$(BIN)/flask --app wsgi demo

## Set up and run the whole test suite: once on SQLite, once on PostgreSQL.
test: $(STAMP) browser services
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	KONTOR_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	KONTOR_TEST_DATABASE=postgresql KONTOR_TEST_POSTGRES_URL=$(POSTGRES_URL) $(BIN)/pytest

## Debian's Chromium for the browser tests (Playwright's own browser download does not work here).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

## PostgreSQL and Redis for the tests, started when the machine does not already run them.
services:
	@scripts/ensure-services

validate: $(STAMP)
	$(BIN)/flask --app wsgi quiz validate quizzes/

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms_module/translations/messages.pot .
	$(BIN)/pybabel update -i lms_module/translations/messages.pot -d lms_module/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d lms_module/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
