"""Auvik v1 records (devices, interfaces, alert history) at the world's clock.

A device is offline while it is stale (not seen since before the clock) or while a "Device
Offline" alert on it is open; `lastModified` is the latest such event that has happened.
"""

from __future__ import annotations

import base64
from collections import defaultdict

from simulator.emulator import Rendered, SimState, iso
from simulator.world import Device, NetworkAlert, Tenant, World

DEVICE_TYPES = {
    "workstation": "workstation",
    "server": "server",
    "firewall": "firewall",
    "switch": "switch",
    "access_point": "accessPoint",
}
MAKES = {  # kind -> (makeModel, vendorName, firmwareVersion)
    "workstation": ("OptiPlex 7010", "Dell", None),
    "server": ("PowerEdge R650", "Dell", "2.19.1"),
    "firewall": ("FortiGate 60F", "Fortinet", "7.2.8"),
    "switch": ("MS220-8P", "Cisco Meraki", "15.21.1"),
    "access_point": ("U6-Pro", "Ubiquiti", "6.6.55"),
}
INTERFACES = {  # kind -> [(interfaceName, interfaceType, negotiatedSpeed)]
    "workstation": [("Ethernet0", "ethernet", "1.0 Gbit/s")],
    "server": [("Ethernet0", "ethernet", "10.0 Gbit/s"), ("Ethernet1", "ethernet", "10.0 Gbit/s")],
    "firewall": [
        ("wan1", "ethernet", "1.0 Gbit/s"),
        ("internal1", "ethernet", "1.0 Gbit/s"),
        ("internal2", "ethernet", "1.0 Gbit/s"),
        ("ssl.root", "tunnel", ""),
    ],
    "switch": [(f"GigabitEthernet0/{n}", "ethernet", "1.0 Gbit/s") for n in range(1, 7)],
    "access_point": [("eth0", "ethernet", "1.0 Gbit/s"), ("wifi0", "wifi", "2.4 Gbit/s")],
}
OFFLINE = "Device Offline"


def ts(at: int | None) -> str | None:
    return iso(at, "milli")


