"""Raw-data suites against a lake the real sources landed from a small world: every vendor
through Dagster with its asset checks, then a corrupted copy of the lake, then the same lake
read from an S3-compatible bucket."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
from pathlib import Path

import boto3
import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster_dlt import DagsterDltResource
from moto.server import ThreadedMotoServer

from checks.raw import ERROR, QualitySummary, run_suite
from checks.suites import SUITES
from orchestration.environment import Environment, point_at_emulator
from orchestration.ingest import registered_vendors, vendor_assets
from orchestration.quality import RAW_CHECK, raw_quality_checks, raw_quality_summary
from simulator.vendors import connectwise as cw
from simulator.vendors import sentinelone_render as s1

SUITE_KEYS = {tuple(suite.asset_key) for suite in SUITES}


@pytest.fixture(scope="module")
def landed(emulator, tmp_path_factory):
    """Every vendor's assets and raw checks materialized once, in-process, into a temp lake."""
    base_url, state = emulator
    saved = dict(os.environ)
    os.environ.pop("DESTINATION__FILESYSTEM__BUCKET_URL", None)
    os.environ.update(MSP_ENV="ci", MSP_DATA_DIR=str(tmp_path_factory.mktemp("data")))
    point_at_emulator(base_url)
    try:
        env = Environment.from_env()
        env.export()
        ingest = [vendor_assets(vendor, env) for vendor in registered_vendors(env)]
        with dg.instance_for_test() as instance:
            result = dg.materialize(
                [*ingest, *raw_quality_checks(ingest, env)],
                resources={"dlt": DagsterDltResource()},
                instance=instance,
            )
        yield env, ingest, result, state
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_dagster_runs_every_suite_on_the_load_it_just_wrote(landed):
    env, _, result, state = landed
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    landed_rows = {
        event.asset_key: event.materialization.metadata["rows_loaded"].value
        for event in result.get_asset_materialization_events()
    }
    with state.lock:
        live_tickets = len(cw.render_tickets(state).records)
        live_agents = len(s1.render_agents(state).records)

    def rows(*path: str) -> int:
        return evaluations[dg.AssetKey(list(path))].metadata["rows"].value

    assert {tuple(key.path) for key in evaluations} == SUITE_KEYS
    assert all(e.check_name == RAW_CHECK and e.passed for e in evaluations.values())
    for suite in SUITES:
        metadata = evaluations[dg.AssetKey(suite.asset_key)].metadata
        assert metadata["expectations_evaluated"].value == len(suite.rules)
        assert metadata["expectations_failed"].value == 0
        assert metadata["rows"].value == landed_rows[dg.AssetKey(suite.asset_key)] > 0
    assert rows("connectwise", "companies") == len(state.world.tenants) + 1
    assert rows("connectwise", "tickets") == live_tickets
    assert rows("sentinelone", "agents") == live_agents
    summary = raw_quality_summary(result.get_asset_check_evaluations())
    assert (summary.run, len(summary.passed), summary.failed) == (len(SUITES), len(SUITES), ())


def test_only_registered_vendors_get_checks(landed):
    env, _, _, _ = landed
    narrowed = dataclasses.replace(env, vendors=("connectwise", "cove"))  # MSP_VENDORS
    ingest = [vendor_assets(vendor, narrowed) for vendor in registered_vendors(narrowed)]
    checks = raw_quality_checks(ingest, narrowed)

    keys = {tuple(key.asset_key.path) for c in checks for key in c.check_keys}
    assert [c.node_def.name for c in checks] == ["connectwise_raw_quality", "cove_raw_quality"]
    assert keys == {k for k in SUITE_KEYS if k[0] in ("connectwise", "cove")}


def newest_file(lake: Path, vendor: str, resource: str) -> Path:
    return max((lake / vendor / resource).glob("*.parquet"), key=lambda p: p.name)


def rewrite(path: Path, column: str, values_at: dict[int, object]) -> None:
    """Put `values_at` (row -> value) into one column of a Parquet file, keeping its type.

    The column is made nullable: dlt declares primary keys not null, and a broken writer
    would not.
    """
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    for row, value in values_at.items():
        values[row] = value
    index = table.schema.get_field_index(column)
    field = table.schema.field(index).with_nullable(True)
    pq.write_table(table.set_column(index, field, pa.array(values, field.type)), path)


