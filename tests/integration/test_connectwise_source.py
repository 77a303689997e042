"""The ConnectWise source against the emulator: real HTTP, real dlt, Parquet read by DuckDB."""

from __future__ import annotations

import io
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import dlt
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from moto.server import ThreadedMotoServer

from dlt_sources.connectwise import connectwise_source
from dlt_sources.connectwise.helpers import make_client
from dlt_sources.lib import (
    RetryPolicy,
    TableSpec,
    arrow_pages,
    lagged_cursor,
    lake_pipeline,
    quarantine_table,
    run_to_lake,
)
from simulator.vendors import connectwise as cw
from simulator.world import PRIORITIES, SLA_TIERS
from tests.integration.pipeline import PATIENT_SOURCE, run_under_faults, storm_waits

LAG = 900
TICKETS_PATH = cw.PREFIX + "/service/tickets"


@pytest.fixture(scope="module")
def cw_env(emulator):
    """Point the source at the emulator through the same variables production uses."""
    base_url, state = emulator
    patch = pytest.MonkeyPatch()
    for key, value in {
        "BASE_URL": base_url + cw.PREFIX,
        "COMPANY_ID": cw.COMPANY_ID,
        "PUBLIC_KEY": cw.PUBLIC_KEY,
        "PRIVATE_KEY": cw.PRIVATE_KEY,
        "CLIENT_ID": cw.CLIENT_ID,
        "LAG_SECONDS": str(LAG),
    }.items():
        patch.setenv(f"SOURCES__CONNECTWISE__{key}", value)
    patch.delenv("DESTINATION__FILESYSTEM__BUCKET_URL", raising=False)
    yield base_url, state
    patch.undo()


def local_pipeline(tmp: Path, name: str = "lake") -> dlt.Pipeline:
    return lake_pipeline(
        "connectwise", bucket_url=(tmp / name).as_uri(), pipelines_dir=str(tmp / "dlt")
    )


def lake_sql(tmp: Path, table: str, query: str, name: str = "lake") -> list[tuple]:
    files = tmp / name / "connectwise" / table / "*.parquet"
    return duckdb.sql(query.replace("LAKE", f"read_parquet('{files}')")).fetchall()


def live_tickets(state) -> dict[int, str]:
    """Ticket id -> lastUpdated, as the API shows them now."""
    with state.lock:
        return {r["id"]: r["_info"]["lastUpdated"] for r in cw.render_tickets(state).records}


def world_counts(state) -> dict[str, int]:
    world, at = state.world, state.world.clock
    with state.lock:
        configurations = sum(
            1 for d in world.devices if d.cw_config_id is not None and d.created_at <= at
        )
        return {
            "companies": len(world.tenants) + 1,  # the MSP's own company is listed too
            "contacts": len(world.contacts),
            "configurations": configurations,
            "agreements": len(world.tenants),
            "tickets": len(live_tickets(state)),
            "live_ticket_ids": len(live_tickets(state)),
            "boards": len(cw.BOARDS),
            "priorities": len(PRIORITIES),
            "slas": len(SLA_TIERS),
            "sla_priorities": len(SLA_TIERS) * len(PRIORITIES),
        }


def ticket_requests(state, since: int) -> list[dict]:
    return [
        r
        for r in state.log
        if r["seq"] > since and r["path"] == TICKETS_PATH and "fields=id" not in r["query"]
    ]


def test_first_run_lands_every_record_once(cw_env, tmp_path):
    _, state = cw_env
    expected = world_counts(state)

    rows = run_to_lake(local_pipeline(tmp_path), connectwise_source())

    assert rows == expected
    for table, count in expected.items():
        assert lake_sql(tmp_path, table, "select count(*), count(distinct id) from LAKE") == [
            (count, count)
        ], table
    lake_ids = {i for (i,) in lake_sql(tmp_path, "tickets", "select id from LAKE")}
    assert lake_ids == set(live_tickets(state))
    kinds = lake_sql(
        tmp_path,
        "tickets",
        "select typeof(status), typeof(last_updated_at), "
        "typeof(_loaded_at), count(distinct _dlt_load_id) from LAKE group by all",
    )
    assert kinds == [
        (
            'STRUCT(id BIGINT, "name" VARCHAR, sort BIGINT)',
            "TIMESTAMP WITH TIME ZONE",
            "TIMESTAMP WITH TIME ZONE",
            1,
        )
    ]


