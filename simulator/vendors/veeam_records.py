"""VSPC v3 records read from the world at its clock: companies, backup servers, jobs,
protected VMs, repositories and active alarms, plus the job-start write.

A job session is the set of per-device Veeam runs of one night (grouped by the UTC day they
started) or of one start made through the API (the pairs kept in `VeeamJob.runs`). VSPC keeps
only the last session on the job; older ones are reachable only through the world's truth.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass

from simulator.emulator import Rendered, SimState, iso
from simulator.world import DAY, BackupRun, Device, Tenant, VeeamJob, World

PROVIDER_NAME = "Bluefin Managed Services"
RETENTION_DAYS = 14
WORST = {"Success": 0, "Warning": 1, "Failed": 2, "Missed": 2}


def stable_uid(*keys: object) -> str:
    digest = hashlib.sha256(repr(("veeam", *keys)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def stable_int(low: int, high: int, *keys: object) -> int:
    digest = hashlib.sha256(repr(("veeam-int", *keys)).encode()).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low)


def ts(value: int | None) -> str | None:
    return iso(value, "veeam")


@dataclass
class Session:
    started: int
    ended: int
    status: str
    runs: list[BackupRun]

    @property
    def failure(self) -> str | None:
        return next((r.failure for r in self.runs if r.status != "Success" and r.failure), None)


def sessions_by_job(world: World) -> dict[str, list[Session]]:
    """Every finished session of every job, oldest first."""
    at = world.clock
    manual = {j.uid: {(s, e) for s, e, _ in j.runs} for j in world.veeam_jobs}
    groups: dict[tuple, list[BackupRun]] = {}
    for run in world.runs:
        if run.product != "veeam" or run.ended_at > at or run.job_uid is None:
            continue
        pair = (run.started_at, run.ended_at)
        key = pair if pair in manual.get(run.job_uid, ()) else run.started_at // DAY
        groups.setdefault((run.job_uid, key), []).append(run)
    out: dict[str, list[Session]] = {j.uid: [] for j in world.veeam_jobs}
    for (job_uid, _), runs in groups.items():
        status = max((r.status for r in runs), key=WORST.__getitem__)
        out[job_uid].append(
            Session(
                min(r.started_at for r in runs),
                max(r.ended_at for r in runs),
                "Failed" if status == "Missed" else status,
                runs,
            )
        )
    for sessions in out.values():
        sessions.sort(key=lambda s: (s.ended, s.started))
    return out


def veeam_tenants(world: World) -> list[Tenant]:
    with_jobs = {j.tenant.key for j in world.veeam_jobs}
    return [t for t in world.tenants if t.key in with_jobs]


def provider_uid(world: World) -> str:
    return stable_uid(world.spec.seed, "provider")


def server_name(tenant: Tenant) -> str:
    return f"VBR-{tenant.short_code}-01"


def render_companies(state: SimState, expand: bool) -> Rendered:
    world = state.world
    rows = [(provider_uid(world), PROVIDER_NAME, None)]
    rows += [(t.veeam_company_uid, t.name_in("veeam"), t) for t in veeam_tenants(world)]
    records = []
    for uid, name, tenant in rows:
        record = {
            "instanceUid": uid,
            "name": name,
            "status": "Active",
            "resellerUid": None,
            "subscriptionPlanUid": None,
            "isRestAccessEnabled": tenant is None,
            "isAlarmDetectEnabled": True,
            "loginUrl": None,
            "companyServices": {
                "hostedServices": {"isVbPublicCloudManagementEnabled": False},
                "remoteServices": {
                    "isBackupResourcesEnabled": True,
                    "backupAgentsManagement": None,
                    "backupServersManagement": None,
                    "vb365ServersManagement": None,
                    "isVbPublicCloudManagementEnabled": False,
                },
            },
        }
        if expand:
            record["_embedded"] = {"organization": organization(world, uid, name, tenant)}
        records.append(record)
    return Rendered.of(records)


def organization(world: World, uid: str, name: str, tenant: Tenant | None) -> dict:
    city, region, zip_code = tenant.city if tenant else ("Brookhaven", "OR", "97001")
    return {
        "instanceUid": uid,
        "name": name,
        "alias": tenant.identifier if tenant else "Bluefin",
        "type": "Company" if tenant else "Provider",
        "taxId": None,
        "email": f"it@{tenant.domain}" if tenant else "noc@bluefin-msp.test",
        "phone": "5550100",
        "country": 840,
        "countryName": "United States",
        "regionName": region,
        "city": city,
        "street": tenant.street if tenant else "1 Harbor St",
        "zipCode": zip_code,
        "website": f"www.{tenant.domain}" if tenant else None,
        "notes": None,
        "veeamTenantId": None,
        "companyId": None,
    }


def render_backup_servers(state: SimState) -> Rendered:
    return Rendered.of(
        [
            {
                "instanceUid": t.veeam_server_uid,
                "name": server_name(t),
                "organizationUid": t.veeam_company_uid,
                "locationUid": stable_uid(t.key, "location"),
                "managementAgentUid": stable_uid(t.key, "agent"),
                "version": "12.1.2.172",
                "displayVersion": "12.1.2.172 P20240315",
                "installationUid": stable_uid(t.key, "vbr"),
                "backupServerRoleType": "Client",
                "status": "Healthy",
                "inHighAvailabilityCluster": False,
            }
            for t in veeam_tenants(state.world)
        ]
    )


def render_jobs(state: SimState) -> Rendered:
    sessions = sessions_by_job(state.world)
    return Rendered.of(
        [
            job_record(job, sessions[job.uid])
            for job in state.world.veeam_jobs
            if job.created_at <= state.world.clock
        ]
    )


def job_record(job: VeeamJob, sessions: list[Session]) -> dict:
    t, last = job.tenant, (sessions[-1] if sessions else None)
    durations = [s.ended - s.started for s in sessions]
    transferred = sum(device_size(r.device) // 20 for r in last.runs) if last else None
    return {
        "instanceUid": job.uid,
        "originalUid": stable_uid(job.uid, "original"),
        "uniqueUid": stable_uid(job.uid, "unique"),
        "name": job.name,
        "description": "",
        "createdBy": f"{t.short_code}\\svc-veeam",
        "creationTime": ts(job.created_at),
        "backupServerUid": t.veeam_server_uid,
        "locationUid": stable_uid(t.key, "location"),
        "organizationUid": t.veeam_company_uid,
        "siteUid": None,
        "mappedOrganizationUid": t.veeam_company_uid,
        "status": last.status if last else "None",
        "type": "BackupVm",
        "lastRun": ts(last.started) if last else None,
        "lastEndTime": ts(last.ended) if last else None,
        "lastDuration": durations[-1] if last else None,
        "avgDuration": sum(durations) // len(durations) if durations else None,
        "processingRate": (transferred // max(1, durations[-1])) if last else None,
        "transferredData": transferred,
        "backupChainSize": sum(device_size(d) for d in job.devices) if last else None,
        "bottleneck": "Source" if last else "None",
        "isEnabled": True,
        "scheduleType": "Daily",
        "failureMessage": last.failure if last and last.status != "Success" else None,
        "targetType": "Local",
        "destination": "Repo-01",
        "retentionLimit": RETENTION_DAYS,
        "retentionLimitType": "Days",
        "isGfsOptionEnabled": False,
        "lastSessionTasks": [task_record(job, r) for r in last.runs] if last else [],
    }


def task_record(job: VeeamJob, run: BackupRun) -> dict:
    d, ok = run.device, run.status != "Failed"
    return {
        "instanceUid": stable_uid(job.uid, d.key, run.started_at, "task"),
        "objectUid": object_uid(d),
        "objectName": d.veeam_name,
        "totalObjects": 1,
        "processedObjects": 1 if ok else 0,
        "readDataSize": device_size(d) // 8 if ok else 0,
        "transferredDataSize": device_size(d) // 20 if ok else 0,
        "startTime": ts(run.started_at),
        "endTime": ts(run.ended_at),
        "duration": run.ended_at - run.started_at,
        "failureMessages": [run.failure] if run.failure and run.status != "Success" else [],
        "status": "Failed" if run.status == "Missed" else run.status,
    }


def device_size(device: Device) -> int:
    return stable_int(40, 900, device.key, "size") * 1024**3


def object_uid(device: Device) -> str:
    """The VM's id inside Veeam Backup & Replication, which task rows point at."""
    return stable_uid(device.veeam_object_uid, "object")