@pytest.fixture(scope="module")
def corrupted(landed, tmp_path_factory):
    """A copy of the lake with three ticket ids nulled and two agents on an unknown OS."""
    env, *_ = landed
    lake = tmp_path_factory.mktemp("corrupted") / "lake"
    shutil.copytree(env.lake_url, lake)
    rewrite(newest_file(lake, "connectwise", "tickets"), "id", {0: None, 5: None, 9: None})
    rewrite(newest_file(lake, "sentinelone", "agents"), "os_type", {1: "plan9", 2: "plan9"})
    return lake


def test_a_corrupted_lake_fails_the_right_suites_naming_the_column(landed, corrupted):
    env, *_ = landed
    suites = [s for s in SUITES if s.name in ("connectwise__tickets", "sentinelone__agents")]
    clean = [run_suite(env.lake_url, suite) for suite in suites]
    tickets, agents = (run_suite(str(corrupted), suite) for suite in suites)

    assert [(o.success, o.failures) for o in clean] == [(True, [])] * 2
    assert [(f.column, f.expectation, f.unexpected, f.severity) for f in tickets.failures] == [
        ("id", "expect_column_values_to_not_be_null", 3, ERROR)
    ]
    assert [(f.column, f.expectation, f.unexpected, f.examples) for f in agents.failures] == [
        ("os_type", "expect_column_values_to_be_in_set", 2, ("plan9", "plan9"))
    ]
    assert (tickets.rows, agents.rows) == (clean[0].rows, clean[1].rows)
    assert str(QualitySummary.from_outcomes([tickets, agents])) == (
        "raw data suites: 2 run, 0 passed, 2 failed "
        "(connectwise__tickets error, sentinelone__agents warn)"
    )


def test_dagster_checks_on_the_corrupted_lake_report_severity_and_column(landed, corrupted):
    env, ingest, _, _ = landed
    checks = raw_quality_checks(ingest, dataclasses.replace(env, lake_url=str(corrupted)))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*ingest, *checks],
            resources={"dlt": DagsterDltResource()},
            instance=instance,
            selection=dg.AssetSelection.checks(*[key for c in checks for key in c.check_keys]),
        )
    failed = {
        e.asset_key.to_user_string(): (
            e.severity,
            e.metadata["failed_columns"].value,
            e.metadata["failures"].value[0]["unexpected"],
        )
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }

    assert result.get_asset_materialization_events() == []  # only the checks ran
    assert failed == {
        "connectwise/tickets": (dg.AssetCheckSeverity.ERROR, "id", 3),
        "sentinelone/agents": (dg.AssetCheckSeverity.WARN, "os_type", 2),
    }
    assert str(raw_quality_summary(result.get_asset_check_evaluations())) == (
        f"raw data suites: {len(SUITES)} run, {len(SUITES) - 2} passed, 2 failed "
        "(connectwise__tickets error, sentinelone__agents warn)"
    )


@pytest.fixture
def s3_lake(landed, monkeypatch):
    """The landed ConnectWise folder copied to a bucket on a local S3-compatible server."""
    env, *_ = landed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.create_bucket(Bucket="msp-lake")
        for path in (Path(env.lake_url) / "connectwise").rglob("*.parquet"):
            s3.upload_file(
                str(path), "msp-lake", "raw/" + path.relative_to(env.lake_url).as_posix()
            )
        monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "s3://msp-lake/raw")
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "ENDPOINT_URL": endpoint,
            "REGION_NAME": "us-east-1",
        }.items():
            monkeypatch.setenv(f"DESTINATION__FILESYSTEM__CREDENTIALS__{key}", value)
        yield Environment.from_env()
    finally:
        server.stop()


def test_checks_read_an_s3_lake_with_the_dlt_credentials(landed, s3_lake):
    env, ingest, _, _ = landed
    connectwise = [a for a in ingest if next(iter(a.keys)).path[0] == "connectwise"]
    [checks] = raw_quality_checks(connectwise, s3_lake)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*connectwise, checks],
            resources={"dlt": DagsterDltResource()},
            instance=instance,
            selection=dg.AssetSelection.checks(*checks.check_keys),
        )
    rows = {
        e.asset_key.path[-1]: (e.passed, e.metadata["rows"].value)
        for e in result.get_asset_check_evaluations()
    }
    local = {
        s.resource: run_suite(env.lake_url, s).rows for s in SUITES if s.vendor == "connectwise"
    }

    assert s3_lake.lake_url == "s3://msp-lake/raw"
    assert rows == {resource: (True, count) for resource, count in local.items()}
