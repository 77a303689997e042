"""The simulated estate behaves like a real MSP's."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from simulator import truth
from simulator.world import DAY, World, WorldSpec


@pytest.fixture(scope="module")
def world() -> World:
    return World(WorldSpec())


def test_default_world_size(world):
    assert len(world.tenants) >= 20
    assert len(world.devices) >= 1000
    assert world.clock - world.spec.start == 90 * DAY
    kinds = Counter(d.kind for d in world.devices)
    assert set(kinds) == {"workstation", "server", "firewall", "switch", "access_point"}
    assert all(
        any(d.tenant is t and d.kind == "server" for d in world.devices) for t in world.tenants
    )


def test_weekly_seasonality(world):
    by_weekday = Counter(
        datetime.fromtimestamp(t.entered_at, UTC).weekday()
        for t in world.tickets
        if t.board == "Help Desk" and t.entered_at < world.clock
    )
    weekday_mean = sum(by_weekday[d] for d in range(5)) / 5
    weekend_mean = (by_weekday[5] + by_weekday[6]) / 2
    assert weekday_mean > 3 * weekend_mean


def test_noisy_tenants_raise_more_tickets_per_device(world):
    per_device = {}
    for t in world.tenants:
        devices = sum(1 for d in world.devices if d.tenant is t)
        tickets = sum(1 for k in world.tickets if k.tenant is t and k.board == "Help Desk")
        per_device[t.key] = tickets / devices
    noisy = [per_device[t.key] for t in world.tenants if t.is_noisy]
    calm = [per_device[t.key] for t in world.tenants if not t.is_noisy]
    assert noisy and min(noisy) > max(calm)


def test_incidents_raise_alerts_in_several_tools(world):
    links = truth.incident_alerts(world).to_pylist()
    vendors_per_incident: dict[str, set] = {}
    for row in links:
        vendors_per_incident.setdefault(row["incident_id"], set()).add(row["vendor"])
    multi = [i for i, v in vendors_per_incident.items() if len(v) >= 2]
    assert len(multi) >= 20
    assert any(v >= {"auvik", "connectwise"} for v in vendors_per_incident.values())
    assert any(v >= {"sentinelone", "connectwise"} for v in vendors_per_incident.values())


def test_backups_degrade_for_days_before_failing(world):
    runs: dict[tuple, list[str]] = {}
    for run in world.runs:
        runs.setdefault((run.device.key, run.product), []).append(run.status)
    degrading = [s for s in runs.values() if "Warning,Warning,Failed" in ",".join(s)]
    assert len(degrading) >= 5


def test_gaps_and_identity_drift(world):
    hosts = [d for d in world.devices if d.kind in ("workstation", "server")]
    assert any(not d.s1_agents for d in hosts), "some devices miss their EDR agent"
    servers = [d for d in world.devices if d.kind == "server"]
    assert any(not d.veeam_object_uid and d.cove_account_id is None for d in servers)
    assert any(d.last_seen_at is not None for d in world.devices), "stale devices exist"
    in_cw_and_auvik = [d for d in hosts if d.cw_name and d.auvik_name]
    assert any(d.cw_name != d.auvik_name for d in in_cw_and_auvik), "names differ by tool"
    assert any(len(d.s1_agents) > 1 for d in hosts), "a reinstalled agent leaves two records"
    assert any(len(d.serial_in) < 3 for d in world.devices), "serials missing in one tool"


def test_truth_kpis_count_the_right_tickets(world):
    rows = truth.kpi_daily(world).to_pylist()
    expected = sum(
        1
        for t in world.tickets
        if t.board == "Help Desk"
        and t.entered_at <= world.clock
        and not (t.deleted_at is not None and t.deleted_at <= world.clock)
        and not (t.merged_at is not None and t.merged_at <= world.clock)
    )
    assert sum(r["tickets_opened"] for r in rows) == expected
    assert all(r["tickets_resolved_in_sla"] <= r["tickets_resolved"] for r in rows)
    rates = [r["backup_success_rate"] for r in rows if r["backup_success_rate"] is not None]
    assert 0.85 < sum(rates) / len(rates) < 1.0


def test_advance_refuses_past_the_horizon():
    world = World(WorldSpec(tenants=2, days=5, devices_per_tenant=10, horizon_days=1))
    with pytest.raises(ValueError, match="horizon"):
        world.advance(2 * DAY)
    with pytest.raises(ValueError, match="positive"):
        world.advance(0)
