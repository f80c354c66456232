# nntheory — every target runs in the project's virtual environment (.venv, or the one that
# is active), so nothing needs activating by hand.
#
#   make install   create .venv, install nntheory (editable, with dev tools) and neural-tangents
#   make test      lint, the docs build (warnings are errors), the test suite
#   make quick     every study's quick replicates (R = 5 master seeds), then every report
#   make <study>   one study (quick) and its report, e.g. `make universal_approximation`
#   make claims    judge every claim over the stored replicates (exit 1 unless all hold)
#   make docs      the documentation site, docs/_build/html (warnings are errors)
#   make check-reports  look at every report as a reader does (Chromium, pdftoppm)
#
# PROFILE=full (R = 10) and SEEDS=9001-9005 (other master seeds) work with every target.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV)/bin/python,$(VENV)/bin/python)
NT := $(PY) -m nntheory.cli
PROFILE ?= quick
SEEDS ?=
comma := ,
SEED_ARGS := $(if $(SEEDS),--seeds $(SEEDS))
SEED_TAG := $(if $(SEEDS),$(subst $(comma),_,$(SEEDS)),default)

STUDIES := $(sort $(basename $(notdir $(filter-out studies/__init__.py,$(wildcard studies/*.py)))))
# A study's results may be stale when its own file or the library changed; reports also depend
# on the report code. Make keeps one stamp per (study, profile, seeds); `nntheory run` itself
# reuses each stored replicate whose code fingerprint is current and recomputes the others.
LIB := $(shell find nntheory -name '*.py' -not -path '*/report/*')
REPORT_LIB := $(shell find nntheory/report -type f -not -name '*.pyc')
STAMPS := results/.make

.PHONY: help install test quick reports claims clean lint bench docs check-reports $(STUDIES)

help:
	@echo "make install | test | quick | reports | claims | docs | bench | clean | <study>: $(STUDIES)"

install:
	@python3 -c "import ctypes.util as u, sys; sys.exit(all(u.find_library(n) for n in ('pango-1.0', 'harfbuzz-subset')) == 0)" \
	  || { echo "installing Pango and HarfBuzz-subset for WeasyPrint (PDF reports)"; \
	       apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }
	@if [ -z "$${VIRTUAL_ENV:-}" ] && [ ! -x $(VENV)/bin/python ]; then python3 -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	# neural-tangents 0.6.5 declares tensorflow (~2 GB) as a dependency but never needs it
	# here: install it alone; nntheory/compat/neural_tangents.py makes it run on current JAX.
	$(PY) -m pip install -q --no-deps 'neural-tangents==0.6.5'
	$(PY) -c "from nntheory.compat.neural_tangents import nt; print('neural-tangents', nt.__version__, 'imports')"

# Two worker processes, each taking whole test modules (a module's fixtures, such as one
# study's end-to-end run, are built once): 8.6 min against 12.9 min in one process here.
TEST_WORKERS ?= 2
test: lint docs
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadscope

# The documentation site (API reference from the docstrings, one page per study, the guide, the
# command line), warnings as errors: a broken docstring fails `make test`.
docs:
	cd docs && $(abspath $(PY)) -m sphinx -q -E -b html -W --keep-going . _build/html
	@echo "docs: docs/_build/html/index.html"

lint:
	$(PY) -m ruff check nntheory studies tests benchmarks

$(STAMPS)/%.$(PROFILE).$(SEED_TAG): studies/%.py $(LIB)
	@mkdir -p $(STAMPS)
	$(NT) run $* --profile $(PROFILE) $(SEED_ARGS)
	@touch $@

# reports/<study>/ shows one (profile, seeds) at a time: its stamp is the only report stamp of
# the study, so switching profiles (or seeds) and back rebuilds the report.
$(STAMPS)/%.$(PROFILE).$(SEED_TAG).report: $(STAMPS)/%.$(PROFILE).$(SEED_TAG) $(REPORT_LIB)
	$(NT) report $* --profile $(PROFILE) $(SEED_ARGS)
	@rm -f $(STAMPS)/$*.*.report
	@touch $@

# Stamps are named as prerequisites (not left intermediate) so make never deletes them.
$(STUDIES): %: $(STAMPS)/%.$(PROFILE).$(SEED_TAG) $(STAMPS)/%.$(PROFILE).$(SEED_TAG).report

# (each `nntheory report STUDY` also rewrites reports/index.html)
quick: $(STUDIES:%=$(STAMPS)/%.$(PROFILE).$(SEED_TAG)) $(STUDIES:%=$(STAMPS)/%.$(PROFILE).$(SEED_TAG).report)
	@echo "reports: reports/index.html"

reports:
	$(NT) report --profile $(PROFILE) $(SEED_ARGS)

# The reports as a reader sees them: every page in headless Chromium (images load, nothing
# wider than the window), every link, every PDF page through pdftoppm (page budget, no text
# under 7 pt). Installs Debian's chromium and poppler-utils if they are missing.
check-reports:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null \
	  || { echo "installing chromium and poppler-utils"; \
	       apt-get update -qq && apt-get install -y -qq chromium poppler-utils; }
	$(PY) -m nntheory.report.check reports

claims:
	$(NT) claims --profile $(PROFILE) $(SEED_ARGS)

# Benchmarks against peers (PyTorch among them: installed here, not by `make install`).
bench:
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.run_all

clean:
	rm -rf results reports/index.html $(addprefix reports/,$(STUDIES))
