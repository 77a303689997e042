"""`make run`: the main job on the embedded default, end to end, then a short summary.

Serves the default world (unless an emulator already answers), runs the whole Dagster job,
runs the playbooks, imports the dashboards into Superset, prints what happened and the URLs
to open, and stops the emulator it started. The emulator keeps a journal under the data
folder, so a second `make run` meets the same vendors (tickets it created included): the
second run is incremental and creates no duplicate ticket.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager

import duckdb
import httpx
import pyarrow.parquet as pq

from orchestration.environment import DEFAULT_EMULATOR_URL, PROJECT_ROOT, Environment

SUPERSET_DIR = PROJECT_ROOT / "superset"


@contextmanager
def emulator(env: Environment, seed: int, base_url: str):
    """The emulator at `base_url`: the one already there, or one started here and stopped after."""
    from simulator.server import answers, serving_process
    from simulator.world import WorldSpec

    if answers(base_url):
        print(f"Using the emulator already serving at {base_url}")
        yield base_url
        return
    journal = env.data_dir / "emulator" / f"journal-seed{seed}.jsonl"
    port = int(base_url.rsplit(":", 1)[1])
    with serving_process(WorldSpec(seed=seed), port=port, journal=journal) as served:
        yield served


def run_job(env: Environment):
    import dagster as dg

    from orchestration.definitions import FULL_PIPELINE, build_definitions
    from orchestration.transform import prepare

    os.environ["DAGSTER_HOME"] = str(env.prepare_dagster_home())
    prepare(env, force=True)
    defs = build_definitions(env)
    with dg.DagsterInstance.get() as instance:
        return defs.resolve_job_def(FULL_PIPELINE).execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )


def run_playbooks(env: Environment):
    from actions.config import load_settings
    from actions.log import ActionLog
    from actions.runner import action_log_path, run_playbooks

    return run_playbooks(
        env.serving_path,
        ActionLog(action_log_path(env.data_dir)),
        load_settings(env.name),
        decided_by="make run",
    )


def import_dashboards() -> None:
    python = SUPERSET_DIR / ".venv" / "bin" / "python"
    for step in ("init", "import"):
        subprocess.run([str(python), "-m", "superset_ops", step], cwd=SUPERSET_DIR, check=True)


def identity_figures(env: Environment, base_url: str) -> str:
    """Identity resolution scored against the emulator's ground truth."""
    from checks.identity import score

    answer = httpx.get(f"{base_url}/_sim/truth/device_identities", timeout=60)
    answer.raise_for_status()
    truth = pq.read_table(io.BytesIO(answer.content))
    with duckdb.connect(str(env.serving_path), read_only=True) as con:
        resolved = con.sql(
            "select vendor, record_id, device_id from marts.dim_device_records"
        ).arrow()
    return str(score(resolved, truth))


def mart_rows(env: Environment) -> dict[str, int]:
    with duckdb.connect(str(env.serving_path), read_only=True) as con:
        names = [
            n
            for (n,) in con.sql(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {n: con.sql(f"select count(*) from marts.{n}").fetchone()[0] for n in names}


def summary(env: Environment, result, report, base_url: str, seconds: float) -> None:
    from orchestration.quality import raw_quality_summary

    rows = mart_rows(env)
    checks = result.get_asset_check_evaluations()
    failed = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    print("\n=== MSPAlwaysOn: the main job on the embedded default ===")
    print(f"pipeline {'succeeded' if result.success else 'FAILED'} in {seconds:.0f} s")
    print(f"tenants {rows.get('dim_tenants', 0)}, devices {rows.get('dim_devices', 0)}")
    print("rows per mart: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
    print(
        f"data quality: {len(checks) - len(failed)}/{len(checks)} asset checks passed "
        "(dbt tests and Great Expectations suites)" + (f"; failed: {failed}" if failed else "")
    )
    print(raw_quality_summary(checks))
    print(identity_figures(env, base_url))
    if report is not None:
        outcomes = {}
        for step in report.steps:
            outcomes[step.outcome] = outcomes.get(step.outcome, 0) + 1
        print(
            "actions: "
            + (", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none due")
            + " (`.venv/bin/msp actions list` shows them)"
        )
    password = env.data_dir / "superset" / "admin_password"
    print(
        "open: `make ui`, then Dagster http://127.0.0.1:3000 and Superset "
        f"http://127.0.0.1:8088 (user admin, password in {password})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.main", description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-superset", action="store_true")
    args = parser.parse_args()

    env = Environment.from_env()
    base_url = os.environ.setdefault("MSP_EMULATOR_URL", DEFAULT_EMULATOR_URL)
    started = time.perf_counter()
    with ExitStack() as stack:
        stack.enter_context(emulator(env, args.seed, base_url))
        env.export()
        result = run_job(env)
        seconds = time.perf_counter() - started
        report = run_playbooks(env) if result.success else None
        if not args.skip_superset:
            import_dashboards()
        summary(env, result, report, base_url, seconds)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
