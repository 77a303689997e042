"""Cove Data Protection (N-able Backup) to the lake: partners and account statistics (one row
per backup device with its last session and 28-day colour bar), each as a snapshot per run.

Cove's JSON-RPC API has no change feed and no session history, so every run appends a whole
snapshot; staging recovers sessions from the snapshots and from the colour bars.

Configuration (environment, `.dlt/config.toml` or `.dlt/secrets.toml`, see README.md):
`SOURCES__COVE__BASE_URL`, `__PARTNER`, `__USERNAME`, `__PASSWORD`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from dlt_sources.cove import settings
from dlt_sources.cove.helpers import (
    TABLE_SPECS,
    CoveClient,
    make_client,
    read_account_statistics,
)
from dlt_sources.lib import RetryPolicy, arrow_pages
from dlt_sources.lib.arrow import LOADED_AT, UTC_MICROS

SNAPSHOTS_TABLE = "snapshots"


@dlt.source(name="cove", max_table_nesting=0)
def cove_source(
    base_url: str = dlt.config.value,
    partner: str = dlt.secrets.value,
    username: str = dlt.secrets.value,
    password: str = dlt.secrets.value,
    page_size: int = settings.PAGE_SIZE,
    max_attempts: int = 30,
    backoff_seconds: float = 1.0,
    max_wait_seconds: float = 60.0,
) -> Any:
    """Both Cove snapshots; pick one with `.with_resources("account_statistics")`."""
    retry = RetryPolicy(max_attempts, backoff_seconds, max_wait_seconds)
    client = make_client(base_url, partner, username, password, retry)
    return [partners_resource(client), account_statistics_resource(client, page_size)]


def partners_resource(client: CoveClient) -> DltResource:
    """Every customer partner under the API user's partner, read whole each run."""

    def partners() -> Iterator[Any]:
        started = time.monotonic()
        if client.partner_id is None:
            client.login()
        result = client.call(
            "EnumeratePartners", {"parentPartnerId": client.partner_id, "fetchRecursively": True}
        )
        records = result["result"]
        yield from arrow_pages([records], TABLE_SPECS["partners"], "partners")
        yield snapshot_row("partners", len(records), 1, time.monotonic() - started)

    return dlt.resource(partners, name="partners", write_disposition="append", primary_key="Id")


def account_statistics_resource(client: CoveClient, page_size: int) -> DltResource:
    """Every backup device (account) once per run, with the columns staging needs."""

    def account_statistics() -> Iterator[Any]:
        started = time.monotonic()
        taken = read_account_statistics(client, page_size)
        pages = (taken.records[i : i + page_size] for i in range(0, len(taken.records), page_size))
        yield from arrow_pages(pages, TABLE_SPECS["account_statistics"], "account_statistics")
        yield snapshot_row(
            "account_statistics", len(taken.records), taken.scans, time.monotonic() - started
        )

    return dlt.resource(
        account_statistics,
        name="account_statistics",
        write_disposition="append",
        primary_key="account_id",
    )


def snapshot_row(resource: str, records: int, scans: int, seconds: float) -> Any:
    """The `snapshots` row of one resource, sent to its own table next to the records."""
    table = pa.table(
        {
            "resource": pa.array([resource]),
            "records": pa.array([records], pa.int64()),
            "scans": pa.array([scans], pa.int64()),
            "seconds": pa.array([round(seconds, 3)], pa.float64()),
            LOADED_AT: pa.array([datetime.now(UTC)], UTC_MICROS),
        }
    )
    hints = dlt.mark.make_hints(table_name=SNAPSHOTS_TABLE, primary_key=[])
    return dlt.mark.with_hints(table, hints, create_table_variant=True)