def test_second_run_fetches_only_what_changed(cw_env, tmp_path):
    base_url, state = cw_env
    pipeline = local_pipeline(tmp_path)
    run_to_lake(pipeline, connectwise_source())
    [(cursor,)] = lake_sql(tmp_path, "tickets", "select max(last_updated_at) from LAKE")
    total_before = len(live_tickets(state))
    requests.post(f"{base_url}/_sim/advance?hours=6", timeout=10).raise_for_status()
    since = state.log[-1]["seq"]

    run_to_lake(pipeline, connectwise_source())

    start = (cursor - timedelta(seconds=LAG)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    calls = ticket_requests(state, since)
    assert [parse_qs(c["query"])["conditions"] for c in calls] == [
        [f"_info/lastUpdated>=[{start}]"]
    ]
    changed = {i for i, stamp in live_tickets(state).items() if stamp >= start}
    assert calls[0]["records"] == len(changed)
    assert 0 < len(changed) < total_before / 5
    second_load = lake_sql(
        tmp_path,
        "tickets",
        "select id from LAKE where _dlt_load_id = (select max(_dlt_load_id) from LAKE)",
    )
    assert sorted(i for (i,) in second_load) == sorted(changed)
    # Every ticket that moved past the first run's cursor came back in the second run.
    moved = {
        i
        for i, stamp in live_tickets(state).items()
        if stamp > cursor.strftime("%Y-%m-%dT%H:%M:%SZ")
    }
    assert moved and moved <= changed


LATEST_TICKETS = """
    select id, strftime(last_updated_at, '%Y-%m-%dT%H:%M:%SZ') as stamp
    from LAKE
    qualify row_number() over (partition by id order by _dlt_load_id desc) = 1
"""


def test_faults_lose_nothing_and_double_nothing(cw_env, tmp_path, caplog):
    base_url, state = cw_env
    pipeline = local_pipeline(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dlt_sources.lib.http"):
        statuses = run_under_faults(
            state,
            "connectwise",
            pipeline,
            connectwise_source(**PATIENT_SOURCE).with_resources("tickets", "live_ticket_ids"),
        )
    assert statuses.count(500) >= 3 and statuses.count(429) >= 5
    assert sum("unparseable body" in m for m in caplog.messages) >= 1
    assert lake_sql(tmp_path, "tickets", "select count(*) = count(distinct id) from LAKE") == [
        (True,)
    ]
    lake_ids = {i for (i,) in lake_sql(tmp_path, "tickets", "select id from LAKE")}
    assert set(live_tickets(state)) <= lake_ids  # drift deleted some after we passed them

    run_to_lake(
        pipeline, connectwise_source(**PATIENT_SOURCE).with_resources("tickets", "live_ticket_ids")
    )

    latest = dict(lake_sql(tmp_path, "tickets", LATEST_TICKETS))
    snapshot = {
        i
        for (i,) in lake_sql(
            tmp_path,
            "live_ticket_ids",
            "select id from LAKE where _dlt_load_id = (select max(_dlt_load_id) from LAKE)",
        )
    }
    kept = {i: stamp for i, stamp in latest.items() if i in snapshot}
    assert kept == live_tickets(state)


def test_retry_after_is_honoured_and_missing_hints_back_off(cw_env):
    base_url, state = cw_env
    client = make_client(
        base_url + cw.PREFIX,
        cw.COMPANY_ID,
        cw.PUBLIC_KEY,
        cw.PRIVATE_KEY,
        cw.CLIENT_ID,
        RetryPolicy(max_attempts=8, backoff_seconds=0.1),
    )
    pages, waits = storm_waits(state, "connectwise", client, "/service/boards")

    assert [len(p) for p in pages] == [len(cw.BOARDS)]
    assert waits == [2.0, 0.2, 2.0, 0.8, 2.0]
    assert client.stats["HTTP 429"] == 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_lands_in_an_s3_compatible_bucket(cw_env, s3_server, monkeypatch, tmp_path):
    _, state = cw_env
    creds = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ENDPOINT_URL": s3_server,
        "REGION_NAME": "us-east-1",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket="msp-lake")
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "s3://msp-lake/raw")
    for key, value in creds.items():
        monkeypatch.setenv(f"DESTINATION__FILESYSTEM__CREDENTIALS__{key}", value)
    pipeline = lake_pipeline("connectwise", pipelines_dir=str(tmp_path / "dlt"))

    run_to_lake(pipeline, connectwise_source().with_resources("tickets", "boards"))

    listed = s3.list_objects_v2(Bucket="msp-lake", Prefix="raw/connectwise/tickets/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    assert keys and all(k.endswith(".parquet") for k in keys)
    body = s3.get_object(Bucket="msp-lake", Key=keys[0])["Body"].read()
    con = duckdb.connect()
    con.register("tickets", pq.read_table(io.BytesIO(body)))
    assert con.sql("select count(*), count(distinct id) from tickets").fetchall() == [
        (len(live_tickets(state)),) * 2
    ]


def test_bad_records_go_to_quarantine_with_a_reason(tmp_path):
    schema = pa.schema(
        [
            pa.field("id", pa.int64()),
            pa.field("_info", pa.struct([pa.field("lastUpdated", pa.string())])),
        ]
    )
    spec = TableSpec(schema, cursor="_info/lastUpdated")
    pages = [
        [
            {"id": 1, "_info": {"lastUpdated": "2026-09-01T10:00:00Z"}},
            {"id": None, "_info": {"lastUpdated": "2026-09-01T10:00:00Z"}},
            {"id": 3, "_info": {"lastUpdated": "yesterday"}},
            {"id": "four", "_info": {"lastUpdated": "2026-09-01T11:00:00Z"}},
        ],
        [{"id": 5, "_info": {"lastUpdated": "2026-09-02T09:30:00Z"}, "newField": 7}],
    ]

    cursor = lagged_cursor("last_updated_at", 60)

    @dlt.resource(name="widgets", write_disposition="append", primary_key="id")
    def widgets(updated=cursor):
        yield from arrow_pages(pages, spec, "widgets")

    pipeline = local_pipeline(tmp_path)
    rows = run_to_lake(pipeline, widgets())

    assert rows == {"widgets": 2, quarantine_table("widgets"): 3}
    assert lake_sql(tmp_path, "widgets", "select id, _extra from LAKE order by id") == [
        (1, None),
        (5, '{"newField":7}'),
    ]
    reasons = lake_sql(
        tmp_path, quarantine_table("widgets"), "select record_key, reason from LAKE order by all"
    )
    assert [(k, r.split(":")[0]) for k, r in reasons] == [
        ("3", "unparseable _info/lastUpdated"),
        ("four", "does not fit the schema"),
        (None, "missing id"),
    ]
    [source_state] = pipeline.state["sources"].values()
    cursor = source_state["resources"]["widgets"]["incremental"]["last_updated_at"]
    assert cursor["last_value"] == datetime(2026, 9, 2, 9, 30, tzinfo=UTC)
