"""Contract tests of the SentinelOne v2.1 emulator over real HTTP, checked against the world."""

from __future__ import annotations

import httpx
import pytest

from simulator.emulator import iso
from simulator.vendors.sentinelone import API_TOKEN, NAME, PREFIX
from simulator.world import World


@pytest.fixture(scope="module")
def s1(emulator):
    base, state = emulator
    with httpx.Client(
        base_url=base + PREFIX, timeout=30, headers={"Authorization": f"ApiToken {API_TOKEN}"}
    ) as client:
        yield client, state


def fetch_all(client: httpx.Client, path: str, **params) -> list[dict]:
    records, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = client.get(path, params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        records += body["data"]["sites"] if path == "/sites" else body["data"]
        cursor = body["pagination"]["nextCursor"]
        if cursor is None:
            return records


def ids(records: list[dict]) -> list[str]:
    return [r["id"] for r in records]


def visible_agents(world: World) -> list[tuple]:
    return [
        (d, a)
        for d in world.devices
        for a in d.s1_agents
        if a["registered_at"] <= world.clock and d.created_at <= world.clock
    ]


def visible_threats(world: World) -> list:
    return [t for t in world.threats if t.created_at <= world.clock]


def done(at: int | None, clock: int) -> bool:
    return at is not None and at <= clock


@pytest.mark.parametrize("limit", [7, 50, 1000])
def test_paging_returns_every_record_once(s1, limit):
    client, state = s1
    world = state.world
    agents = ids(fetch_all(client, "/agents", limit=limit))
    threats = ids(fetch_all(client, "/threats", limit=limit, sortBy="createdAt"))
    activities = fetch_all(client, "/activities", limit=limit, sortBy="createdAt", sortOrder="desc")

    assert sorted(agents) == sorted(a["id"] for _, a in visible_agents(world))
    assert sorted(threats) == sorted(t.id for t in visible_threats(world))
    assert len(set(ids(activities))) == len(activities)
    stamps = [a["createdAt"] for a in activities]
    assert stamps == sorted(stamps, reverse=True)
    detected = [a for a in activities if a["activityType"] == 19]
    assert sorted(a["threatId"] for a in detected) == sorted(threats)


def test_accounts_and_sites_one_per_tenant(s1):
    client, state = s1
    tenants = state.world.tenants
    accounts = fetch_all(client, "/accounts", limit=3)
    answer = client.get("/sites", params={"limit": 1000}).json()

    assert sorted(ids(accounts)) == sorted(t.s1_account_id for t in tenants)
    assert sorted(ids(answer["data"]["sites"])) == sorted(t.s1_site_id for t in tenants)
    assert answer["data"]["allSites"]["totalLicenses"] == sum(
        s["totalLicenses"] for s in answer["data"]["sites"]
    )
    assert answer["pagination"] == {"totalItems": len(tenants), "nextCursor": None}


def test_limit_skip_count_bounds(s1):
    client, state = s1
    total = len(visible_agents(state.world))
    for params, name in (
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
        ({"skip": 1001}, "skip"),
    ):
        answer = client.get("/agents", params=params)
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == 4000010
        assert answer.json()["errors"][0]["detail"].startswith(name)
    counted = client.get("/agents", params={"countOnly": "true"}).json()
    skipped = client.get("/agents", params={"skipCount": "true", "skip": 5, "limit": 3}).json()
    first = client.get("/agents", params={"limit": 8}).json()

    assert counted["data"] == [] and counted["pagination"]["totalItems"] == total
    assert skipped["pagination"]["totalItems"] is None
    assert ids(skipped["data"]) == ids(first["data"])[5:8]
    assert len(first["data"]) == 8 and first["pagination"]["totalItems"] == total


def test_agent_fields_follow_the_device(s1):
    client, state = s1
    world = state.world
    by_id = {r["id"]: r for r in fetch_all(client, "/agents", limit=1000)}
    for device, agent in visible_agents(world):
        record = by_id[agent["id"]]
        stale = device.last_seen_at is not None and device.last_seen_at < world.clock
        decommissioned = done(agent["decommissioned_at"], world.clock)
        assert record["computerName"] == agent["name"]
        assert record["isDecommissioned"] is decommissioned
        assert record["isActive"] is (not stale and not decommissioned)
        if stale and not decommissioned:
            assert record["lastActiveDate"] == iso(device.last_seen_at, "micro")
        assert record["networkInterfaces"][0]["physical"] == device.mac.lower()
        assert ":" in record["networkInterfaces"][0]["physical"]
        assert record["serialNumber"] == (device.serial if "s1" in device.serial_in else None)
        assert record["siteId"] == device.tenant.s1_site_id


def agent_ids(client: httpx.Client, **params) -> set[str]:
    return set(ids(fetch_all(client, "/agents", limit=1000, **params)))


def test_agent_filters_mean_what_s1_means(s1):
    client, state = s1
    world = state.world
    pairs = visible_agents(world)
    tenant = world.tenants[1]
    infected = {
        t.agent["id"] for t in visible_threats(world) if not done(t.mitigated_at, world.clock)
    }
    stale = {
        a["id"]
        for d, a in pairs
        if d.last_seen_at is not None
        and d.last_seen_at < world.clock
        or done(a["decommissioned_at"], world.clock)
    }
    unix = {a["id"] for d, a in pairs if d.os_name.startswith(("macOS", "Ubuntu"))}
    bound = world.spec.start - 400 * 86_400

    assert agent_ids(client, isActive="false") == stale and stale
    assert agent_ids(client, isDecommissioned="true") == {
        a["id"] for _, a in pairs if done(a["decommissioned_at"], world.clock)
    }
    assert agent_ids(client, osTypes="macos,linux") == unix and unix
    assert agent_ids(client, osTypesNin="windows") == unix
    assert agent_ids(client, computerName__contains="SRV,xyz") == {
        a["id"] for _, a in pairs if "srv" in a["name"].lower()
    }
    assert agent_ids(client, siteIds=tenant.s1_site_id) == {
        a["id"] for d, a in pairs if d.tenant is tenant
    }
    assert agent_ids(client, accountIds=tenant.s1_account_id) == {
        a["id"] for d, a in pairs if d.tenant is tenant
    }
    assert agent_ids(client, infected="true") == infected and infected
    assert agent_ids(client, createdAt__gt=iso(bound, "micro")) == {
        a["id"] for _, a in pairs if a["registered_at"] > bound
    }
    assert (
        agent_ids(client, createdAt__lte=iso(bound, "micro"), isActive="true")
        == {a["id"] for _, a in pairs if a["registered_at"] <= bound} - stale
    )


def threat_ids(client: httpx.Client, **params) -> set[str]:
    return set(ids(fetch_all(client, "/threats", limit=1000, **params)))


def test_threat_filters_mean_what_s1_means(s1):
    client, state = s1
    world = state.world
    threats = visible_threats(world)
    resolved = {t.id for t in threats if done(t.resolved_at, world.clock)}
    mitigated = {t.id for t in threats if done(t.mitigated_at, world.clock)}
    victim = threats[0].agent["id"]

    assert threat_ids(client, incidentStatuses="resolved") == resolved and resolved
    assert threat_ids(client, resolved="false") == {t.id for t in threats} - resolved
    assert (
        threat_ids(client, mitigationStatuses="not_mitigated")
        == {t.id for t in threats} - mitigated
    )
    assert threat_ids(client, confidenceLevels="suspicious") == {
        t.id for t in threats if t.confidence == "suspicious"
    }
    assert threat_ids(client, agentIds=victim) == {t.id for t in threats if t.agent["id"] == victim}
    one = client.get("/threats", params={"ids": threats[0].id}).json()["data"][0]
    assert one["threatInfo"]["incidentStatus"] == (
        "resolved" if threats[0].id in resolved else "unresolved"
    )
    assert one["agentRealtimeInfo"]["agentComputerName"] == threats[0].agent["name"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"osTypes": "solaris"}, "osTypes"),
        ({"createdAt__gt": "yesterday"}, "createdAt__gt"),
        ({"isActive": "maybe"}, "isActive"),
        ({"colour": "blue"}, "colour"),
        ({"sortBy": "shoeSize"}, "sortBy"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(s1, params, name):
    client, _ = s1
    answer = client.get("/agents", params=params)

    assert answer.status_code == 400
    error = answer.json()["errors"][0]
    assert error["code"] == 4000010 and error["title"] == "Validation Error"
    assert error["detail"].startswith(name)


@pytest.mark.parametrize("header", [None, "Bearer " + API_TOKEN, "ApiToken wrong-token"])
def test_wrong_credentials_are_refused(emulator, header):
    base, _ = emulator
    headers = {"Authorization": header} if header else {}
    answer = httpx.get(base + PREFIX + "/agents", headers=headers)

    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == 4010010
    assert answer.json()["errors"][0]["title"] == "Authentication Failed"


def test_rate_limit_and_server_errors_answer_like_s1(s1):
    client, state = s1
    state.set_faults(NAME, {"rate_limit_every": 1, "rate_limit_storm": 2})
    try:
        limited = client.get("/agents")
    finally:
        state.set_faults(NAME, {})
    state.set_faults(NAME, {"error_rate": 1.0, "error_burst": 1})
    try:
        broken = client.get("/agents")
    finally:
        state.set_faults(NAME, {})

    assert limited.status_code == 429
    assert limited.json()["errors"][0]["code"] == 4290000
    assert limited.headers["Retry-After"] == "2"
    assert broken.status_code == 500 and broken.json()["errors"][0]["code"] == 5000000
    assert client.get("/agents").status_code == 200


def test_disconnect_and_connect_are_visible_in_the_next_read(s1):
    client, state = s1
    world = state.world
    device, agent = next(
        (d, a)
        for d, a in visible_agents(world)
        if a["decommissioned_at"] is None and d.last_seen_at is None
    )
    body = {"filter": {"ids": [agent["id"]]}, "data": {}}

    isolated = client.post("/agents/actions/disconnect", json=body)
    record = client.get("/agents", params={"ids": agent["id"]}).json()["data"][0]
    listed = agent_ids(client, networkStatuses="disconnected")
    events = fetch_all(client, "/activities", agentIds=agent["id"], activityTypes="1001")
    back = client.post("/agents/actions/connect", json=body)

    assert isolated.json() == {"data": {"affected": 1}}
    assert record["networkStatus"] == "disconnected"
    assert record["updatedAt"] == iso(world.clock, "micro")
    assert device.network_status == "connected" and device.network_status_at == world.clock
    assert agent["id"] in listed
    assert [e["createdAt"] for e in events] == [iso(world.clock, "micro")]
    assert back.json() == {"data": {"affected": 1}}
    assert (
        client.get("/agents", params={"ids": agent["id"]}).json()["data"][0]["networkStatus"]
        == "connected"
    )


def test_an_empty_filter_acts_on_every_agent_like_the_real_api(s1):
    client, state = s1
    commandable = {
        a["id"]
        for _, a in visible_agents(state.world)
        if not done(a["decommissioned_at"], state.world.clock)
    }
    everyone = {"filter": {}, "data": {}}

    isolated = client.post("/agents/actions/disconnect", json=everyone).json()
    cut_off = agent_ids(client, networkStatuses="disconnected")
    restored = client.post("/agents/actions/connect", json=everyone).json()
    missing = client.post("/agents/actions/connect", json={"data": {}})

    assert isolated == {"data": {"affected": len(commandable)}}
    assert cut_off == commandable
    assert restored == {"data": {"affected": len(commandable)}}
    assert agent_ids(client, networkStatuses="disconnected") == set()
    assert missing.status_code == 400


def test_mitigate_is_visible_in_the_next_read(s1):
    client, state = s1
    world = state.world
    open_threat = next(t for t in visible_threats(world) if not done(t.mitigated_at, world.clock))
    mac_threat = next(t for t in visible_threats(world) if t.device.os_name.startswith("macOS"))

    killed = client.post(
        "/threats/mitigate/kill", json={"filter": {"ids": [open_threat.id]}, "data": {}}
    ).json()
    record = client.get("/threats", params={"ids": open_threat.id}).json()["data"][0]
    rollback = client.post(
        "/threats/mitigate/rollback-remediation",
        json={"filter": {"ids": mac_threat.id}, "data": {}},
    ).json()
    unknown = client.post("/threats/mitigate/explode", json={"filter": {}, "data": {}})

    assert killed["data"]["affected"] == 1
    assert killed["data"]["details"][0]["reports"][0]["action"] == "kill"
    assert record["threatInfo"]["mitigationStatus"] == "mitigated"
    assert record["mitigationStatus"][-1]["action"] == "kill"
    assert record["mitigationStatus"][-1]["mitigationEndedAt"] == iso(world.clock, "micro")
    assert open_threat.mitigated_at == world.clock
    assert rollback["data"]["affected"] == 0
    assert rollback["data"]["details"][0]["skipped"][0]["reason"] == "not_supported"
    assert unknown.status_code == 400


def changed_since(world: World, since: int) -> tuple[set[str], set[str]]:
    """Agents and threats with an event in (since, clock]: the meaning of updatedAt__gt."""
    clock = world.clock

    def moved(*times) -> bool:
        return any(t is not None and since < t <= clock for t in times)

    threats = {
        t.id
        for t in visible_threats(world)
        if moved(
            t.created_at, t.mitigated_at, t.resolved_at, t.touched_at, *(a for a, _, _ in t.actions)
        )
    }
    agents = {
        a["id"]
        for d, a in visible_agents(world)
        if moved(
            a["registered_at"],
            a["decommissioned_at"],
            a.get("touched_at"),
            d.last_seen_at,
            *(at for at, _ in a.get("network_log", ())),
            *(
                at
                for t in visible_threats(world)
                if t.agent is a
                for at in (t.created_at, t.mitigated_at)
            ),
        )
    }
    return agents, threats


def test_after_advance_updated_filter_returns_only_changed_records(s1, emulator):
    client, state = s1
    base, _ = emulator
    seen_change = False
    for _ in range(40):
        since = state.world.clock
        assert httpx.post(base + "/_sim/advance", params={"hours": 6}).status_code == 200
        agents, threats = changed_since(state.world, since)
        assert threat_ids(client, updatedAt__gt=iso(since, "micro")) == threats
        assert agent_ids(client, updatedAt__gt=iso(since, "micro")) == agents
        seen_change = seen_change or bool(threats and agents)
        if seen_change:
            break
    assert seen_change


def test_drift_between_pages_keeps_every_record_once(s1):
    client, state = s1
    state.set_faults(NAME, {"drift": True})
    try:
        agents = fetch_all(client, "/agents", limit=10)
    finally:
        state.set_faults(NAME, {})
    touched = [a for _, a in visible_agents(state.world) if a.get("touched_at")]

    assert sorted(ids(agents)) == sorted(a["id"] for _, a in visible_agents(state.world))
    assert touched
