# The two commands a newcomer needs: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 5000
HTMX_VERSION := $(shell sed -n 's/.*"htmx.org": *"\([0-9.]*\)".*/\1/p' package.json)
HTMX_JS := portal/static/vendor/htmx-$(HTMX_VERSION).min.js
export FLASK_APP := app.py

.PHONY: run serve test lint install lock lock-check static translations messages migrate demo clean

# Exactly the versions of requirements.lock (every one with its hashes), then the project itself.
# `make lock` resolves pyproject.toml's dependencies (with the dev extra) again into the lock;
# `make lock-check` (CI) fails when the lock was not made from pyproject.toml as it is now.
LOCK := requirements.lock
$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

lock: $(BIN)/.installed
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --extra dev --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
	$(PY) .ci/lock.py stamp $(LOCK)

lock-check:
	@$(PY) .ci/lock.py check $(LOCK)

install: $(BIN)/.installed static translations

# htmx comes from the npm registry, pinned in package.json + package-lock.json; it is copied
# under a versioned name into a git-ignored folder. Without npm the portal works without htmx.
static: $(HTMX_JS)
$(HTMX_JS): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && mkdir -p portal/static/vendor && \
		rm -f portal/static/vendor/htmx-*.min.js && \
		cp node_modules/htmx.org/dist/htmx.min.js $(HTMX_JS); \
	else \
		echo "npm is missing: the portal runs without the htmx enhancements (plain forms still work)."; \
	fi

translations: $(BIN)/.installed
	@$(BIN)/pybabel compile -f -d portal/translations

# Re-extract the msgids from code and templates and merge them into both catalogues;
# then fill in the new (empty) msgstr and run `make translations`.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--omit-header --width 100 -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations \
		--no-fuzzy-matching --width 100

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	PORT=$(PORT) $(BIN)/flask demo load

run: demo
	@echo "Serving at http://127.0.0.1:$(PORT)/ (Ctrl-C stops). Outbox: http://127.0.0.1:$(PORT)/hubei/dev/outbox"
	@$(BIN)/flask notify work & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --debug

# Production (README "Production"): gunicorn with config/gunicorn.py and NOTIFY_WORKERS
# notification workers, against DATABASE_URL, with every setting from the environment.
# Run `make migrate` first (once, from one machine: docs/operations.md).
NOTIFY_WORKERS ?= 1
serve: install
	@export PORTAL_CONFIG=$${PORTAL_CONFIG:-production}; \
	export PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$$(mktemp -d)}; \
	$(BIN)/python -c 'from portal import create_app; create_app()' || exit 1; \
	pids=""; \
	for i in $$(seq $(NOTIFY_WORKERS)); do $(BIN)/flask notify work & pids="$$pids $$!"; done; \
	trap 'kill -TERM $$pids 2>/dev/null; wait $$pids' EXIT INT TERM; \
	$(BIN)/gunicorn -c config/gunicorn.py app:app

# In parallel (pytest-xdist, one worker per CPU; an idle worker takes tests queued for the other,
# --dist worksteal, and the long browser tests go first: tests/conftest.py) and in random order
# (pytest-randomly); the
# seed is printed first, `make test SEED=N` runs that order again, and
# `make test PYTEST_ARGS="-n 0 -p no:randomly"` runs one process in file order.
SEED := $(shell $(PY) -c 'import random; print(random.randrange(1, 10**6))')
PYTEST_ARGS ?=
test: install lock-check
	@echo "Random order seed: $(SEED) (make test SEED=$(SEED) repeats this order)"
	$(BIN)/pytest -q -n auto --dist worksteal --randomly-seed=$(SEED) $(PYTEST_ARGS)

# ruff (lint, and the formatter's check: `ruff format .` fixes it), and the layers of docs/architecture.md (.importlinter: ends independent, workflow below
# them, then accounts, notify and registry, tenants, pure rules), and the lock against pyproject
lint: install lock-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules portal/static/vendor instance/portal.sqlite3
