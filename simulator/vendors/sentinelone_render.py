"""SentinelOne records as the Management API v2.1 shows them at the world's clock.

Every record is a function of the timeline cut at `world.clock` plus the writes made through
the API; `updatedAt` is the latest event of the record that has happened by then.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from simulator.emulator import Rendered, SimState, iso
from simulator.world import Device, Tenant, Threat, World, numeric_id

ACTIONS = {  # path word -> the word stored in mitigationStatus[].action
    "kill": "kill",
    "quarantine": "quarantine",
    "remediate": "remediate",
    "rollback-remediation": "rollback",
    "un-quarantine": "unquarantine",
    "network-quarantine": "network_quarantine",
}
# Known limit: the activity type numbers are our best recollection of /activities/types; the
# notes do not list them, so a client that keys on numbers should check them on a real console.
ACTIVITY_TYPES = {
    "threat_detected": 19,
    "threat_mitigated": 2004,
    "agent_decommissioned": 52,
    "network_disconnected": 1001,
    "network_connected": 1002,
}


def ts(at: int | None) -> str | None:
    return iso(at, "micro")


def upto(at: int | None, clock: int) -> int | None:
    """The time of an event if it has happened by the clock, else None."""
    return at if at is not None and at <= clock else None


def latest(*times: int | None) -> int:
    return max(t for t in times if t is not None)


def group_id(world: World, tenant: Tenant) -> str:
    return numeric_id(world.rng.stream("s1-group", tenant.key))


def os_facts(os_name: str) -> tuple[str, str]:
    """(osType, osRevision) for the simulated operating systems."""
    if os_name.startswith("macOS"):
        return "macos", "14.5"
    if os_name.startswith("Ubuntu"):
        return "linux", "22.04"
    revisions = {
        "Windows 11 Pro": "22631",
        "Windows 10 Pro": "19045",
        "Windows Server 2022 Standard": "20348",
        "Windows Server 2019 Standard": "17763",
    }
    return "windows", revisions.get(os_name, "19045")


def scope(world: World, tenant: Tenant) -> dict:
    return {
        "accountId": tenant.s1_account_id,
        "accountName": tenant.name_in("sentinelone"),
        "siteId": tenant.s1_site_id,
        "siteName": tenant.name_in("sentinelone"),
        "groupId": group_id(world, tenant),
        "groupName": "Default Group",
    }


def threats_by_agent(world: World) -> dict[str, list[Threat]]:
    found: dict[str, list[Threat]] = defaultdict(list)
    for threat in world.threats:
        if threat.created_at <= world.clock:
            found[threat.agent["id"]].append(threat)
    return found


def active_threats(threats: list[Threat], clock: int) -> int:
    return sum(1 for t in threats if upto(t.mitigated_at, clock) is None)


def network_status(device: Device, agent: dict, clock: int) -> str:
    decommissioned = upto(agent["decommissioned_at"], clock) is not None
    if decommissioned or device.network_status_at > clock:
        return "connected"
    return device.network_status


def render_agent(world: World, device: Device, agent: dict, threats: list[Threat]) -> dict:
    clock, tenant = world.clock, device.tenant
    decommissioned = upto(agent["decommissioned_at"], clock)
    stale = device.last_seen_at is not None and device.last_seen_at < clock
    os_type, revision = os_facts(device.os_name)
    active = active_threats(threats, clock)
    heartbeat = clock - int(agent["id"]) % 240
    last_active = decommissioned or (device.last_seen_at if stale else heartbeat)
    updated = latest(
        agent["registered_at"],
        decommissioned,
        device.last_seen_at if stale else None,
        agent.get("touched_at"),
        *(at for at, _ in agent.get("network_log", ()) if at <= clock),
        *(t.created_at for t in threats),
        *(upto(t.mitigated_at, clock) for t in threats),
    )
    number = int(agent["id"])
    return {
        "id": agent["id"],
        "uuid": agent["uuid"],
        "computerName": agent["name"],
        **scope(world, tenant),
        "osType": os_type,
        "osName": device.os_name,
        "osRevision": revision,
        "osArch": "64 bit",
        "machineType": "server"
        if device.kind == "server"
        else ("laptop" if number % 3 else "desktop"),
        "agentVersion": agent["version"],
        "isActive": not stale and decommissioned is None,
        "isUpToDate": agent["version"] == "24.2.1.320",
        "infected": active > 0,
        "activeThreats": active,
        "isDecommissioned": decommissioned is not None,
        "isUninstalled": False,
        "networkStatus": network_status(device, agent, clock),
        "mitigationMode": "protect",
        "mitigationModeSuspicious": "detect",
        "operationalState": "na",
        "scanStatus": "finished",
        "lastActiveDate": ts(last_active),
        "registeredAt": ts(agent["registered_at"]),
        "createdAt": ts(agent["registered_at"]),
        "updatedAt": ts(updated),
        "lastLoggedInUserName": f"user{number % 97}",
        "domain": tenant.identifier.upper()[:15],
        "externalIp": f"203.0.113.{tenant.index % 250 + 1}",
        "lastIpToMgmt": device.ip,
        "networkInterfaces": [
            {
                "id": str(number + 1),
                "name": "Ethernet"
                if os_type == "windows"
                else ("en0" if os_type == "macos" else "eth0"),
                "inet": [device.ip],
                "inet6": [],
                "physical": device.mac,
            }
        ],
        "serialNumber": device.serial if "s1" in device.serial_in else None,
        "modelName": "VMware Virtual Platform" if device.kind == "server" else "OptiPlex 7010",
        "totalMemory": 32768 if device.kind == "server" else 16384,
        "cpuCount": 1,
        "coreCount": 8 if device.kind == "server" else 4,
        "userActionsNeeded": [],
        "firewallEnabled": True,
        "encryptedApplications": True,
        "networkQuarantineEnabled": False,
        "tags": {"sentinelone": []},
    }


def render_agents(state: SimState) -> Rendered:
    world = state.world
    by_agent = threats_by_agent(world)
    # Unsure: the console may hide decommissioned agents unless asked; we list them, flagged.
    records = [
        render_agent(world, d, a, by_agent.get(a["id"], []))
        for d in world.devices
        for a in d.s1_agents
        if a["registered_at"] <= world.clock and d.created_at <= world.clock
    ]
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def digest(text: str, algorithm: str) -> str:
    return hashlib.new(algorithm, text.encode()).hexdigest()


def mitigation_events(threat: Threat, clock: int) -> list[tuple[int, str, str]]:
    """(at, action, status) of the policy's own mitigation and of every action sent since."""
    events = []
    if upto(threat.mitigated_at, clock) is not None and threat.mitigated_by == "agent_policy":
        events.append((threat.mitigated_at, threat.mitigation_action, "success"))
    return events + [event for event in threat.actions if event[0] <= clock]


