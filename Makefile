# The team's vocabulary. `make run` and `make test` are the front door (see README).
PYTHON ?= python3
PORT ?= 8501
export PARCOURS_DATA_DIR ?= $(CURDIR)/data

.PHONY: run install test test-all test-quick lint lint-sql format build demo bench

install: .installed
.installed: requirements.txt pyproject.toml
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps -e .
	@touch .installed

## run: set everything up and serve the dashboard (a demo warehouse if there is none)
run: install
	@test -f "$(PARCOURS_DATA_DIR)/warehouse.duckdb" || $(PYTHON) -m parcours demo
	$(PYTHON) -m streamlit run serve.py --server.port $(PORT) --server.headless true

# xdist workers: more than the 2 cores, since most tests wait on other processes (dbt, the
# Streamlit server, chromium); whole files per worker, the slow ones first (tests/conftest.py).
TEST_JOBS ?= 4
PYTEST_XDIST = -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder

## test: the developer's suite (about 5 minutes): every module, page, CLI command, dbt model and
## security property, each once; the repetitions marked `exhaustive` are left to test-all
test: install
	$(PYTHON) -m pytest -q $(PYTEST_XDIST) -m "not exhaustive"

## test-all: the whole suite (what CI runs): also the `exhaustive` tests, and the property tests
## with their full number of examples (tests/depth.py)
test-all: install
	$(PYTHON) -m pytest -q $(PYTEST_XDIST)

## test-quick: make test without the files marked slow or browser (a first check while editing)
test-quick: install
	$(PYTHON) -m pytest -q $(PYTEST_XDIST) -m "not exhaustive and not slow and not browser"

## lint: ruff (style), the layer contracts (import-linter) and sqlfluff over the dbt SQL
lint: install lint-sql
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	lint-imports

## lint-sql: sqlfluff over the dbt SQL (.sqlfluff; dbt templater, no build needed; ~1 min)
lint-sql:
	DBT_TARGET_PATH=$(PARCOURS_DATA_DIR)/build/lint/target DBT_LOG_PATH=$(PARCOURS_DATA_DIR)/build/lint/logs \
		$(PYTHON) -m sqlfluff lint transform/models transform/tests transform/macros

format:
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

## build: rerun the dbt transforms into a new warehouse and swap it in
build: install
	$(PYTHON) -m parcours build

demo: install
	$(PYTHON) -m parcours demo

bench: install
	$(PYTHON) bench/bench_ingest.py
	$(PYTHON) bench/bench_build.py
	$(PYTHON) bench/bench_pages.py
