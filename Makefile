# Sightline: `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
# The PostgreSQL the test suite runs against a second time, when it is reachable.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/sightline
export SIGHTLINE_VAR_DIR ?= $(CURDIR)/var
# GOV.UK Frontend comes from npm (frontend/package-lock.json); its built CSS, JS, fonts
# and images are copied here, where Django's static files finder picks them up.
GOVUK_DIST := frontend/node_modules/govuk-frontend/dist/govuk
GOVUK_STATIC := src/sightline/web/static/govuk

.DEFAULT_GOAL := help
.PHONY: help install install-cin frontend run demo test test-heavy test-sqlite test-postgres test-postgres-linkage test-postgres-others test-spark lint format security bench bench-indicators clean indicators-doc

help: ## list every target
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

install: $(VENV)/.installed $(GOVUK_STATIC)/govuk-frontend.min.css ## create .venv/ with the sightline command, and fetch GOV.UK Frontend, from the lock files

# The DfE Children in Need census validator pins pandas below 2 (Splink needs 2), so it
# lives in its own environment; `sightline export cin-census --validate` runs it there.
# Regenerate the lock after changing cin-requirements.in:
#   $(BIN)/uv pip compile --python-version 3.11 --generate-hashes cin-requirements.in -o requirements-cin.lock
CIN_VENV := .venv-cin
install-cin: $(CIN_VENV)/.installed ## create .venv-cin/ with the DfE CIN census validator, from its lock file

$(CIN_VENV)/.installed: requirements-cin.lock | $(VENV)/.installed
	test -x $(CIN_VENV)/bin/python || $(PYTHON) -m venv $(CIN_VENV)
	$(BIN)/uv pip sync -q --require-hashes --python $(CIN_VENV)/bin/python requirements-cin.lock
	touch $@

frontend: $(GOVUK_STATIC)/govuk-frontend.min.css ## fetch GOV.UK Frontend from npm and copy its assets into the web app

# Bytecode compiled at install: this environment sets PYTHONDONTWRITEBYTECODE, so
# otherwise every command compiled Splink and sqlglot from source (1.2 s of an
# incremental link's 2 s; 0.26 s compiled).
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

# The CSS is copied last, so it exists only once everything it refers to is in place.
# Its font and image URLs are made relative, so they resolve under any STATIC_URL.
$(GOVUK_STATIC)/govuk-frontend.min.css: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	rm -rf $(GOVUK_STATIC)
	mkdir -p $(GOVUK_STATIC)
	cp -R $(GOVUK_DIST)/assets $(GOVUK_STATIC)/assets
	cp $(GOVUK_DIST)/govuk-frontend.min.js $(GOVUK_DIST)/govuk-frontend.min.js.map $(GOVUK_STATIC)/
	cp $(GOVUK_DIST)/govuk-frontend.min.css.map $(GOVUK_STATIC)/
	sed 's#url(/assets/#url(assets/#g' $(GOVUK_DIST)/govuk-frontend.min.css > $@.tmp
	mv $@.tmp $@

run: install ## install, build a demo borough, ingest it and serve it on http://127.0.0.1:8000
	SIGHTLINE_ENV=demo $(BIN)/sightline demo

# The default run leaves out the tests marked heavy (tests/conftest.py says which:
# whole-application sweeps, crash and restart tests, the browser and the API fuzzer);
# `make test-heavy` runs them, and CI runs both. SQLite and PostgreSQL run side by
# side, each in its own var/ directory; their output is printed whole as each
# finishes. PostgreSQL's pass takes half as long again as SQLite's, so in `make
# test` it runs as two parts (linkage, and the rest), each with its own database,
# which keeps both cores busy to the end.
PYTEST := $(BIN)/pytest -q -p no:cacheprovider
TEST_SELECT ?= not heavy
PG_TESTS ?= tests
PG_PART ?=

test: install install-cin lint ## lint, then the suite (all but the heavy tests) on SQLite and PostgreSQL at once
	$(MAKE) --no-print-directory -j3 --output-sync=target test-sqlite test-postgres-linkage test-postgres-others

test-postgres-linkage:
	@$(MAKE) --no-print-directory test-postgres PG_PART=_linkage PG_TESTS=tests/linkage

test-postgres-others:
	@$(MAKE) --no-print-directory test-postgres PG_PART=_others PG_TESTS="tests --ignore=tests/linkage"

test-heavy: install install-cin ## the heavy tests (sweeps, crashes, browser, fuzzing) on SQLite and PostgreSQL at once
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres TEST_SELECT=heavy