def mitigation_items(threat: Threat, clock: int) -> list[dict]:
    return [
        mitigation_item(action, status, at)
        for at, action, status in mitigation_events(threat, clock)
    ]


def mitigation_item(action: str, status: str, at: int) -> dict:
    done = int(status == "success")
    return {
        "action": action,
        "status": status,
        "actionsCounters": {
            "success": done,
            "failed": 1 - done,
            "pendingReboot": 0,
            "notFound": 0,
            "total": 1,
        },
        "mitigationStartedAt": ts(at),
        "mitigationEndedAt": ts(at),
        "lastUpdate": ts(at),
        "latestReport": None,
        "reportId": None,
        "groupNotFound": False,
        "agentSupportsReport": True,
    }


def render_threat(world: World, threat: Threat, agent_threats: list[Threat]) -> dict:
    clock, device, agent = world.clock, threat.device, threat.agent
    mitigated, resolved = upto(threat.mitigated_at, clock), upto(threat.resolved_at, clock)
    os_type, _ = os_facts(device.os_name)
    where = scope(world, device.tenant)
    updated = latest(
        threat.created_at,
        mitigated,
        resolved,
        threat.touched_at,
        *(at for at, _, _ in threat.actions if at <= clock),
    )
    verdict = (
        "undefined"
        if resolved is None
        else ("true_positive" if threat.confidence == "malicious" else "suspicious")
    )
    stale = device.last_seen_at is not None and device.last_seen_at < clock
    return {
        "id": threat.id,
        "threatInfo": {
            "threatId": threat.id,
            "threatName": threat.name,
            "classification": threat.classification,
            "classificationSource": "Static",
            "confidenceLevel": threat.confidence,
            "analystVerdict": verdict,
            "incidentStatus": "resolved" if resolved else "unresolved",
            "mitigationStatus": "mitigated" if mitigated else "not_mitigated",
            "initiatedBy": "agent_policy",
            "detectionType": "static",
            "sha1": threat.sha1,
            "sha256": digest(threat.sha1, "sha256"),
            "md5": digest(threat.sha1, "md5"),
            "filePath": threat.file_path,
            "fileSize": int(threat.sha1[:5], 16),
            "storyline": threat.sha1[:16].upper(),
            "createdAt": ts(threat.created_at),
            "updatedAt": ts(updated),
            "identifiedAt": ts(threat.created_at),
            "mitigatedPreemptively": False,
            "rebootRequired": False,
            "pendingActions": False,
            "failedActions": False,
            "automaticallyResolved": False,
            "externalTicketId": None,
        },
        "agentRealtimeInfo": {
            "agentId": agent["id"],
            "agentComputerName": agent["name"],
            "agentUuid": agent["uuid"],
            "accountId": where["accountId"],
            "accountName": where["accountName"],
            "siteId": where["siteId"],
            "siteName": where["siteName"],
            "groupId": where["groupId"],
            "agentOsType": os_type,
            "agentNetworkStatus": network_status(device, agent, clock),
            "agentIsActive": not stale and upto(agent["decommissioned_at"], clock) is None,
            "agentVersion": agent["version"],
            "activeThreats": active_threats(agent_threats, clock),
        },
        "agentDetectionInfo": {
            "accountId": where["accountId"],
            "siteId": where["siteId"],
            "groupId": where["groupId"],
            "agentIpV4": device.ip,
            "externalIp": f"203.0.113.{device.tenant.index % 250 + 1}",
            "agentVersion": agent["version"],
            "agentOsName": device.os_name,
            "agentLastLoggedInUserName": f"user{int(agent['id']) % 97}",
            "agentMitigationMode": "protect",
        },
        "mitigationStatus": mitigation_items(threat, clock),
        "indicators": [],
        "whiteningOptions": ["hash", "path"],
        "containerInfo": {},
        "kubernetesInfo": {},
    }


