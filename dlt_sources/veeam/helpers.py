"""VSPC specifics: bearer tokens with refresh, the 202 asynchronous answer, and snapshots read
by offset paging that come out whole even when records are written during the read."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.auth import AuthBase

from dlt_sources.lib import ApiClient, ApiError, RetryPolicy, TableSpec
from dlt_sources.veeam import schemas, settings

log = logging.getLogger(__name__)

TABLE_SPECS = {
    "companies": TableSpec(
        schemas.COMPANIES, primary_key="instanceUid", json_fields=("companyServices",)
    ),
    "backup_servers": TableSpec(schemas.BACKUP_SERVERS, primary_key="instanceUid"),
    "jobs": TableSpec(schemas.JOBS, primary_key="instanceUid"),
    "protected_vms": TableSpec(schemas.PROTECTED_VMS, primary_key="instanceUid"),
    "repositories": TableSpec(schemas.REPOSITORIES, primary_key="instanceUid"),
    "active_alarms": TableSpec(schemas.ACTIVE_ALARMS, primary_key="instanceUid"),
}


class TokenAuth(AuthBase):
    """Bearer auth from `POST /token`; an answer of 401 renews the token and resends once.

    The access token lives an hour on the server's clock, which the client cannot see, so
    expiry is learnt from the 401. Renewal uses the single-use refresh token first and the
    password grant when that is refused. With an API key there is nothing to renew.
    """

    def __init__(
        self, token_client: ApiClient, username: str, password: str, api_key: str | None = None
    ):
        self.token_client, self.username, self.password = token_client, username, password
        self.api_key = api_key
        self.access: str | None = api_key
        self.refresh: str | None = None
        self.renewals = 0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.access is None:
            self.grant(
                {"grant_type": "password", "username": self.username, "password": self.password}
            )
        request.headers["Authorization"] = f"Bearer {self.access}"
        request.register_hook("response", self.renew_on_401)
        return request

    def grant(self, form: dict[str, str]) -> None:
        body, _ = self.token_client.send(
            requests.Request("POST", self.token_client.url(settings.TOKEN_ENDPOINT), data=form)
        )
        self.access, self.refresh = body["access_token"], body.get("refresh_token")

    def renew(self) -> None:
        self.renewals += 1
        if self.refresh:
            try:
                self.grant({"grant_type": "refresh_token", "refresh_token": self.refresh})
                log.info("VSPC access token expired; renewed with the refresh token")
                return
            except ApiError as exc:
                log.warning("VSPC refresh token refused (%s); logging in again", str(exc)[:120])
        self.grant({"grant_type": "password", "username": self.username, "password": self.password})

    def renew_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if (
            response.status_code != 401
            or self.api_key
            or getattr(response.request, "renewed", False)
        ):
            return response
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        self.renew()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {self.access}"
        retry.renewed = True  # a second 401 on the fresh token is the server's final word
        # Later retries of the same request (after a 429, say) carry the new token too.
        response.request.headers["Authorization"] = retry.headers["Authorization"]
        fresh = response.connection.send(retry, **kwargs)
        fresh.history.append(response)
        fresh.request = retry
        return fresh


@dataclass(frozen=True)
class VspcRetryPolicy(RetryPolicy):
    """VSPC also says how long to wait in the 429 body (`errors[0].retryAfter`, seconds);
    the Retry-After header wins when both are there."""

    def wait(self, attempt: int, response: requests.Response | None) -> float:
        if (
            response is not None
            and response.status_code == 429
            and not response.headers.get("Retry-After")
        ):
            try:
                hinted = float(response.json()["errors"][0]["retryAfter"])
            except (ValueError, KeyError, IndexError, TypeError):
                hinted = None
            if hinted is not None:
                return min(max(0.0, hinted), self.max_wait_seconds)
        return super().wait(attempt, response)


def make_client(
    base_url: str,
    username: str,
    password: str,
    api_key: str | None,
    retry: RetryPolicy,
    extra_headers: Mapping[str, str] | None = None,
) -> ApiClient:
    token_client = ApiClient(base_url=base_url, retry=retry, headers={"Accept": "application/json"})
    auth = TokenAuth(token_client, username, password, api_key)
    headers = {"Accept": "application/json", "X-Client-Version": "3.6", **(extra_headers or {})}
    return ApiClient(base_url=base_url, headers=headers, auth=auth, retry=retry)


@dataclass
class Snapshot:
    records: list[dict]
    scans: int
    total: int
    stats: dict[str, int] = field(default_factory=dict)


def get_page(
    client: ApiClient,
    path: str,
    params: dict[str, Any],
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = settings.ASYNC_POLL_SECONDS,
) -> dict:
    """One list page; a 202 answer is followed to its async action and the action's result."""
    body, response = client.send(requests.Request("GET", client.url(path), params=params))
    if response.status_code != 202:
        return body
    location = response.headers.get("Location")
    if not location:
        raise ApiError(f"GET {path} answered 202 without a Location header")
    for _ in range(settings.ASYNC_MAX_POLLS):
        status, _ = client.send(requests.Request("GET", location))
        state = status["data"]["status"]
        if state in settings.ASYNC_STATES_DONE:
            result, _ = client.send(requests.Request("GET", location.rstrip("/") + "/result"))
            return result
        if state in settings.ASYNC_STATES_FAILED:
            raise ApiError(f"async action {location} for GET {path} ended {state}")
        sleep(poll_seconds)
    raise ApiError(
        f"async action {location} for GET {path} still running after "
        f"{settings.ASYNC_MAX_POLLS} polls"
    )


def scan(
    client: ApiClient, path: str, params: dict[str, Any], page_size: int, **async_options: Any
) -> tuple[list[dict], bool, int]:
    """One offset-paged pass; says whether it can be trusted (same total, no record twice)."""
    records: list[dict] = []
    seen: set[str] = set()
    totals: set[int] = set()
    offset, clean = 0, True
    while True:
        body = get_page(
            client, path, {**params, "limit": page_size, "offset": offset}, **async_options
        )
        page, total = body["data"], body["meta"]["pagingInfo"]["total"]
        totals.add(total)
        for record in page:
            key = record.get("instanceUid")
            if key is None:
                continue  # quarantined later; it cannot be told apart from others
            if key in seen:
                clean = False
            seen.add(key)
        records += page
        offset += page_size
        if not page or offset >= total:
            break
    return records, clean and len(totals) == 1 and len(records) == total, total


def read_snapshot(
    client: ApiClient,
    path: str,
    expand: str | None,
    page_size: int,
    max_scans: int = settings.MAX_SCANS,
    **async_options: Any,
) -> Snapshot:
    """Every record of a list exactly once, by uid.

    Offset paging under writes repeats or skips records; a pass whose total moved, or that met
    a record twice, is thrown away and the list read again. The last pass is kept deduplicated
    if none came out clean, with a warning that it may lack a record.
    """
    params: dict[str, Any] = {"sort": settings.STABLE_SORT}
    if expand:
        params["expand"] = expand
    for attempt in range(1, max_scans + 1):
        records, clean, total = scan(client, path, params, page_size, **async_options)
        if clean:
            return Snapshot(records, attempt, total)
        log.warning(
            "%s: the list changed while it was paged (pass %d of %d); reading again",
            path,
            attempt,
            max_scans,
        )
    unique = list({r["instanceUid"]: r for r in records if r.get("instanceUid")}.values())
    unique += [r for r in records if not r.get("instanceUid")]
    log.warning(
        "%s: no clean pass in %d; keeping %d unique of %d reported",
        path,
        max_scans,
        len(unique),
        total,
    )
    return Snapshot(unique, max_scans, total)
