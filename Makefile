# samanom — two commands do everything on a fresh machine: `make demo` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup system demo test bench lock clean

# System libraries WeasyPrint needs (Pango, HarfBuzz's subsetter for fast font embedding),
# poppler and qpdf to read PDFs back in tests, Debian's Chromium for the browser test, and LibreOffice Calc
# (headless, with python3-uno) for the tests that fill the blank form in a real office suite.
system:
	@bash scripts/install-system.sh

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: system $(STAMP)

demo: setup
	$(BIN)/samanom run --year 2013
	@echo "Årsrapport: output/2013/arsrapport-2013.pdf   Brev: output/2013/brev/   Lager: output/samanom.duckdb"

# Lint and formatting first (seconds), then the suite on every core (pytest-xdist, one worker per test file).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The yearly run at scale 1, 10 and 100 stage by stage through Dagster, the ratios of issue 8 and the four figures
# of issue 19, side by side in one run (the reader comparison is part of it). BENCH_ARGS="--scales 1,10" for a
# shorter run; BENCH_ARGS='--scales 1,10 --stages "" --parts issue19' for the figures of issue 19 alone.
BENCH_ARGS ?=
bench: setup
	mkdir -p bench-output
	$(BIN)/python -m tests.benchmarks.pipeline --json bench-output/bench.json $(BENCH_ARGS)

# Re-pin the dependencies (uv is installed into the venv for this): every package with its hashes, no index address.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml requirements-build.in --extra test --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf output .pytest_cache