def veeam_runs_by_device(world: World) -> dict[str, list[BackupRun]]:
    at, out = world.clock, {}
    for run in world.runs:
        if run.product == "veeam" and run.ended_at <= at:
            out.setdefault(run.device.key, []).append(run)
    for runs in out.values():
        runs.sort(key=lambda r: (r.ended_at, r.started_at))
    return out


def render_vms(state: SimState) -> Rendered:
    world, at = state.world, state.world.clock
    runs = veeam_runs_by_device(world)
    job_of = {d.key: j for j in world.veeam_jobs for d in j.devices}
    records = []
    for d in protected_devices(world):
        kept = [r for r in runs.get(d.key, []) if r.status in ("Success", "Warning")]
        recent = [r for r in kept if r.ended_at > at - RETENTION_DAYS * DAY]
        size = device_size(d)
        records.append(
            {
                "instanceUid": d.veeam_object_uid,
                "backupServerUid": d.tenant.veeam_server_uid,
                "organizationUid": d.tenant.veeam_company_uid,
                "name": d.veeam_name,
                "hierarchyRef": f"vm-{stable_int(1000, 9999, d.key, 'ref')}",
                "parentHostRef": f"host-{d.tenant.index + 10}",
                "objectUid": object_uid(d),
                "ipAddresses": [d.ip],
                "provisionedSourceSize": size * 2,
                "usedSourceSize": size,
                "totalRestorePointSize": size // 2 + len(recent) * size // 20,
                "latestRestorePointSize": size // 20 if kept else 0,
                "restorePoints": len(recent),
                "latestRestorePointDate": ts(kept[-1].ended_at) if kept else None,
                "jobUid": job_of[d.key].uid if d.key in job_of else None,
                "malwareState": "Clean",
                "immutable": False,
            }
        )
    return Rendered.of(records)


