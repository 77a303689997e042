"""The Auvik source against the emulator: real HTTP, real dlt, Parquet read by DuckDB, the
403 that means "rate limit" told apart from a real refusal, then the real dbt staging models."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import pytest
import requests
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.auvik import auvik_source
from dlt_sources.auvik.helpers import is_rate_limit, make_client
from dlt_sources.lib import ApiError, RetryPolicy, lake_pipeline, run_to_lake
from simulator.server import running
from simulator.vendors import auvik as av
from simulator.vendors import auvik_render as render
from simulator.world import WorldSpec
from tests.integration.pipeline import PATIENT_SOURCE, dbt_build, run_under_faults, storm_waits

LAG = 900
LOOKBACK_HOURS = 72
DEVICES_PATH = av.PREFIX + "/inventory/device/info"
ALERTS_PATH = av.PREFIX + "/alert/history/info"


# The shared small world, but a seed in which a device Auvik lists now is deleted about 60
# hours later, so that staging can be seen learning of a delete from the live-id snapshot.
DELETES_AHEAD = WorldSpec(seed=24, tenants=4, days=20, devices_per_tenant=30)


@pytest.fixture(scope="module")
def av_env():
    """Serve the world and point the source at it through the variables production uses."""
    with running(DELETES_AHEAD) as (base_url, state):
        yield from configured(base_url, state)


def configured(base_url: str, state):
    patch = pytest.MonkeyPatch()
    for key, value in {
        "BASE_URL": base_url + av.PREFIX,
        "USERNAME": av.USERNAME,
        "API_KEY": av.API_KEY,
        "LAG_SECONDS": str(LAG),
        "ALERT_LOOKBACK_HOURS": str(LOOKBACK_HOURS),
    }.items():
        patch.setenv(f"SOURCES__AUVIK__{key}", value)
    patch.delenv("DESTINATION__FILESYSTEM__BUCKET_URL", raising=False)
    try:
        yield base_url, state
    finally:
        patch.undo()


def local_pipeline(tmp: Path) -> dlt.Pipeline:
    return lake_pipeline(
        "auvik", bucket_url=(tmp / "lake").as_uri(), pipelines_dir=str(tmp / "dlt")
    )


def lake_sql(tmp: Path, table: str, query: str) -> list[tuple]:
    files = tmp / "lake" / "auvik" / table / "*.parquet"
    return duckdb.sql(query.replace("LAKE", f"read_parquet('{files}')")).fetchall()


def world_devices(state) -> dict[str, object]:
    """Auvik device id -> the world's device, for every device Auvik lists now."""
    clock = state.world.clock
    return {d.auvik_device_id: d for d in state.world.devices if render.visible_in_auvik(d, clock)}


def world_alerts(state) -> dict[str, str]:
    """Alert id -> its status as Auvik shows it now."""
    clock = state.world.clock
    return {
        a.id: "resolved" if a.resolved_at is not None and a.resolved_at <= clock else "created"
        for a in state.world.alerts
        if a.detected_at <= clock
    }


def world_counts(state) -> dict[str, int]:
    devices = world_devices(state)
    return {
        "tenants": len(state.world.tenants) + 1,  # the MSP's own multiClient tenant too
        "devices": len(devices),
        "live_device_ids": len(devices),
        "interfaces": sum(len(render.INTERFACES[d.kind]) for d in devices.values()),
        "alerts": len(world_alerts(state)),
    }


def api_stamps(state, interfaces: bool = False) -> dict[str, str]:
    """Device (or interface) id -> lastModified as the API shows it now."""
    with state.lock:
        records = render.render_inventory(state, "", interfaces=interfaces).records
    return {r["id"]: r["attributes"]["lastModified"] for r in records}


def requests_since(state, since: int, path: str) -> list[dict]:
    return [r for r in state.log if r["seq"] > since and r["path"] == path]


