"""ConnectWise Manage emulator against the vendor's contract, over real HTTP."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from simulator.vendors import connectwise as cw

TOKEN = base64.b64encode(f"{cw.COMPANY_ID}+{cw.PUBLIC_KEY}:{cw.PRIVATE_KEY}".encode()).decode()
HEADERS = {"Authorization": f"Basic {TOKEN}", "clientId": cw.CLIENT_ID}


@pytest.fixture(scope="module")
def client(emulator):
    base, _ = emulator
    with httpx.Client(base_url=base + cw.PREFIX, headers=HEADERS, timeout=30) as c:
        yield c


def live_tickets(state) -> list:
    at = state.world.clock
    return [
        t
        for t in state.world.tickets
        if t.entered_at <= at and not (t.deleted_at is not None and t.deleted_at <= at)
    ]


def next_link(response: httpx.Response) -> str | None:
    m = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return m.group(1) if m else None


def page_all(client: httpx.Client, path: str, **params) -> list[dict]:
    records, url = [], path
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        records += response.json()
        url = next_link(response)
        if not url:
            return records
        response = client.get(url)


@pytest.mark.parametrize("size", [1, 7, 250, 1000])
def test_numbered_paging_returns_every_ticket_once(client, emulator, size):
    _, state = emulator
    ids = (
        [r["id"] for r in page_all(client, "/service/tickets", pageSize=size, fields="id")]
        if size > 1
        else None
    )
    if ids is None:  # page size 1 over thousands of tickets is slow: check the first pages only
        first = [
            client.get("/service/tickets", params={"pageSize": 1, "page": p}).json()[0]["id"]
            for p in (1, 2, 3)
        ]
        expected = sorted(t.id for t in live_tickets(state))[:3]
        assert first == expected
        return
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(t.id for t in live_tickets(state))


def test_forward_only_paging_follows_page_id(client, emulator):
    _, state = emulator
    records, url = [], "/service/tickets"
    response = client.get(
        url, params={"pageSize": 500}, headers={"pagination-type": "forward-only"}
    )
    while True:
        records += response.json()
        url = next_link(response)
        if not url:
            break
        assert "pageId=" in url
        response = client.get(url, headers={"pagination-type": "forward-only"})
    assert [r["id"] for r in records] == sorted(t.id for t in live_tickets(state))


def test_page_size_over_1000_is_refused(client):
    response = client.get("/service/tickets", params={"pageSize": 1001})
    assert response.status_code == 400
    assert "pageSize" in response.json()["message"]


def test_count_matches_conditions(client, emulator):
    _, state = emulator
    open_help_desk = [
        t
        for t in live_tickets(state)
        if t.board == "Help Desk"
        and not (t.closed_at is not None and t.closed_at <= state.world.clock)
    ]
    response = client.get(
        "/service/tickets/count",
        params={"conditions": 'board/name="Help Desk" and closedFlag=false'},
    )
    assert response.json() == {"count": len(open_help_desk)}


def test_last_updated_condition_means_after(client, emulator):
    _, state = emulator
    records = page_all(client, "/service/tickets", pageSize=1000)
    stamps = sorted(r["_info"]["lastUpdated"] for r in records)
    cut = stamps[len(stamps) // 2]
    after = page_all(
        client, "/service/tickets", pageSize=1000, conditions=f"_info/lastUpdated > [{cut}]"
    )
    assert after and all(r["_info"]["lastUpdated"] > cut for r in after)
    assert len(after) == sum(1 for s in stamps if s > cut)


def test_conditions_with_in_contains_and_parentheses(client):
    records = page_all(
        client,
        "/service/tickets",
        pageSize=1000,
        conditions='(priority/id in (1,2)) and summary contains "offline"',
    )
    assert records
    assert all(r["priority"]["id"] in (1, 2) and "offline" in r["summary"].lower() for r in records)


def test_bad_condition_is_refused_with_reason(client):
    response = client.get("/service/tickets", params={"conditions": "id ~~ 3"})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidObject"


@pytest.mark.parametrize(
    "headers",
    [
        {
            "Authorization": "Basic " + base64.b64encode(b"msp+simpublic:wrong").decode(),
            "clientId": cw.CLIENT_ID,
        },
        {"Authorization": f"Basic {TOKEN}"},
        {},
    ],
)
def test_wrong_credentials_are_refused(emulator, headers):
    base, _ = emulator
    response = httpx.get(base + cw.PREFIX + "/company/companies", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthorized"


def test_rate_limit_answers_429_with_and_without_retry_after(client, emulator):
    _, state = emulator
    state.set_faults(cw.NAME, {"rate_limit_every": 1, "rate_limit_storm": 4})
    try:
        answers = [client.get("/service/boards") for _ in range(4)]
    finally:
        state.set_faults(cw.NAME, {})
    assert [a.status_code for a in answers] == [429] * 4
    hints = [a.headers.get("retry-after") for a in answers]
    assert "2" in hints and None in hints
    assert client.get("/service/boards").status_code == 200


def test_companies_configurations_and_references(client, emulator):
    _, state = emulator
    world = state.world
    companies = page_all(client, "/company/companies", pageSize=100)
    assert {c["id"] for c in companies} == {t.cw_company_id for t in world.tenants} | {2}
    configs = page_all(client, "/company/configurations", pageSize=1000)
    expected = {
        d.cw_config_id
        for d in world.devices
        if d.cw_config_id is not None and d.created_at <= world.clock
    }
    assert {c["id"] for c in configs} == expected
    assert all(re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", c["macAddress"]) for c in configs)
    statuses = client.get("/service/boards/1/statuses").json()
    assert [s["name"] for s in statuses] == [
        "New",
        "In Progress",
        "Waiting on Client",
        "Resolved",
        "Closed",
    ]
    rows = client.get("/service/SLAs/1/priorities").json()
    assert [r["resolutionHours"] for r in rows] == [4, 8, 24, 72]


def test_ticket_create_patch_and_note_are_visible_in_next_read(client, emulator):
    _, state = emulator
    tenant = state.world.tenants[0]
    created = client.post(
        "/service/tickets",
        json={
            "summary": "Backup not covered: SRV-001",
            "company": {"id": tenant.cw_company_id},
            "board": {"id": 1},
            "priority": {"id": 2},
            "initialDescription": "Evidence here",
        },
    )
    assert created.status_code == 201
    ticket_id = created.json()["id"]
    assert created.json()["status"]["name"] == "New"
    found = client.get("/service/tickets", params={"conditions": f"id={ticket_id}"}).json()
    assert [t["summary"] for t in found] == ["Backup not covered: SRV-001"]

    note = client.post(
        f"/service/tickets/{ticket_id}/notes",
        json={"text": "Still failing", "internalAnalysisFlag": True},
    )
    assert note.status_code == 201
    texts = [n["text"] for n in client.get(f"/service/tickets/{ticket_id}/notes").json()]
    assert texts == ["Evidence here", "Still failing"]

    closed = client.patch(
        f"/service/tickets/{ticket_id}",
        json=[{"op": "replace", "path": "status", "value": {"id": 15}}],
    )
    assert closed.status_code == 200
    again = client.get(f"/service/tickets/{ticket_id}").json()
    assert again["closedFlag"] is True and again["status"]["name"] == "Closed"


def test_ticket_create_refuses_missing_summary_and_company(client):
    response = client.post("/service/tickets", json={"company": {"id": 250}})
    assert response.status_code == 400
    assert "summary" in response.json()["message"]
    response = client.post("/service/tickets", json={"summary": "x", "company": {"id": -1}})
    assert response.status_code == 400
    assert "company" in response.json()["message"]


def test_advance_closes_tickets_and_filters_find_only_changes(client, emulator):
    base, state = emulator
    before = {r["id"]: r for r in page_all(client, "/service/tickets", pageSize=1000)}
    clock = state.world.clock
    cut = max(r["_info"]["lastUpdated"] for r in before.values())
    assert httpx.post(base + "/_sim/advance", params={"hours": 12}).json()["clock"] == (
        clock + 12 * 3600
    )
    changed = page_all(
        client, "/service/tickets", pageSize=1000, conditions=f"_info/lastUpdated > [{cut}]"
    )
    assert changed
    new_ids = {r["id"] for r in changed} - set(before)
    assert new_ids, "twelve hours of a busy service desk bring new tickets"
    closed_now = [
        r
        for r in changed
        if r["id"] in before and r["closedFlag"] and not before[r["id"]]["closedFlag"]
    ]
    assert closed_now, "some open tickets close as the clock moves"
