"""ConnectWise Manage (PSA REST 3.0) to the lake: companies, contacts, configurations,
agreements and service tickets incrementally, a live-id snapshot of tickets for deletes, and
boards, priorities and SLAs as small snapshots.

Configuration (environment, `.dlt/config.toml` or `.dlt/secrets.toml`, see README.md):
`SOURCES__CONNECTWISE__BASE_URL`, `__COMPANY_ID`, `__PUBLIC_KEY`, `__PRIVATE_KEY`, `__CLIENT_ID`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator

from dlt_sources.connectwise import settings
from dlt_sources.connectwise.helpers import TABLE_SPECS, changed_since, list_pages, make_client
from dlt_sources.lib import ApiClient, RetryPolicy, arrow_pages, cursor_start, lagged_cursor


@dlt.source(name="connectwise", max_table_nesting=0)
def connectwise_source(
    base_url: str = dlt.config.value,
    company_id: str = dlt.secrets.value,
    public_key: str = dlt.secrets.value,
    private_key: str = dlt.secrets.value,
    client_id: str = dlt.secrets.value,
    page_size: int = settings.PAGE_SIZE,
    lag_seconds: float = settings.LAG_SECONDS,
    max_attempts: int = 30,
    backoff_seconds: float = 1.0,
    max_wait_seconds: float = 60.0,
) -> Any:
    """All ConnectWise resources; pick some with `.with_resources("tickets", ...)`."""
    retry = RetryPolicy(max_attempts, backoff_seconds, max_wait_seconds)
    client = make_client(base_url, company_id, public_key, private_key, client_id, retry)

    chosen = [
        incremental_resource(client, name, endpoint, page_size, lag_seconds)
        for name, endpoint in settings.INCREMENTAL_ENDPOINTS.items()
    ]
    chosen.append(live_ticket_ids_resource(client, page_size))
    chosen += [
        snapshot_resource(client, name, endpoint, page_size)
        for name, endpoint in settings.SNAPSHOT_ENDPOINTS.items()
    ]
    chosen.append(sla_priorities_resource(client, page_size))
    return chosen


def incremental_resource(
    client: ApiClient, name: str, endpoint: str, page_size: int, lag_seconds: float
) -> DltResource:
    """Records changed since the last run's maximum `_info/lastUpdated`, minus the lag."""
    spec = TABLE_SPECS[name]
    cursor = lagged_cursor(settings.CURSOR_COLUMN, lag_seconds)

    def changed(updated: Any = cursor) -> Iterator[Any]:
        conditions = changed_since(cursor_start(updated))
        pages = list_pages(client, endpoint, page_size, conditions=conditions)
        yield from arrow_pages(pages, spec, name)

    return dlt.resource(changed, name=name, write_disposition="append", primary_key="id")


def live_ticket_ids_resource(client: ApiClient, page_size: int) -> DltResource:
    """Every live ticket id, one cheap projected listing per run.

    Known limit: ConnectWise lists no deleted tickets, so staging learns a delete as a ticket
    missing from the latest snapshot; a ticket deleted and its id never reused looks the same
    as one that was never there, which is what reports want.
    """

    def live_ticket_ids() -> Iterator[Any]:
        pages = list_pages(client, settings.TICKETS_ENDPOINT, page_size, fields="id")
        yield from arrow_pages(pages, TABLE_SPECS["live_ticket_ids"], "live_ticket_ids")

    return dlt.resource(
        live_ticket_ids, name="live_ticket_ids", write_disposition="append", primary_key="id"
    )


def snapshot_resource(client: ApiClient, name: str, endpoint: str, page_size: int) -> DltResource:
    """A small reference list read whole each run; staging keeps the latest `_loaded_at`."""
    spec = TABLE_SPECS[name]

    def snapshot() -> Iterator[Any]:
        yield from arrow_pages(list_pages(client, endpoint, page_size), spec, name)

    return dlt.resource(snapshot, name=name, write_disposition="append", primary_key="id")


def sla_priorities_resource(client: ApiClient, page_size: int) -> DltResource:
    """Every SLA's response and resolution targets per priority, read whole each run."""
    spec = TABLE_SPECS["sla_priorities"]

    def sla_priorities() -> Iterator[Any]:
        sla_ids = [
            record["id"]
            for page in list_pages(
                client, settings.SNAPSHOT_ENDPOINTS["slas"], page_size, fields="id"
            )
            for record in page
        ]
        pages = (
            client.paginate(
                settings.SLA_PRIORITIES_ENDPOINT.format(sla_id=sla_id),
                paginator=SinglePagePaginator(),
            )
            for sla_id in sla_ids
        )
        yield from arrow_pages(
            (records for pages_of_one in pages for records in pages_of_one), spec, "sla_priorities"
        )

    return dlt.resource(
        sla_priorities, name="sla_priorities", write_disposition="append", primary_key="id"
    )
