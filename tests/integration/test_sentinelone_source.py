"""The SentinelOne source against the emulator: real HTTP, real dlt, Parquet read by DuckDB,
then the real dbt staging models on the landed lake."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import dlt
import duckdb
import pytest
import requests

from dlt_sources.lib import RetryPolicy, lake_pipeline, run_to_lake
from dlt_sources.sentinelone import sentinelone_source
from dlt_sources.sentinelone.helpers import make_client
from simulator import truth
from simulator.vendors import sentinelone as s1
from simulator.vendors import sentinelone_render as render
from tests.integration.pipeline import PATIENT_SOURCE, dbt_build, run_under_faults, storm_waits

LAG = 900
INCREMENTAL = {"agents": "updatedAt", "threats": "updatedAt", "activities": "createdAt"}


@pytest.fixture(scope="module")
def s1_env(emulator):
    """Point the source at the emulator through the same variables production uses."""
    base_url, state = emulator
    patch = pytest.MonkeyPatch()
    for key, value in {
        "BASE_URL": base_url + s1.PREFIX,
        "API_TOKEN": s1.API_TOKEN,
        "LAG_SECONDS": str(LAG),
    }.items():
        patch.setenv(f"SOURCES__SENTINELONE__{key}", value)
    patch.delenv("DESTINATION__FILESYSTEM__BUCKET_URL", raising=False)
    yield base_url, state
    patch.undo()


def local_pipeline(tmp: Path) -> dlt.Pipeline:
    return lake_pipeline(
        "sentinelone", bucket_url=(tmp / "lake").as_uri(), pipelines_dir=str(tmp / "dlt")
    )


def lake_sql(tmp: Path, table: str, query: str) -> list[tuple]:
    files = tmp / "lake" / "sentinelone" / table / "*.parquet"
    return duckdb.sql(query.replace("LAKE", f"read_parquet('{files}')")).fetchall()


def world_agents(state) -> dict[str, dict]:
    """Agent id -> the world's agent, for every agent the console lists now."""
    world = state.world
    return {
        a["id"]: a
        for d in world.devices
        for a in d.s1_agents
        if a["registered_at"] <= world.clock and d.created_at <= world.clock
    }


def world_threat_ids(state) -> set[str]:
    return {t.id for t in state.world.threats if t.created_at <= state.world.clock}


def api_stamps(state, resource: str) -> dict[str, str]:
    """Record id -> its cursor stamp as the API shows it now."""
    with state.lock:
        records = {
            "agents": render.render_agents,
            "threats": render.render_threats,
            "activities": render.render_activities,
        }[resource](state).records
    if resource == "threats":
        return {r["id"]: r["threatInfo"]["updatedAt"] for r in records}
    return {r["id"]: r[INCREMENTAL[resource]] for r in records}


def world_counts(state) -> dict[str, int]:
    tenants = len(state.world.tenants)
    agents = len(world_agents(state))
    return {
        "accounts": tenants,
        "sites": tenants,
        "agents": agents,
        "threats": len(world_threat_ids(state)),
        "activities": len(api_stamps(state, "activities")),
        "live_agent_ids": agents,
    }


def requests_since(state, since: int, resource: str) -> list[dict]:
    return [
        r
        for r in state.log
        if r["seq"] > since and r["vendor"] == s1.NAME and r["path"] == f"{s1.PREFIX}/{resource}"
    ]


def test_first_run_lands_every_record_once(s1_env, tmp_path):
    _, state = s1_env
    expected = world_counts(state)
    since = state.log[-1]["seq"] if state.log else 0

    rows = run_to_lake(local_pipeline(tmp_path), sentinelone_source())

    assert rows == expected
    for table, count in expected.items():
        assert lake_sql(tmp_path, table, "select count(*), count(distinct id) from LAKE") == [
            (count, count)
        ], table
    assert {i for (i,) in lake_sql(tmp_path, "agents", "select id from LAKE")} == set(
        world_agents(state)
    )
    assert {i for (i,) in lake_sql(tmp_path, "threats", "select id from LAKE")} == (
        world_threat_ids(state)
    )
    sites = requests_since(state, since, "sites")
    assert [parse_qs(r["query"]) for r in sites] == [
        {"limit": ["1000"], "sortBy": ["id"], "sortOrder": ["asc"], "skipCount": ["true"]}
    ]
    kinds = lake_sql(
        tmp_path,
        "threats",
        "select typeof(threat_info.updatedAt), "
        "typeof(last_updated_at), typeof(mitigation_status[1].actionsCounters.total)"
        ", count(distinct _dlt_load_id) from LAKE group by all",
    )
    assert kinds == [("VARCHAR", "TIMESTAMP WITH TIME ZONE", "BIGINT", 1)]


