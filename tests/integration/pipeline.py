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
