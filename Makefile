# ecogov — developer entry points. `make help` lists them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.DEFAULT_GOAL := help
.PHONY: help demo serve test test-fast lint format bench lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements/runtime.lock pyproject.toml setup.py src/ecogov/protocols/hj212/_crc.c | $(BIN)/python
	$(PIP) install -r requirements/runtime.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock pyproject.toml setup.py src/ecogov/protocols/hj212/_crc.c | $(BIN)/python
	$(PIP) install -r requirements/dev.lock
	$(PIP) install --no-deps -e .
	touch $(VENV)/.runtime-installed $@

# Browser libraries pinned in web-assets/package-lock.json: ECharts with only the charts and
# components the workspace uses (web-assets/echarts-workspace.js), bundled by esbuild.
WEB_VENDOR := src/ecogov/web/static/vendor
$(WEB_VENDOR)/echarts.min.js: web-assets/package.json web-assets/package-lock.json web-assets/echarts-workspace.js
	cd web-assets && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(WEB_VENDOR)
	cd web-assets && npm run --silent build

demo: $(VENV)/.runtime-installed $(WEB_VENDOR)/echarts.min.js  ## build the demo city once (var/demo.sqlite) and serve it on http://127.0.0.1:8000
	$(BIN)/ecogov demo

serve: $(VENV)/.runtime-installed $(WEB_VENDOR)/echarts.min.js  ## serve the configured database (ECOGOV_DATABASE_URL)
	$(BIN)/ecogov serve

test: $(VENV)/.dev-installed $(WEB_VENDOR)/echarts.min.js  ## install test dependencies and run the whole suite (SQLite and PostgreSQL)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed  ## ruff (lint + format check) and mypy --strict on src/
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

format: $(VENV)/.dev-installed  ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.dev-installed  ## run every benchmark under bench/ (figures in docs/benchmarks.md)
	$(BIN)/python -m bench.bench_demo_build
	$(BIN)/python -m bench.bench_hj212_codec
	$(BIN)/python -m bench.bench_ingest
	$(BIN)/python -m bench.bench_archive
	$(BIN)/python -m bench.bench_first_screen
	$(BIN)/python -m bench.bench_accounts
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install -q -r bench/requirements-peers.txt
	PYTHONPATH=src .venv-bench/bin/python -m bench.bench_standards

lock:  ## re-resolve the lockfiles from pyproject.toml (needs network to the package index)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml -o requirements/runtime.lock --python-version 3.11
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements/dev.lock --python-version 3.11

clean:  ## remove the virtual environment and var/
	rm -rf $(VENV) var build src/ecogov/protocols/hj212/_crc.*.so
