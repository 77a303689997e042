"""The simulated MSP estate: one seeded timeline of companies, devices, tickets, alerts,
threats and backups, from which every vendor emulator and the ground truth are read.

The world is a pure function of its spec. Each record carries the timestamps of its life
(created, responded, resolved, deleted, ...) so that what any API shows "now" is just the
timeline cut at the simulated clock; moving the clock closes tickets and mitigates threats
without any further randomness. Writes made through the emulators change records in place.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

DAY = 86_400
HOUR = 3_600
DEFAULT_START = int(datetime(2026, 9, 1, tzinfo=UTC).timestamp())

KINDS = ("workstation", "server", "firewall", "switch", "access_point")
KIND_CODES = {
    "workstation": "WS",
    "server": "SRV",
    "firewall": "FW",
    "switch": "SW",
    "access_point": "AP",
}
PRIORITIES = (  # (id, name, sort, share, respond hours, resolve hours) for the Gold tier
    (1, "Priority 1 - Critical", 1, 0.03, 1, 4),
    (2, "Priority 2 - High", 2, 0.12, 2, 8),
    (3, "Priority 3 - Normal", 3, 0.60, 4, 24),
    (4, "Priority 4 - Low", 4, 0.25, 8, 72),
)
LEGAL_SUFFIXES = {"Inc", "LLC", "LLP", "Ltd", "Co", "PC"}
SLA_TIERS = {"Gold": 1.0, "Silver": 1.5, "Bronze": 2.0}


@dataclass(frozen=True)
class WorldSpec:
    seed: int = 7
    tenants: int = 20
    days: int = 90
    devices_per_tenant: int = 50
    start: int = DEFAULT_START
    horizon_days: int = 60

    @property
    def now(self) -> int:
        """The clock at which the world opens: the end of its history."""
        return self.start + self.days * DAY

    @property
    def end(self) -> int:
        return self.now + self.horizon_days * DAY


@dataclass(eq=False)
class Tenant:
    key: str
    index: int
    name: str
    identifier: str
    short_code: str
    domain: str
    domain_prefix: str
    sla_tier: str
    is_noisy: bool
    server_backup: str  # "veeam" or "cove"
    has_workstation_backup: bool
    cw_company_id: int
    s1_account_id: str
    s1_site_id: str
    veeam_company_uid: str
    veeam_server_uid: str
    cove_partner_id: int
    auvik_tenant_id: str
    created_at: int
    city: tuple[str, str, str] = ("", "", "")
    street: str = ""

    def name_in(self, vendor: str) -> str:
        """How each tool spells the company: names drift between tools as people type them."""
        words = self.name.split()
        bare = " ".join(w for w in words if w not in LEGAL_SUFFIXES)
        return {
            "sentinelone": bare,  # EDR consoles get the short name
            "auvik": self.name + ("." if words[-1] in LEGAL_SUFFIXES else ""),
            "veeam": self.name.upper(),
            "cove": f"{bare} ({self.domain})",
        }.get(vendor, self.name)


@dataclass(eq=False)
class Device:
    key: str
    tenant: Tenant
    kind: str
    hostname: str
    mac: str
    serial: str
    os_name: str
    ip: str
    created_at: int
    last_seen_at: int | None  # None: alive to the end of the timeline
    cw_config_id: int | None = None
    cw_name: str | None = None
    s1_agents: list[dict] = field(default_factory=list)
    veeam_object_uid: str | None = None
    veeam_name: str | None = None
    cove_account_id: int | None = None
    auvik_device_id: str | None = None
    auvik_name: str | None = None
    auvik_deleted_at: int | None = None
    serial_in: frozenset[str] = frozenset()
    network_status: str = "connected"
    network_status_at: int = 0
    touched_at: dict[str, int] = field(default_factory=dict)  # vendor -> last drift touch

    @property
    def fqdn(self) -> str:
        return f"{self.hostname.lower()}.corp.{self.tenant.domain}"


@dataclass(eq=False)
class Ticket:
    id: int
    tenant: Tenant
    board: str  # "Help Desk" or "NOC Alerts"
    summary: str
    priority: int
    entered_at: int
    respond_target_min: int
    resolve_target_min: int
    responded_at: int | None
    resolved_at: int | None
    closed_at: int | None
    waiting_from: int | None = None
    deleted_at: int | None = None
    merged_into: int | None = None
    merged_at: int | None = None
    contact_id: int | None = None
    owner: str | None = None
    source: str = "Email"
    config_ids: list[int] = field(default_factory=list)
    incident_id: str | None = None
    initial_description: str = ""
    created_by_api: bool = False
    updates: list[tuple[int, str, object]] = field(default_factory=list)


@dataclass(eq=False)
class Note:
    id: int
    ticket_id: int
    text: str
    created_at: int
    kind: str  # detail, internal, resolution
    created_by: str


@dataclass(eq=False)
class Threat:
    id: str
    device: Device
    agent: dict
    name: str
    classification: str
    confidence: str  # malicious or suspicious
    created_at: int
    mitigated_at: int | None
    resolved_at: int | None
    sha1: str
    file_path: str
    incident_id: str | None = None
    mitigation_action: str = "quarantine"
    mitigated_by: str = "agent_policy"
    actions: list[tuple[int, str, str]] = field(default_factory=list)  # at, action, status
    touched_at: int | None = None


@dataclass(eq=False)
class NetworkAlert:
    id: str
    device: Device
    name: str
    severity: str
    detected_at: int
    resolved_at: int | None
    incident_id: str | None = None
    definition_id: str = ""
    dismissed_at: int | None = None


@dataclass(eq=False)
class BackupRun:
    device: Device
    product: str  # veeam or cove
    started_at: int
    ended_at: int
    status: str  # Success, Warning, Failed, Missed
    job_uid: str | None = None
    failure: str | None = None


@dataclass(eq=False)
class Incident:
    id: str
    tenant: Tenant
    kind: str
    device: Device
    started_at: int
    ended_at: int


@dataclass(eq=False)
class VeeamJob:
    uid: str
    tenant: Tenant
    name: str
    devices: list[Device]
    created_at: int
    runs: list[tuple[int, int, str]] = field(default_factory=list)  # started, ended, status


class Rng:
    """Independent, stable random streams: one per named part of the world."""

    def __init__(self, seed: int):
        self.seed = seed

    def stream(self, *keys: object) -> random.Random:
        digest = hashlib.sha256(repr((self.seed, *keys)).encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))


def stable_uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def numeric_id(r: random.Random, digits: int = 18) -> str:
    return str(r.randrange(10 ** (digits - 1), 10**digits))


class World:
    """Holds every record of the estate and the simulated clock."""

    def __init__(self, spec: WorldSpec):
        self.spec = spec
        self.clock = spec.now
        self.rng = Rng(spec.seed)
        self.tenants: list[Tenant] = []
        self.devices: list[Device] = []
        self.contacts: list[dict] = []
        self.tickets: list[Ticket] = []
        self.notes: list[Note] = []
        self.threats: list[Threat] = []
        self.alerts: list[NetworkAlert] = []
        self.incidents: list[Incident] = []
        self.runs: list[BackupRun] = []
        self.veeam_jobs: list[VeeamJob] = []
        self.version = 0
        from simulator import build

        build.populate(self)

    def touch(self) -> None:
        """Mark the world changed, so emulators re-read it."""
        self.version += 1

    def advance(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError(f"advance needs a positive number of seconds, got {seconds}")
        if self.clock + seconds > self.spec.end:
            raise ValueError(
                f"advancing {seconds} s passes the end of the simulated timeline "
                f"({self.spec.horizon_days} days after the start clock); build the world with a "
                "larger horizon_days"
            )
        self.clock += seconds
        self.touch()

    def next_ticket_id(self) -> int:
        # Known limit: tickets made through the API take ids from 900000 up, because the
        # timeline's own future tickets already hold the ids after today's; ids therefore do not
        # follow creation order across the two kinds.
        return max(900_000, max(t.id for t in self.tickets) + 1)

    def next_note_id(self) -> int:
        return max(n.id for n in self.notes) + 1
