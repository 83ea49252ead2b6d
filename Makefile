# Every target creates the virtualenv on first use: a fresh machine needs only
# Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all demo test lint typecheck unit docs reference bench integration sdk clean

all: test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ipwhitelist needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ipwhitelist demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs examples
	$(BIN)/ruff format --check src tests benchmarks docs examples

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term --cov-fail-under=95

test: lint typecheck unit

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

# The data parts of docs/reference/ (rule tables, exchange table) are generated.
reference: $(STAMP)
	$(BIN)/python tests/reference_docs.py

# The freqtrade recipe against a real freqtrade, in a virtualenv of its own
# (freqtrade is not a dependency of ipwhitelist).
FT_VENV := .venv-freqtrade
integration:
	$(PYTHON) -m venv $(FT_VENV)
	$(FT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FT_VENV)/bin/python -m pip install --quiet freqtrade -e . pytest pytest-asyncio hypothesis
	$(FT_VENV)/bin/python -m pytest -p no:cacheprovider tests/integration

# binance-connector against loopback fakes, in a virtualenv of its own: it and
# python-binance (in the dev extra) both install the top-level `binance` package.
SDK_VENV := .venv-sdk
sdk:
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SDK_VENV)/bin/python -m pip install --quiet "binance-connector>=3.13" -e . pytest pytest-asyncio hypothesis
	$(SDK_VENV)/bin/python -m pytest -p no:cacheprovider tests/sdk_connector

bench: $(STAMP)
	IPWHITELIST_EGRESS=off $(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(FT_VENV) $(SDK_VENV) site .pytest_cache .mypy_cache .ruff_cache .coverage
