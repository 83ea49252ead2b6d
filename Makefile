# Every target creates the virtualenv on first use: a fresh machine needs only
# Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all demo test lint typecheck unit docs reference bench integration sdk compat clean

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
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# One worker per core (pytest-xdist): the suite is CPU-bound (ccxt replays,
# hypothesis), and CI gives it two cores and four minutes.
unit: $(STAMP)
	$(BIN)/python -m pytest -n auto --cov --cov-report=term --cov-fail-under=95

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

# The ccxt releases pyproject.toml admits: the corpus replay, the wrap, retry and
# drift tests (and the ccxt census, where present) on the oldest admitted ccxt and
# on the newest, each in its own virtualenv. The oldest is read from the bound.
CCXT_OLDEST = $(shell sed -n 's/^ *"ccxt>=\([0-9.]*\)".*/\1/p' pyproject.toml)
COMPAT_TESTS = tests/test_corpus.py tests/test_wrap_sync.py tests/test_wrap_async.py \
	tests/test_wrap_pro.py tests/test_all_exchanges.py tests/test_ccxt_retries.py \
	tests/test_drift.py tests/test_ccxt_compat.py $(wildcard tests/test_census.py)

CCXT_PIN_oldest = "ccxt==$(CCXT_OLDEST)"
CCXT_PIN_newest = ccxt

.venv-ccxt-%/.installed: pyproject.toml
	$(PYTHON) -m venv .venv-ccxt-$*
	.venv-ccxt-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-ccxt-$*/bin/python -m pip install --quiet -e . $(CCXT_PIN_$*) pytest pytest-asyncio hypothesis
	@touch $@

compat: .venv-ccxt-oldest/.installed .venv-ccxt-newest/.installed
	@test -n "$(CCXT_OLDEST)" || { echo "compat: no ccxt>= bound in pyproject.toml"; exit 2; }
	.venv-ccxt-oldest/bin/python -m pip install --quiet $(CCXT_PIN_oldest)
	.venv-ccxt-newest/bin/python -m pip install --quiet --upgrade $(CCXT_PIN_newest)
	@failed=; summary=; for side in oldest newest; do \
		venv=.venv-ccxt-$$side; \
		version=$$($$venv/bin/python -c 'import ccxt; print(ccxt.__version__)'); \
		echo "== compat: ccxt $$version (the $$side release)"; \
		IPWHITELIST_EGRESS=off $$venv/bin/python -m pytest -p no:cacheprovider -q -rs \
			$(COMPAT_TESTS) > $$venv/pytest.log 2>&1 || failed="$$failed $$version"; \
		cat $$venv/pytest.log; \
		summary="$$summary\n  ccxt $$version ($$side): $$(tail -n 1 $$venv/pytest.log)"; \
	done; \
	printf '== compat summary:%b\n' "$$summary"; \
	test -z "$$failed" || { echo "compat: failed on ccxt$$failed"; exit 1; }

# Measures, then rewrites docs/explanation/performance.md from the figures.
bench: $(STAMP)
	IPWHITELIST_EGRESS=off $(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/page.py

clean:
	rm -rf $(VENV) $(FT_VENV) $(SDK_VENV) .venv-ccxt-oldest .venv-ccxt-newest site .pytest_cache .mypy_cache .ruff_cache .coverage
