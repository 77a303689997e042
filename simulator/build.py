"""Populate a World from its spec: companies, devices, then the history of events.

Each step reads its own random stream, so adding a step later does not reshuffle the others.
"""

from __future__ import annotations

import math
import random

from simulator import names
from simulator.world import (
    DAY,
    HOUR,
    KIND_CODES,
    PRIORITIES,
    SLA_TIERS,
    BackupRun,
    Device,
    Incident,
    NetworkAlert,
    Note,
    Tenant,
    Threat,
    Ticket,
    VeeamJob,
    World,
    numeric_id,
    stable_uuid,
)


def populate(world: World) -> None:
    make_tenants(world)
    for tenant in world.tenants:
        make_contacts(world, tenant)
        make_devices(world, tenant)
    assign_vendor_records(world)
    make_incidents(world)
    make_tickets(world)
    make_threats(world)
    make_network_alerts(world)
    make_backups(world)


def make_tenants(world: World) -> None:
    r = world.rng.stream("tenants")
    spec = world.spec
    places = r.sample(names.PLACE_WORDS, k=min(spec.tenants, len(names.PLACE_WORDS)))
    noisy = set(r.sample(range(spec.tenants), k=max(1, spec.tenants // 7)))
    used_codes: set[str] = set()
    for i in range(spec.tenants):
        place = places[i % len(places)] + ("" if i < len(places) else f" {i // len(places) + 1}")
        industry, suffix = names.INDUSTRY_WORDS[r.randrange(len(names.INDUSTRY_WORDS))]
        name = f"{place} {industry}" + (f" {suffix}" if suffix else "")
        words = (place + " " + industry).replace("-", " ").split()
        code = unique_code(words, used_codes)
        slug = "".join(w.lower() for w in words)
        world.tenants.append(
            Tenant(
                key=f"T{i + 1:03d}",
                index=i,
                name=name,
                identifier="".join(words)[:25],
                short_code=code,
                domain=f"{slug}.test",
                domain_prefix="-".join(w.lower() for w in words),
                sla_tier=r.choices(list(SLA_TIERS), weights=[3, 4, 3])[0],
                is_noisy=i in noisy,
                server_backup="veeam" if r.random() < 0.65 else "cove",
                has_workstation_backup=r.random() < 0.6,
                cw_company_id=250 + 7 * i,
                s1_account_id=numeric_id(r),
                s1_site_id=numeric_id(r),
                veeam_company_uid=world_uuid(r),
                veeam_server_uid=world_uuid(r),
                cove_partner_id=2_674_800 + 13 * i,
                auvik_tenant_id=numeric_id(r),
                created_at=spec.start - r.randrange(200, 2000) * DAY,
                city=names.CITIES[r.randrange(len(names.CITIES))],
                street=f"{r.randrange(10, 999)} {r.choice(names.STREETS)}",
            )
        )


def unique_code(words: list[str], used: set[str]) -> str:
    """A short device-name prefix from the company's initials, made unique with a digit."""
    letters = "".join(w[0] for w in words) + words[0][1:]
    code = letters.upper()[:3]
    n = 1
    while code in used:
        code = letters.upper()[:2] + str(n)
        n += 1
    used.add(code)
    return code


def world_uuid(r: random.Random) -> str:
    return stable_uuid(r)


def make_contacts(world: World, tenant: Tenant) -> None:
    r = world.rng.stream("contacts", tenant.key)
    for j in range(r.randrange(4, 12)):
        first, last = r.choice(names.FIRST_NAMES), r.choice(names.LAST_NAMES)
        world.contacts.append(
            {
                "id": 4400 + 40 * tenant.index + j,
                "tenant": tenant,
                "first_name": first,
                "last_name": last,
                "title": r.choice(names.TITLES),
                "email": f"{first.lower()}.{last.lower()}@{tenant.domain}",
                "phone": f"555{r.randrange(1000, 9999)}",
                "is_default": j == 0,
                "inactive": r.random() < 0.05,
                "updated_at": world.spec.start - r.randrange(1, 300) * DAY,
            }
        )


def device_counts(world: World, tenant: Tenant) -> dict[str, int]:
    r = world.rng.stream("sizes", tenant.key)
    total = max(8, round(world.spec.devices_per_tenant * r.uniform(0.6, 1.4)))
    if tenant.index == world.spec.tenants - 1:  # the last tenant tops the estate up to its size
        so_far = sum(1 for _ in world.devices)
        total = max(8, world.spec.tenants * world.spec.devices_per_tenant - so_far)
    servers = max(1, round(total * 0.1))
    aps = max(1, round(total * 0.09))
    switches = max(1, round(total * 0.04))
    firewalls = 1 + (total > 70)
    return {
        "server": servers,
        "access_point": aps,
        "switch": switches,
        "firewall": firewalls,
        "workstation": max(1, total - servers - aps - switches - firewalls),
    }


def make_devices(world: World, tenant: Tenant) -> None:
    r = world.rng.stream("devices", tenant.key)
    spec = world.spec
    for kind, count in device_counts(world, tenant).items():
        for n in range(1, count + 1):
            host = (
                f"{tenant.short_code}-{KIND_CODES[kind]}-{n:03d}"
                if kind in ("workstation", "server")
                else f"{tenant.short_code.lower()}-{KIND_CODES[kind].lower()}-{n:02d}"
            )
            new_in_history = r.random() < 0.05
            created = (
                spec.start + r.randrange(0, spec.days) * DAY + r.randrange(DAY)
                if new_in_history
                else spec.start - r.randrange(30, 1500) * DAY
            )
            stale = kind == "workstation" and r.random() < 0.04
            last_seen = (
                spec.start + r.randrange(0, spec.days - 5) * DAY + r.randrange(DAY)
                if stale
                else None
            )
            if last_seen is not None and last_seen < created:
                last_seen = created + 2 * DAY
            world.devices.append(
                Device(
                    key=f"{tenant.key}-D{len(world.devices) + 1:05d}",
                    tenant=tenant,
                    kind=kind,
                    hostname=host,
                    mac=":".join(f"{b:02x}" for b in [0x00, 0x1C, 0x42, *r.randbytes(3)]),
                    serial="".join(
                        r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10)
                    ),
                    os_name=os_for(r, kind),
                    ip=f"10.{tenant.index + 10}.{1 + len(world.devices) // 250 % 250}."
                    f"{len(world.devices) % 250 + 2}",
                    created_at=created,
                    last_seen_at=last_seen,
                )
            )


def os_for(r: random.Random, kind: str) -> str:
    if kind == "workstation":
        return r.choices(["Windows 11 Pro", "Windows 10 Pro", "macOS 14"], weights=[6, 3, 1])[0]
    if kind == "server":
        return r.choices(
            ["Windows Server 2022 Standard", "Windows Server 2019 Standard", "Ubuntu 22.04"],
            weights=[5, 3, 1],
        )[0]
    return {"firewall": "FortiOS 7.2", "switch": "IOS 15.2", "access_point": "UniFi 6.5"}[kind]


def assign_vendor_records(world: World) -> None:
    """Decide in which tool each device appears and how each tool spells it (identity drift)."""
    r = world.rng.stream("presence")
    cw_id, cove_id = 9000, 610_000
    for device in world.devices:
        t = device.tenant
        is_host = device.kind in ("workstation", "server")
        serial_in = {"cw", "s1", "auvik"}
        if r.random() < 0.08:
            serial_in.discard(r.choice(["cw", "s1", "auvik"]))
        device.serial_in = frozenset(serial_in)
        if r.random() > 0.03:  # a few devices were never documented in the PSA
            cw_id += 1
            device.cw_config_id = cw_id
            device.cw_name = device.hostname.upper() if is_host else device.hostname
            if r.random() < 0.03:
                device.cw_name = f"{device.cw_name} (old)"
        if is_host and r.random() > 0.04:  # some devices miss their EDR agent
            make_agent(world, r, device, device.created_at, registered_copy=False)
            if r.random() < 0.02:  # a reinstalled agent leaves an old, decommissioned record
                make_agent(
                    world,
                    r,
                    device,
                    device.created_at + r.randrange(5, 40) * DAY,
                    registered_copy=True,
                )
        covered_by_veeam = device.kind == "server" and t.server_backup == "veeam"
        covered_by_cove = (device.kind == "server" and t.server_backup == "cove") or (
            device.kind == "workstation" and t.has_workstation_backup
        )
        if device.kind == "server" and t.server_backup == "veeam" and r.random() < 0.15:
            covered_by_cove = True  # a second copy to the cloud
        if r.random() < 0.05:  # forgotten in backup altogether
            covered_by_veeam = covered_by_cove = False
        if covered_by_veeam:
            device.veeam_object_uid = stable_uuid(r)
            device.veeam_name = device.fqdn if r.random() < 0.5 else device.hostname.lower()
        if covered_by_cove:
            cove_id += 1
            device.cove_account_id = cove_id
        in_auvik = not is_host or device.kind == "server" or r.random() < 0.6
        if in_auvik:
            device.auvik_device_id = auvik_id(r)
            device.auvik_name = (
                device.fqdn if is_host and r.random() < 0.3 else device.hostname.lower()
            )
            if device.last_seen_at is not None and r.random() < 0.5:
                device.auvik_deleted_at = device.last_seen_at + r.randrange(3, 20) * DAY


def make_agent(
    world: World, r: random.Random, device: Device, registered: int, registered_copy: bool
) -> None:
    agent = {
        "id": numeric_id(r, 19),
        "uuid": r.randbytes(16).hex(),
        "registered_at": registered,
        "decommissioned_at": None,
        "version": r.choice(["24.1.4.257", "23.4.2.14", "24.2.1.320"]),
        "name": (
            device.hostname
            if not device.os_name.startswith(("macOS", "Ubuntu"))
            else device.hostname.lower()
        ),
    }
    if registered_copy:  # the older record is decommissioned when the new one registers
        old = device.s1_agents[-1]
        old["decommissioned_at"] = registered
    device.s1_agents.append(agent)


def auvik_id(r: random.Random) -> str:
    import base64

    raw = f"{r.randrange(10**17, 10**18)},{r.randrange(10**17, 10**18)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def alive(device: Device, at: int) -> bool:
    return device.created_at <= at and (device.last_seen_at is None or at <= device.last_seen_at)


def make_incidents(world: World) -> None:
    spec = world.spec
    for tenant in world.tenants:
        r = world.rng.stream("incidents", tenant.key)
        devices = [d for d in world.devices if d.tenant is tenant]
        by_kind = {k: [d for d in devices if d.kind == k] for k in KIND_CODES}
        total_days = spec.days + spec.horizon_days
        count = poisson(r, total_days / (5 if tenant.is_noisy else 10))
        for _ in range(count):
            kind = r.choices(["network_outage", "server_failure", "malware"], weights=[3, 2, 3])[0]
            pool = {
                "network_outage": by_kind["firewall"],
                "server_failure": by_kind["server"],
                "malware": by_kind["workstation"] + by_kind["server"],
            }[kind]
            start = spec.start + r.randrange(total_days * DAY)
            pool = [d for d in pool if alive(d, start)]
            if not pool:
                continue
            device = r.choice(pool)
            duration = r.randrange(20 * 60, 6 * HOUR)
            world.incidents.append(
                Incident(
                    id=f"INC-{tenant.key}-{len(world.incidents) + 1:05d}",
                    tenant=tenant,
                    kind=kind,
                    device=device,
                    started_at=start,
                    ended_at=start + duration,
                )
            )
    world.incidents.sort(key=lambda i: (i.started_at, i.id))


def poisson(r: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


def make_tickets(world: World) -> None:
    """Service tickets with weekly seasonality, plus one NOC ticket per incident."""
    spec = world.spec
    drafts: list[dict] = []
    contacts = {t.key: [c for c in world.contacts if c["tenant"] is t] for t in world.tenants}
    for tenant in world.tenants:
        r = world.rng.stream("tickets", tenant.key)
        size = sum(1 for d in world.devices if d.tenant is tenant)
        base = size * 0.05 * (3.0 if tenant.is_noisy else 1.0)
        for day in range(spec.days + spec.horizon_days):
            day_start = spec.start + day * DAY
            weekday = ((day_start // DAY) + 3) % 7  # 0 = Monday
            lam = base * (1.25 if weekday < 5 else 0.2)
            for _ in range(poisson(r, lam)):
                hour = r.choices(range(24), weights=[1] * 7 + [6] * 10 + [2] * 7)[0]
                drafts.append(
                    dict(
                        tenant=tenant,
                        board="Help Desk",
                        r=r,
                        entered=day_start + hour * HOUR + r.randrange(HOUR),
                        summary=r.choice(names.TICKET_SUMMARIES).format(
                            floor=r.choice(["2nd", "3rd", "ground"])
                        ),
                        priority=r.choices(
                            [p[0] for p in PRIORITIES], weights=[p[3] for p in PRIORITIES]
                        )[0],
                        contact=r.choice(contacts[tenant.key])["id"],
                        incident=None,
                        source=r.choice(["Email", "Portal", "Phone"]),
                    )
                )
    for inc in world.incidents:
        r = world.rng.stream("incident-ticket", inc.id)
        drafts.append(
            dict(
                tenant=inc.tenant,
                board="NOC Alerts",
                r=r,
                entered=inc.started_at + r.randrange(120, 900),
                summary=names.INCIDENT_SUMMARIES[inc.kind].format(host=inc.device.hostname),
                priority=1 if inc.kind != "malware" else 2,
                contact=None,
                incident=inc,
                source="Monitoring",
            )
        )
    drafts.sort(key=lambda d: (d["entered"], d["tenant"].key, d["summary"]))
    for n, draft in enumerate(drafts):
        world.tickets.append(draft_ticket(world, 48_000 + n, draft))
    add_merges_and_deletes(world)
    make_notes(world)


def draft_ticket(world: World, ticket_id: int, d: dict) -> Ticket:
    r: random.Random = world.rng.stream("ticket", ticket_id)
    tenant: Tenant = d["tenant"]
    _, _, _, _, respond_h, resolve_h = PRIORITIES[d["priority"] - 1]
    factor = SLA_TIERS[tenant.sla_tier]
    respond_target, resolve_target = round(respond_h * 60 * factor), round(resolve_h * 60 * factor)
    respond_min = max(1, round(r.lognormvariate(math.log(respond_target * 0.3), 0.9)))
    resolve_min = max(
        respond_min + 5, round(r.lognormvariate(math.log(resolve_target * 0.35), 0.9))
    )
    entered = d["entered"]
    waiting = entered + respond_min * 60 + r.randrange(600) if r.random() < 0.15 else None
    resolved = entered + resolve_min * 60
    if waiting is not None and waiting >= resolved:
        waiting = None
    incident = d["incident"]
    ticket = Ticket(
        id=ticket_id,
        tenant=tenant,
        board=d["board"],
        summary=d["summary"][:100],
        priority=d["priority"],
        entered_at=entered,
        respond_target_min=respond_target,
        resolve_target_min=resolve_target,
        responded_at=entered + respond_min * 60,
        resolved_at=resolved,
        closed_at=resolved + r.randrange(0, 2 * DAY),
        waiting_from=waiting,
        contact_id=d["contact"],
        owner=r.choice(names.MEMBERS),
        source=d["source"],
        incident_id=incident.id if incident else None,
        config_ids=[incident.device.cw_config_id]
        if incident and incident.device.cw_config_id
        else [],
        initial_description=f"{d['summary']}. Reported via {d['source'].lower()}.",
    )
    if r.random() < 0.06:  # a few tickets stay open for a long time
        ticket.resolved_at = ticket.closed_at = None
    return ticket


def add_merges_and_deletes(world: World) -> None:
    r = world.rng.stream("merges")
    by_tenant: dict[str, list[Ticket]] = {}
    for t in world.tickets:
        by_tenant.setdefault(t.tenant.key, []).append(t)
    for t in world.tickets:
        roll = r.random()
        if roll < 0.005:
            t.deleted_at = t.entered_at + r.randrange(HOUR, 3 * DAY)
        elif roll < 0.015 and t.board == "Help Desk":
            earlier = [
                p
                for p in by_tenant[t.tenant.key]
                if 0 < t.entered_at - p.entered_at < DAY and p.board == "Help Desk"
            ]
            if earlier:
                parent = earlier[-1]
                t.merged_into, t.merged_at = parent.id, t.entered_at + r.randrange(600, 4 * HOUR)
                t.responded_at = min(t.responded_at or t.merged_at, t.merged_at)
                t.resolved_at = t.closed_at = t.merged_at


def make_notes(world: World) -> None:
    note_id = 300_000
    for t in world.tickets:
        r = world.rng.stream("notes", t.id)
        entries = [(t.entered_at, "detail", t.initial_description, "api")]
        if t.responded_at:
            entries.append((t.responded_at, "internal", "Looking into this now.", t.owner))
        if t.resolved_at and not t.merged_into:
            entries.append(
                (
                    t.resolved_at,
                    "resolution",
                    r.choice(
                        [
                            "Fixed and confirmed with user.",
                            "Resolved remotely.",
                            "Replaced hardware; user confirmed.",
                        ]
                    ),
                    t.owner,
                )
            )
        for at, kind, text, who in entries:
            note_id += 1
            world.notes.append(Note(note_id, t.id, text, at, kind, who or "api"))


def make_threats(world: World) -> None:
    spec = world.spec
    for inc in world.incidents:
        if inc.kind != "malware":
            continue
        r = world.rng.stream("incident-threats", inc.id)
        hosts = [
            d
            for d in world.devices
            if d.tenant is inc.tenant
            and d.s1_agents
            and d.kind in ("workstation", "server")
            and alive(d, inc.started_at)
        ]
        victims = [inc.device] if inc.device.s1_agents else []
        victims += r.sample(hosts, k=min(len(hosts), r.randrange(0, 3)))
        for device in dict.fromkeys(victims):
            add_threat(world, r, device, inc.started_at + r.randrange(0, 1800), "malicious", inc.id)
    for tenant in world.tenants:
        r = world.rng.stream("background-threats", tenant.key)
        hosts = [d for d in world.devices if d.tenant is tenant and d.s1_agents]
        for _ in range(poisson(r, (spec.days + spec.horizon_days) / 6)):
            at = spec.start + r.randrange((spec.days + spec.horizon_days) * DAY)
            live = [d for d in hosts if alive(d, at)]
            if live:
                add_threat(world, r, r.choice(live), at, "suspicious", None)
    make_open_server_threats(world)
    world.threats.sort(key=lambda t: (t.created_at, t.id))


def add_threat(
    world: World,
    r: random.Random,
    device: Device,
    at: int,
    confidence: str,
    incident_id: str | None,
) -> Threat:
    name, classification = r.choice(names.THREAT_NAMES)
    if confidence == "suspicious":
        name, classification = "PUA.Toolbar", "PUA"
    agent = current_agent(device, at)
    mitigated = at + r.randrange(5, 1800) if r.random() < 0.9 else at + r.randrange(HOUR, 3 * DAY)
    threat = Threat(
        id=numeric_id(r, 19),
        device=device,
        agent=agent,
        name=name,
        classification=classification,
        confidence=confidence,
        created_at=at,
        mitigated_at=mitigated,
        resolved_at=mitigated + r.randrange(600, 2 * DAY),
        sha1=r.randbytes(20).hex(),
        file_path=f"C:\\Users\\{r.choice(names.FIRST_NAMES).lower()}\\Downloads\\"
        f"{r.choice(['invoice', 'setup', 'update', 'scan'])}_{r.randrange(100, 999)}.exe",
        incident_id=incident_id,
    )
    world.threats.append(threat)
    return threat


def current_agent(device: Device, at: int) -> dict:
    live = [a for a in device.s1_agents if a["registered_at"] <= at]
    return live[-1] if live else device.s1_agents[0]


def make_open_server_threats(world: World) -> None:
    """A few high-severity threats on servers that nothing mitigates: the containment case."""
    r = world.rng.stream("open-threats")
    servers = [
        d for d in world.devices if d.kind == "server" and d.s1_agents and alive(d, world.spec.now)
    ]
    for device in r.sample(servers, k=min(len(servers), max(1, world.spec.tenants // 8))):
        at = world.spec.now - r.randrange(2 * HOUR, 2 * DAY)
        threat = add_threat(world, r, device, at, "malicious", None)
        threat.name, threat.classification = "Ransom.Locky", "Ransomware"
        threat.mitigated_at = threat.resolved_at = None


def make_network_alerts(world: World) -> None:
    spec = world.spec
    for inc in world.incidents:
        r = world.rng.stream("incident-alerts", inc.id)
        if inc.kind == "malware":
            continue
        affected = [inc.device]
        if inc.kind == "network_outage":
            near = [
                d
                for d in world.devices
                if d.tenant is inc.tenant
                and d.kind in ("switch", "access_point")
                and alive(d, inc.started_at)
            ]
            affected += r.sample(near, k=min(len(near), r.randrange(1, 4)))
        for device in affected:
            if device.auvik_device_id:
                add_alert(
                    world,
                    r,
                    device,
                    "Device Offline",
                    "critical" if device is inc.device else "warning",
                    inc.started_at + r.randrange(30, 300),
                    inc.ended_at,
                    inc.id,
                )
    for tenant in world.tenants:
        r = world.rng.stream("noise-alerts", tenant.key)
        watched = [
            d
            for d in world.devices
            if d.tenant is tenant and d.auvik_device_id and d.kind != "workstation"
        ]
        rate = len(watched) * (0.25 if tenant.is_noisy else 0.06)
        for day in range(spec.days + spec.horizon_days):
            for _ in range(poisson(r, rate)):
                device = r.choice(watched)
                at = spec.start + day * DAY + r.randrange(DAY)
                if alive(device, at):
                    name, severity = r.choice(names.AUVIK_NOISE_ALERTS)
                    add_alert(
                        world, r, device, name, severity, at, at + r.randrange(120, 4 * HOUR), None
                    )
    world.alerts.sort(key=lambda a: (a.detected_at, a.id))


def add_alert(
    world: World,
    r: random.Random,
    device: Device,
    name: str,
    severity: str,
    at: int,
    resolved: int | None,
    incident_id: str | None,
) -> None:
    world.alerts.append(
        NetworkAlert(
            id=auvik_id(r),
            device=device,
            name=name,
            severity=severity,
            detected_at=at,
            resolved_at=resolved,
            incident_id=incident_id,
            definition_id=str(sum(map(ord, name)) * 97),
        )
    )


def make_backups(world: World) -> None:
    """Nightly backup runs per covered device, with slow degradations and incident failures."""
    outages = {}
    for inc in world.incidents:
        if inc.kind == "server_failure":
            outages.setdefault(inc.device.key, []).append((inc.started_at, inc.ended_at + 6 * HOUR))
    for tenant in world.tenants:
        servers = [d for d in world.devices if d.tenant is tenant and d.veeam_object_uid]
        r = world.rng.stream("veeam-jobs", tenant.key)
        if servers:
            groups = [servers] if len(servers) < 5 else [servers[::2], servers[1::2]]
            for g, group in enumerate(groups):
                world.veeam_jobs.append(
                    VeeamJob(
                        uid=stable_uuid(r),
                        tenant=tenant,
                        name=["Servers nightly", "Servers nightly B"][g],
                        devices=group,
                        created_at=min(d.created_at for d in group),
                    )
                )
    for device in world.devices:
        for product in ("veeam", "cove"):
            covered = device.veeam_object_uid if product == "veeam" else device.cove_account_id
            if covered:
                device_runs(world, device, product, outages.get(device.key, []))
    world.runs.sort(key=lambda run: (run.started_at, run.device.key, run.product))
    jobs_by_device = {d.key: j for j in world.veeam_jobs for d in j.devices}
    for run in world.runs:
        if run.product == "veeam":
            run.job_uid = jobs_by_device[run.device.key].uid


def device_runs(world: World, device: Device, product: str, outages: list[tuple[int, int]]) -> None:
    spec = world.spec
    r = world.rng.stream("runs", device.key, product)
    total = spec.days + spec.horizon_days
    degrade_start = degrade_fail = degrade_end = -1
    if r.random() < (0.12 if product == "veeam" else 0.05):
        degrade_start = r.randrange(0, total)
        degrade_fail = degrade_start + r.randrange(2, 6)
        degrade_end = degrade_fail + (r.randrange(1, 5) if r.random() < 0.7 else 10_000)
    for day in range(total):
        start = spec.start + day * DAY + 22 * HOUR + r.randrange(0, 90 * 60)
        if start < device.created_at:
            continue
        if device.last_seen_at is not None and start > device.last_seen_at:
            if product == "cove":
                world.runs.append(
                    BackupRun(
                        device,
                        product,
                        start,
                        start,
                        "Missed",
                        failure="Device offline; session not started",
                    )
                )
            continue
        status, failure = "Success", None
        roll = r.random()
        if degrade_start <= day < degrade_fail:
            status, failure = "Warning", "Low free space on target; processing slowed"
        elif degrade_fail <= day < degrade_end:
            status, failure = "Failed", "Error: Unable to write to repository: no space left"
        elif any(a <= start <= b for a, b in outages):
            status, failure = "Failed", "Error: Unable to connect to the host"
        elif roll < 0.015:
            status, failure = "Failed", "Error: VSS snapshot failed"
        elif roll < 0.04:
            status, failure = "Warning", "Some files were skipped (in use)"
        duration = r.randrange(10 * 60, 3 * HOUR) if status != "Failed" else r.randrange(60, 1200)
        world.runs.append(
            BackupRun(device, product, start, start + duration, status, failure=failure)
        )
