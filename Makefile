# Two commands for a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DVC_NO_ANALYTICS := 1
export MPLBACKEND := Agg

.PHONY: help install lock dvc-init run test test-slow test-dask test-browser lint bench bench-peers bench-monitor-peer clean

help:
	@echo "make run          set up .venv, install, run the DVC pipeline on the simulated world"
	@echo "make test         set up .venv, install, run the fast test suite"
	@echo "make test-slow    the slow ground-truth tests (several simulator seeds)"
	@echo "make test-dask    the Dask tests: a 2-worker LocalCluster and an external scheduler"
	@echo "make test-browser the report in headless Chromium (installs chromium if missing)"
	@echo "make lint         ruff + mypy on features/ models/ pipelines/"
	@echo "make lock         refresh requirements.lock from pyproject.toml (uv)"
	@echo "make bench        run the benchmarks in benchmarks/ (writes benchmarks/results/*.json)"
	@echo "make bench-peers  channelwise vs PyMC-Marketing, seeds 1-10 (own venv .venv-peers; ~50 min on 2 cores)"
	@echo "make bench-monitor-peer  KPI monitor vs statsforecast intervals (own venv .venv-statsforecast)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock (requirements.lock, made by uv from pyproject.toml): exactly
# the versions the tests ran with. `make lock` refreshes it after a change to pyproject.toml
# (keeping the pins that still fit); `make lock UPGRADE=--upgrade` moves every pin to the newest.
LOCK       := requirements.lock
UV_VERSION := 0.13.9
UV         := $(BIN)/uv
UPGRADE    ?=
LOCK_HEADER_1 := \# Locked dependencies of channelwise (pyproject.toml, extra dev) for CPython 3.11 on Linux x86_64.
LOCK_HEADER_2 := \# Made by: make lock (uv pip compile). Installed by: make install. Do not edit by hand.

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml $(LOCK) | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -r $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	# lifetimes is unmaintained: we only read the CDNOW files it ships, so skip its deps.
	$(UV) pip install --quiet --python $(BIN)/python --no-deps lifetimes==0.11.3
	touch $(STAMP)

install: $(STAMP)

lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 $(UPGRADE) \
	  --no-header --annotation-style line -o $(LOCK)
	@printf '%s\n' "$(LOCK_HEADER_1)" "$(LOCK_HEADER_2)" | cat - $(LOCK) > $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK)
	@echo "$(LOCK) refreshed: commit it with pyproject.toml"

dvc-init: install
	@if [ ! -d .dvc ]; then \
	  if git rev-parse --git-dir >/dev/null 2>&1; then $(BIN)/dvc init --quiet; \
	  else $(BIN)/dvc init --no-scm --quiet; fi; \
	  $(BIN)/dvc config core.analytics false; \
	fi

run: dvc-init
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	@echo ""
	@echo "Outputs:"
	@echo "  reports/index.html              the report: open it in a browser"
	@echo "  reports/budget_allocation.csv   the recommended weekly plan per channel"
	@echo "  reports/cltv_by_channel.csv     CLTV and CAC per acquisition channel"
	@echo "  reports/kpi_weights.csv, team_scorecard.csv, lead_scores.csv"
	@echo "  reports/alerts.csv, kpi_series.csv  KPI alerts between plans (channelwise monitor)"
	@echo "  reports/staff_credit.csv        referral credit per staff member (when leads name one)"
	@echo "  metrics/                        stage metrics (dvc metrics show)"
	@echo "  data/                           inputs, features, predictions, models (DVC-tracked)"
	@echo "What-if plans: .venv/bin/channelwise app (browser) or .venv/bin/channelwise allocate --help"
	@echo "Pay: .venv/bin/channelwise audit-scheme --help, .venv/bin/channelwise incentives --help"

test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest

test-slow: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "slow and not browser"

# The Dask engine on a LocalCluster and on a separately started scheduler (docs/scale-out.md).
test-dask: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m dask

# The report in a real headless Chromium (Debian's chromium + chromium-driver; needs root).
test-browser: install
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  apt-get update && apt-get install -y chromium chromium-driver; \
	fi
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m browser

lint: install
	$(BIN)/ruff check features models pipelines tests benchmarks
	$(BIN)/mypy

# Each benchmark writes benchmarks/results/<name>.json; run them on an otherwise idle machine.
BENCHMARKS := features cltv conversion allocation allocation_truth certificate explain app kpi_weights monitor serving \
              referrals scheme_audit scale buckets

bench: install
	@for b in $(BENCHMARKS); do \
	  echo "== benchmarks/bench_$$b.py"; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_$$b.py || exit 1; \
	done

# The peer benchmark's PyMC-Marketing lives in its own venv, pinned by its own file: it is a
# benchmark dependency, not a dependency of channelwise.
PEERS := .venv-peers
$(PEERS)/.installed: benchmarks/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -r benchmarks/requirements-peers.txt
	touch $@

bench-peers: install $(PEERS)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_peers.py

# The monitor's peer, statsforecast, caps pandas<3: its own venv, pinned by its own file.
STATSFORECAST := .venv-statsforecast
$(STATSFORECAST)/.installed: benchmarks/requirements-statsforecast.txt
	$(PYTHON) -m venv $(STATSFORECAST)
	$(STATSFORECAST)/bin/pip install -r benchmarks/requirements-statsforecast.txt
	touch $@

bench-monitor-peer: install $(STATSFORECAST)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_monitor_peer.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
