# Intramuros: `make run` serves the demo practice; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8443
HOST ?= 0.0.0.0
export INTRAMUROS_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint venv messages clean-venv bench lock

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/intramuros init
	$(BIN)/intramuros demo --if-empty
	$(BIN)/intramuros serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check intramuros bench tests conftest.py

test: $(STAMP)
	$(BIN)/ruff check intramuros bench tests conftest.py
	env -u INTRAMUROS_DATA_DIR DJANGO_SETTINGS_MODULE=intramuros.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m intramuros.testing.browser
	env -u INTRAMUROS_DATA_DIR $(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

messages: $(STAMP)
	cd intramuros && ../$(BIN)/django-admin makemessages -l fr -l en --ignore '*/tests/*'
	cd intramuros && ../$(BIN)/django-admin compilemessages

bench: $(STAMP)
	@echo "See bench/README.md for each benchmark and its command."

clean-venv:
	rm -rf $(VENV)

# Re-pin every dependency after a change to pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^intramuros' > requirements.lock
