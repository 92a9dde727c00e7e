# PRM portal. `make run` serves the demo on an embedded PostgreSQL; `make test` runs every test
# against the machine's PostgreSQL and Redis (started by .ci/run when they are down).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/prm
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
# `make worker` serves both queues; `make worker QUEUES=batch` (or interactive) one of them.
QUEUES ?= interactive,batch
CONCURRENCY ?= 2

.PHONY: install run test lint format messages system-packages bench clean worker beat replica

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

# Debian packages the portal needs: pango and harfbuzz-subset (WeasyPrint, core/pdf_fonts.py), a
# CJK font (Chinese PDFs), gettext (translations), chromium (browser tests), poppler (PDF checks in
# tests).
system-packages:
	@missing=""; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext chromium poppler-utils; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v 0 --settings=prm.settings.test

# One line per step; the embedded PostgreSQL stops with the server (Ctrl-C).
run: $(STAMP) system-packages messages
	@echo "== Database: migrating (embedded PostgreSQL in .data/pgdata unless DATABASE_URL is set)"
	@$(PY) manage.py migrate --no-input -v 0
	@echo "== Demo data"
	@$(PY) manage.py seed_demo
	@echo "== Serving on http://$(HOST):$(PORT)/ (tasks run in-process; Ctrl-C stops the server and the database)"
	@trap '$(PY) -m prm.embedded stop' EXIT; $(PY) manage.py runserver $(HOST):$(PORT)

# The private PostgreSQL primary (5433) and its streaming replica (5434) the read-replica tests
# use; started (created the first time) when down. Never a copy of the machine's main cluster.
replica:
	scripts/pg_replica.sh

test: $(STAMP) system-packages messages replica
	$(PY) manage.py makemigrations --check --dry-run -v 0 --settings=prm.settings.test
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -p no:cacheprovider --create-db $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Production-shaped processes against a real broker (set REDIS_URL and DATABASE_URL first).
worker: $(STAMP)
	$(VENV)/bin/celery -A prm worker --loglevel=INFO --concurrency=$(CONCURRENCY) -Q $(QUEUES)

beat: $(STAMP)
	$(VENV)/bin/celery -A prm beat --loglevel=INFO

bench: $(STAMP)
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/bench_*.py; do echo "== $$b"; REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/13} $(PY) $$b; done || echo "no benchmarks yet"

clean:
	rm -rf .data/test-media .pytest_cache
