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

.PHONY: setup run test serve truth bench lint clean ui pipeline

setup: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen
	@touch $@

run: setup ## build the default world, serve it, read every vendor in full, write the truth
	$(PY) -m simulator.tour --seed $(SEED) --out data/truth

test: setup ## every test: unit, then integration against real servers on 127.0.0.1
	$(PY) -m pytest -q tests

serve: setup ## serve the vendor emulators on 127.0.0.1:$(PORT)
	.venv/bin/msp sim serve --seed $(SEED) --port $(PORT)

truth: setup ## write the ground truth of the default world to data/truth
	.venv/bin/msp sim truth --seed $(SEED) --out data/truth

ui: setup ## the Dagster UI on 127.0.0.1:$(UI_PORT) (vendors: `make serve` or SOURCES__*)
	$(PY) -m orchestration.run ui --port $(UI_PORT)

pipeline: setup ## run the whole Dagster job once against the configured vendor endpoints
	$(PY) -m orchestration.run pipeline --seed $(SEED)

bench: setup ## serving speed of every emulator
	$(PY) bench/bench_serve.py

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

clean:
	rm -rf data/truth data/lake .pytest_cache
