# Two commands set everything up on a fresh machine (Python 3.11, Java 17, make):
#   make demo   the pipeline on the bundled real data, embedded Spark
#   make test   every test
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install demo lint test test-fast bench constraints clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ echo "error: Python 3.11 is required as '$(PYTHON)' (set PYTHON=/path/to/python3.11)"; exit 1; }
	@command -v java >/dev/null || { echo "error: Java 17 is required on PATH (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

demo: install
	$(BIN)/segments run

# ruff for the Python (lint, then the formatter's check); sqlfluff for the dbt SQL (.sqlfluff)
lint: install
	$(BIN)/ruff check segments ml tools tests conf
	$(BIN)/ruff format --check segments ml tools tests conf
	$(BIN)/sqlfluff lint models tests/data_tests

test: lint
	$(BIN)/pytest

test-fast: lint
	$(BIN)/pytest -m "not integration and not server"

# The pipeline at the real file, 5M and 50M generated lines (about 20 minutes on 2 cores), 10M
# generated Amazon reviews (about 6 minutes), the column mapping's cost (50M lines through both
# order-line sources, alternated: about an hour), then the k search, the customer-value fits and
# scoring at 100k, 1M and 10M simulated customers, a backtest of 50M lines against its run (about
# 25 minutes), the dashboard and the server path; results in
# artifacts/bench/.
bench: install
	$(BIN)/segments-dev bench
	$(BIN)/segments-dev bench --source amazon_reviews
	$(BIN)/python -m tools.benchmarks.transactions
	$(BIN)/python -m tools.benchmarks.kmeans
	$(BIN)/python -m tools.benchmarks.value
	$(BIN)/python -m tools.benchmarks.backtest
	@test -f .segments/reports/dashboard.html || $(BIN)/segments run
	$(BIN)/python -m tools.benchmarks.dashboard
	$(BIN)/python -m tools.benchmarks.serve

constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install --quiet -e '.[dev]'
	{ head -2 constraints.txt; .venv-constraints/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .segments target logs
