"""VSPC v3 query parameters: `filter`, `sort` and `select` as URL-encoded JSON.

A filter node is `{"property": "status", "operation": "equals", "collation": "ignorecase",
"value": "Failed"}`; `and`, `or`, `not` and `exclusiveOr` nodes carry `items`. The top level is
a JSON array of nodes that must all hold (a single node object is accepted too). Properties may
be nested with dots (`lastActivation.status`); a path that crosses an array matches when any
element matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import orjson

Predicate = Callable[[dict], bool]
LOGICAL = {"and", "or", "not", "exclusiveOr"}
COMPARISONS = {
    "equals",
    "notEquals",
    "greaterThan",
    "greaterThanOrEqual",
    "lessThan",
    "lessThanOrEqual",
    "contains",
    "in",
    "subset",
    "superset",
}
COLLATIONS = {"ignorecase", "lexicographic", "ordinal"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MISSING = object()


class QueryError(ValueError):
    """A malformed filter, sort or select; the message names the parameter."""


def load(raw: str, name: str) -> list:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise QueryError(f"{name}: expected URL-encoded JSON, got {raw[:60]!r}") from exc
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise QueryError(f"{name}: expected a JSON array of objects, got {raw[:60]!r}")
    return value


def lookup(record: object, path: list[str]) -> list:
    """Every value the dotted path reaches; arrays on the way fan out."""
    values = [record]
    for part in path:
        found = []
        for v in values:
            items = v if isinstance(v, list) else [v]
            found += [i[part] for i in items if isinstance(i, dict) and part in i]
        values = found
    return values


def compile_filter(raw: str, known: set[str] | None) -> Predicate:
    nodes = load(raw, "filter")
    parts = [compile_node(n, known) for n in nodes]
    return lambda record: all(p(record) for p in parts)


def compile_node(node: dict, known: set[str] | None) -> Predicate:
    op = node.get("operation")
    if op in LOGICAL:
        items = node.get("items")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise QueryError(f"filter: operation {op!r} needs a non-empty `items` array")
        parts = [compile_node(i, known) for i in items]
        if op == "and":
            return lambda r: all(p(r) for p in parts)
        if op == "or":
            return lambda r: any(p(r) for p in parts)
        if op == "not":
            return lambda r: not all(p(r) for p in parts)
        return lambda r: sum(1 for p in parts if p(r)) == 1
    if op not in COMPARISONS:
        raise QueryError(
            f"filter: unknown operation {op!r}; expected one of {sorted(LOGICAL | COMPARISONS)}"
        )
    prop = node.get("property")
    if not isinstance(prop, str) or not prop:
        raise QueryError(f"filter: operation {op!r} needs a `property` name")
    if known is not None and prop.split(".")[0] not in known:
        raise QueryError(f"filter: unknown property {prop!r}")
    if "value" not in node:
        raise QueryError(f"filter: operation {op!r} on {prop!r} needs a `value`")
    # Unsure: the spec does not say which collation applies when none is sent; ignorecase
    # is assumed because every published example sends it.
    collation = node.get("collation", "ignorecase")
    if collation not in COLLATIONS:
        raise QueryError(
            f"filter: unknown collation {collation!r}; expected one of {sorted(COLLATIONS)}"
        )
    test = comparison(op, node["value"], collation == "ignorecase")
    path = prop.split(".")
    return lambda r: any(test(v) for v in lookup(r, path))


def comparison(op: str, wanted: object, fold: bool) -> Callable[[object], bool]:
    if op in ("in", "subset", "superset"):
        if not isinstance(wanted, list):
            raise QueryError(f"filter: operation {op!r} needs an array `value`")
        if op == "in":
            return lambda v: any(equal(v, w, fold) for w in wanted)
        if op == "subset":
            return lambda v: (
                isinstance(v, list) and all(any(equal(x, w, fold) for w in wanted) for x in v)
            )
        return lambda v: (
            isinstance(v, list) and all(any(equal(x, w, fold) for x in v) for w in wanted)
        )
    if op == "contains":
        return lambda v: contains(v, wanted, fold)
    if op == "equals":
        return lambda v: equal(v, wanted, fold)
    if op == "notEquals":
        return lambda v: not equal(v, wanted, fold)
    accept = {
        "greaterThan": lambda c: c > 0,
        "greaterThanOrEqual": lambda c: c >= 0,
        "lessThan": lambda c: c < 0,
        "lessThanOrEqual": lambda c: c <= 0,
    }[op]

    def ordered(value: object) -> bool:
        c = order(value, wanted, fold)
        return c is not None and accept(c)

    return ordered


def as_time(value: object) -> float | None:
    if isinstance(value, str) and TIMESTAMP.match(value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def comparable(a: object, b: object, fold: bool) -> tuple[object, object] | None:
    if isinstance(a, bool) or isinstance(b, bool):
        return (a, b) if isinstance(a, bool) and isinstance(b, bool) else None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        ta, tb = as_time(a), as_time(b)
        if ta is not None and tb is not None:
            return ta, tb
        return (a.casefold(), b.casefold()) if fold else (a, b)
    return None


def equal(a: object, b: object, fold: bool) -> bool:
    if isinstance(a, list):
        return any(equal(x, b, fold) for x in a)
    if a is None or b is None:
        return a is None and b is None
    pair = comparable(a, b, fold)
    return pair is not None and pair[0] == pair[1]


def order(a: object, b: object, fold: bool) -> int | None:
    pair = comparable(a, b, fold)
    if pair is None or isinstance(pair[0], bool):
        return None
    return (pair[0] > pair[1]) - (pair[0] < pair[1])


def contains(value: object, wanted: object, fold: bool) -> bool:
    if isinstance(value, list):
        return any(equal(v, wanted, fold) for v in value)
    if isinstance(value, str) and isinstance(wanted, str):
        return wanted.casefold() in value.casefold() if fold else wanted in value
    return False


def compile_sort(raw: str, known: set[str] | None) -> list[tuple[list[str], bool, bool]]:
    keys = []
    for node in load(raw, "sort"):
        prop, direction = node.get("property"), node.get("direction", "ascending")
        if not isinstance(prop, str) or not prop:
            raise QueryError("sort: every node needs a `property` name")
        if known is not None and prop.split(".")[0] not in known:
            raise QueryError(f"sort: unknown property {prop!r}")
        if direction not in ("ascending", "descending"):
            raise QueryError(f"sort: direction must be ascending or descending, got {direction!r}")
        fold = node.get("collation", "ignorecase") == "ignorecase"
        keys.append((prop.split("."), direction == "descending", fold))
    return keys


def sort_pairs(pairs: list, keys: list[tuple[list[str], bool, bool]]) -> list:
    for path, descending, fold in reversed(keys):
        pairs.sort(
            key=lambda p, path=path, fold=fold: sort_value(p[0], path, fold), reverse=descending
        )
    return pairs


def sort_value(record: dict, path: list[str], fold: bool) -> tuple:
    found = lookup(record, path)
    value = found[0] if found else None
    if value is None:
        return (1, 0, "")
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    text = str(value)
    return (0, 0, text.casefold() if fold else text)


def compile_select(raw: str) -> list[list[str]]:
    paths = []
    for node in load(raw, "select"):
        path = node.get("propertyPath")
        if not isinstance(path, str) or not path:
            raise QueryError("select: every node needs a `propertyPath`")
        paths.append(path.split("."))
    return paths


def project(record: dict, paths: list[list[str]]) -> dict:
    out: dict = {}
    for path in paths:
        src, dst = record, out
        for part in path[:-1]:
            src = src.get(part) if isinstance(src, dict) else None
            dst = dst.setdefault(part, {})
        if isinstance(src, dict) and path[-1] in src:
            dst[path[-1]] = src[path[-1]]
    return out
