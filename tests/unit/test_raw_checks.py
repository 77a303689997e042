"""Raw-data suites pass on good records and name what is wrong in bad ones."""

import pandas as pd

from checks.raw import validate
from checks.suites import SUITES

TICKETS = next(s for s in SUITES if s.name == "connectwise__tickets")


def frame(**changes) -> pd.DataFrame:
    rows = {"id": [1, 2, 3], "summary": ["Printer offline", "VPN drops", "Password reset"],
            "company_id": [250, 250, 257], "board_name": ["Help Desk"] * 3,
            "priority_id": [3, 1, 4], "last_updated_at": pd.to_datetime(["2026-11-30"] * 3)}
    rows.update(changes)
    return pd.DataFrame(rows)


def test_good_tickets_pass():
    outcome = validate(TICKETS, frame())
    assert outcome.success and outcome.rows == 3 and outcome.evaluated == 7


def test_bad_tickets_fail_naming_each_column():
    outcome = validate(TICKETS, frame(id=[1, 1, 3], priority_id=[3, 9, 4],
                                      board_name=["Help Desk", "Sales", "Help Desk"]))
    assert not outcome.success
    assert len(outcome.failed) == 3
    assert any("unique" in f.lower() and " id:" in f for f in outcome.failed)
    assert any("priority_id: 1 unexpected" in f for f in outcome.failed)
    assert any("board_name: 1 unexpected" in f for f in outcome.failed)
