# The two commands a new user runs: `make run` and `make test`. Everything else is plumbing.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
# Stamps record what was installed from which pyproject.toml, so a second run installs nothing
# and an edited pyproject.toml is picked up.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint format bench chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

# A local development server and its background worker (reminders, messages), started and
# stopped together: DEBUG on unless the caller says otherwise.
run: export DEBUG ?= true
run: export DASHBOARD_URL ?= http://127.0.0.1:$(PORT)
run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_sandbox --if-empty
	$(PY) manage.py ensure_demo_user
	$(PY) manage.py serve 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium; install it when it is missing and we may.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing: run 'sudo apt-get install -y chromium' for the browser tests" >&2; \
	    exit 1; \
	  fi; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(DEV_STAMP) chromium lint
	$(BIN)/pytest

# The production-shape part runs on throwaway PostgreSQL and Redis servers (.ci/with-services
# installs and starts them) behind Debian's haproxy, installed here when missing and we may.
bench: $(DEV_STAMP)
	@if ! command -v haproxy >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	  else \
	    echo "haproxy is missing: run 'sudo apt-get install -y haproxy' for the benchmark" >&2; \
	    exit 1; \
	  fi; \
	fi
	.ci/with-services $(PY) -m bench

clean:
	rm -rf $(VENV) staticfiles
