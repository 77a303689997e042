"""The Veeam VSPC source against the emulator: real HTTP, real dlt, Parquet, real dbt, and the
staged job runs checked against the world's true backup runs."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest
import requests

from dlt_sources.lib import lake_pipeline, run_to_lake
from dlt_sources.veeam import veeam_source
from dlt_sources.veeam.helpers import VspcRetryPolicy, make_client, read_snapshot
from dlt_sources.veeam.settings import SNAPSHOT_ENDPOINTS
from simulator import truth
from simulator.server import running
from simulator.vendors import veeam as vv
from simulator.vendors import veeam_records as vr
from simulator.world import DAY, HOUR, WorldSpec
from tests.integration.pipeline import dbt_build

# The shared small world has a single Veeam job; this one has seven on ten backup servers.
VEEAM_WORLD = WorldSpec(seed=27, tenants=10, days=20, devices_per_tenant=30)
FAULTS = {"error_rate": 0.2, "rate_limit_every": 7, "truncate_rate": 0.1, "drift": True}
# Under this fault mix a 5xx burst can re-arm inside every gap between 429 storms, so one
# request may meet dozens of refusals in a row; the budget is raised to ride that out.
QUICK = {
    "max_attempts": 100,
    "backoff_seconds": 0.01,
    "max_wait_seconds": 0.02,
    "async_poll_seconds": 0,
}
JOBS = SNAPSHOT_ENDPOINTS["jobs"][0]
TABLES = ("companies", "backup_servers", "jobs", "protected_vms", "repositories", "active_alarms")


@pytest.fixture(scope="module")
def emulator():
    with running(VEEAM_WORLD) as served:
        yield served


@pytest.fixture(scope="module")
def veeam_env(emulator):
    """Point the source at the emulator through the same variables production uses."""
    base_url, state = emulator
    patch = pytest.MonkeyPatch()
    for key, value in {
        "BASE_URL": base_url + vv.PREFIX,
        "USERNAME": vv.USERNAME,
        "PASSWORD": vv.PASSWORD,
    }.items():
        patch.setenv(f"SOURCES__VEEAM__{key}", value)
    yield base_url, state
    patch.undo()


def local_pipeline(tmp: Path) -> dlt.Pipeline:
    return lake_pipeline(
        "veeam", bucket_url=(tmp / "lake").as_uri(), pipelines_dir=str(tmp / "dlt")
    )


def lake_sql(tmp: Path, table: str, query: str) -> list[tuple]:
    files = tmp / "lake" / "veeam" / table / "*.parquet"
    return duckdb.sql(query.replace("LAKE", f"read_parquet('{files}')")).fetchall()


def world_uids(state) -> dict[str, set[str]]:
    """Every record each list should hold now, worked out from the world."""
    with state.lock:
        return {
            name: {r["instanceUid"] for r in render(state).records}
            for name, render in {
                "companies": lambda s: vr.render_companies(s, False),
                "backup_servers": vr.render_backup_servers,
                "jobs": vr.render_jobs,
                "protected_vms": vr.render_vms,
                "repositories": lambda s: vr.render_repositories(s, False),
                "active_alarms": vr.render_alarms,
            }.items()
        }


def per_load(tmp: Path, table: str) -> list[tuple]:
    return lake_sql(
        tmp,
        table,
        "select _dlt_load_id, count(*), count(distinct instance_uid) "
        "from LAKE group by all order by 1",
    )


def test_first_run_lands_one_whole_snapshot_per_resource(veeam_env, tmp_path):
    _, state = veeam_env
    expected = world_uids(state)

    rows = run_to_lake(local_pipeline(tmp_path), veeam_source())

    assert rows == {**{name: len(uids) for name, uids in expected.items()}, "snapshots": 6}
    for name, uids in expected.items():
        assert {u for (u,) in lake_sql(tmp_path, name, "select instance_uid from LAKE")} == uids
    snapshots = lake_sql(tmp_path, "snapshots", "select resource, records, scans from LAKE")
    assert sorted(snapshots) == sorted((n, len(u), 1) for n, u in expected.items())
    kinds = lake_sql(
        tmp_path,
        "jobs",
        "select typeof(last_session_tasks[1].endTime), typeof(_loaded_at) from LAKE limit 1",
    )
    assert kinds == [("VARCHAR", "TIMESTAMP WITH TIME ZONE")]


def test_expired_token_is_refreshed_not_fatal(veeam_env, caplog):
    base_url, state = veeam_env
    client = make_client(
        base_url + vv.PREFIX,
        vv.USERNAME,
        vv.PASSWORD,
        None,
        VspcRetryPolicy(backoff_seconds=0.01),
        None,
    )
    first = read_snapshot(client, JOBS, None, 500)
    requests.post(f"{base_url}/_sim/advance?hours=2", timeout=10).raise_for_status()
    since = state.log[-1]["seq"]

    with caplog.at_level(logging.INFO, logger="dlt_sources.veeam.helpers"):
        second = read_snapshot(client, JOBS, None, 500)

    calls = [
        (r["path"].removeprefix(vv.PREFIX), r["status"]) for r in state.log if r["seq"] > since
    ]
    assert calls[:3] == [(JOBS, 401), ("/token", 200), (JOBS, 200)]
    assert client.auth.renewals == 1
    assert any("renewed with the refresh token" in m for m in caplog.messages)
    assert {r["instanceUid"] for r in second.records} == {r["instanceUid"] for r in first.records}


def test_asynchronous_answers_are_polled_then_read(veeam_env, tmp_path):
    _, state = veeam_env
    expected = world_uids(state)
    since = state.log[-1]["seq"]

    rows = run_to_lake(
        local_pipeline(tmp_path), veeam_source(extra_headers={"X-Sim-Async": "1"}, **QUICK)
    )

    assert {n: rows[n] for n in TABLES} == {n: len(u) for n, u in expected.items()}
    log = [r for r in state.log if r["seq"] > since]
    lists = [r for r in log if r["status"] == 202]
    results = [r for r in log if r["path"].endswith("/result") and r["status"] == 200]
    polls = [r for r in log if "/asyncActions/" in r["path"] and not r["path"].endswith("/result")]
    assert len(lists) == len(results) == len(TABLES)
    assert len(polls) == 2 * len(TABLES)  # running, then succeed


def test_faults_leave_each_snapshot_whole(veeam_env, tmp_path, caplog):
    _, state = veeam_env
    pipeline = local_pipeline(tmp_path)
    since = state.log[-1]["seq"]
    state.set_faults("veeam", FAULTS)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(2):
                run_to_lake(pipeline, veeam_source(page_size=3, **QUICK))
    finally:
        state.set_faults("veeam", {})

    statuses = Counter(r["status"] for r in state.log if r["seq"] > since)
    assert statuses[520] >= 3 and statuses[429] >= 5
    assert sum("unparseable body" in m for m in caplog.messages) >= 1
    touched = [d for d in state.world.devices if d.touched_at.get("veeam")]
    assert touched  # drift really moved VMs while they were paged
    expected = world_uids(state)
    for name, uids in expected.items():
        loads = per_load(tmp_path, name)
        assert [(n, d) for _, n, d in loads] == [(len(uids), len(uids))] * 2, name
        latest = lake_sql(
            tmp_path,
            name,
            "select instance_uid from LAKE where _dlt_load_id = "
            "(select max(_dlt_load_id) from LAKE)",
        )
        assert {u for (u,) in latest} == uids, name


STAGED_RUNS = """
    select w.workload_uid, r.run_date, r.status, epoch(r.ended_at)::bigint
    from staging.stg_veeam__job_task_runs as r
    inner join staging.stg_veeam__protected_workloads as w on r.object_uid = w.object_uid
