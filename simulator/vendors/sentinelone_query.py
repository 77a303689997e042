"""SentinelOne list grammar: wire-named filters, cursor paging and the error body.

Filters follow the v2.1 spelling: plural list names with comma-separated values, exclusions
with a plain `Nin` suffix, ranges with `__gt|__gte|__lt|__lte|__between` and substrings with
`__contains`. The same grammar reads the `filter` object of the action endpoints.
"""

from __future__ import annotations

import base64
import binascii
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from starlette.responses import Response

from simulator.emulator import Refusal, Rendered, SimState, drift_between_pages, json_response

Getter = Callable[[dict], object]
Predicate = Callable[[dict], bool]
PAGING = ("limit", "cursor", "skip", "skipCount", "countOnly", "sortBy", "sortOrder")
RANGE_OPS = ("gt", "gte", "lt", "lte")


def error_response(
    status: int, code: int, title: str, detail: str, headers: dict | None = None
) -> Response:
    body = {"errors": [{"code": code, "title": title, "detail": detail, "params": {}}]}
    return json_response(body, status, headers)


def bad_request(detail: str) -> Refusal:
    return Refusal(error_response(400, 4000010, "Validation Error", detail))


def at(path: str) -> Getter:
    """A getter for a dotted path inside a record, e.g. `threatInfo.incidentStatus`."""
    first, _, rest = path.partition(".")
    if not rest:
        return lambda r: r[first]
    return lambda r: r[first][rest]


@dataclass(frozen=True)
class Resource:
    """What one list endpoint can filter and sort on, by wire name."""

    name: str
    render: Callable[[SimState], Rendered]
    lists: dict[str, Getter]
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bools: dict[str, Getter] = field(default_factory=dict)
    times: dict[str, Getter] = field(default_factory=dict)
    texts: dict[str, Getter] = field(default_factory=dict)
    sorts: dict[str, Getter] = field(default_factory=dict)
    drift: Callable[[SimState, random.Random], None] | None = None


def micro_bound(raw: str, name: str) -> str:
    """A query timestamp as the micro-second text the records carry, so strings compare."""
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(
            f"{name}: expected an ISO 8601 timestamp such as "
            f"2026-09-01T00:00:00.000000Z, got {raw!r}"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def between_bounds(raw: str, name: str) -> tuple[str, str]:
    low, sep, high = raw.partition("-")
    if not sep or not low.isdigit() or not high.isdigit():
        raise bad_request(f"{name}: expected two epoch milliseconds as `from-to`, got {raw!r}")
    as_text = [
        datetime.fromtimestamp(int(v) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for v in (low, high)
    ]
    return as_text[0], as_text[1]


def parse_bool(raw: str, name: str) -> bool:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"{name}: expected true or false, got {raw!r}")


def one_of(get: Getter, wanted: frozenset, exclude: bool) -> Predicate:
    return lambda r: (get(r) in wanted) != exclude


def compare(get: Getter, op: str, bound: str) -> Predicate:
    tests = {
        "gt": lambda v: v > bound,
        "gte": lambda v: v >= bound,
        "lt": lambda v: v < bound,
        "lte": lambda v: v <= bound,
    }
    test = tests[op]
    return lambda r: (value := get(r)) is not None and test(value)


def contains(get: Getter, needles: list[str]) -> Predicate:
    return lambda r: any(n in (get(r) or "").lower() for n in needles)


def list_filter(res: Resource, name: str, raw: str) -> Predicate:
    exclude = name not in res.lists
    base = name[:-3] if exclude else name
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise bad_request(f"{name}: expected a comma-separated list of values, got {raw!r}")
    allowed = res.enums.get(base)
    unknown = [v for v in values if allowed and v not in allowed]
    if unknown:
        raise bad_request(f"{name}: unknown value(s) {unknown}; allowed: {list(allowed)}")
    return one_of(res.lists[base], frozenset(values), exclude)


def suffixed_filter(res: Resource, name: str, raw: str) -> Predicate:
    base, _, op = name.partition("__")
    if base in res.times and op in RANGE_OPS:
        return compare(res.times[base], op, micro_bound(raw, name))
    if base in res.times and op == "between":
        low, high = between_bounds(raw, name)
        get = res.times[base]
        return lambda r: low <= (get(r) or "") <= high
    if base in res.texts and op == "contains":
        needles = [v.strip().lower() for v in raw.split(",") if v.strip()]
        return contains(res.texts[base], needles)
    raise bad_request(f"{name}: not a filter of /{res.name}")


def compile_filters(res: Resource, params: Mapping[str, str]) -> list[Predicate]:
    """Turn wire-named filters into predicates; a name the endpoint does not know is a 400."""
    found = []
    for name, raw in params.items():
        if name in PAGING:
            continue
        if name in res.lists or (name.endswith("Nin") and name[:-3] in res.lists):
            found.append(list_filter(res, name, raw))
        elif name in res.bools:
            flag, get = parse_bool(raw, name), res.bools[name]
            found.append(lambda r, flag=flag, get=get: get(r) is flag)
        elif "__" in name:
            found.append(suffixed_filter(res, name, raw))
        else:
            # Unsure: the console may ignore unknown names; refusing them catches typos early.
            raise bad_request(f"{name}: not a filter of /{res.name}")
    return found


def body_filter(res: Resource, body: object) -> list[Predicate]:
    """The `filter` object of an action body, read with the list grammar."""
    if not isinstance(body, dict) or not isinstance(body.get("filter"), dict):
        raise bad_request('body: expected {"filter": {...}, "data": {...}}')
    params = {}
    for name, value in body["filter"].items():
        if name in PAGING:
            raise bad_request(f"filter.{name}: paging is not a filter")
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, list):
            params[name] = ",".join(str(v) for v in value)
        else:
            params[name] = str(value)
    return compile_filters(res, params)


