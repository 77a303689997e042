"""Auvik v1 list grammar: `filter[name]` parameters, `tenants`, and JSON:API cursor paging
with `page[first]`/`page[after]` forward and `page[last]`/`page[before]` backward.

Cursors are keyset positions on each list's sort key, so a page boundary stays put while the
world changes underneath a client.
"""

from __future__ import annotations

import base64
import binascii
import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from simulator.emulator import Refusal, Rendered, SimState, drift_between_pages, json_response

MEDIA = "application/vnd.api+json"
Predicate = Callable[[dict], bool]
Builder = Callable[[str, str], Predicate]


def error_response(status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    body = {"errors": [{"status": str(status), "title": title, "detail": detail}]}
    return json_response(body, status, headers, media_type=MEDIA)


def bad_request(detail: str) -> Refusal:
    return Refusal(error_response(400, "Bad Request", detail))


def attr(name: str) -> Callable[[dict], object]:
    return lambda r: r["attributes"][name]


def tenant_of(record: dict) -> str:
    return record["relationships"]["tenant"]["data"]["id"]


def milli_bound(raw: str, name: str) -> str:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(
            f"{name}: expected an ISO 8601 timestamp such as 2026-09-01T00:00:00.000Z, got {raw!r}"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def one_of(get: Callable[[dict], object], allowed: tuple[str, ...] = ()) -> Builder:
    def build(raw: str, name: str) -> Predicate:
        wanted = frozenset(v.strip() for v in raw.split(",") if v.strip())
        unknown = sorted(wanted - set(allowed)) if allowed else []
        if not wanted or unknown:
            raise bad_request(f"{name}: expected one or more of {list(allowed)}, got {raw!r}")
        return lambda r: get(r) in wanted

    return build


def after(get: Callable[[dict], object]) -> Builder:
    def build(raw: str, name: str) -> Predicate:
        bound = milli_bound(raw, name)
        return lambda r: (get(r) or "") > bound

    return build


def before(get: Callable[[dict], object]) -> Builder:
    def build(raw: str, name: str) -> Predicate:
        bound = milli_bound(raw, name)
        return lambda r: (value := get(r)) is not None and value < bound

    return build


def flag(get: Callable[[dict], object]) -> Builder:
    def build(raw: str, name: str) -> Predicate:
        if raw not in ("true", "false"):
            raise bad_request(f"{name}: expected true or false, got {raw!r}")
        wanted = raw == "true"
        return lambda r: get(r) is wanted

    return build


@dataclass(frozen=True)
class Listing:
    """One list endpoint: how to render it, sort it and filter it."""

    name: str
    render: Callable[[SimState, str], Rendered]
    key: Callable[[dict], tuple]
    filters: dict[str, Builder]
    drift: Callable[[SimState, random.Random], None] | None = None


def compile_query(
    listing: Listing, params: Mapping[str, str], tenants: set[str], msp_id: str
) -> list[Predicate]:
    found = []
    for name, raw in params.items():
        if name.startswith("filter[") and name.endswith("]"):
            builder = listing.filters.get(name[7:-1])
            if builder is None:
                raise bad_request(
                    f"{name}: not a filter of {listing.name}; known: {sorted(listing.filters)}"
                )
            found.append(builder(raw, name))
    wanted = {v.strip() for v in params.get("tenants", "").split(",") if v.strip()}
    if wanted - tenants - {msp_id}:
        raise bad_request(f"tenants: unknown tenant id(s) {sorted(wanted - tenants - {msp_id})}")
    if wanted and msp_id not in wanted:
        found.append(lambda r: tenant_of(r) in wanted)
    return found


def page_size(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    # Unsure: the spec states no maximum; clients cap at 1000, so the emulator refuses more.
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise bad_request(f"{name}: expected a whole number from 1 to 1000, got {raw!r}")
    return int(raw)


def encode_cursor(key: tuple) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(raw: str, name: str) -> tuple:
    try:
        return tuple(orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_request(f"{name}: not a cursor this API handed out: {raw[:40]!r}") from exc


def link(request: Request, **page: object) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if not k.startswith("page[")]
    params += [(f"page[{k}]", str(v)) for k, v in page.items()]
    return str(request.url.replace(query=urlencode(params)))


def sorted_view(state: SimState, listing: Listing, base: str) -> tuple[list, Rendered]:
    def build() -> tuple[list, Rendered]:
        data = listing.render(state, base)
        order = sorted(range(len(data.records)), key=lambda i: listing.key(data.records[i]))
        records = Rendered([data.records[i] for i in order], [data.encoded[i] for i in order])
        return [listing.key(r) for r in records.records], records

    return state.cached("auvik", f"{listing.name}@{base}", build)


def choose(
    state: SimState, listing: Listing, request: Request, base: str, predicates: list[Predicate]
) -> tuple[Rendered, list[int], dict, int]:
    """The page's positions in the sorted view, the links and the number of pages."""
    q = request.query_params
    first, last = page_size(q, "page[first]"), page_size(q, "page[last]")
    after_raw, before_raw = q.get("page[after]"), q.get("page[before]")
    if (first and last) or (after_raw and before_raw):
        raise bad_request(
            "page: page forward (page[first], page[after]) or backward "
            "(page[last], page[before]), not both"
        )
    if (after_raw or before_raw) and listing.drift:
        drift_between_pages(state, "auvik", lambda r: listing.drift(state, r))
    keys, view = sorted_view(state, listing, base)
    chosen = (
        [i for i, r in enumerate(view.records) if all(p(r) for p in predicates)]
        if predicates
        else list(range(len(view.records)))
    )
    size = first or last or 100
    if last or before_raw:
        end = (
            bisect_left(chosen, decode_cursor(before_raw, "page[before]"), key=lambda i: keys[i])
            if before_raw
            else len(chosen)
        )
        start = max(0, end - size)
    else:
        start = (
            bisect_right(chosen, decode_cursor(after_raw, "page[after]"), key=lambda i: keys[i])
            if after_raw
            else 0
        )
        end = min(len(chosen), start + size)
    page = chosen[start:end]
    links = {"first": link(request, first=size), "last": link(request, last=size)}
    if end < len(chosen) and page:
        links["next"] = link(request, first=size, after=encode_cursor(keys[page[-1]]))
    if start > 0 and page:
        links["prev"] = link(request, last=size, before=encode_cursor(keys[page[0]]))
    return view, page, links, math.ceil(len(chosen) / size)


def list_response(view: Rendered, page: list[int], links: dict, pages: int) -> Response:
    data = b"[" + b",".join(view.encoded[i] for i in page) + b"]"
    body = (
        b'{"data":'
        + data
        + b',"links":'
        + orjson.dumps(links)
        + b',"meta":'
        + orjson.dumps({"totalPages": pages})
        + b"}"
    )
    return json_response(body, headers={"x-sim-records": str(len(page))}, media_type=MEDIA)
