"""Running the real Dagster job from tests: a temporary data folder, vendors pointed at an
emulator, the whole graph executed in-process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from orchestration.definitions import FULL_PIPELINE, build_definitions
from orchestration.environment import Environment, point_at_emulator

FAST_RETRIES = {"MAX_ATTEMPTS": "200", "BACKOFF_SECONDS": "0.02", "MAX_WAIT_SECONDS": "0.2"}
VENDORS = ("connectwise", "sentinelone", "auvik", "veeam", "cove")


@contextlib.contextmanager
def pipeline_environment(base_url: str, data_dir: str, **extra: str) -> Iterator[Environment]:
    """Environment variables for one pipeline, restored afterwards."""
    saved = dict(os.environ)
    for name in ("DESTINATION__FILESYSTEM__BUCKET_URL", "MSP_DBT_TARGET", "MSP_VENDORS"):
        os.environ.pop(name, None)
    os.environ.update(MSP_ENV="ci", MSP_DATA_DIR=data_dir, **extra)
    for vendor in VENDORS:  # faults in tests should cost retries, not minutes of waiting
        for key, value in FAST_RETRIES.items():
            os.environ[f"SOURCES__{vendor.upper()}__{key}"] = value
    point_at_emulator(base_url)
    try:
        yield Environment.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_full_job(env: Environment) -> tuple[dg.Definitions, dg.ExecuteInProcessResult, float]:
    started = time.perf_counter()
    defs = build_definitions(env)
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def(FULL_PIPELINE).execute_in_process(
            instance=instance, raise_on_error=False
        )
    return defs, result, time.perf_counter() - started


def failed_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    return [event.step_key for event in result.all_events if event.is_step_failure]


def dbt_build(lake: Path, warehouse: Path, selector: str) -> subprocess.CompletedProcess:
    """`dbt build --select <selector>` over a lake folder into a warehouse file, its artifacts
    beside the warehouse so the project's own target folder stays untouched."""
    project = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "MSP_LAKE_URL": str(lake),
        "MSP_WAREHOUSE_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
    }
    scratch = warehouse.parent
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--profiles-dir",
            ".",
            "--select",
            selector,
            "--target-path",
            str(scratch / "dbt_target"),
            "--log-path",
            str(scratch / "dbt_logs"),
        ],
        cwd=project / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


NOISY_FAULTS = {"error_rate": 0.2, "rate_limit_every": 7, "truncate_rate": 0.1, "drift": True}
# The storm refuses five answers in seven and bursts add more: 100 tries make giving up
# vanishingly unlikely, as a real run with minute-long waits would be.
PATIENT_SOURCE = {
    "page_size": 10,
    "backoff_seconds": 0.01,
    "max_wait_seconds": 0.05,
    "max_attempts": 100,
}


def run_under_faults(state, vendor: str, pipeline, source) -> list[int]:
    """Run `source` into `pipeline` with the noisy fault mix on; the statuses answered."""
    since = state.log[-1]["seq"] if state.log else 0
    state.set_faults(vendor, NOISY_FAULTS)
    try:
        from dlt_sources.lib import run_to_lake

        run_to_lake(pipeline, source)
    finally:
        state.set_faults(vendor, {})
    return [r["status"] for r in state.log if r["seq"] > since]


def storm_waits(state, vendor: str, client, path: str, **params) -> tuple[list, list[float]]:
    """Page `path` through `client` while the emulator answers a storm of five refusals, with a
    Retry-After of 2 s on the first, third and fifth; returns the pages and the waits taken."""
    waits: list[float] = []
    client.sleep = waits.append
    state.set_faults(
        vendor, {"rate_limit_every": state.vendors[vendor].requests + 1, "rate_limit_storm": 5}
    )
    try:
        pages = list(client.paginate(path, params=params or None))
    finally:
        state.set_faults(vendor, {})
    return pages, waits
