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

TMP := $(ROOT)/.tmp
COLLECTIONS_ROOT := $(TMP)/collections
COLLECTION_LINK := $(COLLECTIONS_ROOT)/ansible_collections/zilliz/cloud
DIST_DIR := $(TMP)/dist
INSTALL_DIR := $(TMP)/installed

# ansible-test's sanity venvs bootstrap pip from this cached script (file
# name fixed by ansible-core 2.19: pip 24.2). See tools/get_pip_standin.py.
GET_PIP_CACHE := $(HOME)/.ansible/test/cache/get_pip_24_2.py
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

.PHONY: help venv collection-link sanity-offline-setup sanity units support-tests integration integration-targets list-targets \
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
	"$(VENV_BIN)/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt $(QUIET_PIP)
	@touch "$@"

collection-link: ## Link .tmp/collections/ansible_collections/zilliz/cloud to the repo root
	@mkdir -p "$(dir $(COLLECTION_LINK))"
	@if [ "$$(readlink "$(COLLECTION_LINK)" 2>/dev/null)" != "$(ROOT)" ]; then \
		rm -rf "$(COLLECTION_LINK)"; \
		ln -s "$(ROOT)" "$(COLLECTION_LINK)"; \
		echo "linked $(COLLECTION_LINK) -> $(ROOT)"; \
	fi

sanity-offline-setup: ## Install the offline get-pip stand-in that ansible-test sanity needs
	@mkdir -p "$(dir $(GET_PIP_CACHE))"
	@if ! cmp -s tools/get_pip_standin.py "$(GET_PIP_CACHE)"; then \
		cp tools/get_pip_standin.py "$(GET_PIP_CACHE)"; \
		echo "installed $(GET_PIP_CACHE)"; \
	fi

# --------------------------------------------------------------------------
# Checks

# ansible-test finds the collection through ANSIBLE_TEST_CONTENT_ROOT: a cd
# into the symlink alone gives it the physical path (the repo root), which is
# not under ansible_collections/. No --venv/--docker: the controller is
# $(VENV)'s Python ("origin" host; --venv delegation re-resolves the symlink
# and fails). Each sanity test still gets its own virtual environment with
# its pinned requirements, installed from PyPI on the first run and reused
# from ~/.ansible/test/venv afterwards; --python $(SANITY_PYTHON) limits the
# per-Python tests (compile, import) to that version.
sanity: venv collection-link sanity-offline-setup ## ansible-test sanity, offline, Python 3.11 (SANITY_ARGS=... adds options)
	$(call banner,ansible-test sanity)
	cd "$(COLLECTION_LINK)" && \
		ANSIBLE_TEST_CONTENT_ROOT="$(COLLECTION_LINK)" \
		"$(VENV_BIN)/ansible-test" sanity --python $(SANITY_PYTHON) --color no $(SANITY_ARGS) $(QUIET_PIP)

units: venv collection-link ## pytest tests/unit
	$(call banner,unit tests)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/unit $(PYTEST_ARGS)

integration: venv collection-link ## pytest tests/integration (local Milvus servers)
	$(call banner,integration tests)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/integration $(PYTEST_ARGS)

support-tests: venv collection-link ## pytest tests/support_tests (the launcher, the fault proxy, the target runner, the model)
	$(call banner,test tools)
	PYTHONPATH="$(COLLECTIONS_ROOT)" $(ANSIBLE_ENV) \
		"$(VENV_BIN)/python" -m pytest -p no:cacheprovider tests/support_tests $(PYTEST_ARGS)

# ansible-test integration targets (tests/integration/targets): every target
# against one real Milvus 2.3.5, then the access targets against the model of
# newer servers (tools/milvus_model, docs/model.md) as each MODEL_PROFILES
# profile, one after the other (they share tests/output and the config file).
# tools/run_integration_targets.py starts and always stops each server.
# TARGETS=zilliz_user limits every run; MODEL_PROFILES= (empty) skips the
# model; INTEGRATION_ARGS=... adds ansible-test options.
ACCESS_TARGETS := zilliz_role zilliz_role_info zilliz_user zilliz_user_info cluster_users \
	zilliz_privilege_groups zilliz_role_dropped_database zilliz_alias_grants zilliz_user_name_chars zilliz_builtin_roles
MODEL_PROFILES ?= 2.5.27 2.6.18 zilliz-cloud

