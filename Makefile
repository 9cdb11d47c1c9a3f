# Accord: `make demo` to try it, `make test` to check everything. Nothing to install by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 from the machine (pyenv on these machines); never a downloaded Python.
PY312 := $(shell command -v python3.12 2>/dev/null || ls -1 $(HOME)/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n 1)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PY312)
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := DJANGO_SETTINGS_MODULE=accord.settings.demo
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# Rust from the machine, for the CSV scanner (native/csvscan, no dependencies, built offline).
CARGO := $(shell command -v cargo 2>/dev/null || ls -1 $(HOME)/.cargo/bin/cargo 2>/dev/null)
CSVSCAN := native/csvscan/target/release/libaccord_csvscan.so

.PHONY: help install csvscan csvscan-test demo test lint typecheck pytest pytest-sqlite pytest-postgres browser-deps bench clean

help:
	@echo "make demo   install, load demo data and serve on http://localhost:8000"
	@echo "make test   install and run every check (ruff, mypy, pytest on SQLite and PostgreSQL)"

$(UV):
	@test -n "$(PY312)" || { echo "Python 3.12 was not found (looked for python3.12 and ~/.pyenv/versions/3.12.*)."; exit 1; }
	$(PY312) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	@test -n "$(PY312)" || { echo "Python 3.12 was not found (looked for python3.12 and ~/.pyenv/versions/3.12.*)."; exit 1; }
	$(UV) sync --frozen --python $(PY312)
	@$(MAKE) --no-print-directory csvscan

# Imports work without the scanner (Arrow reads every file, slower); `make test` needs it.
csvscan:
	@if [ -n "$(CARGO)" ]; then $(CARGO) build --quiet --release --offline --manifest-path native/csvscan/Cargo.toml; \
	else echo "Rust (cargo) was not found: imports will use Arrow's CSV reader alone (slower, same results)."; fi

csvscan-test: install
	@test -f $(CSVSCAN) || { echo "The CSV scanner was not built: make test needs Rust (cargo)."; exit 1; }
	cd native/csvscan && $(CARGO) fmt --check
	cd native/csvscan && $(CARGO) clippy --quiet --release --offline --all-targets -- -D warnings
	cd native/csvscan && $(CARGO) test --quiet --release --offline

demo: install
	mkdir -p var
	$(DEMO_ENV) $(BIN)/accord migrate --noinput
	$(DEMO_ENV) $(BIN)/accord demo_data
	$(DEMO_ENV) $(BIN)/accord demo_datasets
	@echo "Accord is at http://localhost:8000/ (Ctrl+C to stop). Use localhost, not 127.0.0.1: browsers refuse security keys on an IP address."
	$(DEMO_ENV) $(BIN)/accord db_worker & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT; \
	  $(DEMO_ENV) $(BIN)/accord runserver 127.0.0.1:8000

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest-sqlite: install browser-deps
	env -u DATABASE_URL ACCORD_REQUIRE_CSVSCAN=1 $(BIN)/pytest

pytest-postgres: install
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
	  echo "pytest on PostgreSQL ($${DATABASE_URL%%@*}@…)"; \
	  ACCORD_REQUIRE_CSVSCAN=1 $(BIN)/pytest -m "not browser and not spark" -p no:cacheprovider; \
	else echo "DATABASE_URL does not point at PostgreSQL: skipping the PostgreSQL run"; fi

test: lint typecheck csvscan-test pytest-sqlite pytest-postgres

bench: install
	$(BIN)/python bench/stats_bench.py

clean:
	rm -rf .venv .tools var .pytest_cache .mypy_cache .ruff_cache native/csvscan/target