def milli(moment) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def test_first_run_lands_every_record_once(av_env, tmp_path):
    _, state = av_env
    expected = world_counts(state)

    rows = run_to_lake(local_pipeline(tmp_path), auvik_source())

    assert rows == expected
    for table, count in expected.items():
        assert lake_sql(tmp_path, table, "select count(*), count(distinct id) from LAKE") == [
            (count, count)
        ], table
    assert {i for (i,) in lake_sql(tmp_path, "devices", "select id from LAKE")} == set(
        world_devices(state)
    )
    assert dict(lake_sql(tmp_path, "alerts", "select id, attributes.status from LAKE")) == (
        world_alerts(state)
    )
    kinds = lake_sql(
        tmp_path,
        "devices",
        "select typeof(attributes.ipAddresses), "
        "typeof(last_modified_at), count(distinct _dlt_load_id) from LAKE "
        "group by all",
    )
    assert kinds == [("VARCHAR[]", "TIMESTAMP WITH TIME ZONE", 1)]


def test_second_run_fetches_only_what_changed(av_env, tmp_path):
    base_url, state = av_env
    pipeline = local_pipeline(tmp_path)
    run_to_lake(pipeline, auvik_source())
    [(device_cursor,)] = lake_sql(tmp_path, "devices", "select max(last_modified_at) from LAKE")
    [(alert_cursor,)] = lake_sql(tmp_path, "alerts", "select max(detected_at) from LAKE")
    total_devices = len(world_devices(state))
    requests.post(f"{base_url}/_sim/advance?hours=6", timeout=10).raise_for_status()
    since = state.log[-1]["seq"]

    run_to_lake(pipeline, auvik_source())

    start = milli(device_cursor - timedelta(seconds=LAG))
    calls = requests_since(state, since, DEVICES_PATH)
    assert [parse_qs(c["query"]) for c in calls] == [
        {"page[first]": ["1000"], "filter[modifiedAfter]": [start]},
        {"page[first]": ["1000"]},
    ]
    changed = {i for i, stamp in api_stamps(state).items() if stamp > start}
    assert calls[0]["records"] == len(changed)
    assert 0 < len(changed) < total_devices / 4
    assert calls[1]["records"] == total_devices  # the live-id snapshot
    window = milli(alert_cursor - timedelta(hours=LOOKBACK_HOURS))
    [alert_call] = requests_since(state, since, ALERTS_PATH)
    assert parse_qs(alert_call["query"])["filter[detectedTimeAfter]"] == [window]
    in_window = {
        a.id
        for a in state.world.alerts
        if window < render.ts(a.detected_at) and a.detected_at <= state.world.clock
    }
    assert alert_call["records"] == len(in_window) < len(world_alerts(state)) / 2
    second_load = lake_sql(
        tmp_path,
        "devices",
        "select id from LAKE where _dlt_load_id = (select max(_dlt_load_id) from LAKE)",
    )
    assert sorted(i for (i,) in second_load) == sorted(changed)


