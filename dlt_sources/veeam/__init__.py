"""Veeam Service Provider Console (REST API v3) to the lake: companies, backup servers, jobs
with their last session's tasks, protected VMs, repositories and active alarms, each as a
snapshot per run.

VSPC has no change filter and keeps only each job's last session, so every run appends one
whole snapshot per resource, and staging recovers the history of job runs from the snapshots.

Configuration (environment, `.dlt/config.toml` or `.dlt/secrets.toml`, see README.md):
`SOURCES__VEEAM__BASE_URL`, `__USERNAME`, `__PASSWORD` (or `__API_KEY`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from dlt_sources.lib import ApiClient, arrow_pages
from dlt_sources.lib.arrow import LOADED_AT, UTC_MICROS
from dlt_sources.veeam import settings
from dlt_sources.veeam.helpers import (
    TABLE_SPECS,
    Snapshot,
    VspcRetryPolicy,
    make_client,
    read_snapshot,
)

SNAPSHOTS_TABLE = "snapshots"


@dlt.source(name="veeam", max_table_nesting=0)
def veeam_source(
    base_url: str = dlt.config.value,
    username: str = dlt.secrets.value,
    password: str = dlt.secrets.value,
    api_key: str | None = None,
    page_size: int = settings.PAGE_SIZE,
    extra_headers: dict[str, str] | None = None,
    async_poll_seconds: float = settings.ASYNC_POLL_SECONDS,
    max_attempts: int = 30,
    backoff_seconds: float = 1.0,
    max_wait_seconds: float = 60.0,
) -> Any:
    """All VSPC snapshots; pick some with `.with_resources("jobs", ...)`.

    `extra_headers` go on every list request (the emulator's `X-Sim-Async: 1` makes every list
    answer 202 and exercises the asynchronous path).
    """
    retry = VspcRetryPolicy(max_attempts, backoff_seconds, max_wait_seconds)
    client = make_client(base_url, username, password, api_key, retry, extra_headers)
    return [
        snapshot_resource(client, name, path, expand, page_size, async_poll_seconds)
        for name, (path, expand) in settings.SNAPSHOT_ENDPOINTS.items()
    ]


def snapshot_resource(
    client: ApiClient, name: str, path: str, expand: str | None, page_size: int, poll_seconds: float
) -> DltResource:
    """One whole list per run, every record once; plus a row in `snapshots` saying so."""
    spec = TABLE_SPECS[name]

    def snapshot() -> Iterator[Any]:
        started = time.monotonic()
        taken = read_snapshot(client, path, expand, page_size, poll_seconds=poll_seconds)
        yield from arrow_pages(chunks(taken.records, page_size), spec, name)
        yield snapshot_row(name, taken, time.monotonic() - started)

    return dlt.resource(snapshot, name=name, write_disposition="append", primary_key="instanceUid")


def chunks(records: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def snapshot_row(resource: str, taken: Snapshot, seconds: float) -> Any:
    """The `snapshots` row of one resource, sent to its own table next to the records."""
    table = pa.table(
        {
            "resource": pa.array([resource]),
            "records": pa.array([len(taken.records)], pa.int64()),
            "scans": pa.array([taken.scans], pa.int64()),
            "total_reported": pa.array([taken.total], pa.int64()),
            "seconds": pa.array([round(seconds, 3)], pa.float64()),
            LOADED_AT: pa.array([datetime.now(UTC)], UTC_MICROS),
        }
    )
    hints = dlt.mark.make_hints(table_name=SNAPSHOTS_TABLE, primary_key=[])
    return dlt.mark.with_hints(table, hints, create_table_variant=True)
