"""Short names for the expectations the raw suites use, and the formats the vendors promise."""

from __future__ import annotations

from checks.raw import ERROR, WARN, Rule

# Timestamps as each vendor writes them. The fraction is optional everywhere (vendors drop it
# on whole seconds); the zone is not, because a timestamp without one cannot be put in UTC.
ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?Z$"
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:[+-]\d{2}:\d{2}|Z)$"
UNIX_SECONDS = r"^\d{9,10}$"  # 1973 to 2286: a millisecond value has 13 digits
DIGITS = r"^\d+$"
MAC = r"^(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"
IPV4 = r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$"
IPV6 = r"^[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}$"  # loosely: groups and colons
IP = f"{IPV4}|{IPV6}"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def key(column: str) -> tuple[Rule, Rule]:
    """A primary key: present and unique within the load."""
    return (
        Rule("ExpectColumnValuesToNotBeNull", {"column": column}, ERROR),
        Rule("ExpectColumnValuesToBeUnique", {"column": column}, ERROR),
    )


def required(column: str) -> Rule:
    """A reference or cursor the models cannot do without."""
    return Rule("ExpectColumnValuesToNotBeNull", {"column": column}, ERROR)


def present(column: str) -> Rule:
    return Rule("ExpectColumnValuesToNotBeNull", {"column": column}, WARN)


def one_of(column: str, values: list) -> Rule:
    return Rule("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values})


def between(column: str, low: float | None, high: float | None = None) -> Rule:
    return Rule(
        "ExpectColumnValuesToBeBetween", {"column": column, "min_value": low, "max_value": high}
    )


def matches(column: str, pattern: str) -> Rule:
    return Rule("ExpectColumnValuesToMatchRegex", {"column": column, "regex": pattern})


def length_between(column: str, low: int, high: int) -> Rule:
    return Rule(
        "ExpectColumnValueLengthsToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
    )


def always(column: str) -> Rule:
    """A true/false column computed in the select list that must be true on every row."""
    return Rule("ExpectColumnValuesToBeInSet", {"column": column, "value_set": [True]})
