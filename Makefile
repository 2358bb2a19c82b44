# luister — `make demo` runs it on demo data, `make test` runs every check. Both install what they need.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
PURE_TESTS := tests/unit/test_matcher.py tests/unit/test_matcher_codegen.py tests/unit/test_queries.py \
              tests/unit/test_compiled.py tests/unit/test_mentions.py tests/unit/test_file_connector.py \
              tests/unit/test_field_mapping.py tests/integration/test_ingest.py \
              tests/integration/test_analytics.py tests/integration/test_import_with_workers.py \
              tests/unit/test_analysis_parts.py
PG_URL  ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo test lint typecheck unit bench system services docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## the virtualenv, and the hot modules compiled with mypyc when their sources changed
	@$(PY) scripts/compile.py

demo: install  ## create ./luister.db with realistic demo data and start luister
	$(VENV)/bin/luister demo

system:  ## Debian packages the tests need (Chromium, PostgreSQL/Redis tools), installed when missing
	bash scripts/ensure-system-packages.sh

services: system  ## make sure PostgreSQL and Redis run (starts them when they do not)
	bash scripts/ensure-services.sh

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts
	$(VENV)/bin/lint-imports  # the layers and contracts in .importlinter

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest tests/unit -q

test: install services lint typecheck  ## everything CI runs
	$(VENV)/bin/pytest -n auto --dist loadfile
	LUISTER_PURE=1 $(VENV)/bin/pytest -q -n auto $(PURE_TESTS)  # the compiled modules' sources agree too

bench: install services  ## benchmarks; copy the figures into BENCHMARKS.md
	$(PY) bench/ingest.py
	$(PY) bench/ingest.py --postgres $(PG_URL)
	$(PY) bench/inbox.py
	$(PY) bench/inbox.py --postgres $(PG_URL)

docs: install  ## regenerate the generated parts of docs/
	$(PY) scripts/gen_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache luister.db luister.db-wal luister.db-shm .cache/mypyc
	rm -f src/luister/compiled.json
	find src/luister -name '*.so' -delete