test-sqlite: install install-cin ## the test suite on SQLite (TEST_SELECT picks: "not heavy" by default)
	mkdir -p $(SIGHTLINE_VAR_DIR)/test-sqlite
	SIGHTLINE_ENV=test SIGHTLINE_VAR_DIR=$(SIGHTLINE_VAR_DIR)/test-sqlite \
		DATABASE_URL=sqlite:///$(SIGHTLINE_VAR_DIR)/test-sqlite/test.sqlite3 \
		$(PYTEST) -m "$(TEST_SELECT)"

test-postgres: install install-cin ## the test suite on PostgreSQL (skipped when none is reachable, unless CI)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		mkdir -p $(SIGHTLINE_VAR_DIR)/test-postgres$(PG_PART) && \
		SIGHTLINE_ENV=test SIGHTLINE_VAR_DIR=$(SIGHTLINE_VAR_DIR)/test-postgres$(PG_PART) \
			DATABASE_URL=$(TEST_POSTGRES_URL)$(PG_PART) $(PYTEST) -m "$(TEST_SELECT)" $(PG_TESTS); \
	elif [ -n "$$SIGHTLINE_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(TEST_POSTGRES_URL) is not reachable, and CI requires it" >&2; exit 1; \
	else \
		echo "PostgreSQL at $(TEST_POSTGRES_URL) is not reachable: skipping the PostgreSQL run" >&2; \
	fi

test-spark: install ## the linkage and indicator engine tests on Spark local[2], on SQLite (needs Java 17+)
	SIGHTLINE_ENV=test SIGHTLINE_LINKAGE_ENGINE=spark DATABASE_URL=sqlite:///$(SIGHTLINE_VAR_DIR)/test.sqlite3 \
		$(BIN)/pytest -q -p no:cacheprovider -m engine tests/linkage tests/indicators

lint: install ## ruff and mypy
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy src

# bandit's configuration (and why each check it skips is skipped) is in pyproject.toml.
# pip-audit needs a vulnerability service; where none answers, the wrapper says NOT
# AUDITED and does not fail (SIGHTLINE_REQUIRE_AUDIT=1 makes it fail).
security: install ## bandit over src/, pip-audit over requirements.lock
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/python tools/audit_dependencies.py requirements.lock

format: install ## let ruff fix what it safely can
	$(BIN)/ruff check --fix src tests bench

bench: install ## performance benchmarks; figures go to docs/performance.md
	SIGHTLINE_ENV=test $(BIN)/python -m bench.run

bench-indicators: install ## the indicators benchmark alone (fills bench/out/ once, ~5 min; reused after)
	SIGHTLINE_ENV=test $(BIN)/python -m bench.run indicators

clean: ## remove the virtual environment, GOV.UK Frontend's copies and local data
	rm -rf $(VENV) var frontend/node_modules $(GOVUK_STATIC)

# The borough the backtest in docs/indicators.md is measured on, and where it is built.
INDICATORS_DOC_CHILDREN ?= 2000
INDICATORS_DOC_SEED ?= 3
INDICATORS_DOC_TMP ?= /tmp/sightline-indicators-doc
indicators-doc: install ## regenerate docs/indicators.md: the rule catalogue from the code, and a backtest on a generated borough
	rm -rf $(INDICATORS_DOC_TMP) && mkdir -p $(INDICATORS_DOC_TMP)
	$(BIN)/sightline generate --children $(INDICATORS_DOC_CHILDREN) --seed $(INDICATORS_DOC_SEED) \
		--out $(INDICATORS_DOC_TMP)/borough --quiet
	export SIGHTLINE_ENV=test DATABASE_URL=sqlite:///$(INDICATORS_DOC_TMP)/db.sqlite3 \
		SIGHTLINE_VAR_DIR=$(INDICATORS_DOC_TMP)/var && \
	$(BIN)/sightline migrate -v 0 && \
	$(BIN)/sightline ingest $(INDICATORS_DOC_TMP)/borough/*.jsonl > /dev/null && \
	$(BIN)/sightline link --full > /dev/null && \
	$(BIN)/sightline evaluate --backtest $(INDICATORS_DOC_TMP)/borough --format json \
		> $(INDICATORS_DOC_TMP)/backtest.json && \
	$(BIN)/sightline evaluate --catalogue --backtest-results $(INDICATORS_DOC_TMP)/backtest.json \
		> docs/indicators.md.tmp
	mv docs/indicators.md.tmp docs/indicators.md
