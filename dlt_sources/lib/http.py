"""HTTP for vendor sources: one keep-alive session, retries that survive a noisy API, orjson.

dlt's RESTClient parses bodies with the standard library and cannot retry a page whose body
arrived cut off, so the sources send requests through this small client instead and borrow
dlt's paginators (they only read headers and bodies and rewrite the next request).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import orjson
import requests
from dlt.sources.helpers.rest_client.paginators import BasePaginator, SinglePagePaginator

from dlt_sources.lib.readahead import paused_gc

log = logging.getLogger(__name__)


class ApiError(RuntimeError):
    """The API refused a request for good, or kept failing after every retry."""


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again and how long to wait before doing so."""

    max_attempts: int = 30  # a storm of refusals can outlast a dozen tries; each try is logged
    backoff_seconds: float = 1.0  # first wait when the server gives no hint; doubles each time
    max_wait_seconds: float = 60.0  # no single wait is longer, Retry-After included

    def wait(self, attempt: int, response: requests.Response | None) -> float:
        # Not `if response`: a requests.Response is falsy for every error status.
        hinted = (
            None if response is None else retry_after_seconds(response.headers.get("Retry-After"))
        )
        if hinted is not None:
            return min(hinted, self.max_wait_seconds)
        return min(self.backoff_seconds * 2 ** (attempt - 1), self.max_wait_seconds)


def retry_after_seconds(value: str | None) -> float | None:
    """Read a Retry-After header: a number of seconds or an HTTP date; None when absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def parse_json(body: bytes) -> Any:
    """orjson with the cyclic garbage collector paused.

    A page makes tens of thousands of dicts at once, and each allocation burst would otherwise
    set off collections that walk everything dlt holds alive; pausing measured about 2x faster
    parsing inside a pipeline. The page's objects hold no cycles, so nothing is lost.
    """
    with paused_gc():
        return orjson.loads(body)


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


@dataclass
class ApiClient:
    """A requests session bound to one vendor's base URL, headers and auth."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: requests.auth.AuthBase | tuple[str, str] | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    stats: Counter = field(default_factory=Counter)
    # Some vendors throttle with a status other than 429 (Auvik answers 403 "rate limit"); this
    # says which other answers are throttles, to be retried like a 429.
    is_throttle: Callable[[requests.Response], bool] | None = None

    def __post_init__(self) -> None:
        # Pages are fetched ahead by one thread per resource, and a source's resources share
        # this client: one request at a time keeps the vendor's view (rate limits, Cove's visa
        # chain) exactly as if the resources were read one after another.
        self._one_at_a_time = threading.Lock()
        self.session = requests.Session()
        self.session.headers.update(self.headers)
        self.session.auth = self.auth

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def send(self, request: requests.Request) -> tuple[Any, requests.Response]:
        """Send one request until it yields a parseable body; refusals (4xx) are not retried."""
        with self._one_at_a_time:
            return self._send(request)

    def _send(self, request: requests.Request) -> tuple[Any, requests.Response]:
        prepared = self.session.prepare_request(request)
        for attempt in range(1, self.retry.max_attempts + 1):
            response, problem = None, ""
            try:
                response = self.session.send(prepared, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if is_retryable(response.status_code):
                    problem = f"HTTP {response.status_code}"
                elif self.is_throttle is not None and self.is_throttle(response):
                    problem = f"HTTP {response.status_code} (throttled)"
                elif response.status_code >= 400:
                    raise ApiError(
                        f"{request.method} {prepared.url} answered "
                        f"{response.status_code}: {response.text[:300]}"
                    )
                else:
                    try:
                        return parse_json(response.content), response
                    except orjson.JSONDecodeError:
                        problem = f"unparseable body ({len(response.content)} bytes)"
            self.stats[problem.split(":")[0].split(" (")[0]] += 1
            if attempt == self.retry.max_attempts:
                break
            pause = self.retry.wait(attempt, response)
            log.warning(
                "%s %s: %s; retry %d in %.2f s",
                request.method,
                prepared.path_url[:160],
                problem,
                attempt,
                pause,
            )
            self.sleep(pause)
        raise ApiError(
            f"{request.method} {prepared.url} still failing after "
            f"{self.retry.max_attempts} attempts: {problem}"
        )

    def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        paginator: BasePaginator | None = None,
        records_key: str | None = None,
    ) -> Iterator[list[dict]]:
        """Yield the records of each page; `records_key` picks the list out of an envelope.

        The generator keeps no reference to a page once it is yielded, so a page is freed as
        soon as the consumer drops it (see `arrow_pages` on why that matters for speed).
        """
        request = requests.Request(
            "GET", self.url(path), params=dict(params or {}), headers=dict(headers or {})
        )
        paginator = paginator or SinglePagePaginator()
        paginator.init_request(request)
        while True:
            yield self.next_page(request, paginator, records_key)
            if not paginator.has_next_page:
                return

    def next_page(
        self, request: requests.Request, paginator: BasePaginator, records_key: str | None
    ) -> Any:
        body, response = self.send(request)
        records = body[records_key] if records_key else body
        self.stats["pages"] += 1
        paginator.update_state(response, records)
        paginator.update_request(request)
        return records
