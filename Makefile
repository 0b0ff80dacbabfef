# Aclara — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test install translations extract services lint pytest prod-check clean

run: install translations  ## install, migrate, load demo data, serve on SQLite with inline jobs
	$(BIN)/helpdesk init-db
	$(BIN)/helpdesk demo
	@echo "Aclara: http://127.0.0.1:5000"
	$(BIN)/helpdesk run --host 127.0.0.1 --port 5000

test: install translations services lint pytest  ## everything CI checks

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: install $(COMPILED)  ## compile the Spanish and English catalogs

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --use-fuzzy -d translations -l $* 2>&1 | grep -v "^compiling" || true
	test -f $@

extract: install  ## refresh messages.pot and merge new strings into the catalogs
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file --no-wrap \
		--project Aclara -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --no-fuzzy-matching

services:  ## make sure what the tests need is there and running
	@bash scripts/ensure-services.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

pytest: install translations
	$(BIN)/pytest $(PYTEST_ARGS)

prod-check: install translations services  ## the production stack (gunicorn, workers, cron, PostgreSQL, Redis) end to end
	$(BIN)/pytest -q tests/e2e/test_production_stack.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache translations/*/LC_MESSAGES/*.mo
