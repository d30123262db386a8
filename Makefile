# drugscreen: the README's two commands (`make demo`, `make test`) live here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
LINT_PATHS := src kernels tests benchmarks examples docs tools

.PHONY: install demo test lint typecheck docs pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU wheel; newer torch releases resolve to multi-GB CUDA builds
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,docs,bench,gpl-peers,dask]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/drugscreen demo --out demo-output

lint: install
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

typecheck: install
	$(VENV)/bin/mypy

# nitpicky (-n) and warnings as errors (-W): every cross-reference must resolve, offline
docs: install
	$(VENV)/bin/sphinx-build -n -W --keep-going -q -b html docs docs/_build/html
	@echo "documentation: docs/_build/html/index.html"

pytest: install
	$(PY) -m pytest -q

test: lint typecheck docs pytest

bench: install
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_build.py

clean:
	rm -rf $(VENV) demo-output build *.egg-info docs/_build docs/generated docs/_generated
