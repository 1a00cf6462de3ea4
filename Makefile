# urbansec — the project's verbs. Only Python 3.11+ and pip are needed.
#   make demo   set up .venv (if missing) and build the demo study reports under reports/
#   make test   set up .venv (if missing) and run the whole test suite (slow tests included)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.urbansec-installed

.PHONY: setup demo test test-fast lint data site lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml $(wildcard requirements.lock)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@if [ -f requirements.lock ]; then \
	  echo "installing pinned versions from requirements.lock"; \
	  $(PY) -m pip install --quiet -r requirements.lock; fi
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/urbansec demo

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

lint: setup
	$(VENV)/bin/ruff check urbansec_lib tests benchmarks scripts

data: setup
	$(VENV)/bin/urbansec data build

site: setup
	$(VENV)/bin/urbansec site

# Pin the environment: writes requirements.lock, which `make setup` uses when present.
lock: setup
	@echo "# Pinned environment: written by 'make lock' (pip freeze); 'make setup' installs it when present." > requirements.lock
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' >> requirements.lock

clean:
	rm -rf reports/* data/processed/* .pytest_cache
