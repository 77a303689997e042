"""The whole chain with the lake on an S3-compatible server (moto, on 127.0.0.1): every source
lands there, dbt reads it through httpfs, the marts equal those of a local-folder lake."""

from __future__ import annotations

import boto3
import duckdb
import pytest
from moto.server import ThreadedMotoServer

from simulator.server import free_port
from tests.integration.pipeline import failed_steps, pipeline_environment, run_full_job

BUCKET = "msp-lake"


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def s3_run(emulator, s3_server, tmp_path_factory):
    base, state = emulator
    credentials = {
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID": "testing",
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY": "testing",
        "DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL": s3_server,
        "DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME": "us-east-1",
    }
    with pipeline_environment(
        base,
        str(tmp_path_factory.mktemp("data")),
        **credentials,
        DESTINATION__FILESYSTEM__BUCKET_URL=f"s3://{BUCKET}/lake",
    ) as env:
        defs, result, seconds = run_full_job(env)
        yield env, result, state


def test_the_s3_lake_feeds_the_whole_chain(s3_run, s3_server):
    env, result, state = s3_run
    assert env.lake_is_s3 and env.dbt_target == "s3"
    assert result.success, f"failed steps: {failed_steps(result)}"

    objects = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).list_objects_v2(Bucket=BUCKET, Prefix="lake/")["Contents"]
    vendors = {o["Key"].split("/")[1] for o in objects if o["Key"].endswith(".parquet")}
    assert vendors == {"connectwise", "sentinelone", "auvik", "veeam", "cove"}

    world = state.world
    live = sum(
        1
        for t in world.tickets
        if t.entered_at <= world.clock and (t.deleted_at is None or t.deleted_at > world.clock)
    )
    with duckdb.connect(str(env.serving_path), read_only=True) as con:
        tickets = con.sql("select count(*) from marts.fct_tickets").fetchone()[0]
        tenants = con.sql("select count(*) from marts.dim_tenants").fetchone()[0]
    assert tickets == live
    assert tenants == len(world.tenants)
