# Every target runs from a fresh clone with only Python 3.11, pip and make on the machine.
SHELL := /bin/bash
PYTHON311 := $(shell command -v python3.11 2>/dev/null)
VENV := .venv
BQ_VENV := .venv-bq
PY := $(VENV)/bin/python

.PHONY: help check-python venv bq-venv install demo test lint docs hub clean peer-venv bench

help:
	@echo "make demo   - run the whole pipeline against the local Help Scout simulator and BigQuery emulator"
	@echo "make test   - run the test suite"

check-python:
	@if [ -z "$(PYTHON311)" ]; then echo "error: python3.11 not found on PATH (target-bigquery needs Python 3.11; 3.12 and later are refused)"; exit 1; fi

$(VENV)/.done: pyproject.toml | check-python
	$(PYTHON311) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e . --group dev
	touch $@

venv: $(VENV)/.done

# The BigQuery emulator gets a venv of its own: its pins clash with the loader's and the project's.
bq-venv: | check-python
	@if [ ! -f $(BQ_VENV)/.done ] || [ requirements/bq-emulator.txt -nt $(BQ_VENV)/.done ]; then \
		rm -rf $(BQ_VENV) && $(PYTHON311) -m venv $(BQ_VENV) && \
		$(BQ_VENV)/bin/pip install -q -r requirements/bq-emulator.txt && \
		touch $(BQ_VENV)/.done; \
	fi

MELTANO_QUIET := MELTANO_SEND_ANONYMOUS_USAGE_STATS=false MELTANO_DISABLE_TRACKING=true \
	MELTANO_CLI_DISABLE_VERSION_CHECK=true MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS='[]'

# Meltano installs the tap (editable) and the pinned loader into .meltano/, from the lock file.
.meltano/.done: $(VENV)/.done meltano.yml pyproject.toml plugins/loaders/target-bigquery--z3z1ma.lock
	$(MELTANO_QUIET) $(VENV)/bin/meltano install
	touch $@

install: $(VENV)/.done bq-venv .meltano/.done

demo: install
	$(MELTANO_QUIET) $(PY) -m devtools.pipeline

# Three workers, one test file each: the end-to-end runs mostly wait on the loader's sleeps.
test: install
	$(PY) -m pytest -n 3 --dist loadfile

lint: $(VENV)/.done
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check tap_helpscout
	$(VENV)/bin/mypy tap_helpscout

clean:
	rm -rf $(VENV) $(BQ_VENV) .meltano output

docs: $(VENV)/.done
	$(PY) -m devtools.docs

# The Meltano Hub definition (hub/) and meltano.yml's extractor settings, from --about.
# Re-run after any change to the tap's settings, or after merging one.
hub: $(VENV)/.done
	$(PY) -m devtools.hub

# singer-io's tap-helpscout 1.2.2 from PyPI, in a venv of its own, for the benchmark's comparison.
.venv-peer/.done: | check-python
	rm -rf .venv-peer && $(PYTHON311) -m venv .venv-peer
	.venv-peer/bin/pip install -q tap-helpscout==1.2.2
	touch $@

peer-venv: .venv-peer/.done

# The speed benchmark (minutes, not part of `make test`). Flags: make bench BENCH_ARGS="--help".
bench: $(VENV)/.done peer-venv
	$(PY) -m devtools.bench $(BENCH_ARGS)
