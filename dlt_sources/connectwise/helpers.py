"""ConnectWise specifics: auth headers, the `conditions` cursor, and paged listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator
from requests.auth import HTTPBasicAuth

from dlt_sources.connectwise import schemas, settings
from dlt_sources.lib import ApiClient, RetryPolicy, TableSpec

TABLE_SPECS = {
    "companies": TableSpec(schemas.COMPANIES, json_fields=("customFields",)),
    "contacts": TableSpec(schemas.CONTACTS, json_fields=("customFields",)),
    "configurations": TableSpec(schemas.CONFIGURATIONS, json_fields=("customFields", "questions")),
    "agreements": TableSpec(schemas.AGREEMENTS, json_fields=("customFields",)),
    "tickets": TableSpec(schemas.TICKETS, json_fields=("customFields",)),
    "boards": TableSpec(schemas.BOARDS),
    "priorities": TableSpec(schemas.PRIORITIES),
    "slas": TableSpec(schemas.SLAS),
    "live_ticket_ids": TableSpec(schemas.LIVE_TICKET_IDS),
    "sla_priorities": TableSpec(schemas.SLA_PRIORITIES),
}
for _name in settings.INCREMENTAL_ENDPOINTS:
    _spec = TABLE_SPECS[_name]
    TABLE_SPECS[_name] = TableSpec(
        _spec.schema,
        cursor=settings.CURSOR_PATH,
        cursor_column=settings.CURSOR_COLUMN,
        json_fields=_spec.json_fields,
    )


def make_client(
    base_url: str,
    company_id: str,
    public_key: str,
    private_key: str,
    client_id: str,
    retry: RetryPolicy,
) -> ApiClient:
    """Basic auth as `{companyId}+{publicKey}:{privateKey}`, plus the integration's clientId."""
    return ApiClient(
        base_url=base_url,
        headers={"clientId": client_id, "Accept": "application/json"},
        auth=HTTPBasicAuth(f"{company_id}+{public_key}", private_key),
        retry=retry,
    )


def changed_since(start: datetime | None) -> str | None:
    """The `conditions` filter for records changed at or after `start` (None: everything)."""
    if start is None:
        return None
    return f"{settings.CURSOR_PATH}>=[{start.strftime('%Y-%m-%dT%H:%M:%SZ')}]"


def list_pages(
    client: ApiClient,
    endpoint: str,
    page_size: int,
    *,
    conditions: str | None = None,
    fields: str | None = None,
) -> Iterator[list[dict]]:
    """Every page of a list endpoint with forward-only keyset paging, in id order."""
    params: dict[str, str | int] = {"pageSize": page_size, "orderBy": "id asc"}
    if conditions:
        params["conditions"] = conditions
    if fields:
        params["fields"] = fields
    return client.paginate(
        endpoint, params=params, headers=settings.FORWARD_ONLY, paginator=HeaderLinkPaginator()
    )