def protected_devices(world: World) -> list[Device]:
    """The VMs VSPC lists, in its internal order: the order they were last written.

    Without a `sort`, records come back in that order, so a VM re-written while a client pages
    (the drift fault) moves to the end and plain offset paging shifts under the client.
    """
    live = [d for d in world.devices if d.veeam_object_uid and d.created_at <= world.clock]
    return sorted(live, key=lambda d: d.touched_at.get("veeam", 0))


def touch_vm(world: World, r: random.Random) -> None:
    """Drift: one protected VM is re-written (its details re-synced from the hypervisor)."""
    live = protected_devices(world)
    if live:
        live[r.randrange(len(live))].touched_at["veeam"] = world.clock


def render_repositories(state: SimState, expand: bool) -> Rendered:
    world = state.world
    vms = render_vms(state).records
    records = []
    for t in veeam_tenants(world):
        record = {
            "instanceUid": stable_uid(t.key, "repository"),
            "name": "Repo-01",
            "backupServerUid": t.veeam_server_uid,
        }
        if expand:
            backup = sum(
                v["totalRestorePointSize"]
                for v in vms
                if v["backupServerUid"] == t.veeam_server_uid
            )
            capacity = stable_int(8, 40, t.key, "capacity") * 1024**4
            used = backup + capacity // 50
            record["_embedded"] = {
                "parentRepositoryUid": None,
                "perVMBackupFiles": True,
                "capacity": capacity,
                "freeSpace": capacity - used,
                "usedSpace": used,
                "backupSize": backup,
                "isCapacityAvailable": True,
                "isFreeSpaceAvailable": True,
                "isUsedSpaceAvailable": True,
                "isImmutabilityEnabled": False,
                "immutabilityInterval": None,
                "type": "Windows",
                "cloudRepositoryUid": None,
                "path": "D:\\Backups",
                "hostName": server_name(t),
                "hostUid": t.veeam_server_uid,
                "isOutOfDate": False,
                "status": "Healthy",
                "isCloud": False,
            }
        records.append(record)
    return Rendered.of(records)


def render_alarms(state: SimState) -> Rendered:
    """One active alarm per job whose last session failed; a later success resolves it."""
    world, sessions = state.world, sessions_by_job(state.world)
    records = []
    for job in world.veeam_jobs:
        history = sessions[job.uid]
        if not history or history[-1].status != "Failed":
            continue
        streak = len(history) - max(
            (i + 1 for i, s in enumerate(history) if s.status != "Failed"), default=0
        )
        first, last, t = history[-streak], history[-1], job.tenant
        records.append(
            {
                "instanceUid": stable_uid(job.uid, first.started, "alarm"),
                "alarmTemplateUid": stable_uid("template", "job-state"),
                "repeatCount": streak,
                "area": "vspc",
                "object": {
                    "instanceUid": stable_uid(job.uid, "alarm-object"),
                    "type": "BackupServerJob",
                    "organizationUid": t.veeam_company_uid,
                    "locationUid": stable_uid(t.key, "location"),
                    "managementAgentUid": stable_uid(t.key, "agent"),
                    "computerName": server_name(t),
                    "objectUid": job.uid,
                    "objectName": job.name,
                },
                "lastActivation": {
                    "instanceUid": stable_uid(job.uid, last.started, "activation"),
                    "time": ts(last.ended),
                    "status": "Error",
                    "message": f"Job {job.name} finished with error: {last.failure}",
                    "remark": "",
                },
            }
        )
    return Rendered.of(records)


def start_job(world: World, job: VeeamJob) -> None:
    """Run the job now: one task per live device, whose result follows the device's health.

    Known limit: a job started through the API finishes within the same simulated second, since
    the clock moves only on request; clients never see it in the Running state.
    """
    at = world.clock
    latest = veeam_runs_by_device(world)
    statuses = []
    for d in job.devices:
        if d.created_at > at or (d.last_seen_at is not None and d.last_seen_at < at):
            continue
        last = latest.get(d.key, [None])[-1]
        failed = last is not None and last.status == "Failed"
        world.runs.append(
            BackupRun(
                d,
                "veeam",
                at,
                at,
                "Failed" if failed else "Success",
                job_uid=job.uid,
                failure=last.failure if failed else None,
            )
        )
        statuses.append("Failed" if failed else "Success")
    job.runs.append((at, at, max(statuses or ["Success"], key=WORST.__getitem__)))
    world.touch()
