"""Auvik device availability statistics: uptime and outage per device per interval.

Each answer is computed from the device's offline spells (stale since its last sighting, or
inside a "Device Offline" alert). Data points are stamped in Unix minutes at the end of each
interval, as Auvik's statistics article describes; only whole intervals up to the clock count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.vendors.auvik_paging import bad_request
from simulator.vendors.auvik_render import DEVICE_TYPES, OFFLINE, tenant_ref, ts
from simulator.world import Device, World

INTERVALS = {"minute": 60, "hour": 3_600, "day": 86_400}
MAX_POINTS = 2_000
STATS = {  # statId -> (legend of the value column, unit of the value column)
    "uptime": ("Uptime", "percentage"),
    # Unsure: the spec names no unit for outage; minutes offline per interval is our reading.
    "outage": ("Outage", "minutes"),
}


def parse_time(raw: str | None, name: str) -> int:
    if not raw:
        raise bad_request(
            f"{name}: required, an ISO 8601 timestamp such as 2026-09-01T00:00:00.000Z"
        )
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"{name}: expected an ISO 8601 timestamp, got {raw!r}") from exc
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def report_window(params, clock: int) -> tuple[int, int, int, str]:
    """(from, thru, step seconds, interval name) from the required and optional filters."""
    interval = params.get("filter[interval]")
    if interval not in INTERVALS:
        raise bad_request(f"filter[interval]: required, one of {list(INTERVALS)}; got {interval!r}")
    start = parse_time(params.get("filter[fromTime]"), "filter[fromTime]")
    thru = min(
        clock,
        parse_time(params["filter[thruTime]"], "filter[thruTime]")
        if params.get("filter[thruTime]")
        else clock,
    )
    step = INTERVALS[interval]
    if (thru - start) // step > MAX_POINTS:
        raise bad_request(
            f"filter[fromTime]: the window holds more than {MAX_POINTS} "
            f"{interval} intervals; ask for a shorter one or a longer interval"
        )
    return start, max(start, thru), step, interval


def offline_spells(world: World, device: Device) -> list[tuple[int, float]]:
    spells: list[tuple[int, float]] = []
    if device.last_seen_at is not None:
        spells.append((device.last_seen_at, float("inf")))
    spells += [
        (a.detected_at, a.resolved_at if a.resolved_at is not None else float("inf"))
        for a in world.alerts
        if a.device is device and a.name == OFFLINE and a.detected_at <= world.clock
    ]
    return spells


def offline_seconds(spells: list[tuple[int, float]], low: int, high: int) -> int:
    """Seconds of [low, high) spent offline; overlapping spells count once."""
    cut = sorted((max(a, low), min(b, high)) for a, b in spells if a < high and b > low)
    total, reach = 0, low
    for a, b in cut:
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return int(total)


def availability(
    world: World, device: Device, stat: str, start: int, thru: int, step: int, interval: str
) -> dict:
    spells = offline_spells(world, device)
    rows = []
    for low in range(start, thru - step + 1, step):
        off = offline_seconds(spells, low, low + step)
        value = round(100 * (1 - off / step), 2) if stat == "uptime" else round(off / 60, 2)
        rows.append([(low + step) // 60, value])
    legend, unit = STATS[stat]
    return {
        "type": "deviceAvailabilityStatistics",
        "id": device.auvik_device_id,
        "attributes": {
            "reportPeriod": {"fromTime": ts(start), "thruTime": ts(thru)},
            "interval": interval,
            "statType": stat,
            "stats": [
                {
                    "name": stat,
                    "index": 0,
                    "legend": ["Recorded At", legend],
                    "unit": ["unix_mins", unit],
                    "data": rows,
                }
            ],
        },
        "relationships": {
            "device": {
                "data": {
                    "type": "device",
                    "id": device.auvik_device_id,
                    "deviceName": device.auvik_name,
                    "deviceType": DEVICE_TYPES[device.kind],
                }
            },
            "tenant": tenant_ref(device.tenant),
        },
    }
