"""The Cove source against the emulator: real HTTP, real dlt, Parquet, real dbt, and the staged
sessions checked against the world's true backup runs."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest
import requests

from dlt_sources.cove import cove_source
from dlt_sources.cove.helpers import (
    CoveLoginError,
    CoveQueryError,
    make_client,
    read_account_statistics,
)
from dlt_sources.lib import RetryPolicy, lake_pipeline, run_to_lake
from simulator import truth
from simulator.vendors import cove as cv
from simulator.world import DAY, HOUR
from tests.integration.pipeline import dbt_build

FAULTS = {"error_rate": 0.2, "rate_limit_every": 7, "truncate_rate": 0.1, "drift": True}
# Under this fault mix a 5xx burst can re-arm inside every gap between 429 storms, so one
# request may meet dozens of refusals in a row; the budget is raised to ride that out.
QUICK = {"max_attempts": 100, "backoff_seconds": 0.01, "max_wait_seconds": 0.02}


@pytest.fixture(scope="module")
def cove_env(emulator):
    """Point the source at the emulator through the same variables production uses."""
    base_url, state = emulator
    patch = pytest.MonkeyPatch()
    for key, value in {
        "BASE_URL": base_url + cv.PREFIX,
        "PARTNER": cv.PARTNER,
        "USERNAME": cv.USERNAME,
        "PASSWORD": cv.PASSWORD,
    }.items():
        patch.setenv(f"SOURCES__COVE__{key}", value)
    yield base_url, state
    patch.undo()


def local_pipeline(tmp: Path) -> dlt.Pipeline:
    return lake_pipeline("cove", bucket_url=(tmp / "lake").as_uri(), pipelines_dir=str(tmp / "dlt"))


def lake_sql(tmp: Path, table: str, query: str) -> list[tuple]:
    files = tmp / "lake" / "cove" / table / "*.parquet"
    return duckdb.sql(query.replace("LAKE", f"read_parquet('{files}')")).fetchall()


def world_accounts(state) -> dict[int, object]:
    w = state.world
    return {
        d.cove_account_id: d
        for d in w.devices
        if d.cove_account_id is not None and d.created_at <= w.clock
    }


def client_for(base_url: str, password: str = cv.PASSWORD):
    return make_client(
        base_url + cv.PREFIX, cv.PARTNER, cv.USERNAME, password, RetryPolicy(backoff_seconds=0.01)
    )


def test_first_run_lands_one_whole_snapshot(cove_env, tmp_path):
    _, state = cove_env
    accounts = world_accounts(state)

    rows = run_to_lake(local_pipeline(tmp_path), cove_source())

    assert rows == {
        "partners": len(state.world.tenants),
        "account_statistics": len(accounts),
        "snapshots": 2,
    }
    landed = lake_sql(
        tmp_path,
        "account_statistics",
        "select account_id, device_name, computer_name, customer_name, os_type from LAKE",
    )
    assert sorted(landed) == sorted(
        (
            i,
            d.hostname.lower(),
            d.hostname,
            d.tenant.name_in("cove"),
            "2" if d.kind == "server" else "1",
        )
        for i, d in accounts.items()
    )
    partners = lake_sql(tmp_path, "partners", "select id from LAKE")
    assert sorted(p for (p,) in partners) == sorted(t.cove_partner_id for t in state.world.tenants)


def test_visa_is_renewed_after_it_expires(cove_env, caplog):
    base_url, state = cove_env
    client = client_for(base_url)
    first = read_account_statistics(client, 500)
    visa = client.visa
    requests.post(f"{base_url}/_sim/advance?hours=1", timeout=10).raise_for_status()
    since = state.log[-1]["seq"]

    with caplog.at_level(logging.INFO, logger="dlt_sources.cove.helpers"):
        second = read_account_statistics(client, 500)

    assert client.logins == 2 and client.visa != visa
    assert any("logging in again" in m for m in caplog.messages)
    assert len([r for r in state.log if r["seq"] > since]) == 3  # refused, Login, the page
    assert [r["account_id"] for r in second.records] == [r["account_id"] for r in first.records]


def test_json_rpc_errors_become_clear_exceptions(cove_env):
    base_url, _ = cove_env
    with pytest.raises(CoveLoginError, match="Login failed"):
        client_for(base_url, password="wrong").login()
    client = client_for(base_url)
    with pytest.raises(CoveQueryError, match="unknown column code 'ZZ9'"):
        client.call(
            "EnumerateAccountStatistics",
            {"query": {"PartnerId": cv.ROOT_PARTNER_ID, "Columns": ["ZZ9"]}},
        )


def test_faults_leave_each_snapshot_whole(cove_env, tmp_path, caplog):
    _, state = cove_env
    pipeline = local_pipeline(tmp_path)
    since = state.log[-1]["seq"]
    state.set_faults("cove", FAULTS)
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(2):
                run_to_lake(pipeline, cove_source(page_size=5, **QUICK))
    finally:
        state.set_faults("cove", {})

    statuses = Counter(r["status"] for r in state.log if r["seq"] > since)
    assert statuses[500] >= 3 and statuses[429] >= 5
    assert sum("unparseable body" in m for m in caplog.messages) >= 1
    assert [d for d in state.world.devices if d.touched_at.get("cove")]  # drift happened
    accounts = world_accounts(state)
    loads = lake_sql(
        tmp_path,
        "account_statistics",
        "select count(*), count(distinct "
        "account_id), list(account_id order by account_id) from LAKE group by "
        "_dlt_load_id",
    )
    assert [(n, d, ids) for n, d, ids in loads] == [
        (len(accounts), len(accounts), sorted(accounts))
    ] * 2


def test_staged_sessions_equal_the_true_backup_runs(cove_env, tmp_path):
    base_url, state = cove_env
    pipeline = local_pipeline(tmp_path)
    # Sync daily at 06:00 UTC, after the nightly backup window (22:00 to about 02:30).
    to_six = (6 * HOUR - state.world.clock % DAY) % DAY or DAY
    requests.post(f"{base_url}/_sim/advance?seconds={to_six}", timeout=10).raise_for_status()
    first_day = datetime.fromtimestamp(state.world.clock, UTC).date()
    for hop in range(3):
        if hop:
            requests.post(f"{base_url}/_sim/advance?hours=24", timeout=10).raise_for_status()
        run_to_lake(pipeline, cove_source())
    last_day = datetime.fromtimestamp(state.world.clock, UTC).date()
    warehouse = tmp_path / "warehouse.duckdb"

    result = dbt_build(tmp_path / "lake", warehouse, "staging.cove")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        staged_rows = con.sql(
            "select account_id, run_date, status, epoch(ended_at)::bigint "
            "from staging.stg_cove__device_sessions"
        ).fetchall()
    with state.lock:
        coverage = {
            r["record_id"]: r["device_key"]
            for r in truth.backup_coverage(state.world).to_pylist()
            if r["product"] == "cove"
        }
        true_rows = [
            r for r in truth.backup_runs(state.world).to_pylist() if r["product"] == "cove"
        ]
    window = first_day - timedelta(days=27)  # the first colour bar's oldest day
    staged, true = defaultdict(list), defaultdict(list)
    for account, day, status, ended in staged_rows:
        if day >= window:
            staged[(coverage[str(account)], day)].append((ended or 0, status))
    for r in true_rows:
        if r["run_date"] >= window:
            true[(r["device_key"], r["run_date"])].append((r["ended_at"], r["status"]))

    # Every (device, day) with a session, and the result of the day's last session, from the
    # 28-day colour bar; whole days from the daily snapshots.
    assert set(staged) == set(true)
    last_status_off = [k for k in true if max(staged[k])[1] != max(true[k])[1]]
    synced = [k for k in true if k[1] >= first_day]
    synced_off = [k for k in synced if sorted(staged[k]) != sorted(true[k])]
    unseen = sum(len(true[k]) - len(staged[k]) for k in true if k[1] < first_day)
    print(
        f"\ncove: {sum(map(len, true.values()))} true sessions on {len(true)} device-days "
        f"from {window} to {last_day}; last-status mismatches = {len(last_status_off)}; "
        f"{sum(len(true[k]) for k in synced)} sessions on {len(synced)} synced device-days, "
        f"mismatches = {len(synced_off)}; earlier second sessions of a day not in any bar "
        f"= {unseen}"
    )
    assert len(true) > 20 * 28 and len(synced) > 2 * 30  # 41 devices, some newer than the bar
    assert not last_status_off and not synced_off
    assert all(len(staged[k]) in (1, len(true[k])) for k in true)
