"""Auvik specifics: Basic auth, the 403 that means "slow down", filters and JSON:API links."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from operator import itemgetter
from typing import Any

from dlt.sources.helpers.rest_client.paginators import BaseNextUrlPaginator
from requests import Response
from requests.auth import HTTPBasicAuth

from dlt_sources.auvik import schemas, settings
from dlt_sources.lib import ApiClient, RetryPolicy, TableSpec

TABLE_SPECS = {
    "tenants": TableSpec(schemas.TENANTS),
    "live_device_ids": TableSpec(schemas.LIVE_DEVICE_IDS),
    **{
        name: TableSpec(
            getattr(schemas, name.upper()),
            cursor=cursor,
            cursor_column=settings.CURSOR_COLUMNS[name],
        )
        for name, (_, _, cursor) in settings.INCREMENTAL_ENDPOINTS.items()
    },
}


def is_rate_limit(response: Response) -> bool:
    """Auvik throttles with 403 and "rate limit" in the error text; any other 403 is a refusal."""
    return response.status_code == 403 and "rate limit" in response.text.lower()


class NextLinkPaginator(BaseNextUrlPaginator):
    """Follows `links.next` of the answer body (an absolute URL carrying every parameter)."""

    def update_state(self, response: Response, data: Any = None) -> None:
        self._next_reference = ((data or {}).get("links") or {}).get("next")


def make_client(base_url: str, username: str, api_key: str, retry: RetryPolicy) -> ApiClient:
    """HTTP Basic with the Auvik user's e-mail and an API key."""
    return ApiClient(
        base_url=base_url,
        headers={"Accept": settings.MEDIA},
        auth=HTTPBasicAuth(username, api_key),
        retry=retry,
        is_throttle=is_rate_limit,
    )


def after_filter(name: str, start: datetime | None) -> dict[str, str]:
    """`filter[...After]=<start>` in the API's milli-second UTC form; nothing on the first run."""
    if start is None:
        return {}
    return {name: start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"}


def list_pages(
    client: ApiClient, endpoint: str, page_size: int | None, *, params: dict[str, str] | None = None
) -> Iterator[list[dict]]:
    """Every page of a list endpoint, following `links.next` until it is absent.

    `map` holds no page once it is handed on, so each page is freed as soon as it is converted.
    """
    query = {**({"page[first]": page_size} if page_size else {}), **(params or {})}
    return map(
        itemgetter("data"), client.paginate(endpoint, params=query, paginator=NextLinkPaginator())
    )


def root_domain_prefix(tenants: list[dict]) -> str:
    """The domain prefix of the top tenant (the MSP's multiClient tenant, or the only one)."""
    roots = [
        t for t in tenants if not (((t.get("relationships") or {}).get("parent") or {}).get("data"))
    ]
    if len(roots) != 1:
        raise ValueError(
            f"expected one top tenant in /tenants, found {len(roots)}; set "
            "SOURCES__AUVIK__TENANT_DOMAIN_PREFIX to the MSP's domain prefix"
        )
    return roots[0]["attributes"]["domainPrefix"]
