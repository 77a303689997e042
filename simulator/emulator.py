"""Shared mechanics of the vendor emulators: state, record caches, faults and the request log.

A vendor module supplies its routes, its auth check and its error bodies; everything that
behaves the same across vendors (fault injection, logging, paging slices) lives here once.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import orjson
from starlette.requests import Request
from starlette.responses import Response

from simulator.world import World

JSON = "application/json"


@dataclass
class Faults:
    """Injected misbehaviour for one vendor; all off by default."""

    error_rate: float = 0.0  # chance that a request starts a burst of 5xx answers
    error_burst: int = 3  # how many answers in a row such a burst lasts
    slow_ms: int = 0  # delay added to every answer
    rate_limit_every: int = 0  # every Nth request starts a rate-limit storm (0: never)
    rate_limit_storm: int = 5  # answers in a row that a storm refuses
    retry_after: bool = True  # whether refusals carry a Retry-After hint
    drift: bool = False  # records change between the pages of one listing
    truncate_rate: float = 0.0  # chance that a body is cut off mid-way

    @classmethod
    def from_dict(cls, values: dict) -> Faults:
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**values)


@dataclass
class VendorState:
    name: str
    faults: Faults = field(default_factory=Faults)
    rng: random.Random = field(default_factory=random.Random)
    requests: int = 0
    burst_left: int = 0
    storm_left: int = 0


class SimState:
    """Everything one emulator process holds: the world, per-vendor state and the log."""

    def __init__(self, world: World, vendors: Iterable[str]):
        self.world = world
        self.lock = threading.RLock()
        self.vendors = {v: VendorState(v, rng=world.rng.stream("faults", v)) for v in vendors}
        self.log: list[dict] = []
        self._cache: dict[tuple[str, str], tuple[int, object]] = {}

    def cached(self, vendor: str, resource: str, render: Callable[[], object]) -> object:
        """Render a resource once per world version; writes and clock moves invalidate it."""
        key = (vendor, resource)
        with self.lock:
            hit = self._cache.get(key)
            if hit and hit[0] == self.world.version:
                return hit[1]
            value = render()
            if len(self._cache) > 512:  # query results pile up under many distinct filters
                self._cache.clear()
            self._cache[key] = (self.world.version, value)
            return value

    def set_faults(self, vendor: str, values: dict) -> None:
        if vendor not in self.vendors:
            raise ValueError(f"unknown vendor {vendor!r}; known: {sorted(self.vendors)}")
        state = self.vendors[vendor]
        state.faults = Faults.from_dict(values)
        state.burst_left = state.storm_left = 0

    def faults_dict(self) -> dict:
        return {v: asdict(s.faults) for v, s in self.vendors.items()}


@dataclass
class Rendered:
    """A list of records with each record's JSON bytes made once."""

    records: list[dict]
    encoded: list[bytes]

    @classmethod
    def of(cls, records: list[dict]) -> Rendered:
        return cls(records, [orjson.dumps(r) for r in records])


def join_json(parts: list[bytes]) -> bytes:
    return b"[" + b",".join(parts) + b"]"


def json_response(
    body: object, status: int = 200, headers: dict | None = None, media_type: str = JSON
) -> Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(raw, status_code=status, headers=headers, media_type=media_type)


class Refusal(Exception):
    """Raised inside a handler to answer with a vendor-shaped error."""

    def __init__(self, response: Response):
        self.response = response


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class VendorStyle:
    """How one vendor spells its errors; each vendor module fills one in."""

    name: str
    server_error: Callable[[], Response]
    rate_limited: Callable[[bool], Response]
    authenticate: Callable[[Request], Response | None]


def endpoint(
    state: SimState, style: VendorStyle, handler: Handler, authenticated: bool = True
) -> Handler:
    """Wrap a handler with auth, fault injection and the request log."""

    async def wrapped(request: Request) -> Response:
        vendor = state.vendors[style.name]
        with state.lock:
            vendor.requests += 1
            fault = pick_fault(vendor)
        if vendor.faults.slow_ms:
            await asyncio.sleep(vendor.faults.slow_ms / 1000)
        response = fault(style) if fault else None
        if response is None and authenticated:
            response = style.authenticate(request)
        if response is None:
            try:
                response = await handler(request)
            except Refusal as refusal:
                response = refusal.response
        if fault is None and vendor.faults.truncate_rate and response.status_code == 200:
            with state.lock:
                cut = vendor.rng.random() < vendor.faults.truncate_rate
            if cut and len(response.body) > 2:
                response = Response(
                    response.body[: len(response.body) // 2],
                    status_code=200,
                    media_type=response.media_type,
                )
        record_request(state, style.name, request, response)
        return response

    return wrapped


def pick_fault(vendor: VendorState) -> Callable[[VendorStyle], Response] | None:
    faults = vendor.faults
    if vendor.storm_left > 0:
        vendor.storm_left -= 1
        hint = faults.retry_after and vendor.storm_left % 2 == 0
        return lambda style: style.rate_limited(hint)
    if faults.rate_limit_every and vendor.requests % faults.rate_limit_every == 0:
        vendor.storm_left = faults.rate_limit_storm - 1
        return lambda style: style.rate_limited(faults.retry_after)
    if vendor.burst_left > 0:
        vendor.burst_left -= 1
        return lambda style: style.server_error()
    if faults.error_rate and vendor.rng.random() < faults.error_rate:
        vendor.burst_left = faults.error_burst - 1
        return lambda style: style.server_error()
    return None


def record_request(state: SimState, vendor: str, request: Request, response: Response) -> None:
    with state.lock:
        state.log.append(
            {
                "seq": len(state.log) + 1,
                "vendor": vendor,
                "method": request.method,
                "path": request.url.path,
                "query": str(request.url.query),
                "status": response.status_code,
                "records": int(response.headers.get("x-sim-records", "-1")),
                "clock": state.world.clock,
            }
        )


def drift_between_pages(
    state: SimState, vendor: str, touch: Callable[[random.Random], None]
) -> None:
    """With the drift fault on, let the world change while a client pages through a list."""
    vs = state.vendors[vendor]
    if not vs.faults.drift:
        return
    with state.lock:
        touch(vs.rng)
        state.world.touch()


def page_slice(items: list, offset: int, size: int) -> list:
    return items[offset : offset + size]


def iso(ts: int | None, style: str = "seconds") -> str | None:
    """Format epoch seconds the way each vendor does."""
    if ts is None:
        return None
    dt = datetime.fromtimestamp(ts, UTC)
    if style == "seconds":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "micro":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == "milli":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    if style == "veeam":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond * 10:07d}+00:00"
    raise ValueError(f"unknown timestamp style {style!r}")


def parse_iso(text: str, name: str) -> int:
    """Read an ISO 8601 timestamp from a query; refuse anything else with a clear message."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{name}: expected an ISO 8601 timestamp, got {text!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}: expected a whole number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ValueError(f"{name}: expected a number from {low} to {high}, got {value}")
    return value
