"""SentinelOne specifics: the ApiToken header, the range filters and keyset cursor paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from dlt_sources.lib import ApiClient, RetryPolicy, TableSpec
from dlt_sources.sentinelone import schemas, settings

TABLE_SPECS = {
    "accounts": TableSpec(schemas.ACCOUNTS, json_fields=schemas.JSON_FIELDS["accounts"]),
    "sites": TableSpec(schemas.SITES, json_fields=schemas.JSON_FIELDS["sites"]),
    "live_agent_ids": TableSpec(schemas.LIVE_AGENT_IDS),
    **{
        name: TableSpec(
            getattr(schemas, name.upper()),
            cursor=settings.CURSOR_PATHS[name],
            cursor_column=settings.CURSOR_COLUMNS[name],
            json_fields=schemas.JSON_FIELDS[name],
        )
        for name in settings.INCREMENTAL_ENDPOINTS
    },
}


class NextCursorPaginator(BasePaginator):
    """Follows `pagination.nextCursor` of the answer body; the last page carries null."""

    def __init__(self) -> None:
        super().__init__()
        self.next_cursor: str | None = None

    def update_state(self, response: Response, data: Any = None) -> None:
        self.next_cursor = ((data or {}).get("pagination") or {}).get("nextCursor")
        self._has_next_page = bool(self.next_cursor)

    def update_request(self, request: Request) -> None:
        request.params["cursor"] = self.next_cursor


def make_client(base_url: str, api_token: str, retry: RetryPolicy) -> ApiClient:
    """A static console or service-user token, sent as `Authorization: ApiToken <token>`."""
    return ApiClient(
        base_url=base_url,
        headers={"Authorization": f"ApiToken {api_token}", "Accept": "application/json"},
        retry=retry,
    )


def range_filter(field: str, start: datetime | None) -> dict[str, str]:
    """`<field>__gt=<start>` in the API's micro-second UTC form; nothing on the first run."""
    if start is None:
        return {}
    return {f"{field}__gt": start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def records_of(body: dict, path: tuple[str, ...]) -> list[dict]:
    found: Any = body
    for key in path:
        found = found[key]
    return found


def list_pages(
    client: ApiClient,
    endpoint: str,
    page_size: int,
    *,
    filters: dict[str, str] | None = None,
    path: tuple[str, ...] = settings.DEFAULT_RECORDS_PATH,
) -> Iterator[list[dict]]:
    """Every page of a list endpoint in id order, following the keyset cursor.

    `map` holds no page once it is handed on, so each page is freed as soon as it is converted.
    """
    params = {"limit": page_size, **settings.ORDER, **(filters or {})}
    return map(
        lambda body: records_of(body, path),
        client.paginate(endpoint, params=params, paginator=NextCursorPaginator()),
    )
