"""ConnectWise Manage `conditions` grammar: `field op value` joined by and/or, with parentheses.

Strings are in double quotes, datetimes in square brackets, nested fields use `/`
(`board/name="Help Desk" and _info/lastUpdated>[2026-01-01T00:00:00Z]`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase

from simulator.emulator import iso, parse_iso

Predicate = Callable[[dict], bool]

TOKEN = re.compile(
    r"""\s*(?:
    (?P<lpar>\() | (?P<rpar>\)) | (?P<comma>,) |
    (?P<string>"(?:[^"\\]|\\.)*") |
    (?P<date>\[[^\]]*\]) |
    (?P<op><=|>=|!=|=|<|>) |
    (?P<word>[A-Za-z0-9_/.\-:+]+)
    )""",
    re.VERBOSE,
)
WORD_OPS = {"contains", "like", "in", "not"}


class ConditionError(ValueError):
    pass


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"conditions: cannot read {text[pos : pos + 20]!r} at {pos}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


def parse(text: str) -> Predicate:
    tokens = tokenize(text)
    if not tokens:
        return lambda record: True
    pred, rest = parse_or(tokens)
    if rest:
        raise ConditionError(f"conditions: unexpected {rest[0][1]!r}")
    return pred


def parse_or(tokens):
    left, tokens = parse_and(tokens)
    while tokens and tokens[0][0] == "word" and tokens[0][1].lower() == "or":
        right, tokens = parse_and(tokens[1:])
        left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
    return left, tokens


def parse_and(tokens):
    left, tokens = parse_term(tokens)
    while tokens and tokens[0][0] == "word" and tokens[0][1].lower() == "and":
        right, tokens = parse_term(tokens[1:])
        left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
    return left, tokens


def parse_term(tokens):
    if not tokens:
        raise ConditionError("conditions: expected a comparison, found the end")
    if tokens[0][0] == "lpar":
        inner, rest = parse_or(tokens[1:])
        if not rest or rest[0][0] != "rpar":
            raise ConditionError("conditions: missing closing parenthesis")
        return inner, rest[1:]
    if len(tokens) < 3 or tokens[0][0] != "word":
        raise ConditionError(f"conditions: expected `field op value` at {tokens[0][1]!r}")
    field, (kind, op), rest = tokens[0][1], tokens[1], tokens[2:]
    negate = False
    if op.lower() == "not" and rest and rest[0][1].lower() in ("like", "contains", "in"):
        negate, op, rest = True, rest[0][1], rest[1:]
    if kind not in ("op", "word") or (kind == "word" and op.lower() not in WORD_OPS):
        raise ConditionError(f"conditions: unknown operator {op!r} after {field!r}")
    if op.lower() == "in":
        values, rest = parse_list(rest)
    else:
        values, rest = [literal(rest[0])], rest[1:]
    pred = comparison(field, op.lower(), values)
    return ((lambda p: lambda r: not p(r))(pred) if negate else pred), rest


def parse_list(tokens):
    if not tokens or tokens[0][0] != "lpar":
        raise ConditionError("conditions: `in` needs a list in parentheses")
    values, tokens = [], tokens[1:]
    while tokens and tokens[0][0] != "rpar":
        if tokens[0][0] != "comma":
            values.append(literal(tokens[0]))
        tokens = tokens[1:]
    if not tokens:
        raise ConditionError("conditions: missing closing parenthesis of `in` list")
    return values, tokens[1:]


def literal(token: tuple[str, str]) -> object:
    kind, text = token
    if kind == "string":
        return text[1:-1].replace('\\"', '"')
    if kind == "date":
        try:
            return iso(parse_iso(text[1:-1], "conditions date"))
        except ValueError as exc:
            raise ConditionError(str(exc)) from exc
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError as exc:
            raise ConditionError(
                f"conditions: value {text!r} must be a quoted string, [datetime] or number"
            ) from exc


def lookup(record: dict, path: str) -> object:
    value: object = record
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(
            part, next((v for k, v in value.items() if k.lower() == part.lower()), None)
        )
    return value


def comparison(field: str, op: str, values: list) -> Predicate:
    value = values[0] if values else None

    def compare(record: dict) -> bool:
        actual = lookup(record, field)
        if op == "in":
            return actual in values
        if op == "contains":
            return isinstance(actual, str) and str(value).lower() in actual.lower()
        if op == "like":
            return isinstance(actual, str) and fnmatchcase(
                actual.lower(), str(value).lower().replace("%", "*")
            )
        if op == "=":
            return actual == value
        if op == "!=":
            return actual != value
        if actual is None or value is None:
            return False
        try:
            return {
                "<": actual < value,
                "<=": actual <= value,
                ">": actual > value,
                ">=": actual >= value,
            }[op]
        except TypeError:
            return False

    return compare
