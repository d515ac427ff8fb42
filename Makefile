# Two commands on a fresh machine that has only Python 3.11+:
#   make run    set up and start the server on the embedded default (SQLite, nothing else)
#   make test   set up and run the whole test suite (SQLite; CHIRP_TEST_BACKEND=postgres for PostgreSQL)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run on every core: each worker has its own SQLite file or PostgreSQL databases.
PYTEST_ARGS ?= -n auto

.PHONY: run test lint e2e clean

$(VENV)/.run-stamp: requirements/main.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/main.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.test-stamp: $(VENV)/.run-stamp requirements/test.lock
	$(BIN)/pip install -q -r requirements/test.lock
	touch $@

run: $(VENV)/.run-stamp
	$(BIN)/chirp serve --host $(HOST) --port $(PORT)

test: $(VENV)/.test-stamp
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: $(VENV)/.test-stamp
	$(BIN)/pytest -m e2e

lock:
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --extra test --no-emit-index-url --no-emit-find-links -o requirements/test.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
