"""The ConnectWise conditions grammar."""

import pytest

from simulator.cw_conditions import ConditionError, parse

TICKET = {
    "id": 7,
    "summary": "Printer offline",
    "board": {"name": "Help Desk"},
    "closedFlag": False,
    "_info": {"lastUpdated": "2026-11-02T10:00:00Z"},
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ('board/name="Help Desk"', True),
        ('board/name!="Help Desk"', False),
        ("id in (1, 7, 9)", True),
        ("id not in (7)", False),
        ('summary contains "OFFLINE"', True),
        ('summary like "Print%"', True),
        ("_info/lastUpdated > [2026-11-01T00:00:00Z]", True),
        ("_info/lastUpdated > [2026-11-02T10:00:00+00:00]", False),
        ("closedFlag = false and (id = 1 or id = 7)", True),
        ("closedFlag = true or id >= 8", False),
    ],
)
def test_conditions(text, expected):
    assert parse(text)(TICKET) is expected


@pytest.mark.parametrize("text", ["id ~~ 3", "id = ", "(id = 1", "id = [not a date]", "id in 1,2"])
def test_bad_conditions_name_the_problem(text):
    with pytest.raises(ConditionError, match="conditions"):
        parse(text)
