# The project's single vocabulary: people, hooks and CI use the same targets.
SHELL := /bin/bash
PY := .venv/bin/python
UV := python3 -m uv
PORT ?= 8900
SEED ?= 7
UI_PORT ?= 3000

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export RUNTIME__DLTHUB_TELEMETRY := false
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: setup run tour test serve truth bench lint clean ui pipeline

setup: .venv/.synced

# Bytecode is compiled at install: these machines set PYTHONDONTWRITEBYTECODE=1, so without it
# every process compiles each module it imports again (about 2.7 s for dlt, Dagster and pandas).
.venv/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --compile-bytecode
	@touch $@

run: setup superset-setup ## the main job on the embedded default: emulators, pipeline, playbooks, dashboards
	$(PY) -m orchestration.main --seed $(SEED)

tour: setup ## build the default world, serve it, read every vendor in full, write the truth
	$(PY) -m simulator.tour --seed $(SEED) --out data/truth

test: setup superset-setup chromium ## every test: unit, then integration against real servers on 127.0.0.1
	$(PY) -m pytest -q tests

serve: setup ## serve the vendor emulators on 127.0.0.1:$(PORT)
	.venv/bin/msp sim serve --seed $(SEED) --port $(PORT)

truth: setup ## write the ground truth of the default world to data/truth
	.venv/bin/msp sim truth --seed $(SEED) --out data/truth

ui: setup superset-import ## Superset and the Dagster UI on 127.0.0.1 (Ctrl-C stops Dagster; `make superset-stop` stops Superset)
	cd superset && .venv/bin/python -m superset_ops serve --port $(SUPERSET_PORT)
	@echo "Superset: http://127.0.0.1:$(SUPERSET_PORT)  user admin, password in data/superset/admin_password"
	$(PY) -m orchestration.run ui --port $(UI_PORT)

pipeline: setup ## run the whole Dagster job once against the configured vendor endpoints
	$(PY) -m orchestration.run pipeline --seed $(SEED)

bench: setup ## serving speed of every emulator
	$(PY) bench/bench_serve.py

.PHONY: bench-ingest
bench-ingest: setup ## ingestion speed per vendor: our sources against a hand-written floor and dlt
	$(PY) bench/bench_ingest.py

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

clean:
	rm -rf data/truth data/lake .pytest_cache

# Superset in its own environment (it needs SQLAlchemy < 2): superset/.venv, from the lock.
SUPERSET_PY := superset/.venv/bin/python
SUPERSET_PORT ?= 8088

.PHONY: superset-setup superset-lock superset-init superset-import superset-serve superset-stop chromium

superset-setup: superset/.venv/.synced ## Superset's own environment, from superset/requirements.lock

superset/.venv/.synced: superset/requirements.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	@test -x $(SUPERSET_PY) || $(UV) venv --quiet --python python3.11 superset/.venv
	$(UV) pip sync --quiet --compile-bytecode --python $(SUPERSET_PY) superset/requirements.lock
	@touch $@

superset-lock: ## recompile superset/requirements.lock after editing superset/requirements.in
	cd superset && $(UV) pip compile --quiet requirements.in -o requirements.lock --python-version 3.11

superset-init: superset-setup ## metadata DB, secret key and admin user under data/superset (once)
	cd superset && .venv/bin/python -m superset_ops init

superset-import: superset-init ## the dashboards in superset/assets, imported with overwrite
	cd superset && .venv/bin/python -m superset_ops import

superset-serve: superset-import ## Superset on 127.0.0.1:$(SUPERSET_PORT), in the background
	cd superset && .venv/bin/python -m superset_ops serve --port $(SUPERSET_PORT)

superset-stop: ## stop the Superset started by superset-serve
	cd superset && .venv/bin/python -m superset_ops stop

chromium: ## headless Chromium and its driver, for the dashboard screenshot test (Debian)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
		echo "warning: apt-get could not install chromium and chromium-driver (root on Debian" \
			"is needed); the Superset screenshot test will skip"