"""


def test_staged_job_runs_equal_the_true_backup_runs(veeam_env, tmp_path):
    base_url, state = veeam_env
    pipeline = local_pipeline(tmp_path)
    # Sync daily at 06:00 UTC, after the nightly backup window (22:00 to about 02:30).
    to_six = (6 * HOUR - state.world.clock % DAY) % DAY or DAY
    requests.post(f"{base_url}/_sim/advance?seconds={to_six}", timeout=10).raise_for_status()
    first_day = datetime.fromtimestamp(state.world.clock, UTC).date()
    for hop in range(4):
        if hop:
            requests.post(f"{base_url}/_sim/advance?hours=24", timeout=10).raise_for_status()
        run_to_lake(pipeline, veeam_source())
    last_day = datetime.fromtimestamp(state.world.clock, UTC).date()
    warehouse = tmp_path / "warehouse.duckdb"

    result = dbt_build(tmp_path / "lake", warehouse, "staging.veeam")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        staged_rows = con.sql(STAGED_RUNS).fetchall()
    with state.lock:
        coverage = {
            r["record_id"]: r["device_key"]
            for r in truth.backup_coverage(state.world).to_pylist()
            if r["product"] == "veeam"
        }
        true_rows = [
            r for r in truth.backup_runs(state.world).to_pylist() if r["product"] == "veeam"
        ]
    # Each 06:00 sync sees the night before whole; a UTC day is observed once both the night
    # that ends on it and the night that starts on it were seen.
    observed = {first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)}
    staged = Counter((coverage[w], d, s, e) for w, d, s, e in staged_rows if d in observed)
    expected = Counter(
        (r["device_key"], r["run_date"], r["status"], r["ended_at"])
        for r in true_rows
        if r["run_date"] in observed
    )
    mismatches = (staged - expected) + (expected - staged)
    print(
        f"\nveeam: {sum(expected.values())} true runs on {len(observed)} observed days, "
        f"{sum(staged.values())} staged, mismatches = {sum(mismatches.values())}"
    )
    assert sum(expected.values()) >= 20 * (len(observed) - 1)  # 20 VMs; the last day is partial
    assert not mismatches