def render_threats(state: SimState) -> Rendered:
    world = state.world
    by_agent = threats_by_agent(world)
    records = [
        render_threat(world, t, by_agent[t.agent["id"]])
        for t in world.threats
        if t.created_at <= world.clock
    ]
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def activity(
    world: World,
    kind: str,
    at: int,
    device: Device,
    agent: dict,
    threat: Threat | None,
    text: str,
    extra: dict | None = None,
) -> dict:
    key = f"{kind}|{agent['id']}|{threat.id if threat else ''}|{at}"
    number = int(digest(key, "sha256")[:15], 16)
    where = scope(world, device.tenant)
    os_type, _ = os_facts(device.os_name)
    return {
        "id": str(10**18 + number % (9 * 10**18)),
        "activityType": ACTIVITY_TYPES[kind],
        "activityUuid": digest(key, "md5"),
        "primaryDescription": text,
        "secondaryDescription": device.ip,
        "description": None,
        "comments": None,
        **where,
        "agentId": agent["id"],
        "agentUpdatedVersion": None,
        "threatId": threat.id if threat else None,
        "userId": None,
        "osFamily": os_type,
        "hash": threat.sha1 if threat else None,
        "data": {
            "computerName": agent["name"],
            "accountName": where["accountName"],
            "siteName": where["siteName"],
            **(extra or {}),
        },
        "createdAt": ts(at),
        "updatedAt": ts(at),
    }


def threat_activities(world: World, threat: Threat) -> list[dict]:
    clock, device, agent = world.clock, threat.device, threat.agent
    name = agent["name"]
    found = [
        activity(
            world,
            "threat_detected",
            threat.created_at,
            device,
            agent,
            threat,
            f"Threat {threat.name} detected on {name}",
            {"threatClassification": threat.classification, "confidenceLevel": threat.confidence},
        )
    ]
    for at, action, status in mitigation_events(threat, clock):
        found.append(
            activity(
                world,
                "threat_mitigated",
                at,
                device,
                agent,
                threat,
                f"Threat {threat.name} on {name}: {action} {status}",
                {"action": action},
            )
        )
    return found


def agent_activities(world: World, device: Device, agent: dict) -> list[dict]:
    clock, found = world.clock, []
    decommissioned = upto(agent["decommissioned_at"], clock)
    if decommissioned is not None:
        found.append(
            activity(
                world,
                "agent_decommissioned",
                decommissioned,
                device,
                agent,
                None,
                f"Agent {agent['name']} was decommissioned",
            )
        )
    for at, status in agent.get("network_log", ()):
        if at <= clock:
            kind = "network_disconnected" if status == "disconnected" else "network_connected"
            verb = "disconnected from" if status == "disconnected" else "reconnected to"
            found.append(
                activity(
                    world,
                    kind,
                    at,
                    device,
                    agent,
                    None,
                    f"Agent {agent['name']} was {verb} the network",
                )
            )
    return found


def render_activities(state: SimState) -> Rendered:
    """Activities are derived from the events of threats and agents; modest on purpose."""
    world = state.world
    records = [
        a for t in world.threats if t.created_at <= world.clock for a in threat_activities(world, t)
    ]
    records += [
        a for d in world.devices for agent in d.s1_agents for a in agent_activities(world, d, agent)
    ]
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)