@dataclass
class SortedView:
    keys: list[tuple]
    records: list[dict]
    encoded: list[bytes]


def sort_key(value: object, ident: str) -> tuple:
    return (0, "", ident) if value is None else (1, value, ident)


def sorted_view(state: SimState, res: Resource, sort_by: str) -> SortedView:
    def build() -> SortedView:
        data: Rendered = state.cached("sentinelone", res.name, lambda: res.render(state))
        get = res.sorts[sort_by]
        keyed = sorted(
            (
                (sort_key(get(r), r["id"]), r, e)
                for r, e in zip(data.records, data.encoded, strict=True)
            ),
            key=lambda t: t[0],
        )
        return SortedView(
            [k for k, _, _ in keyed], [r for _, r, _ in keyed], [e for _, _, e in keyed]
        )

    return state.cached("sentinelone", f"{res.name}:by:{sort_by}", build)


def encode_cursor(sort_by: str, order: str, key: tuple) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([sort_by, order, list(key)])).decode()


def decode_cursor(raw: str, sort_by: str, order: str) -> tuple:
    try:
        got_sort, got_order, key = orjson.loads(base64.urlsafe_b64decode(raw.encode()))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_request(f"cursor: not a cursor this API handed out: {raw[:40]!r}") from exc
    if (got_sort, got_order) != (sort_by, order):
        raise bad_request(
            "cursor: it was made for another sortBy/sortOrder; keep them the same while paging"
        )
    return tuple(key)


def whole(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_request(f"{name}: expected a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


def select(
    state: SimState, res: Resource, params: Mapping[str, str]
) -> tuple[list[bytes], int, str | None]:
    """One page: (encoded records, matching total, next cursor)."""
    limit = whole(params, "limit", 10, 1, 1000)
    skip = whole(params, "skip", 0, 0, 1000)
    sort_by = params.get("sortBy") or "id"  # Unsure: the default order is not documented.
    order = params.get("sortOrder") or "asc"
    if sort_by not in res.sorts:
        raise bad_request(f"sortBy: expected one of {sorted(res.sorts)}, got {sort_by!r}")
    if order not in ("asc", "desc"):
        raise bad_request(f"sortOrder: expected asc or desc, got {order!r}")
    predicates = compile_filters(res, params)
    cursor = params.get("cursor")
    if cursor and res.drift:
        drift_between_pages(state, "sentinelone", lambda r: res.drift(state, r))
    view = sorted_view(state, res, sort_by)
    chosen = (
        [i for i, r in enumerate(view.records) if all(p(r) for p in predicates)]
        if predicates
        else list(range(len(view.records)))
    )
    start = 0
    if cursor:
        key = decode_cursor(cursor, sort_by, order)
        if order == "asc":
            start = bisect_right(chosen, key, key=lambda i: view.keys[i])
        else:
            start = len(chosen) - bisect_left(chosen, key, key=lambda i: view.keys[i])
    if order == "desc":
        chosen.reverse()
    page = chosen[start + skip : start + skip + limit]
    more = start + skip + limit < len(chosen)
    next_cursor = encode_cursor(sort_by, order, view.keys[page[-1]]) if more and page else None
    return [view.encoded[i] for i in page], len(chosen), next_cursor


def list_body(data: bytes, total: int | None, next_cursor: str | None) -> bytes:
    pagination = orjson.dumps({"totalItems": total, "nextCursor": next_cursor})
    return b'{"data":' + data + b',"pagination":' + pagination + b',"errors":null}'