integration-targets: venv collection-link ## ansible-test integration: all targets on the real 2.3.5, access targets on the model (TARGETS=..., MODEL_PROFILES=...)
	$(call banner,ansible-test integration: real Milvus 2.3.5)
	@failed=""; \
	"$(VENV_BIN)/python" tools/run_integration_targets.py $(INTEGRATION_ARGS) $(TARGETS) || failed="$$failed real"; \
	for profile in $(MODEL_PROFILES); do \
		printf '\n==> ansible-test integration: model of %s\n' "$$profile"; \
		"$(VENV_BIN)/python" tools/run_integration_targets.py --server "model:$$profile" $(INTEGRATION_ARGS) \
			$(or $(TARGETS),$(ACCESS_TARGETS)) || failed="$$failed model:$$profile"; \
	done; \
	[ -z "$$failed" ] || { echo "integration-targets failed on:$$failed"; exit 1; }

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
	$(ANSIBLE_ENV) "$(VENV_BIN)/ansible-lint" --offline --profile production --nocolor roles/ playbooks/ tests/integration/targets/

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
	cd "$(COLLECTION_LINK)" && $(ANSIBLE_ENV) "$(VENV_BIN)/antsibull-docs" lint-collection-docs --plugin-docs .

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
install-test: build ## Install the tarball into .tmp/installed and run a playbook from it against a local Milvus
	$(call banner,install-test)
	rm -rf "$(INSTALL_DIR)"
	ANSIBLE_COLLECTIONS_PATH="$(INSTALL_DIR)" "$(VENV_BIN)/ansible-galaxy" collection install --offline -p "$(INSTALL_DIR)" --force "$(TARBALL)"
	@test -f "$(INSTALL_DIR)/ansible_collections/zilliz/cloud/MANIFEST.json"
	bash tools/install_smoke.sh "$(VENV_BIN)" "$(INSTALL_DIR)"

# The same smoke playbook, from the installed tarball, with the oldest
# supported ansible-core and pymilvus (requirements-compat.txt).
COMPAT_VENV := $(TMP)/compat-venv
COMPAT_STAMP := $(COMPAT_VENV)/.requirements.stamp

$(COMPAT_STAMP): requirements-compat.txt
	$(call banner,compat venv: $(COMPAT_VENV))
	@[ -x "$(COMPAT_VENV)/bin/python" ] || $(PYTHON) -m venv "$(COMPAT_VENV)"
	"$(COMPAT_VENV)/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-compat.txt $(QUIET_PIP)
	@touch "$@"

compat: venv $(COMPAT_STAMP) ## Run the installed tarball with ansible-core 2.16 and pymilvus 2.4
	@[ -f "$(INSTALL_DIR)/ansible_collections/zilliz/cloud/MANIFEST.json" ] || $(MAKE) install-test
	$(call banner,compat: ansible-core 2.16 + pymilvus 2.4)
	bash tools/install_smoke.sh "$(VENV_BIN)" "$(INSTALL_DIR)" "$(COMPAT_VENV)/bin"

# The protocol check (tools/check_pymilvus_protocol.py) with every supported
# pymilvus: 3.0 ($(VENV)), 2.4 (the compat venv) and the middle releases in
# small venvs of their own (pymilvus + ansible-core, from the pip cache after
# the first run). No server: 2.4 and 3.0 also run against one in
# install-test / compat.
PYMILVUS_MIDDLE_VERSIONS := 2.5.18 2.6.17
ANSIBLE_CORE_PIN = $(shell sed -n 's/^ansible-core==//p' requirements-dev.txt)

$(TMP)/pymilvus-%/.stamp: requirements-dev.txt
	$(call banner,venv: pymilvus $*)
	@[ -x "$(TMP)/pymilvus-$*/bin/python" ] || $(PYTHON) -m venv "$(TMP)/pymilvus-$*"
	"$(TMP)/pymilvus-$*/bin/python" -m pip install --quiet --disable-pip-version-check \
		"pymilvus==$*" "ansible-core==$(ANSIBLE_CORE_PIN)" 'setuptools<81' $(QUIET_PIP)
	@touch "$@"

pymilvus-versions: venv collection-link $(COMPAT_STAMP) $(foreach v,$(PYMILVUS_MIDDLE_VERSIONS),$(TMP)/pymilvus-$(v)/.stamp) ## The modules' protocol stubs and requests with pymilvus 2.4, 2.5, 2.6 and 3.0
	$(call banner,pymilvus versions)
	@for python in "$(COMPAT_VENV)/bin/python" $(foreach v,$(PYMILVUS_MIDDLE_VERSIONS),"$(TMP)/pymilvus-$(v)/bin/python") "$(VENV_BIN)/python"; do \
		"$$python" tools/check_pymilvus_protocol.py > "$(TMP)/pymilvus-check.log" 2>&1 || { cat "$(TMP)/pymilvus-check.log"; exit 1; }; \
		head -1 "$(TMP)/pymilvus-check.log"; tail -1 "$(TMP)/pymilvus-check.log"; \
	done

# --------------------------------------------------------------------------
# Aggregates

test: ## Everything CI runs
	@start=$$(date +%s); \
	for target in sanity units support-tests lint changelog-lint docs-check docs-lint docs-site install-test compat \
			pymilvus-versions integration-targets integration; do \
		t0=$$(date +%s); \
		$(MAKE) $$target || { echo "make test: $$target FAILED"; exit 1; }; \
		printf '    (%s: %ss)\n' "$$target" "$$(( $$(date +%s) - t0 ))"; \
	done; \
	printf '\nmake test: all targets passed in %ss\n' "$$(( $$(date +%s) - start ))"

demo: venv collection-link ## Run tools/demo.sh (local Milvus + playbooks)
	$(ANSIBLE_ENV) VENV="$(VENV_DIR)" bash tools/demo.sh

clean: ## Remove .tmp/, tests/output/ and caches (keeps .venv)
	rm -rf "$(TMP)" tests/output .pytest_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
