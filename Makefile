# drugscreen: the README's two commands (`make demo`, `make test`) live here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# the package and what it needs to run (all `make demo` needs)
BASE_STAMP := $(VENV)/.base-stamp
# plus the test, docs, benchmark, GPL-peer and Dask extras (what `make test` needs)
STAMP := $(VENV)/.installed-stamp
LINT_PATHS := src kernels tests benchmarks examples docs tools

.PHONY: install demo test lint typecheck cycles docs pytest bench clean

$(BASE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU wheel; newer torch releases resolve to multi-GB CUDA builds
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e .
	touch $(BASE_STAMP)

$(STAMP): $(BASE_STAMP)
	$(PY) -m pip install -q -e ".[dev,docs,bench,gpl-peers,dask]"
	touch $(STAMP)

install: $(STAMP)

demo: $(BASE_STAMP)
	$(VENV)/bin/drugscreen demo --out demo-output

lint: install
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

typecheck: install
	$(VENV)/bin/mypy

# no two modules may import each other (lazily or for types alike)
cycles: install
	$(PY) tools/import_cycles.py

# nitpicky (-n) and warnings as errors (-W): every cross-reference must resolve, offline
docs: install
	$(VENV)/bin/sphinx-build -n -W --keep-going -q -b html docs docs/_build/html
	@echo "documentation: docs/_build/html/index.html"

pytest: install
	$(PY) -m pytest -q --durations=25

test: lint typecheck cycles docs pytest

bench: install
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_build.py

clean:
	rm -rf $(VENV) demo-output build *.egg-info docs/_build docs/generated docs/_generated