def opaque(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def tenant_ref(tenant: Tenant) -> dict:
    return {
        "data": {
            "type": "tenant",
            "id": tenant.auvik_tenant_id,
            "attributes": {"domainPrefix": tenant.domain_prefix},
        }
    }


def network_ref(tenant: Tenant) -> dict:
    return {
        "data": [
            {
                "type": "network",
                "id": opaque(f"{tenant.auvik_tenant_id},1"),
                "attributes": {"networkName": f"10.{tenant.index + 10}.0.0/16"},
            }
        ]
    }


def visible_in_auvik(device: Device, clock: int) -> bool:
    return (
        device.auvik_device_id is not None
        and device.created_at <= clock
        and not (device.auvik_deleted_at is not None and device.auvik_deleted_at <= clock)
    )


def offline_alerts(world: World) -> dict[str, list[NetworkAlert]]:
    found: dict[str, list[NetworkAlert]] = defaultdict(list)
    for alert in world.alerts:
        if alert.name == OFFLINE and alert.detected_at <= world.clock:
            found[alert.device.key].append(alert)
    return found


def device_state(device: Device, alerts: list[NetworkAlert], clock: int) -> tuple[str, int, int]:
    """(onlineStatus, lastModified, lastSeenTime) of a device at the clock."""
    stale = device.last_seen_at is not None and device.last_seen_at < clock
    open_alerts = [a for a in alerts if a.resolved_at is None or a.resolved_at > clock]
    events = [device.created_at, device.touched_at.get("auvik")]
    events += [device.last_seen_at if stale else None]
    events += [a.detected_at for a in alerts]
    events += [
        a.resolved_at for a in alerts if a.resolved_at is not None and a.resolved_at <= clock
    ]
    if stale:
        seen = device.last_seen_at
    elif open_alerts:
        seen = min(a.detected_at for a in open_alerts)
    else:
        seen = clock - sum(map(ord, device.key)) % 60
    status = "offline" if stale or open_alerts else "online"
    return status, max(e for e in events if e is not None), seen


def render_device(device: Device, alerts: list[NetworkAlert], clock: int, base: str) -> dict:
    status, modified, seen = device_state(device, alerts, clock)
    tenant = device.tenant
    make_model, vendor, firmware = MAKES[device.kind]
    return {
        "type": "device",
        "id": device.auvik_device_id,
        "attributes": {
            "deviceName": device.auvik_name,
            "deviceType": DEVICE_TYPES[device.kind],
            "ipAddresses": [device.ip],
            "makeModel": make_model,
            "vendorName": vendor,
            "softwareVersion": device.os_name,
            "firmwareVersion": firmware,
            "serialNumber": device.serial if "auvik" in device.serial_in else None,
            "description": f"{make_model} at {tenant.name}",
            "onlineStatus": status,
            "lastModified": ts(modified),
            "lastSeenTime": ts(seen),
        },
        "relationships": {
            "tenant": tenant_ref(tenant),
            "networks": network_ref(tenant),
            "deviceDetail": {"data": {"type": "deviceDetail", "id": device.auvik_device_id}},
        },
        "links": {
            "self": f"{base}/inventory/device/info/{device.auvik_device_id}",
            "dashboard": f"https://{tenant.domain_prefix}.my.auvik.com/#entity/device/"
            f"{device.auvik_device_id}",
        },
    }


def dashed_mac(mac: str, offset: int) -> str:
    octets = [int(b, 16) for b in mac.split(":")]
    octets[-1] = (octets[-1] + offset) % 256
    return "-".join(f"{b:02x}" for b in octets)


def render_interfaces(
    device: Device, alerts: list[NetworkAlert], clock: int, base: str
) -> list[dict]:
    status, modified, _ = device_state(device, alerts, clock)
    found = []
    for n, (name, kind, speed) in enumerate(INTERFACES[device.kind]):
        ident = opaque(f"{device.auvik_device_id}:{n}")
        found.append(
            {
                "type": "interface",
                "id": ident,
                "attributes": {
                    "interfaceName": name,
                    "interfaceType": kind,
                    "macAddress": dashed_mac(device.mac, n) if kind != "tunnel" else None,
                    "negotiatedSpeed": speed,
                    "duplex": "full" if kind == "ethernet" else "unknown",
                    "customConnections": False,
                    "ipAddresses": [device.ip] if n == 0 else [],
                    "operationalStatus": status,
                    "adminStatus": True,
                    "lastModified": ts(modified),
                },
                "relationships": {
                    "tenant": tenant_ref(device.tenant),
                    "parentDevice": {"data": {"type": "device", "id": device.auvik_device_id}},
                    "connectedTo": {"data": []},
                    "networks": network_ref(device.tenant),
                },
                "links": {"self": f"{base}/inventory/interface/info/{ident}"},
            }
        )
    return found


def render_inventory(state: SimState, base: str, interfaces: bool) -> Rendered:
    world, clock = state.world, state.world.clock
    alerts = offline_alerts(world)
    records: list[dict] = []
    for device in world.devices:
        if not visible_in_auvik(device, clock):
            continue
        if interfaces:
            records += render_interfaces(device, alerts.get(device.key, []), clock, base)
        else:
            records.append(render_device(device, alerts.get(device.key, []), clock, base))
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def render_alerts(state: SimState, base: str) -> Rendered:
    world, clock = state.world, state.world.clock
    records = []
    for a in world.alerts:
        if a.detected_at > clock:
            continue
        resolved = a.resolved_at is not None and a.resolved_at <= clock
        records.append(
            {
                "type": "alert",
                "id": a.id,
                "attributes": {
                    "name": a.name,
                    "severity": a.severity,
                    "status": "resolved" if resolved else "created",
                    "alertDefinitionId": a.definition_id,
                    "specificationId": "-400" if a.name == OFFLINE else str(-500 - len(a.name)),
                    "detectedOn": ts(a.detected_at),
                    "description": f"{a.name} on {a.device.auvik_name}",
                    "dismissed": a.dismissed_at is not None and a.dismissed_at <= clock,
                    "dispatched": a.incident_id is not None,
                    "externalTicket": [],
                },
                "relationships": {
                    "tenant": tenant_ref(a.device.tenant),
                    "entity": {"data": {"type": "device", "id": a.device.auvik_device_id}},
                    "relatedAlert": {"data": None},
                },
                "links": {"self": f"{base}/alert/history/info/{a.id}"},
            }
        )
    records.sort(key=lambda r: (r["attributes"]["detectedOn"], r["id"]))
    return Rendered.of(records)
