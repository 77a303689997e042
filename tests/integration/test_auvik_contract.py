"""Contract tests of the Auvik v1 emulator over real HTTP, checked against the world."""

from __future__ import annotations

import math

import httpx
import pytest

from simulator.emulator import iso
from simulator.vendors.auvik import API_KEY, MSP_PREFIX, NAME, PREFIX, USERNAME
from simulator.vendors.auvik_render import INTERFACES, OFFLINE
from simulator.world import Device, World

DEVICE_TYPES = {
    "workstation": "workstation",
    "server": "server",
    "firewall": "firewall",
    "switch": "switch",
    "access_point": "accessPoint",
}


@pytest.fixture(scope="module")
def auvik(emulator):
    base, state = emulator
    with httpx.Client(base_url=base + PREFIX, auth=(USERNAME, API_KEY), timeout=30) as client:
        yield client, state


def fetch_all(client: httpx.Client, path: str, **params) -> list[dict]:
    answer = client.get(path, params=params)
    records = []
    while True:
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/vnd.api+json"
        body = answer.json()
        records += body["data"]
        if "next" not in body["links"]:
            return records
        answer = client.get(body["links"]["next"])


def ids(records: list[dict]) -> list[str]:
    return [r["id"] for r in records]


def devices_in_auvik(world: World) -> list[Device]:
    clock = world.clock
    return [
        d
        for d in world.devices
        if d.auvik_device_id
        and d.created_at <= clock
        and not (d.auvik_deleted_at is not None and d.auvik_deleted_at <= clock)
    ]


def is_offline(world: World, device: Device) -> bool:
    clock = world.clock
    stale = device.last_seen_at is not None and device.last_seen_at < clock
    return stale or any(
        a.device is device
        and a.name == OFFLINE
        and a.detected_at <= clock
        and (a.resolved_at is None or a.resolved_at > clock)
        for a in world.alerts
    )


def visible_alerts(world: World) -> list:
    return [a for a in world.alerts if a.detected_at <= world.clock]


@pytest.mark.parametrize("size", [7, 100, 1000])
def test_paging_returns_every_record_once(auvik, size):
    client, state = auvik
    world = state.world
    devices = ids(fetch_all(client, "/inventory/device/info", **{"page[first]": size}))
    interfaces = ids(fetch_all(client, "/inventory/interface/info", **{"page[first]": size}))
    alerts = ids(fetch_all(client, "/alert/history/info", **{"page[first]": size}))
    first = client.get("/alert/history/info", params={"page[first]": size}).json()

    assert sorted(devices) == sorted(d.auvik_device_id for d in devices_in_auvik(world))
    assert (
        len(interfaces)
        == len(set(interfaces))
        == sum(len(INTERFACES[d.kind]) for d in devices_in_auvik(world))
    )
    assert sorted(alerts) == sorted(a.id for a in visible_alerts(world))
    assert first["meta"]["totalPages"] == math.ceil(len(alerts) / size)


def test_backward_paging_and_links(auvik):
    client, state = auvik
    forward = ids(fetch_all(client, "/inventory/device/info", **{"page[first]": 1000}))
    last = client.get("/inventory/device/info", params={"page[last]": 10}).json()
    before = client.get(last["links"]["prev"]).json()
    final = client.get("/inventory/device/info", params={"page[first]": len(forward)}).json()

    assert ids(last["data"]) == forward[-10:]
    assert ids(before["data"]) == forward[-20:-10]
    assert "next" not in last["links"] and "next" not in final["links"]
    assert last["links"]["first"].startswith("http://127.0.0.1:")
    assert client.get("/inventory/device/info", params={"page[first]": 1001}).status_code == 400


def test_device_and_interface_fields_follow_the_world(auvik):
    client, state = auvik
    world = state.world
    devices = {
        r["id"]: r["attributes"]
        for r in fetch_all(client, "/inventory/device/info", **{"page[first]": 1000})
    }
    interfaces = fetch_all(client, "/inventory/interface/info", **{"page[first]": 1000})
    first_mac = {}
    for r in interfaces:
        first_mac.setdefault(
            r["relationships"]["parentDevice"]["data"]["id"], r["attributes"]["macAddress"]
        )
        assert isinstance(r["attributes"]["negotiatedSpeed"], str)
    for d in devices_in_auvik(world):
        got = devices[d.auvik_device_id]
        assert got["deviceName"] == d.auvik_name
        assert got["deviceType"] == DEVICE_TYPES[d.kind]
        assert got["serialNumber"] == (d.serial if "auvik" in d.serial_in else None)
        assert got["onlineStatus"] == ("offline" if is_offline(world, d) else "online")
        assert first_mac[d.auvik_device_id] == d.mac.lower().replace(":", "-")
    assert any(is_offline(world, d) for d in devices_in_auvik(world))


