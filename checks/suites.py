"""The raw-data expectations per vendor resource. Column names are as the lake holds them:
top level snake_cased by dlt, members inside structs as the vendor spells them."""

from __future__ import annotations

from checks.raw import Suite


def not_null(column: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToNotBeNull", {"column": column})


def unique(column: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeUnique", {"column": column})


def one_of(column: str, values: list) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values})


def between(column: str, low: float, high: float) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeBetween", {"column": column, "min_value": low,
                                              "max_value": high})


def matches(column: str, pattern: str) -> tuple[str, dict]:
    return ("ExpectColumnValuesToMatchRegex", {"column": column, "regex": pattern})


def length_between(column: str, low: int, high: int) -> tuple[str, dict]:
    return ("ExpectColumnValueLengthsToBeBetween", {"column": column, "min_value": low,
                                                    "max_value": high})


SUITES: list[Suite] = [
    Suite("connectwise", "tickets",
          "id, summary, company.id as company_id, board.name as board_name, "
          "priority.id as priority_id, last_updated_at",
          (not_null("id"), unique("id"), length_between("summary", 1, 100),
           not_null("company_id"), one_of("board_name", ["Help Desk", "NOC Alerts"]),
           between("priority_id", 1, 4), not_null("last_updated_at"))),
    Suite("connectwise", "configurations",
          "id, company.id as company_id, mac_address, type.name as type_name",
          (not_null("id"), unique("id"), not_null("company_id"),
           matches("mac_address", r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"),
           one_of("type_name", ["Workstation", "Server", "Firewall", "Switch",
                                "Access Point"]))),
    Suite("connectwise", "companies", "id, name, identifier",
          (not_null("id"), unique("id"), not_null("name"))),
]
