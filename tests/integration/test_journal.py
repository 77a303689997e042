"""A restarted emulator with a journal is the same vendor: writes and clock moves survive."""

import base64

import httpx

from simulator.server import running
from simulator.vendors import connectwise as cw
from simulator.world import WorldSpec

SPEC = WorldSpec(seed=3, tenants=2, days=10, devices_per_tenant=15)
HEADERS = {
    "Authorization": "Basic "
    + base64.b64encode(f"{cw.COMPANY_ID}+{cw.PUBLIC_KEY}:{cw.PRIVATE_KEY}".encode()).decode(),
    "clientId": cw.CLIENT_ID,
}


def test_writes_and_clock_survive_a_restart(tmp_path):
    journal = tmp_path / "journal.jsonl"
    with running(SPEC, journal=journal) as (base, state):
        client = httpx.Client(base_url=base + cw.PREFIX, headers=HEADERS)
        company = state.world.tenants[0].cw_company_id
        ticket = client.post(
            "/service/tickets", json={"summary": "Kept across restarts", "company": {"id": company}}
        ).json()
        client.post(
            f"/service/tickets/{ticket['id']}/notes",
            json={"text": "still here", "internalAnalysisFlag": True},
        )
        client.get("/service/tickets")  # reads are not journaled
        httpx.post(base + "/_sim/advance", params={"hours": 5})
        clock = state.world.clock
    assert len(journal.read_text().splitlines()) == 3

    with running(SPEC, journal=journal) as (base, state):
        client = httpx.Client(base_url=base + cw.PREFIX, headers=HEADERS)
        assert state.world.clock == clock
        again = client.get(f"/service/tickets/{ticket['id']}").json()
        assert again["summary"] == "Kept across restarts"
        notes = client.get(f"/service/tickets/{ticket['id']}/notes").json()
        assert [n["text"] for n in notes] == ["still here"]
        assert [r["method"] for r in state.log] == ["GET", "GET"]  # the replay is not logged
