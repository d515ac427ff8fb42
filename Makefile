# Two commands on a fresh machine that has only Python 3.11+:
#   make run    set up and start the server on the embedded default (SQLite, nothing else)
#   make test   set up and run the whole test suite (SQLite; CHIRP_TEST_BACKEND=postgres for PostgreSQL)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Benchmarks (bench/): `make bench SCALE=medium BACKEND=postgres`; BENCH_ARGS adds runner options.
SCALE ?= small
BACKEND ?= sqlite
SEED ?= 1
BENCH_ARGS ?=
# Tests run on every core: each worker has its own SQLite file or PostgreSQL databases.
PYTEST_ARGS ?= -n auto

.PHONY: run test lint e2e fuzz clean seed bench bench-micro bench-tools

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

# Static checks first: style, the map of contexts (import-linter's contracts in
# pyproject.toml: a new cycle names its import) and strict typing of the package.
test: $(VENV)/.test-stamp
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: $(VENV)/.test-stamp
	$(BIN)/pytest -m e2e

# Schemathesis deeper than the test suite's bounded run: a new seed and more examples.
fuzz: $(VENV)/.test-stamp
	CHIRP_FUZZ_SEED=$${CHIRP_FUZZ_SEED:-$$RANDOM} CHIRP_FUZZ_EXAMPLES=$${CHIRP_FUZZ_EXAMPLES:-50} \
		$(BIN)/pytest tests/fuzz -q

$(VENV)/.bench-stamp: $(VENV)/.test-stamp requirements/bench.lock
	$(BIN)/pip install -q -r requirements/bench.lock
	touch $@

# wrk drives the load; redis-server backs the PostgreSQL deployment (Debian packages).
bench-tools:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)

seed: $(VENV)/.run-stamp
	$(BIN)/chirp seed --scale $(SCALE) --seed $(SEED)

bench: $(VENV)/.bench-stamp bench-tools
	$(BIN)/python -m bench.run --scale $(SCALE) --backend $(BACKEND) --seed $(SEED) $(BENCH_ARGS)

bench-micro: $(VENV)/.bench-stamp bench-tools
	$(BIN)/python -m bench.micro $(BENCH_ARGS)

lock:
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile -q --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/main.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --extra test --no-emit-index-url --no-emit-find-links -o requirements/test.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --extra test --extra bench --no-emit-index-url --no-emit-find-links -o requirements/bench.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