def test_second_run_fetches_only_what_changed(s1_env, tmp_path):
    base_url, state = s1_env
    pipeline = local_pipeline(tmp_path)
    run_to_lake(pipeline, sentinelone_source())
    cursors = {
        name: lake_sql(tmp_path, name, f"select max({column}) from LAKE")[0][0]
        for name, column in (
            ("agents", "last_updated_at"),
            ("threats", "last_updated_at"),
            ("activities", "recorded_at"),
        )
    }
    totals = {name: len(api_stamps(state, name)) for name in INCREMENTAL}
    requests.post(f"{base_url}/_sim/advance?hours=6", timeout=10).raise_for_status()
    since = state.log[-1]["seq"]

    run_to_lake(pipeline, sentinelone_source())

    fetched = 0
    for name, field in INCREMENTAL.items():
        start = (cursors[name] - timedelta(seconds=LAG)).astimezone(UTC)
        bound = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        [call] = requests_since(state, since, name)[:1]
        assert parse_qs(call["query"])[f"{field}__gt"] == [bound], name
        changed = {i for i, stamp in api_stamps(state, name).items() if stamp > bound}
        assert call["records"] == len(changed), name
        assert len(changed) < totals[name] / 4, name
        fetched += len(changed)
        second_load = lake_sql(
            tmp_path,
            name,
            "select id from LAKE where _dlt_load_id = (select max(_dlt_load_id) from LAKE)",
        )
        assert sorted(i for (i,) in second_load) == sorted(changed), name
    assert 0 < fetched < sum(totals.values()) / 4
    # Only the id snapshot lists agents in full; the incremental read is the filtered one.
    agent_calls = requests_since(state, since, "agents")
    assert [("updatedAt__gt" in c["query"], c["records"]) for c in agent_calls] == [
        (True, agent_calls[0]["records"]),
        (False, len(world_agents(state))),
    ]


LATEST = """
    select id, strftime(last_updated_at, '%Y-%m-%dT%H:%M:%S.%fZ') as stamp
    from LAKE
    qualify row_number() over (partition by id order by _dlt_load_id desc,
                               last_updated_at desc) = 1
"""


def test_faults_lose_nothing_and_double_nothing(s1_env, tmp_path, caplog):
    _, state = s1_env
    pipeline = local_pipeline(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dlt_sources.lib.http"):
        statuses = run_under_faults(state, s1.NAME, pipeline, sentinelone_source(**PATIENT_SOURCE))
    assert statuses.count(500) >= 3 and statuses.count(429) >= 5
    assert sum("unparseable body" in m for m in caplog.messages) >= 1
    expected = {
        "accounts": {t.s1_account_id for t in state.world.tenants},
        "sites": {t.s1_site_id for t in state.world.tenants},
        "agents": set(world_agents(state)),
        "threats": world_threat_ids(state),
        "activities": set(api_stamps(state, "activities")),
    }
    for table, ids in expected.items():
        assert lake_sql(tmp_path, table, "select count(*) = count(distinct id) from LAKE") == [
            (True,)
        ], table
        assert {i for (i,) in lake_sql(tmp_path, table, "select id from LAKE")} == ids, table

    # Records touched while we paged past them come back on the next run, with their stamps.
    run_to_lake(pipeline, sentinelone_source(**PATIENT_SOURCE))

    for table in ("agents", "threats"):
        assert dict(lake_sql(tmp_path, table, LATEST)) == api_stamps(state, table), table


def test_retry_after_is_honoured_and_missing_hints_back_off(s1_env):
    base_url, state = s1_env
    client = make_client(
        base_url + s1.PREFIX, s1.API_TOKEN, RetryPolicy(max_attempts=8, backoff_seconds=0.1)
    )
    pages, waits = storm_waits(state, s1.NAME, client, "/accounts", limit=1000)

    assert [len(p["data"]) for p in pages] == [len(state.world.tenants)]
    assert waits == [2.0, 0.2, 2.0, 0.8, 2.0]
    assert client.stats["HTTP 429"] == 5


def test_dbt_staging_builds_on_the_lake_and_matches_the_world(s1_env, tmp_path):
    base_url, state = s1_env
    pipeline = local_pipeline(tmp_path)
    run_to_lake(pipeline, sentinelone_source())
    requests.post(f"{base_url}/_sim/advance?hours=6", timeout=10).raise_for_status()
    run_to_lake(pipeline, sentinelone_source())
    warehouse = tmp_path / "warehouse.duckdb"

    result = dbt_build(tmp_path / "lake", warehouse, "staging.sentinelone")

    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "WARN=0" in result.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    agents = world_agents(state)
    devices = {a["id"]: d for d in state.world.devices for a in d.s1_agents if a["id"] in agents}
    staged = con.sql(
        "select agent_id, mac_address, is_decommissioned from staging.stg_sentinelone__agents"
    ).fetchall()
    clock = state.world.clock
    assert sorted(staged) == sorted(
        (i, devices[i].mac, a["decommissioned_at"] is not None and a["decommissioned_at"] <= clock)
        for i, a in agents.items()
    )
    with state.lock:
        threats = truth.threats(state.world).to_pylist()
    staged = con.sql(
        "select threat_id, created_at, mitigated_at from staging.stg_sentinelone__threats"
    ).fetchall()

    def at(seconds: int | None) -> datetime | None:
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

    assert sorted((i, c.astimezone(UTC), m and m.astimezone(UTC)) for i, c, m in staged) == sorted(
        (t["threat_id"], at(t["created_at"]), at(t["mitigated_at"])) for t in threats
    )
    counts = con.sql(
        "select (select count(*) from staging.stg_sentinelone__accounts), "
        "(select count(*) from staging.stg_sentinelone__sites), "
        "(select count(*) from staging.stg_sentinelone__activities)"
    ).fetchall()
    assert counts == [
        (len(state.world.tenants), len(state.world.tenants), len(api_stamps(state, "activities")))
    ]