def test_faults_and_throttling_403s_lose_nothing_and_double_nothing(av_env, tmp_path, caplog):
    _, state = av_env
    pipeline = local_pipeline(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dlt_sources.lib.http"):
        statuses = run_under_faults(state, av.NAME, pipeline, auvik_source(**PATIENT_SOURCE))
    assert statuses.count(500) >= 3 and statuses.count(403) >= 5
    assert sum("HTTP 403 (throttled)" in m for m in caplog.messages) == statuses.count(403)
    assert sum("unparseable body" in m for m in caplog.messages) >= 1
    expected = {
        "devices": set(world_devices(state)),
        "live_device_ids": set(world_devices(state)),
        "interfaces": set(api_stamps(state, interfaces=True)),
        "alerts": set(world_alerts(state)),
        "tenants": {t.auvik_tenant_id for t in state.world.tenants} | {av.msp_id(state.world)},
    }
    for table, ids in expected.items():
        assert lake_sql(tmp_path, table, "select count(*) = count(distinct id) from LAKE") == [
            (True,)
        ], table
        assert {i for (i,) in lake_sql(tmp_path, table, "select id from LAKE")} == ids, table


def test_a_real_403_fails_at_once_with_a_clear_message(av_env, tmp_path):
    _, state = av_env
    since = state.log[-1]["seq"]
    source = auvik_source(tenant_domain_prefix="someone-elses-msp").with_resources("tenants")

    with pytest.raises(PipelineStepFailed) as failed:
        run_to_lake(local_pipeline(tmp_path), source)

    cause = failed.value.__context__
    while cause is not None and not isinstance(cause, ApiError):
        cause = cause.__context__
    assert isinstance(cause, ApiError)
    assert "answered 403" in str(cause) and "no access to tenant 'someone-elses-msp'" in str(cause)
    assert [r["status"] for r in state.log if r["seq"] > since] == [403]


def test_throttle_predicate_reads_the_error_text():
    def answer(status: int, detail: str) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        body = {"errors": [{"status": str(status), "detail": detail}]}
        response._content = json.dumps(body).encode()
        return response

    assert is_rate_limit(answer(403, "API Rate Limit exceeded; wait"))
    assert not is_rate_limit(answer(403, "no access to tenant 'x'"))
    assert not is_rate_limit(answer(400, "rate limit"))


def test_throttle_storm_waits_as_hinted(av_env):
    base_url, state = av_env
    client = make_client(
        base_url + av.PREFIX,
        av.USERNAME,
        av.API_KEY,
        RetryPolicy(max_attempts=8, backoff_seconds=0.1),
    )
    pages, waits = storm_waits(state, av.NAME, client, "/tenants")

    assert [len(p["data"]) for p in pages] == [len(state.world.tenants) + 1]
    assert waits == [2.0, 0.2, 2.0, 0.8, 2.0]
    assert client.stats["HTTP 403"] == 5


def test_dbt_staging_drops_deleted_devices_and_matches_the_world(av_env, tmp_path):
    base_url, state = av_env
    pipeline = local_pipeline(tmp_path)
    run_to_lake(pipeline, auvik_source())
    first_window_start = state.world.clock - LOOKBACK_HOURS * 3600
    # Move the clock just past the next device deletion in Auvik.
    doomed = min(
        (d for d in world_devices(state).values() if d.auvik_deleted_at),
        key=lambda d: d.auvik_deleted_at,
    )
    hours = math.ceil((doomed.auvik_deleted_at - state.world.clock) / 3600)
    requests.post(f"{base_url}/_sim/advance?hours={hours}", timeout=10).raise_for_status()
    run_to_lake(pipeline, auvik_source())
    warehouse = tmp_path / "warehouse.duckdb"

    result = dbt_build(tmp_path / "lake", warehouse, "staging.auvik")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    devices = world_devices(state)
    assert doomed.auvik_device_id not in devices
    assert (doomed.auvik_device_id,) in lake_sql(tmp_path, "devices", "select id from LAKE")
    staged = con.sql(
        "select device_id, tenant_id, mac_address from staging.stg_auvik__devices"
    ).fetchall()
    assert sorted(staged) == sorted(
        (i, d.tenant.auvik_tenant_id, d.mac) for i, d in devices.items()
    )
    interfaces = con.sql("select count(*) from staging.stg_auvik__interfaces").fetchall()
    assert interfaces == [(sum(len(render.INTERFACES[d.kind]) for d in devices.values()),)]
    staged_alerts = dict(
        con.sql("select alert_id, status from staging.stg_auvik__alerts").fetchall()
    )
    assert set(staged_alerts) == set(world_alerts(state))
    # Known limit of the look-back: an alert that changes status later than the window
    # after the newest detection keeps its old status; within the window, statuses are current.
    recent = {
        a.id
        for a in state.world.alerts
        if a.detected_at > first_window_start and a.detected_at <= state.world.clock
    }
    assert recent and {i: staged_alerts[i] for i in recent} == {
        i: s for i, s in world_alerts(state).items() if i in recent
    }
    tenants = con.sql(
        "select count(*), count(*) filter (tenant_type = 'client') from staging.stg_auvik__tenants"
    ).fetchall()
    assert tenants == [(len(state.world.tenants) + 1, len(state.world.tenants))]