def device_ids(client: httpx.Client, **params) -> set[str]:
    return set(ids(fetch_all(client, "/inventory/device/info", **{"page[first]": 1000}, **params)))


def alert_ids(client: httpx.Client, **params) -> set[str]:
    return set(ids(fetch_all(client, "/alert/history/info", **{"page[first]": 1000}, **params)))


def test_filters_mean_what_auvik_means(auvik):
    client, state = auvik
    world = state.world
    devices, alerts = devices_in_auvik(world), visible_alerts(world)
    tenant = world.tenants[2]
    window = (world.clock - 5 * 86_400, world.clock - 2 * 86_400)
    resolved = {a.id for a in alerts if a.resolved_at is not None and a.resolved_at <= world.clock}

    assert device_ids(client, **{"filter[deviceType]": "server"}) == {
        d.auvik_device_id for d in devices if d.kind == "server"
    }
    assert device_ids(client, **{"filter[onlineStatus]": "offline"}) == {
        d.auvik_device_id for d in devices if is_offline(world, d)
    }
    assert device_ids(client, tenants=tenant.auvik_tenant_id) == {
        d.auvik_device_id for d in devices if d.tenant is tenant
    }
    assert alert_ids(client, **{"filter[status]": "resolved"}) == resolved and resolved
    assert alert_ids(client, **{"filter[status]": "created"}) == {a.id for a in alerts} - resolved
    assert alert_ids(client, **{"filter[severity]": "critical"}) == {
        a.id for a in alerts if a.severity == "critical"
    }
    assert alert_ids(
        client,
        **{
            "filter[detectedTimeAfter]": iso(window[0], "milli"),
            "filter[detectedTimeBefore]": iso(window[1], "milli"),
        },
    ) == {a.id for a in alerts if window[0] < a.detected_at < window[1]}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"filter[deviceType]": "toaster"}, "filter[deviceType]"),
        ({"filter[modifiedAfter]": "last week"}, "filter[modifiedAfter]"),
        ({"filter[colour]": "blue"}, "filter[colour]"),
        ({"tenants": "12345"}, "tenants"),
        ({"page[after]": "%%%"}, "page[after]"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(auvik, params, name):
    client, _ = auvik
    answer = client.get("/inventory/device/info", params=params)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["status"] == "400"
    assert answer.json()["errors"][0]["detail"].startswith(name)


def test_credentials_are_checked_like_auvik(emulator):
    base, _ = emulator
    good = httpx.get(base + PREFIX + "/authentication/verify", auth=(USERNAME, API_KEY))
    wrong = httpx.get(base + PREFIX + "/authentication/verify", auth=(USERNAME, "nope"))
    bare = httpx.get(base + PREFIX + "/inventory/device/info")

    assert (good.status_code, good.content) == (200, b"")
    assert (wrong.status_code, wrong.content) == (401, b"")
    assert bare.status_code == 401


def test_tenants_and_tenant_detail(auvik):
    client, state = auvik
    world = state.world
    tenants = client.get("/tenants").json()["data"]
    detail = client.get("/tenants/detail", params={"tenantDomainPrefix": MSP_PREFIX}).json()
    missing = client.get("/tenants/detail")
    msp = [t for t in tenants if t["attributes"]["tenantType"] == "multiClient"]
    clients = [t for t in tenants if t["attributes"]["tenantType"] == "client"]

    assert len(msp) == 1 and msp[0]["attributes"]["domainPrefix"] == MSP_PREFIX
    assert sorted(ids(clients)) == sorted(t.auvik_tenant_id for t in world.tenants)
    assert {c["relationships"]["parent"]["data"]["id"] for c in clients} == {msp[0]["id"]}
    assert {d["attributes"]["displayName"] for d in detail["data"]} >= {
        t.name_in("auvik") for t in world.tenants
    }
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["detail"].startswith("tenantDomainPrefix")


def test_rate_limit_answers_as_auvik_does(auvik):
    client, state = auvik
    state.set_faults(NAME, {"rate_limit_every": 1, "rate_limit_storm": 2})
    try:
        limited = client.get("/inventory/device/info")
    finally:
        state.set_faults(NAME, {})

    assert limited.status_code == 403
    assert "rate limit" in limited.json()["errors"][0]["detail"].lower()
    assert limited.headers["Retry-After"] == "2"
    assert client.get("/inventory/device/info").status_code == 200


def test_dismiss_is_visible_in_the_next_read(auvik):
    client, state = auvik
    alert = visible_alerts(state.world)[-1]
    assert alert.id not in alert_ids(client, **{"filter[dismissed]": "true"})

    answer = client.post(f"/alert/dismiss/{alert.id}")
    dismissed = alert_ids(client, **{"filter[dismissed]": "true"})
    record = next(
        r
        for r in fetch_all(client, "/alert/history/info", **{"page[first]": 1000})
        if r["id"] == alert.id
    )

    assert (answer.status_code, answer.content) == (200, b"")
    assert dismissed == {alert.id}
    assert record["attributes"]["dismissed"] is True
    assert client.post("/alert/dismiss/no-such-alert").status_code == 404


def test_device_availability_is_an_array_of_hourly_points(auvik):
    client, state = auvik
    world = state.world
    day_end = world.clock - world.clock % 86_400
    params = {
        "filter[fromTime]": iso(day_end - 86_400, "milli"),
        "filter[interval]": "hour",
        "page[first]": 1000,
    }
    uptime = fetch_all(client, "/stat/deviceAvailability/uptime", **params)
    outage = fetch_all(client, "/stat/deviceAvailability/outage", **params)
    missing = client.get("/stat/deviceAvailability/uptime", params={"filter[interval]": "hour"})
    stale = [
        d
        for d in devices_in_auvik(world)
        if d.last_seen_at is not None and d.last_seen_at < day_end - 86_400
    ]

    assert sorted(ids(uptime)) == sorted(d.auvik_device_id for d in devices_in_auvik(world))
    rows = uptime[0]["attributes"]["stats"][0]["data"]
    assert [r[0] for r in rows] == [(day_end - 86_400) // 60 + 60 * h for h in range(1, 25)]
    by_id = {r["id"]: r["attributes"]["stats"][0]["data"] for r in uptime}
    lost = {r["id"]: r["attributes"]["stats"][0]["data"] for r in outage}
    assert stale
    for d in stale:
        assert {v for _, v in by_id[d.auvik_device_id]} == {0.0}
        assert {v for _, v in lost[d.auvik_device_id]} == {60.0}
    assert missing.status_code == 400


def changed_devices(world: World, since: int) -> set[str]:
    """Devices with an event in (since, clock]: the meaning of filter[modifiedAfter]."""
    clock, found = world.clock, set()
    for d in devices_in_auvik(world):
        times = [d.created_at, d.last_seen_at, d.touched_at.get("auvik")]
        times += [
            t
            for a in world.alerts
            if a.device is d and a.name == OFFLINE
            for t in (a.detected_at, a.resolved_at)
        ]
        if any(t is not None and since < t <= clock for t in times):
            found.add(d.auvik_device_id)
    return found


def test_after_advance_modified_after_returns_only_changed_devices(auvik, emulator):
    client, state = auvik
    base, _ = emulator
    seen_change = False
    for _ in range(80):
        since = state.world.clock
        assert httpx.post(base + "/_sim/advance", params={"hours": 6}).status_code == 200
        expected = changed_devices(state.world, since)
        assert device_ids(client, **{"filter[modifiedAfter]": iso(since, "milli")}) == expected
        if expected:
            seen_change = True
            break
    assert seen_change


def test_drift_between_pages_keeps_every_device_once(auvik):
    client, state = auvik
    state.set_faults(NAME, {"drift": True})
    try:
        devices = ids(fetch_all(client, "/inventory/device/info", **{"page[first]": 10}))
    finally:
        state.set_faults(NAME, {})

    assert sorted(devices) == sorted(d.auvik_device_id for d in devices_in_auvik(state.world))
    assert any(d.touched_at.get("auvik") for d in state.world.devices)
